/*
 * jsonata_suite.c — runs the JSONata reference test suite against
 * engine/jsonata*.c: build/tests/jsonata_suite_runner SUITE_DIR [SKIPS] [GROUP].
 *
 * A case (groups/G/caseN.json, or one member of an array in such a file) has
 * expr (or expr-file), data or dataset, bindings, timelimit, depth and one of
 * result / undefinedResult / code. A case passes when the evaluation gives
 * the expected JSON (numbers compared as doubles, object key order ignored),
 * undefined, or an error with the expected code. Cases listed in SKIPS
 * ("group/case reason" lines) are reported as skipped with their reason.
 * Output: one TAP line per case, then per-group failure counts and the pass
 * rate (passed / all cases, skipped ones counting as not passed).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dirlist.h"
#include "jsonata.h"

static bool same(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x == y || fabs(x - y) <= 1e-13 * fmax(fabs(x), fabs(y));
    }
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            json_t *w = json_object_get(b, k);
            if (!w || !same(v, w)) return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

static json_t *skips;
static const char *suite;
static int total, passed, skipped, failed;
static json_t *group_failures;

/* "" when it passes, else why not (static buffer) */
static const char *run_case(json_t *tc, const char *dir, char *why, size_t whylen)
{
    const char *expr = json_string_value(json_object_get(tc, "expr"));
    char *owned = NULL;
    if (!expr && json_is_string(json_object_get(tc, "expr-file"))) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, json_string_value(json_object_get(tc, "expr-file")));
        expr = owned = read_text(p);
    }
    if (!expr) { snprintf(why, whylen, "no expression"); return why; }
    json_t *input = json_object_get(tc, "data");
    json_t *loaded = NULL;
    const char *ds = json_string_value(json_object_get(tc, "dataset"));
    if (!json_object_get(tc, "data") && ds) {
        char p[1024];
        snprintf(p, sizeof p, "%s/datasets/%s.json", suite, ds);
        loaded = json_load_file(p, JSON_DECODE_ANY, NULL);
        input = loaded;
    }
    jsonata_limits lim = {0};
    if (json_is_integer(json_object_get(tc, "depth"))) lim.max_depth = (int)json_integer_value(json_object_get(tc, "depth"));
    if (json_is_integer(json_object_get(tc, "timelimit"))) lim.time_limit_ms = (long)json_integer_value(json_object_get(tc, "timelimit"));
    jsonata_error err;
    json_t *out = NULL;
    int rc = -1;
    jsonata_expr *e = jsonata_compile(expr, strlen(expr), &err);
    if (e) rc = jsonata_evaluate(e, input, json_object_get(tc, "bindings"), &lim, &out, &err);
    why[0] = 0;
    const char *code = json_string_value(json_object_get(tc, "code"));
    if (!code) code = json_string_value(json_object_get(json_object_get(tc, "error"), "code"));
    json_t *expect = json_object_get(tc, "result");
    if (code) {
        if (rc == 0) {
            char *s = out ? json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("undefined");
            snprintf(why, whylen, "expected error %s, got %.200s", code, s);
            free(s);
        } else if (strcmp(err.code, code) != 0) {
            snprintf(why, whylen, "expected error %s, got %s: %.200s", code, err.code, err.message);
        }
    } else if (rc != 0) {
        snprintf(why, whylen, "error %s: %.300s", err.code, err.message);
    } else if (json_is_true(json_object_get(tc, "undefinedResult")) || !json_object_get(tc, "result")) {
        if (out) {
            char *s = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
            snprintf(why, whylen, "expected undefined, got %.200s", s);
            free(s);
        }
    } else if (!out || !same(out, expect)) {
        char *s = out ? json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("undefined");
        char *x = json_dumps(expect, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(why, whylen, "expected %.200s, got %.200s", x, s);
        free(s);
        free(x);
    }
    json_decref(out);
    jsonata_free(e);
    json_decref(loaded);
    free(owned);
    return why;
}

static void report(const char *group, const char *name, json_t *tc, const char *dir)
{
    char id[512], why[1024];
    snprintf(id, sizeof id, "%s/%s", group, name);
    total++;
    const char *reason = json_string_value(json_object_get(skips, id));
    if (reason) {
        skipped++;
        printf("ok %d %s # SKIP %s\n", total, id, reason);
        return;
    }
    run_case(tc, dir, why, sizeof why);
    if (!why[0]) {
        passed++;
        printf("ok %d %s\n", total, id);
        return;
    }
    failed++;
    const char *expr = json_string_value(json_object_get(tc, "expr"));
    printf("not ok %d %s\n# expr: %.300s\n# %s\n", total, id, expr ? expr : "(file)", why);
    json_t *n = json_object_get(group_failures, group);
    json_object_set_new(group_failures, group, json_integer(n ? json_integer_value(n) + 1 : 1));
}

static void load_skips(const char *path)
{
    skips = json_object();
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *sp = strchr(line, ' ');
        if (!sp) continue;
        *sp = 0;
        json_object_set_new(skips, line, json_string(sp + 1));
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SUITE_DIR [SKIPS] [GROUP]\n", argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "-e") && argc > 2) {
        /* debugging aid: -e EXPR [INPUT_JSON] */
        json_t *in = argc > 3 ? json_loads(argv[3], JSON_DECODE_ANY, NULL) : NULL;
        jsonata_error err;
        json_t *out = NULL;
        jsonata_expr *e = jsonata_compile(argv[2], strlen(argv[2]), &err);
        int rc = e ? jsonata_evaluate(e, in, NULL, NULL, &out, &err) : -1;
        if (rc) printf("error %s at %zu: %s\n", err.code, err.position, err.message);
        else if (!out) printf("undefined\n");
        else { char *s = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT); printf("%s\n", s); free(s); }
        json_decref(out); json_decref(in); jsonata_free(e);
        return rc ? 1 : 0;
    }
    suite = argv[1];
    load_skips(argc > 2 ? argv[2] : NULL);
    const char *only = argc > 3 ? argv[3] : NULL;
    group_failures = json_object();
    char gdir[1024];
    snprintf(gdir, sizeof gdir, "%s/groups", suite);
    size_t ng;
    char **groups = dirlist(gdir, &ng);
    for (size_t g = 0; g < ng; g++) {
        if (only && strcmp(only, groups[g]) != 0) {
            free(groups[g]);
            continue;
        }
        char dir[2048];
        snprintf(dir, sizeof dir, "%s/%s", gdir, groups[g]);
        size_t nf;
        char **files = dirlist(dir, &nf);
        for (size_t i = 0; i < nf; i++) {
            size_t l = strlen(files[i]);
            if (l < 5 || strcmp(files[i] + l - 5, ".json") != 0) {
                free(files[i]);
                continue;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            json_t *doc = json_load_file(path, JSON_DECODE_ANY, NULL);
            files[i][l - 5] = 0;
            if (json_is_array(doc)) {
                for (size_t k = 0; k < json_array_size(doc); k++) {
                    char name[600];
                    snprintf(name, sizeof name, "%s[%zu]", files[i], k);
                    report(groups[g], name, json_array_get(doc, k), dir);
                }
            } else if (doc) {
                report(groups[g], files[i], doc, dir);
            }
            json_decref(doc);
            free(files[i]);
        }
        free(files);
        free(groups[g]);
    }
    free(groups);
    const char *k;
    json_t *v;
    json_object_foreach(group_failures, k, v) printf("# group %-32s %lld failed\n", k, (long long)json_integer_value(v));
    printf("# %d cases: %d passed, %d failed, %d skipped; pass rate %.2f%%\n", total, passed, failed, skipped,
           total ? 100.0 * passed / total : 0);
    json_decref(group_failures);
    json_decref(skips);
    return failed ? 1 : 0;
}
