/*
 * routes_documents.c — uploads, the document records, their files and
 * timetables.
 *
 * An upload is handed to document_submit (engine/documents.c), the one owner
 * of a document's life, which `yogi extract` uses too: stored durably, its
 * execution started with the document id as the execution name, linked, or
 * marked failed when it cannot start — never left "received" or
 * "processing" with nothing to process it.
 *
 * Visibility: a teacher (or an uploader token) sees only the documents it
 * uploaded — owner "user:NAME" for a person and all of that person's
 * tokens, the token id for a token of nobody's (others are 404, not 403, so
 * ids do not leak); a reviewer lists the review queue
 * (status needs_review) and reads any document by id, since review tasks
 * name them; an admin sees everything.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "documents.h"
#include "export.h"
#include "internal.h"
#include "multipart.h"

#define UPLOAD_PARTS_MAX 8

static const char *const accepted_types[] = {"image/png", "image/jpeg", "image/tiff",
                                             "image/webp", "image/bmp", "application/pdf"};

/* The media type of a Content-Type value, lower-cased, without parameters. */
static void media_type(const char *ct, char *out, size_t len)
{
    size_t n = ct ? strcspn(ct, "; \t") : 0;
    if (n >= len) n = len - 1;
    for (size_t i = 0; i < n; i++) out[i] = (char)((ct[i] >= 'A' && ct[i] <= 'Z') ? ct[i] + 32 : ct[i]);
    out[n] = '\0';
}

static bool accepted_type(const char *type)
{
    for (size_t i = 0; i < sizeof accepted_types / sizeof accepted_types[0]; i++)
        if (!strcmp(type, accepted_types[i])) return true;
    return false;
}

static bool may_see(api_request *r, const json_t *doc)
{
    if (r->who.role != ROLE_UPLOADER || !r->a->opts.auth) return true;
    const char *owner = json_string_value(json_object_get(doc, "owner"));
    return owner && !strcmp(owner, r->who.owner);
}

json_t *documents_visible(api_request *r)
{
    json_t *doc = documents_get(r->a->s, r->params[0]);
    if (!doc || !may_see(r, doc)) {
        json_decref(doc);
        reply_error(r, 404, "DocumentDoesNotExist", "no document '%s'", r->params[0]);
        return NULL;
    }
    return doc;
}

/* The processing backlog is the tasks waiting for a worker: executions
 * waiting for a person (a review) cost nothing and must not block uploads. */
static bool backlog_full(api *a)
{
    json_t *m = engine_metrics(a->e);
    json_int_t queued = json_integer_value(json_object_get(m, "queue_depth"));
    json_decref(m);
    return queued >= a->opts.max_pending_documents;
}

/* The one part named "file" of a multipart body; replies 400 when there is
 * not exactly one, or the body is not well-formed. */
static bool file_part(api_request *r, const char *ct, const unsigned char *body, size_t len,
                      multipart_part *out)
{
    char boundary[80], why[128];
    if (!multipart_boundary(ct, boundary, sizeof boundary)) {
        reply_error(r, 400, "MalformedMultipart", "the multipart boundary is missing or invalid");
        return false;
    }
    multipart_part parts[UPLOAD_PARTS_MAX];
    int n = multipart_parse(boundary, body ? body : (const unsigned char *)"", len, parts,
                            UPLOAD_PARTS_MAX, why, sizeof why);
    if (n < 0) {
        reply_error(r, 400, "MalformedMultipart", "%s", why);
        return false;
    }
    int found = -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(parts[i].name, "file")) found = found == -1 ? i : -2;
    if (found < 0) {
        reply_error(r, 400, "InvalidRequest", "send exactly one part named \"file\"");
        return false;
    }
    *out = parts[found];
    return true;
}

/* The uploaded file, from a multipart part or a raw body, with its declared
 * type checked; `part` holds the strings doc points to. Replies on failure. */
static bool upload_from_request(api_request *r, document_new *doc, multipart_part *part)
{
    const char *ct = request_header(r, "Content-Type");
    char type[MULTIPART_TYPE_MAX];
    media_type(ct, type, sizeof type);
    size_t len;
    const unsigned char *body = request_body(r, &len);
    bool multipart = !strcmp(type, "multipart/form-data");
    if (multipart) {
        if (!file_part(r, ct, body, len, part)) return false;
        media_type(part->content_type, type, sizeof type); /* the part's own type, if any */
        body = part->data;
        len = part->len;
    } else {
        const char *name = request_query(r, "filename");
        multipart_clean_filename(name ? name : "", part->filename, sizeof part->filename);
    }
    if (!multipart && !type[0]) {
        reply_error(r, 415, "UnsupportedMediaType", "a Content-Type is required");
        return false;
    }
    if (type[0] && strcmp(type, "application/octet-stream") != 0 && !accepted_type(type)) {
        reply_error(r, 415, "UnsupportedMediaType",
                    "'%s' is not a document type: send PNG, JPEG, TIFF, WebP, BMP or PDF", type);
        return false;
    }
    if (len == 0) {
        reply_error(r, 400, "Document.Empty", "the document is empty");
        return false;
    }
    snprintf(part->content_type, sizeof part->content_type, "%s", type);
    doc->bytes = body;
    doc->len = len;
    doc->filename = part->filename[0] ? part->filename : "upload";
    doc->content_type = type[0] ? part->content_type : NULL;
    return true;
}

void documents_post(api_request *r)
{
    if (backlog_full(r->a)) {
        r->a->stats.rejected_rate++;
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "5");
        reply_error(r, 429, "TooManyRequests", "%d tasks are waiting for a worker; retry later",
                    r->a->opts.max_pending_documents);
        return;
    }
    document_new doc = {0};
    multipart_part part = {0};
    if (!upload_from_request(r, &doc, &part)) return;
    if (doc.len > r->a->opts.max_upload_bytes) {
        reply_error(r, 413, "PayloadTooLarge", "documents are limited to %zu bytes",
                    r->a->opts.max_upload_bytes);
        return;
    }
    doc.owner = r->who.owner[0] ? r->who.owner : NULL;
    document_submission sub = {doc, r->a->opts.data_dir, r->a->opts.upload_workflow};
    char id[DOCUMENT_ID_MAX], exec_id[64] = "";
    yogi_error err = {{0}, {0}};
    if (document_submit(r->a->e, &sub, id, exec_id, &err) != 0) {
        if (!id[0]) {
            reply_yogi_error(r, &err);
            return;
        }
        r->a->stats.uploads++;
        events_publish_document(r->a->events, id);
        reply_error(r, 503, "WorkflowUnavailable", "document %s stored but not started: %s: %s",
                    id, err.name, err.cause);
        return;
    }
    r->a->stats.uploads++;
    events_publish_document(r->a->events, id);
    char location[DOCUMENT_ID_MAX + 32];
    snprintf(location, sizeof location, "/v1/documents/%s", id);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", location);
    reply_json(r, 202, json_pack("{s:s,s:s,s:s}", "id", id, "execution_id", exec_id, "status",
                                 "processing"));
}

void documents_list_h(api_request *r)
{
    long limit;
    if (!request_query_int(r, "limit", 1, 500, 50, &limit)) return;
    const char *status = request_query(r, "status");
    const char *owner = NULL;
    if (r->who.role == ROLE_UPLOADER && r->a->opts.auth) owner = r->who.owner;
    if (r->who.role == ROLE_REVIEWER) {
        if (status && strcmp(status, "needs_review") != 0) {
            reply_error(r, 403, "Forbidden", "reviewers list the review queue (status=needs_review)");
            return;
        }
        status = "needs_review";
    }
    json_t *list = documents_list(r->a->s, status, owner, (int)limit, request_query(r, "cursor"));
    if (!list) {
        reply_error(r, 400, "InvalidParameter", "bad status or cursor");
        return;
    }
    reply_json(r, 200, list);
}

void documents_get_h(api_request *r)
{
    json_t *doc = documents_visible(r);
    if (doc) reply_json(r, 200, doc);
}

/* Content-Disposition filename: printable ASCII only, quotes removed. */
static void disposition(const char *kind, const char *filename, char *out, size_t len)
{
    char safe[300];
    size_t o = 0;
    for (const char *p = filename ? filename : ""; *p && o + 1 < sizeof safe; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') safe[o++] = *p;
    safe[o] = '\0';
    snprintf(out, len, "%s; filename=\"%s\"", kind, o ? safe : "document");
}

void documents_file_h(api_request *r)
{
    json_t *doc = documents_visible(r);
    if (!doc) return;
    char path[4096], type[128], disp[200];
    int fd = -1;
    struct stat st;
    if (documents_file_path(r->a->s, r->params[0], path, sizeof path) != 0 ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        json_decref(doc);
        reply_error(r, 404, "DocumentDoesNotExist", "the original file is missing");
        return;
    }
    media_type(json_string_value(json_object_get(doc, "content_type")), type, sizeof type);
    disposition("inline", json_string_value(json_object_get(doc, "filename")), disp, sizeof disp);
    json_decref(doc);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "Content-Type", accepted_type(type) ? type : "application/octet-stream");
    evhttp_add_header(h, "Content-Disposition", disp);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Content-Security-Policy", "sandbox; default-src 'none'");
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_file(buf, fd, 0, st.st_size); /* takes the descriptor */
    r->a->stats.responses[2]++;
    evhttp_send_reply(r->req, 200, "OK", buf);
    evbuffer_free(buf);
}

/* ?from=YYYY-MM-DD, else today (local time). */
static bool export_from(api_request *r, int *y, int *m, int *d)
{
    const char *from = request_query(r, "from");
    if (from) {
        char extra;
        if (sscanf(from, "%4d-%2d-%2d%c", y, m, d, &extra) == 3 && *y >= 1970 && *y <= 9999 &&
            *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31)
            return true;
        reply_error(r, 400, "InvalidParameter", "from must be a date YYYY-MM-DD");
        return false;
    }
    time_t now = time(NULL);
    struct tm t;
    localtime_r(&now, &t);
    *y = t.tm_year + 1900, *m = t.tm_mon + 1, *d = t.tm_mday;
    return true;
}

static void reply_export(api_request *r, json_t *tt, const char *format)
{
    char why[256], disp[400], name[300];
    size_t len = 0;
    char *text = NULL;
    const char *ctype;
    if (!strcmp(format, "ics")) {
        int y, m, d;
        if (!export_from(r, &y, &m, &d)) return;
        text = ics_render(tt, r->params[0], y, m, d, time(NULL), &len, why, sizeof why);
        ctype = "text/calendar; charset=utf-8";
    } else {
        text = csv_render(tt, &len, why, sizeof why);
        ctype = "text/csv; charset=utf-8";
    }
    if (!text) {
        reply_error(r, 422, "InvalidTimetable", "%s", why);
        return;
    }
    snprintf(name, sizeof name, "timetable-%s.%s", r->params[0], format);
    disposition("attachment", name, disp, sizeof disp);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition", disp);
    reply_bytes(r, 200, ctype, text, len);
    free(text);
}

void documents_timetable_h(api_request *r)
{
    const char *format = request_query(r, "format");
    if (!format) format = "json";
    if (strcmp(format, "json") && strcmp(format, "ics") && strcmp(format, "csv")) {
        reply_error(r, 400, "InvalidParameter", "format is json, ics or csv");
        return;
    }
    json_t *doc = documents_visible(r);
    if (!doc) return;
    json_decref(doc);
    long version;
    if (!request_query_int(r, "version", 1, 1000000, 0, &version)) return;
    json_t *tt = version ? documents_timetable_version(r->a->s, r->params[0], (int)version)
                         : documents_timetable(r->a->s, r->params[0]);
    if (!tt) {
        reply_error(r, 404, "TimetableNotReady", "document '%s' has no timetable yet",
                    r->params[0]);
        return;
    }
    if (!strcmp(format, "json")) {
        reply_json(r, 200, tt);
        return;
    }
    reply_export(r, tt, format);
    json_decref(tt);
}

/* Execution events: the document's life is engine/documents.c's; a change
 * it makes here is published once (a plugin's own changes are published by
 * the engine after their batch). */
void documents_on_execution(api *a, json_t *event)
{
    const char *name = json_string_value(json_object_get(event, "name"));
    const char *exec_id = json_string_value(json_object_get(event, "id"));
    if (!name || !exec_id || !api_name_valid(name)) return;
    const char *status = json_string_value(json_object_get(event, "status"));
    /* The execution is over: its work files (page images) have served. */
    if (status && strcmp(status, "RUNNING") != 0)
        documents_remove_workdir(a, exec_id);
    if (document_settle(a->e, name, exec_id) > 0) events_publish_document(a->events, name);
}
