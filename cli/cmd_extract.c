/*
 * cmd_extract.c — `yogi extract FILE...`: the document workflow, from the
 * command line, on each file.
 *
 * Each file becomes a document (document_submit, engine/documents.c, as an
 * upload does: stored durably, never named by its path) and an execution of workflows/
 * document_processing.yaml; the engine runs them all (up to --workers
 * worker processes) until every execution has ended or is waiting at
 * HumanReview. A waiting execution's draft — the input of its waiting
 * callback — is printed with "needs_review": true; it stays waiting in the
 * database when --data is given, for a reviewer to finish through the API.
 *
 * Output: for one file the timetable JSON; for several (or --json-lines) one
 * object per line: {"file", "document_id", "needs_review", "timetable"} or
 * {"file", "document_id", "error", "cause"}. Exit status 0 when every file
 * was extracted (review included), 1 when one failed — its error name and
 * cause on stderr — and 2 on usage errors.
 *
 * Without --data a temporary data directory is used and removed at exit; its
 * database skips fsync (nothing in it outlives the process). One worker per
 * file, at most two by default: one file is a sequential pipeline, and a
 * single worker keeps every plugin (tesseract's model above all) loaded once.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "documents.h"
#include "engine.h"
#include "file_util.h"
#include "host_error.h"
#include "workflow.h"

#define WORKFLOW_NAME "document_processing"
#define MAX_DOCUMENT_BYTES (64L << 20) /* as classify's default document.max_bytes */

struct extract_args {
    const char *data_dir, *plugins, *config;
    bool json_lines;
    int workers;
    char **files;
    int n_files;
};

/* One file's way through the workflow. */
typedef struct job {
    const char *file;
    char document_id[DOCUMENT_ID_MAX];
    char execution_id[64];
    bool started, finished, failed;
    bool review_submitted; /* the review plugin has returned (TaskSubmitted) */
    int64_t history_seen;  /* last history event id looked at */
    json_t *result; /* what to print: the timetable, or {"error","cause"} */
} job;

static void extract_usage(FILE *out)
{
    fprintf(out,
            "usage: yogi extract FILE... [--data DIR] [--json-lines] [--workers N]\n"
            "                    [--plugins DIR] [--config FILE]\n\n"
            "Extracts the weekly timetable from each document (photo, scan or PDF) with\n"
            "the document workflow and prints it as JSON: for one file the timetable, for\n"
            "several one object per line. A draft the confidence gate sends to review is\n"
            "printed with \"needs_review\": true.\n"
            "  --data DIR     keep documents and executions in DIR (default: temporary)\n"
            "  --json-lines   one JSON object per line even for a single file\n"
            "  --workers N    worker processes (default: one per file, at most 2)\n"
            "  --plugins DIR  the plugin directory (default: beside the binary)\n"
            "  --config FILE  yogi config file (notify.webhook_url, ...)\n"
            "Exit status: 0 extracted, 1 an extraction failed, 2 usage error.\n");
}

static int parse_extract_args(int argc, char **argv, struct extract_args *a)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},    {"json-lines", no_argument, NULL, 'j'},
        {"workers", required_argument, NULL, 'w'}, {"plugins", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:jw:p:c:h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': a->data_dir = optarg; break;
        case 'j': a->json_lines = true; break;
        case 'p': a->plugins = optarg; break;
        case 'c': a->config = optarg; break;
        case 'w':
            errno = 0;
            a->workers = (int)strtol(optarg, &end, 10);
            if (errno || *end || a->workers < 1 || a->workers > 64) {
                fprintf(stderr, "yogi extract: --workers wants 1..64\n");
                return -1;
            }
            break;
        case 'h': extract_usage(stdout); exit(YOGI_EXIT_OK);
        default: extract_usage(stderr); return -1;
        }
    }
    if (optind >= argc) {
        extract_usage(stderr);
        return -1;
    }
    a->files = argv + optind;
    a->n_files = argc - optind;
    if (a->workers == 0) a->workers = a->n_files < 2 ? 1 : 2;
    return 0;
}

/* A file that cannot be read is named as a document error (docs/pipeline.md). */
static const char *document_error(const char *file_error)
{
    if (!strcmp(file_error, FILE_ERR_TOO_LARGE)) return "Document.TooLarge";
    if (!strcmp(file_error, FILE_ERR_UNREADABLE)) return "Document.NotFound";
    return "States.Runtime";
}

static void job_fail(job *j, const char *error, const char *cause)
{
    j->finished = j->failed = true;
    json_decref(j->result);
    j->result = json_pack("{s:s, s:s}", "error", error ? error : "States.Runtime", "cause",
                          cause ? cause : "");
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Store the file as a document and start its execution. */
static void job_start(engine *e, const char *data_dir, job *j)
{
    yogi_error err = {{0}, {0}};
    size_t len = 0;
    char *bytes = read_whole_file(j->file, MAX_DOCUMENT_BYTES, &len, &err);
    if (!bytes) {
        job_fail(j, document_error(err.name), err.cause);
        return;
    }
    document_submission sub = {{bytes, len, base_name(j->file), NULL, NULL}, data_dir,
                               WORKFLOW_NAME};
    int rc = document_submit(e, &sub, j->document_id, j->execution_id, &err);
    free(bytes);
    if (rc != 0) {
        job_fail(j, err.name, err.cause);
        return;
    }
    j->started = true;
}

/* The draft of an execution waiting at HumanReview, or NULL. */
static json_t *waiting_draft(json_t *callbacks, const char *execution_id)
{
    size_t i;
    json_t *cb;
    json_array_foreach(callbacks, i, cb) {
        const char *id = json_string_value(json_object_get(cb, "execution_id"));
        if (id && !strcmp(id, execution_id))
            return json_object_get(json_object_get(cb, "input"), "draft");
    }
    return NULL;
}

static void job_finish(engine *e, job *j, json_t *desc)
{
    const char *status = json_string_value(json_object_get(desc, "status"));
    j->finished = true;
    if (status && !strcmp(status, "SUCCEEDED")) {
        json_t *tt = json_object_get(json_object_get(desc, "output"), "timetable");
        j->result = tt ? json_deep_copy(tt) : json_object();
        return;
    }
    const char *error = json_string_value(json_object_get(desc, "error"));
    const char *cause = json_string_value(json_object_get(desc, "cause"));
    if (!error) error = status ? status : "States.Runtime";
    document_settle(e, j->document_id, j->execution_id);
    job_fail(j, error, cause);
}

/* The callback is published when HumanReview is dispatched; the document is
 * marked for review only when the review plugin returns, which the history
 * records as TaskSubmitted. Settle only then, so that nothing is left
 * half-done when the process exits. */
static bool review_submitted(engine *e, job *j)
{
    while (!j->review_submitted) {
        json_t *page = engine_history(e, j->execution_id, j->history_seen, 200);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(page, "events"), i, ev) {
            j->history_seen = json_integer_value(json_object_get(ev, "id"));
            const char *type = json_string_value(json_object_get(ev, "type"));
            if (type && !strcmp(type, "TaskSubmitted")) j->review_submitted = true;
        }
        bool more = json_array_size(json_object_get(page, "events")) > 0 &&
                    !json_is_null(json_object_get(page, "next"));
        json_decref(page);
        if (!more) break;
    }
    return j->review_submitted;
}

/* Look at every unfinished job once; true when all are finished. */
static bool poll_jobs(engine *e, job *jobs, int n)
{
    json_t *callbacks = NULL;
    bool all = true;
    for (int i = 0; i < n; i++) {
        job *j = &jobs[i];
        if (j->finished) continue;
        json_t *desc = engine_describe(e, j->execution_id);
        const char *status = json_string_value(json_object_get(desc, "status"));
        if (!status || strcmp(status, "RUNNING") != 0) {
            job_finish(e, j, desc);
        } else {
            if (!callbacks) callbacks = engine_list_callbacks(e, 1000);
            json_t *draft = waiting_draft(callbacks, j->execution_id);
            if (draft && review_submitted(e, j)) {
                j->finished = true;
                j->result = json_deep_copy(draft);
                json_object_set_new(j->result, "needs_review", json_true());
            } else {
                all = false;
            }
        }
        json_decref(desc);
    }
    json_decref(callbacks);
    return all;
}

/* Ctrl-C or a TERM: stop waiting, so that the temporary directory is still
 * removed on the way out (the executions stay resumable under --data). */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void run_until_settled(engine *e, job *jobs, int n)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* `yogi extract ... | head`: a failed write, not a kill */
    while (!interrupted && !poll_jobs(e, jobs, n)) {
        struct pollfd p = {.fd = engine_fd(e), .events = POLLIN};
        poll(&p, 1, engine_timeout_ms(e));
        engine_run_once(e);
    }
}

/* ---- output ------------------------------------------------------------ */

static int print_jobs(const job *jobs, int n, bool lines)
{
    int rc = YOGI_EXIT_OK;
    for (int i = 0; i < n; i++) {
        const job *j = &jobs[i];
        if (j->failed) {
            rc = YOGI_EXIT_FAILED;
            fprintf(stderr, "yogi extract: %s: %s: %s\n", j->file,
                    json_string_value(json_object_get(j->result, "error")),
                    json_string_value(json_object_get(j->result, "cause")));
        }
        json_t *out;
        if (!lines) {
            if (j->failed) continue;
            out = json_incref(j->result);
        } else {
            out = json_pack("{s:s, s:s?}", "file", j->file, "document_id",
                            j->document_id[0] ? j->document_id : NULL);
            if (j->failed) {
                json_object_update(out, j->result);
            } else {
                json_object_set_new(out, "needs_review",
                                    json_boolean(json_is_true(
                                        json_object_get(j->result, "needs_review"))));
                json_object_set(out, "timetable", j->result);
            }
        }
        char *text = json_dumps(out, lines ? JSON_COMPACT : JSON_INDENT(2));
        if (text) puts(text);
        free(text);
        json_decref(out);
    }
    fflush(stdout);
    return rc;
}

/* ---- the engine -------------------------------------------------------- */

static engine *open_engine(const struct extract_args *a, const char *data_dir, bool temporary)
{
    engine_options o = {.data_dir = data_dir,
                        .plugin_dir = a->plugins ? a->plugins : cli_default_plugin_dir(),
                        .config_path = a->config, .workers = a->workers,
                        .synchronous_normal = temporary};
    yogi_error err = {{0}, {0}};
    engine *e = engine_open(&o, &err);
    if (!e) {
        fprintf(stderr, "yogi extract: %s: %s\n", err.name, err.cause);
        return NULL;
    }
    if (documents_register_host_ops(e, &err) != 0) {
        fprintf(stderr, "yogi extract: cannot set up the documents store: %s: %s\n", err.name,
                err.cause);
        engine_close(e);
        return NULL;
    }
    int removed = 0, fixed = 0;
    /* What a crash left in a kept data directory; a failure only delays the
     * tidying to the next run, so it is reported and extraction goes on. */
    if (!temporary && documents_sweep_orphans(engine_store(e), data_dir, &removed, &err) != 0)
        fprintf(stderr, "yogi extract: %s: %s (orphans are swept next time)\n", err.name,
                err.cause);
    if (!temporary && documents_reconcile(e, &fixed, &err) != 0)
        fprintf(stderr, "yogi extract: %s: %s (documents are checked next time)\n", err.name,
                err.cause);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.yaml", cli_default_workflow_dir(), WORKFLOW_NAME);
    size_t len = 0;
    char *text = read_whole_file(path, WORKFLOW_MAX_BYTES, &len, &err);
    if (!text || engine_put_workflow(e, WORKFLOW_NAME, text, len, &err) < 0) {
        fprintf(stderr, "yogi extract: %s: %s: %s\n", path, err.name, err.cause);
        engine_close(e);
        e = NULL;
    }
    free(text);
    return e;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int cmd_extract(int argc, char **argv)
{
    struct extract_args a = {0};
    if (parse_extract_args(argc, argv, &a) != 0) return YOGI_EXIT_USAGE;
    char tmp[] = "/tmp/yogi-extract-XXXXXX";
    bool temporary = !a.data_dir;
    if (temporary && !mkdtemp(tmp)) {
        fprintf(stderr, "yogi extract: cannot make a temporary directory: %s\n", strerror(errno));
        return YOGI_EXIT_FAILED;
    }
    const char *data_dir = temporary ? tmp : a.data_dir;
    engine *e = open_engine(&a, data_dir, temporary);
    job *jobs = calloc((size_t)a.n_files, sizeof *jobs);
    int rc = YOGI_EXIT_FAILED;
    if (e && jobs) {
        for (int i = 0; i < a.n_files; i++) {
            jobs[i].file = a.files[i];
            job_start(e, data_dir, &jobs[i]);
        }
        run_until_settled(e, jobs, a.n_files);
        for (int i = 0; interrupted && i < a.n_files; i++)
            if (!jobs[i].finished) job_fail(&jobs[i], "Extract.Interrupted", "interrupted");
        rc = print_jobs(jobs, a.n_files, a.json_lines || a.n_files > 1);
    }
    for (int i = 0; jobs && i < a.n_files; i++) json_decref(jobs[i].result);
    free(jobs);
    engine_close(e);
    if (temporary) nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
