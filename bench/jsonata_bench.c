/*
 * jsonata_bench.c SUITE_DIR — times engine/jsonata*.c on the reference
 * suite's result cases, as bench/jsonata/bench.mjs times the npm package:
 * one line per case, "group/case<TAB>ns per evaluation", the expression
 * compiled once and evaluated against its (already parsed) input until at
 * least 20 ms have passed (at least 3 runs). Built by tests/jsonata.mk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "jsonata.h"
#include "tools/dirlist.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *suite;

static void bench_case(const char *id, json_t *tc)
{
    const char *expr = json_string_value(json_object_get(tc, "expr"));
    if (!expr || json_object_get(tc, "code") || json_object_get(tc, "error") || json_object_get(tc, "timelimit") ||
        !json_object_get(tc, "result"))
        return;
    json_t *input = json_object_get(tc, "data"), *loaded = NULL;
    const char *ds = json_string_value(json_object_get(tc, "dataset"));
    if (!input && ds) {
        char p[2048];
        snprintf(p, sizeof p, "%s/datasets/%s.json", suite, ds);
        input = loaded = json_load_file(p, JSON_DECODE_ANY, NULL);
    }
    json_t *bindings = json_object_get(tc, "bindings");
    jsonata_error err;
    jsonata_expr *e = jsonata_compile(expr, strlen(expr), &err);
    json_t *out = NULL;
    if (e && jsonata_evaluate(e, input, bindings, NULL, &out, &err) == 0) {
        json_decref(out);
        long runs = 0;
        double start = now_ns(), elapsed = 0;
        while (runs < 3 || elapsed < 20e6) {
            out = NULL;
            jsonata_evaluate(e, input, bindings, NULL, &out, &err);
            json_decref(out);
            runs++;
            elapsed = now_ns() - start;
            if (runs >= 100000) break;
        }
        printf("%s\t%.0f\n", id, elapsed / (double)runs);
    }
    jsonata_free(e);
    json_decref(loaded);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SUITE_DIR\n", argv[0]);
        return 2;
    }
    suite = argv[1];
    char gdir[1024];
    snprintf(gdir, sizeof gdir, "%s/groups", suite);
    size_t ng;
    char **groups = dirlist(gdir, &ng);
    for (size_t g = 0; g < ng; g++) {
        char dir[2048];
        snprintf(dir, sizeof dir, "%s/%s", gdir, groups[g]);
        size_t nf;
        char **files = dirlist(dir, &nf);
        for (size_t i = 0; i < nf; i++) {
            size_t l = strlen(files[i]);
            if (l > 5 && strcmp(files[i] + l - 5, ".json") == 0) {
                char path[4096], id[4096];
                snprintf(path, sizeof path, "%s/%s", dir, files[i]);
                json_t *doc = json_load_file(path, JSON_DECODE_ANY, NULL);
                files[i][l - 5] = 0;
                if (json_is_array(doc)) {
                    for (size_t k = 0; k < json_array_size(doc); k++) {
                        snprintf(id, sizeof id, "%s/%s[%zu]", groups[g], files[i], k);
                        bench_case(id, json_array_get(doc, k));
                    }
                } else if (doc) {
                    snprintf(id, sizeof id, "%s/%s", groups[g], files[i]);
                    bench_case(id, doc);
                }
                json_decref(doc);
            }
            free(files[i]);
        }
        free(files);
        free(groups[g]);
    }
    free(groups);
    return 0;
}
