/*
 * dirlist.c — sorted directory listing shared by the JSONata suite runner
 * (tests/tools/jsonata_suite.c) and benchmark (bench/jsonata_bench.c), so
 * both walk the suite in the same order.
 */
#include "dirlist.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **dirlist(const char *path, size_t *n)
{
    DIR *d = opendir(path);
    *n = 0;
    if (!d) return NULL;
    size_t cap = 64;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (v) qsort(v, *n, sizeof *v, cmp_names);
    return v;
}
