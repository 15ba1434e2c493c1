/*
 * activities.c — remote tasks: the queues of waiting activity tasks, the
 * hand-out to a worker, the files that travel with a task (activities.h).
 *
 * A queued task is an activity_entry in one FIFO array shared by all
 * activities (a take scans for the first entry of its name: the queue is
 * as long as the tasks waiting for workers, hundreds at most). Entries are
 * never removed eagerly when their task ends some other way (a timeout,
 * a stop): each carries the token of its attempt, and a take drops every
 * entry whose branch no longer waits with that token.
 *
 * The hand-out is a transition of its own: the ActivityStarted event (with
 * the worker's name) and the branch's "worker" and "files" are committed
 * before the task leaves, so a restart knows the task is out (and does not
 * queue it again) and still serves its files. HeartbeatSeconds counts from
 * here, as on Step Functions (a task waiting for a worker is not silent);
 * TimeoutSeconds counts from ActivityScheduled.
 *
 * Files: every string in the task input that names a regular file in the
 * data directory's documents/, blobs/ or work/ (resolved with realpath, so
 * ".." and symbolic links cannot point elsewhere — the database stays
 * out) is listed with its SHA-256; a worker may fetch exactly those, and
 * only while its token is live.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_internal.h"
#include "file_util.h"
#include "hash.h"
#include "host_error.h"

#define MAX_TASK_FILES 64
#define MAX_FILE_BYTES (256L << 20)

bool activity_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= ACTIVITY_NAME_MAX) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

bool activity_name_from(const char *resource, char name[ACTIVITY_NAME_MAX])
{
    const char *n = NULL;
    if (!resource) return false;
    if (strncmp(resource, "activity:", 9) == 0) {
        n = resource + 9;
    } else if (strncmp(resource, "arn:aws:states:", 15) == 0) {
        /* arn:aws:states:REGION:ACCOUNT:activity:NAME */
        const char *p = resource + 15;
        for (int colons = 0; colons < 2; colons++) {
            p = strchr(p, ':');
            if (!p) return false;
            p++;
        }
        if (strncmp(p, "activity:", 9) != 0) return false;
        n = p + 9;
    }
    if (!n || !activity_name_valid(n)) return false;
    snprintf(name, ACTIVITY_NAME_MAX, "%s", n);
    return true;
}

void engine_activity_on_ready(engine *e, engine_activity_fn fn, void *ud)
{
    e->activity_ready = fn;
    e->activity_ud = ud;
}

static const char *data_str(branch *b, const char *key)
{
    return json_string_value(json_object_get(b->data, key));
}

void activity_enqueue(engine *e, branch *b)
{
    const char *name = data_str(b, "activity"), *token = data_str(b, "token");
    if (!name || !token || json_object_get(b->data, "worker")) return;
    if (e->n_activity == e->cap_activity) {
        size_t cap = e->cap_activity ? 2 * e->cap_activity : 64;
        activity_entry *n = realloc(e->activity_queue, cap * sizeof *n);
        if (!n) abort();
        e->activity_queue = n;
        e->cap_activity = cap;
    }
    activity_entry *en = &e->activity_queue[e->n_activity++];
    snprintf(en->name, sizeof en->name, "%s", name);
    snprintf(en->token, sizeof en->token, "%s", token);
    snprintf(en->ref.exec_id, sizeof en->ref.exec_id, "%s", b->ex->id);
    en->ref.branch_id = b->id;
    if (e->activity_ready) e->activity_ready(e->activity_ud, name);
}

void activity_expire(engine *e, const char *token)
{
    if (!token) return;
    if (!e->expired && !(e->expired = calloc(EXPIRED_TOKENS, sizeof *e->expired))) return;
    snprintf(e->expired[e->expired_next], sizeof e->expired[0], "%s", token);
    e->expired_next = (e->expired_next + 1) % EXPIRED_TOKENS;
}

bool activity_token_expired(engine *e, const char *token)
{
    for (size_t i = 0; e->expired && token && i < EXPIRED_TOKENS; i++)
        if (e->expired[i][0] && strcmp(e->expired[i], token) == 0) return true;
    return false;
}

void activities_free(engine *e)
{
    free(e->activity_queue);
    free(e->expired);
}

/* The branch of a queue entry, if it still waits for a worker with that token. */
static branch *entry_branch(engine *e, const activity_entry *en)
{
    execution *ex = hmap_get(&e->executions, en->ref.exec_id);
    branch *b = ex && !strcmp(ex->status, "RUNNING") ? branch_get(ex, en->ref.branch_id) : NULL;
    if (!b || b->phase != PH_CALLBACK || json_object_get(b->data, "worker")) return NULL;
    const char *token = data_str(b, "token");
    return token && !strcmp(token, en->token) ? b : NULL;
}

/* ---- files named by the input ------------------------------------------------- */

/* True when path resolves to a regular file in one of the data
 * directory's file areas — never the database, its WAL or the lock. */
static bool inside_data_dir(engine *e, const char *path, char resolved[PATH_MAX])
{
    static const char *const areas[] = {"documents/", "blobs/", "work/"};
    char root[PATH_MAX];
    struct stat st;
    if (path[0] != '/' || !realpath(e->data_dir, root) || !realpath(path, resolved)) return false;
    size_t n = strlen(root);
    if (strncmp(resolved, root, n) != 0 || resolved[n] != '/') return false;
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (!strncmp(resolved + n + 1, areas[i], strlen(areas[i])))
            return stat(resolved, &st) == 0 && S_ISREG(st.st_mode);
    return false;
}

static void add_file(engine *e, const char *path, json_t *files, json_t *by_hash)
{
    char resolved[PATH_MAX];
    char *buf = NULL;
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    if (json_array_size(files) >= MAX_TASK_FILES || !inside_data_dir(e, path, resolved) ||
        !(buf = read_whole_file(resolved, MAX_FILE_BYTES, &len, &err)))
        return;
    char hex[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", buf, len, hex);
    free(buf);
    if (!json_object_get(by_hash, hex)) json_object_set_new(by_hash, hex, json_string(resolved));
    json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "path", path, "sha256", hex,
                                           "size", (json_int_t)len));
}

static void collect_files(engine *e, json_t *v, json_t *files, json_t *by_hash)
{
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_string(v)) add_file(e, json_string_value(v), files, by_hash);
    else if (json_is_array(v))
        json_array_foreach(v, i, x) collect_files(e, x, files, by_hash);
    else if (json_is_object(v))
        json_object_foreach(v, k, x) collect_files(e, x, files, by_hash);
}

/* ---- hand-out ------------------------------------------------------------------ */

static branch *next_for(engine *e, const char *name)
{
    size_t keep = 0;
    branch *found = NULL;
    for (size_t i = 0; i < e->n_activity; i++) {
        activity_entry *en = &e->activity_queue[i];
        branch *b = entry_branch(e, en);
        if (!b) continue; /* stale: drop */
        if (!found && !strcmp(en->name, name)) {
            found = b;
            continue;
        }
        e->activity_queue[keep++] = *en;
    }
    e->n_activity = keep;
    return found;
}

int engine_activity_take(engine *e, const char *name, const char *worker, json_t **task,
                         yogi_error *err)
{
    (void)err;
    *task = NULL;
    branch *b = next_for(e, name);
    if (!b) return 0;
    json_t *input = json_object_get(b->data, "effective");
    json_t *files = json_array(), *by_hash = json_object();
    collect_files(e, input, files, by_hash);
    json_object_set_new(b->data, "worker", json_string(worker ? worker : ""));
    int64_t hb = json_integer_value(json_object_get(b->data, "heartbeat_s"));
    int64_t timeout_at = json_integer_value(json_object_get(b->data, "timeout_at"));
    if (hb > 0) {
        int64_t at = wall_clock_ms() + hb * 1000;
        json_object_set_new(b->data, "heartbeat_at", json_integer(at));
        engine_set_timer(e, b, timeout_at && timeout_at < at ? timeout_at : at);
    }
    json_object_set_new(b->data, "files", by_hash);
    engine_emit(e, b->ex, "ActivityStarted", b->state,
                json_pack("{s:s}", "workerName", worker ? worker : ""));
    branch_touch(e, b);
    char *text = json_dumps(input ? input : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    *task = json_pack("{s:s, s:s, s:o, s:I}", "taskToken", data_str(b, "token"), "input",
                      text ? text : "null", "files", files, "heartbeatSeconds", (json_int_t)hb);
    free(text);
    return 1;
}

void engine_activity_commit(engine *e)
{
    engine_flush(e);
}

json_t *engine_activity_queued(engine *e)
{
    json_t *out = json_object();
    for (size_t i = 0; i < e->n_activity; i++) {
        activity_entry *en = &e->activity_queue[i];
        if (!entry_branch(e, en)) continue;
        json_int_t n = json_integer_value(json_object_get(out, en->name));
        json_object_set_new(out, en->name, json_integer(n + 1));
    }
    return out;
}

/* ---- files by token ----------------------------------------------------------- */

/* The branch a worker holds with this token, or NULL with err. */
static branch *held_branch(engine *e, const char *token, yogi_error *err)
{
    char exec_id[64];
    const char *dot = token ? strchr(token, '.') : NULL;
    execution *ex = NULL;
    branch *b = NULL;
    if (dot && (size_t)(dot - token) < sizeof exec_id) {
        snprintf(exec_id, sizeof exec_id, "%.*s", (int)(dot - token), token);
        ex = hmap_get(&e->executions, exec_id);
        b = ex ? branch_get(ex, strtoll(dot + 1, NULL, 10)) : NULL;
    }
    const char *t = b ? data_str(b, "token") : NULL;
    if (b && b->phase == PH_CALLBACK && data_str(b, "activity") && t && !strcmp(t, token))
        return b;
    if (activity_token_expired(e, token))
        host_fail(err, "TaskTimedOut", "the task of that token has timed out");
    else
        host_fail(err, "TaskDoesNotExist", "no activity task is running with that token");
    return NULL;
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64) return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return false;
    return true;
}

int engine_activity_file(engine *e, const char *token, const char *sha256, char *path,
                         size_t path_len, yogi_error *err)
{
    branch *b = held_branch(e, token, err);
    if (!b) return -1;
    const char *p = hex64(sha256) ? json_string_value(json_object_get(
                                        json_object_get(b->data, "files"), sha256))
                                  : NULL;
    if (!p)
        return host_fail(err, "FileDoesNotExist", "the task names no file with that SHA-256");
    snprintf(path, path_len, "%s", p);
    return 0;
}

static bool blob_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 128 || name[0] == '.') return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

static int write_whole(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.part%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    int rc = done == len && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    if (rc == 0) rc = rename(tmp, path);
    if (rc != 0) unlink(tmp);
    return rc;
}

int engine_activity_store(engine *e, const char *token, const char *sha256, const char *name,
                          const void *data, size_t len, char *path, size_t path_len,
                          yogi_error *err)
{
    if (!held_branch(e, token, err)) return -1;
    if (!hex64(sha256))
        return host_fail(err, "InvalidName", "the blob name must be a SHA-256 in lower-case hex");
    if (!blob_name_ok(name))
        return host_fail(err, "InvalidName", "a file name is [A-Za-z0-9._-]{1,128}, no leading dot");
    char hex[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", data, len, hex);
    if (strcmp(hex, sha256) != 0)
        return host_fail(err, "DigestMismatch", "the body's SHA-256 is %s, not %s", hex, sha256);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/blobs", e->data_dir);
    mkdir(dir, 0750);
    snprintf(dir, sizeof dir, "%s/blobs/%s", e->data_dir, sha256);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return host_fail(err, "Engine.Storage", "cannot create %s: %s", dir, strerror(errno));
    if ((size_t)snprintf(path, path_len, "%s/%s", dir, name) >= path_len)
        return host_fail(err, "InvalidName", "path too long");
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size == len) return 0; /* content-addressed */
    if (write_whole(path, data, len) != 0)
        return host_fail(err, "Engine.Storage", "cannot write %s: %s", path, strerror(errno));
    return 0;
}
