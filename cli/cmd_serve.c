/*
 * cmd_serve.c — `yogi serve`: the engine, the REST API and the web app in
 * one process.
 *
 *   yogi serve --data DIR [--listen 127.0.0.1:8080] [--workers N]
 *              [--config FILE] [--plugins DIR] [--workflows DIR]
 *              [--max-upload-mb N] [--max-connections N] [--rate-limit N]
 *              [--max-pending N] [--upload-workflow NAME] [--access-log]
 *              [--no-auth] [--routes] [--resources FILE] [--activity-poll S]
 *
 * Remote workers (docs/scaling.md): Tasks on activities are served over
 * the Step Functions Activity protocol at POST /, to worker tokens and to
 * requests signed (SigV4) with the key pair in YOGI_AWS_ACCESS_KEY_ID and
 * YOGI_AWS_SECRET_ACCESS_KEY when both are set. --resources maps resources
 * to activities ({"plugin:ocr": "activity:ocr"}) without editing workflows.
 *
 * Start-up order matters: the engine opens (and registers the workflow directory's YAML files,
 * resuming unfinished executions), then the documents and tokens tables are
 * created, then — on a fresh database with auth on — an admin token is
 * created and printed once, and only then does the listener accept
 * requests. SIGTERM and SIGINT stop the listener; the engine then closes,
 * leaving running executions to resume at the next start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "commands.h"
#include "documents.h"
#include "engine.h"
#include "host_error.h"
#include "tokens.h"

static void serve_usage(FILE *out)
{
    fprintf(out,
            "usage: yogi serve --data DIR [--listen HOST:PORT] [--workers N] [--config FILE]\n"
            "                  [--plugins DIR] [--workflows DIR] [--max-upload-mb N]\n"
            "                  [--max-connections N] [--rate-limit N] [--max-pending N]\n"
            "                  [--upload-workflow NAME] [--access-log] [--no-auth] [--routes]\n"
            "                  [--secure-cookies] [--retention-days N] [--term-end YYYY-MM-DD]\n"
            "                  [--max-connections-per-ip N] [--header-timeout S]\n"
            "                  [--min-body-rate BYTES] [--tls-cert FILE --tls-key FILE]\n"
            "                  [--resources FILE] [--activity-poll SECONDS]\n"
            "\n"
            "  --listen HOST:PORT   address to serve (default 127.0.0.1:8080; port 0 picks one)\n"
            "  --no-auth            no tokens needed (refused unless HOST is loopback)\n"
            "  --rate-limit N       requests per second before 429 (default 2000; 0 = none)\n"
            "  --max-pending N      tasks waiting for a worker before uploads get 429 (200)\n"
            "  --upload-workflow W  the workflow each upload starts (document_processing)\n"
            "  --access-log         one line per request on stderr\n"
            "  --secure-cookies     mark the sign-in cookie Secure (behind a TLS proxy)\n"
            "  --retention-days N   remove finished documents' original files after N days\n"
            "                       (their timetables stay; default 0 = keep)\n"
            "  --term-end DATE      YYYY-MM-DD: calendar feeds' weekly events end there\n"
            "  --max-connections-per-ip N  open connections from one address (64; 0 = no cap)\n"
            "  --header-timeout S   a connection's first request within S seconds (10)...\n"
            "  --min-body-rate B    ...or at least B bytes a second since it connected (1024)\n"
            "  --tls-cert FILE, --tls-key FILE  serve HTTPS (TLS 1.2+) with this PEM pair\n"
            "  --resources FILE     resource map (e.g. {\"plugin:ocr\": \"activity:ocr\"})\n"
            "  --activity-poll S    longest GetActivityTask long poll (default 60)\n"
            "  --routes             print the API routes and exit\n");
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

typedef struct serve_args {
    engine_options eng;
    api_options api;
    bool routes;
} serve_args;

static int parse_args(int argc, char **argv, serve_args *a)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},      {"listen", required_argument, 0, 'l'},
        {"workers", required_argument, 0, 'w'},   {"config", required_argument, 0, 'c'},
        {"plugins", required_argument, 0, 'p'},   {"workflows", required_argument, 0, 'f'},
        {"max-upload-mb", required_argument, 0, 'u'},
        {"max-connections", required_argument, 0, 'n'},
        {"rate-limit", required_argument, 0, 'r'}, {"max-pending", required_argument, 0, 'q'},
        {"no-auth", no_argument, 0, 'A'},         {"routes", no_argument, 0, 'R'},
        {"upload-workflow", required_argument, 0, 'U'},
        {"access-log", no_argument, 0, 'L'},    {"secure-cookies", no_argument, 0, 'S'},
        {"retention-days", required_argument, 0, 'D'}, {"term-end", required_argument, 0, 'T'},
        {"max-connections-per-ip", required_argument, 0, 'I'},
        {"header-timeout", required_argument, 0, 'H'},
        {"min-body-rate", required_argument, 0, 'B'},
        {"tls-cert", required_argument, 0, 'C'},   {"tls-key", required_argument, 0, 'K'},
        {"resources", required_argument, 0, 'M'}, {"activity-poll", required_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
    };
    long v;
    int c, which = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &which)) != -1) {
        switch (c) {
        case 'd': a->eng.data_dir = a->api.data_dir = optarg; break;
        case 'l': a->api.listen = optarg; break;
        case 'c': a->eng.config_path = optarg; break;
        case 'p': a->eng.plugin_dir = optarg; break;
        case 'f': a->eng.workflow_dir = optarg; break;
        case 'A': a->api.auth = false; break;
        case 'U': a->api.upload_workflow = optarg; break;
        case 'L': a->api.access_log = true; break;
        case 'S': a->api.secure_cookies = true; break;
        case 'T': {
            int y, m, d;
            char extra;
            if (sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 ||
                d < 1 || d > 31) {
                fprintf(stderr, "yogi serve: --term-end wants YYYY-MM-DD, not '%s'\n", optarg);
                return -1;
            }
            a->api.term_end = optarg;
            break;
        }
        case 'R': a->routes = true; break;
        case 'C': a->api.tls_cert = optarg; break;
        case 'K': a->api.tls_key = optarg; break;
        case 'M': a->eng.resource_map = optarg; break;
        case 'h': serve_usage(stdout); exit(YOGI_EXIT_OK);
        case 'w': case 'u': case 'n': case 'r': case 'q': case 'D': case 'I': case 'H': case 'B':
        case 'P':
            if (!parse_long(optarg, 0, 1000000, &v)) {
                fprintf(stderr, "yogi serve: --%s wants a number, not '%s'\n", opts[which].name,
                        optarg);
                return -1;
            }
            if (c == 'w') a->eng.workers = (int)v;
            else if (c == 'u') a->api.max_upload_bytes = (size_t)v << 20;
            else if (c == 'n') a->api.max_connections = (int)v;
            else if (c == 'r') a->api.rate_limit_rps = (double)v;
            else if (c == 'D') a->api.retention_days = (int)v;
            else if (c == 'I') a->api.max_connections_per_ip = (int)v;
            else if (c == 'H') a->api.header_timeout_s = (int)v;
            else if (c == 'B') a->api.min_body_rate = (double)v;
            else if (c == 'P') a->api.activity_poll_s = v > 0 ? (int)v : 1;
            else a->api.max_pending_documents = (int)v;
            break;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "yogi serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (a->api.max_connections < 1 || a->api.max_upload_bytes == 0) {
        fprintf(stderr, "yogi serve: --max-connections and --max-upload-mb must be at least 1\n");
        return -1;
    }
    return 0;
}

/* On a database without any token, create an admin token and show it once. */
static int first_start_token(engine *e, yogi_error *err)
{
    struct store *s = engine_store(e);
    if (tokens_count(s) != 0) return 0;
    char token[API_TOKEN_MAX], id[TOKEN_ID_MAX];
    if (api_token_create(s, "admin", "created at first start", token, id, err) != 0) return -1;
    fprintf(stderr,
            "yogi: first start: created an admin token. It is shown only this once; keep it:\n"
            "yogi: admin token: %s\n"
            "yogi: (more with `yogi token create --role ROLE --data DIR`)\n",
            token);
    return 0;
}

static int open_tables(engine *e, const char *data_dir, bool auth, yogi_error *err)
{
    struct store *s = engine_store(e);
    if (documents_init(s, err) != 0 || tokens_init(s, err) != 0) return -1; /* users too */
    /* Files a crash left between their fsync and their row's commit; no
     * upload can be in flight yet. */
    int removed = 0;
    yogi_error serr = {{0}, {0}};
    if (documents_sweep_orphans(s, data_dir, &removed, &serr) != 0) /* tried again next start */
        fprintf(stderr, "yogi: orphan sweep stopped: %s: %s\n", serr.name, serr.cause);
    if (removed > 0)
        fprintf(stderr, "yogi: removed %d document file(s) that no row names\n", removed);
    if (documents_register_host_ops(e, err) != 0) return -1;
    /* No document left "processing" without a running execution: what a
     * crash between storing and starting, or before a failure was
     * recorded, left behind. */
    int fixed = 0;
    if (documents_reconcile(e, &fixed, &serr) != 0) /* tried again next start */
        fprintf(stderr, "yogi: document check stopped: %s: %s\n", serr.name, serr.cause);
    if (fixed > 0)
        fprintf(stderr, "yogi: settled %d document(s) whose execution was not running\n", fixed);
    return auth ? first_start_token(e, err) : 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    memset(&a, 0, sizeof a);
    api_options_default(&a.api);
    a.eng.plugin_dir = cli_default_plugin_dir();
    a.eng.workflow_dir = cli_default_workflow_dir();
    a.api.sigv4_access_key = getenv("YOGI_AWS_ACCESS_KEY_ID");
    a.api.sigv4_secret_key = getenv("YOGI_AWS_SECRET_ACCESS_KEY");
    if (parse_args(argc, argv, &a) != 0) {
        serve_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    if (a.routes) {
        api_print_routes(stdout);
        return YOGI_EXIT_OK;
    }
    if (!a.eng.data_dir) {
        fprintf(stderr, "yogi serve: --data DIR is required\n");
        return YOGI_EXIT_USAGE;
    }
    yogi_error err = {{0}, {0}};
    if (!a.api.auth && !api_listen_is_loopback(a.api.listen)) {
        fprintf(stderr, "yogi serve: refusing --no-auth on %s: without authentication only a "
                        "loopback address may be served\n", a.api.listen);
        return YOGI_EXIT_USAGE;
    }
    engine *e = engine_open(&a.eng, &err);
    if (!e) {
        fprintf(stderr, "yogi serve: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    int rc = YOGI_EXIT_OK;
    if (open_tables(e, a.eng.data_dir, a.api.auth, &err) != 0 || api_serve(e, &a.api, &err) != 0) {
        fprintf(stderr, "yogi serve: %s: %s\n", err.name, err.cause);
        rc = YOGI_EXIT_FAILED;
    }
    engine_close(e);
    return rc;
}
