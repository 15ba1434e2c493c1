/*
 * paths.c — where yogi finds its plugins and workflows.
 *
 * A binary run from a build tree (.../build/yogi) uses the plugins built
 * beside it and the repository's workflows/, so `build/yogi run ...` works
 * without installing. An installed binary (PREFIX/bin/yogi) uses
 * PREFIX/lib/yogi/states and PREFIX/share/yogi/workflows. YOGI_PLUGIN_DIR
 * and YOGI_WORKFLOW_DIR override both.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

static const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0]) return dir;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0) {
        snprintf(dir, sizeof dir, ".");
        return dir;
    }
    dir[n] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    return dir;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *resolve(char *buf, size_t len, const char *env, const char *beside,
                           const char *installed)
{
    const char *v = getenv(env);
    if (v && *v) return v;
    snprintf(buf, len, "%s/%s", exe_dir(), beside);
    if (is_dir(buf)) return buf;
    snprintf(buf, len, "%s/%s", exe_dir(), installed);
    return buf;
}

const char *cli_default_plugin_dir(void)
{
    static char buf[PATH_MAX + 32];
    return resolve(buf, sizeof buf, "YOGI_PLUGIN_DIR", "states", "../lib/yogi/states");
}

const char *cli_default_workflow_dir(void)
{
    static char buf[PATH_MAX + 32];
    return resolve(buf, sizeof buf, "YOGI_WORKFLOW_DIR", "../workflows",
                   "../share/yogi/workflows");
}
