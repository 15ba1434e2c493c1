/*
 * engine_workflows.c — registering workflows: parse and validate a
 * definition, store it as a new version, and the definition cache.
 *
 * A version is new when its source text is (SHA-256 of the text as
 * written): registering the latest version's text again returns that
 * version.
 * Executions keep running the version they started with; definition_for()
 * caches each name@version once, and branches point into that cached
 * object, so an entry is never replaced. At open, every file in the
 * workflow directory is registered; a file that does not validate is
 * reported on stderr and skipped, not fatal.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"
#include "hash.h"
#include "host_error.h"
#include "journal.h"
#include "workflow.h"

static bool resource_known(const char *resource, void *ud)
{
    engine *e = ud;
    char plugin[256], path[PATH_MAX];
    json_t *config = NULL;
    char activity[ACTIVITY_NAME_MAX];
    if (resource_activity(e, resource, activity)) return true; /* served by remote workers */
    if (!resource_resolve(e, resource, plugin, sizeof plugin, &config)) return false;
    json_decref(config);
    snprintf(path, sizeof path, "%s/%s.so", e->plugin_dir ? e->plugin_dir : ".", plugin);
    return access(path, R_OK) == 0;
}

static void diags_to_cause(const workflow_diags *d, const char *name, yogi_error *err)
{
    size_t n = 0;
    err->cause[0] = '\0';
    for (size_t i = 0; i < d->count && n + 1 < sizeof err->cause; i++) {
        const workflow_diag *g = &d->items[i];
        n += (size_t)snprintf(err->cause + n, sizeof err->cause - n, "%s%s:%d:%d: %s: %s",
                              i ? "\n" : "", name, g->line, g->column, g->code, g->message);
    }
    snprintf(err->name, sizeof err->name, "InvalidDefinition");
}

json_t *definition_for(engine *e, const char *name, int version)
{
    char key[512];
    snprintf(key, sizeof key, "%s@%d", name, version);
    json_t *def = json_object_get(e->definitions, key);
    if (def) return def;
    json_t *w = journal_get_workflow(e->store, name, version);
    if (!w) return NULL;
    def = json_object_get(w, "definition");
    json_object_set(e->definitions, key, def);
    json_decref(w);
    return json_object_get(e->definitions, key);
}

int engine_put_workflow(engine *e, const char *name, const char *text, size_t len,
                        yogi_error *err)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse(name, text, len, &diags);
    if (!doc || !workflow_validate(doc, resource_known, e, &diags)) {
        diags_to_cause(&diags, name, err);
        workflow_diags_clear(&diags);
        workflow_free(doc);
        return -1;
    }
    /* A version is new when its text is: SHA-256 of the source as written. */
    char *source = strndup(text, len), fp[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", text, len, fp);
    int version = 0, rc = -1;
    if (store_begin(e->store, err) == 0) {
        rc = journal_put_workflow(e->store, name, source, workflow_definition(doc), fp, wall_clock_ms(),
                                  &version, err);
        if (rc == 0) rc = store_commit(e->store, err);
        else store_rollback(e->store);
    }
    free(source);
    workflow_diags_clear(&diags);
    workflow_free(doc);
    return rc == 0 ? version : -1;
}

json_t *engine_list_workflows(engine *e)
{
    return journal_list_workflows(e->store);
}

json_t *engine_get_workflow(engine *e, const char *name, int version)
{
    json_t *w = journal_get_workflow(e->store, name, version);
    if (w) json_object_del(w, "sha");
    return w;
}

/* Register every *.yaml, *.yml, *.json in the workflow directory. A missing
 * directory means no workflows (0); one that exists but cannot be read is
 * Engine.WorkflowDir (-1), since the service would start without them. */
int engine_register_workflow_dir(engine *e, yogi_error *err)
{
    DIR *d = opendir(e->workflow_dir);
    if (!d && errno == ENOENT) return 0; /* no workflows to register is not an error */
    if (!d)
        return host_fail(err, "Engine.WorkflowDir", "cannot read the workflow directory %s: %s",
                         e->workflow_dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *dot = strrchr(de->d_name, '.');
        if (de->d_name[0] == '.' || !dot ||
            (strcmp(dot, ".yaml") && strcmp(dot, ".yml") && strcmp(dot, ".json")))
            continue;
        char path[PATH_MAX], name[256];
        snprintf(path, sizeof path, "%s/%s", e->workflow_dir, de->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(dot - de->d_name), de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *text = malloc(WORKFLOW_MAX_BYTES + 1);
        size_t n = text ? fread(text, 1, WORKFLOW_MAX_BYTES + 1, f) : 0;
        fclose(f);
        yogi_error werr = {{0}, {0}};
        if (text && engine_put_workflow(e, name, text, n, &werr) < 0)
            fprintf(stderr, "yogi: workflow %s not registered: %s\n%s\n", path, werr.name,
                    werr.cause);
        free(text);
    }
    closedir(d);
    return 0;
}
