/*
 * fuzz_jsonpath.c — libFuzzer harness for engine/jsonpath.c: the input is
 * a path ($..., $$...), checked (asl_path_check) and evaluated against a
 * fixed document (asl_path_get) and as a ResultPath (asl_result_path).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *doc, *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!doc) {
        doc = json_loads("{\"a\":{\"b\":[1,2,{\"c\":\"x\"}],\"d e\":null},\"n\":[[1],[2,3]],"
                         "\"s\":\"str\",\"f\":1.5}", 0, NULL);
        ctx = json_loads("{\"Execution\":{\"Id\":\"e\"},\"Task\":{\"Token\":\"t\"}}", 0, NULL);
    }
    if (size > 4096) return 0;
    char *path = malloc(size + 1);
    if (!path) return 0;
    memcpy(path, data, size);
    path[size] = '\0';
    char why[256];
    asl_path_check(path, false, why, sizeof why);
    asl_path_check(path, true, why, sizeof why);
    json_t *out = NULL;
    yogi_error err;
    if (asl_path_get(path, doc, ctx, &out, &err) == 0) json_decref(out);
    json_t *p = json_string(path); /* NULL when not UTF-8 */
    if (p) {
        out = NULL;
        json_t *result = json_integer(7);
        if (asl_result_path(p, doc, result, &out, &err) == 0) json_decref(out);
        json_decref(result);
        json_decref(p);
    }
    free(path);
    return 0;
}
