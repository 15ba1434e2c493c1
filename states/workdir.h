/*
 * workdir.h — the per-execution work directory shared by the pipeline
 * plugins that write page images (preprocess, pdftext): header-only, since
 * each plugin is its own shared object.
 *
 * DATA_DIR/work/<execution_id>/ — the execution id is reduced to
 * [A-Za-z0-9_-] so that no id can name a path outside work/. A retried task
 * writes the same file names again, so a retry never accumulates pages.
 */
#ifndef YOGI_STATES_WORKDIR_H
#define YOGI_STATES_WORKDIR_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "yogi/plugin.h"

static inline int workdir_make(const char *data_dir, const char *execution_id, char *dir,
                               size_t len, yogi_error *err)
{
    char id[128];
    size_t n = 0;
    for (const char *p = execution_id && *execution_id ? execution_id : "adhoc";
         *p && n + 1 < sizeof id; p++) {
        bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        id[n++] = safe ? *p : '_';
    }
    id[n] = '\0';
    char parent[4096];
    if ((size_t)snprintf(parent, sizeof parent, "%s/work", data_dir) >= sizeof parent ||
        (size_t)snprintf(dir, len, "%s/%s", parent, id) >= len)
        return yogi_fail(err, "States.Runtime", "data directory path too long");
    if ((mkdir(parent, 0700) != 0 && errno != EEXIST) || (mkdir(dir, 0700) != 0 && errno != EEXIST))
        return yogi_fail(err, "States.Runtime", "cannot create %s: %s", dir, strerror(errno));
    return YOGI_OK;
}

#endif
