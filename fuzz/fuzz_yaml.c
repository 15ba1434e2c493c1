/*
 * fuzz_yaml.c — libFuzzer harness for the workflow loader (engine/workflow.c,
 * libyaml underneath) and its validator: any bytes, parsed as a workflow
 * file, then validated and turned into a definition when they parse.
 */
#include <stdint.h>
#include <stdlib.h>

#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool any_resource(const char *resource, void *ud)
{
    (void)resource, (void)ud;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("fuzz", (const char *)data, size, &diags);
    if (doc) {
        if (workflow_validate(doc, any_resource, NULL, &diags) && !workflow_definition(doc)) abort();
        int line, col;
        workflow_position(doc, "/States", &line, &col);
        workflow_free(doc);
    }
    workflow_diags_clear(&diags);
    return 0;
}
