/*
 * routes_workflows.c — list, read and register workflow definitions.
 *
 * PUT takes the YAML (or JSON) text as the body and hands it to the engine,
 * which validates it and keeps every distinct text as a new version; an
 * execution keeps the version it started with. Validation problems come back
 * as 400 InvalidDefinition with one "line:column: message" string per
 * problem in error.diagnostics.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const char *const definition_types[] = {
    "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
    "application/json", "text/plain",
};

static bool definition_type(const char *ct)
{
    if (!ct) return false;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < sizeof definition_types / sizeof definition_types[0]; i++)
        if (strlen(definition_types[i]) == n && !strncasecmp(ct, definition_types[i], n))
            return true;
    return false;
}

void workflows_list_h(api_request *r)
{
    json_t *list = engine_list_workflows(r->a->e);
    if (!list) {
        reply_error(r, 503, "Engine.Storage", "cannot list workflows");
        return;
    }
    size_t i;
    json_t *w;
    json_array_foreach(list, i, w) json_time_to_iso(w, "created", 1); /* stored in ms */
    reply_json(r, 200, json_pack("{s:o}", "workflows", list));
}

void workflows_get_h(api_request *r)
{
    long version;
    if (!request_query_int(r, "version", 1, 1000000000, 0, &version)) return;
    json_t *wf = engine_get_workflow(r->a->e, r->params[0], (int)version);
    if (!wf) {
        reply_error(r, 404, "StateMachineDoesNotExist", "no workflow '%s'%s", r->params[0],
                    version ? " at that version" : "");
        return;
    }
    json_time_to_iso(wf, "created", 1);
    reply_json(r, 200, wf);
}

/* 400 with every diagnostic line of the engine's cause. */
static void reply_invalid_definition(api_request *r, const yogi_error *err)
{
    json_t *diags = json_array();
    const char *p = err->cause;
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (n) json_array_append_new(diags, json_stringn(p, n));
        p += n + (p[n] == '\n');
    }
    json_t *body = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "InvalidDefinition", "message",
                             "the workflow definition is not valid", "diagnostics", diags);
    reply_json(r, 400, body);
}

void workflows_put_h(api_request *r)
{
    if (!definition_type(request_header(r, "Content-Type"))) {
        reply_error(r, 415, "UnsupportedMediaType",
                    "send the definition as application/yaml (or application/json)");
        return;
    }
    size_t len;
    const unsigned char *text = request_body(r, &len);
    if (!text) {
        reply_error(r, 400, "InvalidDefinition", "the definition is empty");
        return;
    }
    yogi_error err = {{0}, {0}};
    int version = engine_put_workflow(r->a->e, r->params[0], (const char *)text, len, &err);
    if (version < 0) {
        if (!strcmp(err.name, "InvalidDefinition")) reply_invalid_definition(r, &err);
        else reply_yogi_error(r, &err);
        return;
    }
    reply_json(r, 200, json_pack("{s:s,s:i}", "name", r->params[0], "version", version));
}
