/*
 * documents.c — a document's life, in one place: submit, the link to its
 * execution, and its end when the execution fails (documents.h, "life").
 *
 * The upload route (api/routes_documents.c) and `yogi extract`
 * (cli/cmd_extract.c) both submit through document_submit; the API (on each
 * execution event), `yogi extract` (when a job ends) and the start-up check
 * (documents_reconcile) settle through document_settle. The workflow's
 * plugins move a document on through the host operations of
 * store_documents.c ("documents.update", "documents.save_timetable").
 *
 * Invariants:
 *   - Input that cannot be encoded is never stored half-understood: a file
 *     name that is not UTF-8 is read as Latin-1 and transcoded (the common
 *     case: an old browser or a Windows zip), so the execution's input is
 *     never the {} that a failed json_pack would leave.
 *   - A document is "processing" only while its execution runs: the link
 *     (execution_id) is written as soon as engine_start returns, an
 *     execution that already ended is settled at once, an execution event
 *     for a document not yet linked links it (the execution is named by the
 *     document id), and documents_reconcile repairs what a crash left.
 *   - A reviewer's Review.Rejected ends a document "rejected"; any other
 *     failure ends it "failed" with the execution's error and cause.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "engine.h"
#include "host_error.h"

/* The name as UTF-8 into out: as is when it is valid UTF-8, else each byte
 * read as Latin-1. Control characters are dropped either way. */
static void utf8_name(const char *in, char *out, size_t len)
{
    json_t *probe = json_string(in);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 3 < len; p++) {
        if (*p < 0x20 || *p == 0x7f) continue;
        if (probe || *p < 0x80) {
            out[o++] = (char)*p;
        } else if (*p >= 0xa0) { /* C1 controls (0x80-0x9f) dropped */
            out[o++] = (char)(0xc0 | (*p >> 6));
            out[o++] = (char)(0x80 | (*p & 0x3f));
        }
    }
    /* Never cut a UTF-8 sequence in two. */
    while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80) {
        size_t start = o - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xc0) == 0x80) start--;
        unsigned char lead = (unsigned char)out[start];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (o - start == need) break;
        o = start;
    }
    out[o] = '\0';
    json_decref(probe);
}

static bool failure_status(const char *status)
{
    return status && (!strcmp(status, "FAILED") || !strcmp(status, "TIMED_OUT") ||
                      !strcmp(status, "ABORTED"));
}

static bool finished(const char *status)
{
    return status && (!strcmp(status, "completed") || !strcmp(status, "failed") ||
                      !strcmp(status, "rejected"));
}

/* End the document "failed" (or "rejected"); 0, or -1 logged on stderr with
 * its error name: the callers have no one to answer, and the document is
 * settled again at the execution's next event or the next start. */
static int mark_failed(store *s, const char *id, const char *error, const char *cause)
{
    bool rejected = error && !strcmp(error, "Review.Rejected");
    json_t *fields = json_pack("{s:s, s:s, s:s}", "status", rejected ? "rejected" : "failed",
                               "error", error ? error : "States.Runtime", "cause",
                               cause ? cause : "");
    yogi_error err = {{0}, {0}};
    int rc = fields ? documents_update(s, id, fields, &err)
                    : host_fail(&err, "Engine.Internal", "the failure cannot be encoded");
    if (rc != 0)
        fprintf(stderr, "yogi: document %s not marked %s after %s: %s: %s\n", id,
                rejected ? "rejected" : "failed", error ? error : "States.Runtime", err.name,
                err.cause);
    json_decref(fields);
    return rc;
}

int document_settle(engine *e, const char *document_id, const char *execution_id)
{
    store *s = engine_store(e);
    json_t *doc = documents_get(s, document_id);
    json_t *ex = execution_id ? engine_describe(e, execution_id) : NULL;
    int changed = 0;
    const char *linked = json_string_value(json_object_get(doc, "execution_id"));
    const char *name = json_string_value(json_object_get(ex, "name"));
    if (!doc || !ex || !name || strcmp(name, document_id) != 0 ||
        (linked && strcmp(linked, execution_id) != 0))
        goto out; /* not this document's execution */
    if (!linked) {
        json_t *link = json_pack("{s:s}", "execution_id", execution_id);
        yogi_error err;
        /* Bookkeeping, not a status change: the execution's next event
         * settles the document again and retries the link. */
        if (documents_update(s, document_id, link, &err) != 0)
            fprintf(stderr, "yogi: document %s not linked to execution %s yet: %s: %s\n",
                    document_id, execution_id, err.name, err.cause);
        json_decref(link);
    }
    const char *status = json_string_value(json_object_get(ex, "status"));
    if (failure_status(status) && !finished(json_string_value(json_object_get(doc, "status")))) {
        const char *error = json_string_value(json_object_get(ex, "error"));
        if (mark_failed(s, document_id, error ? error : status,
                        json_string_value(json_object_get(ex, "cause"))) == 0)
            changed = 1;
    }
out:
    json_decref(doc);
    json_decref(ex);
    return changed;
}

int document_submit(engine *e, const document_submission *sub, char *id_out, char *exec_out,
                    yogi_error *err)
{
    id_out[0] = exec_out[0] = '\0';
    char filename[1024];
    utf8_name(sub->doc.filename ? sub->doc.filename : "", filename, sizeof filename);
    document_new doc = sub->doc;
    doc.filename = filename[0] ? filename : "upload";
    char path[4096];
    store *s = engine_store(e);
    if (documents_create(s, sub->data_dir, &doc, id_out, path, sizeof path, err) != 0)
        return -1;
    /* {"document": {...}} is what workflows/document_processing.yaml reads;
     * "document_id" at the top saves small workflows a Parameters block. */
    json_t *input = json_pack("{s:{s:s, s:s, s:s, s:s?}, s:s}", "document", "id", id_out, "path",
                              path, "filename", doc.filename, "content_type", doc.content_type,
                              "document_id", id_out);
    int rc = -1;
    if (!input) {
        host_fail(err, "InvalidInput", "the document's description cannot be encoded as JSON");
    } else {
        engine_start_request req = {.workflow = sub->workflow, .input = input, .name = id_out};
        rc = engine_start(e, &req, exec_out, err);
    }
    json_decref(input);
    if (rc != 0) {
        /* Not marked (mark_failed logs why), it is left "received" with no
         * execution: documents_reconcile fails it at the next start. */
        mark_failed(s, id_out, err->name, err->cause);
        return -1;
    }
    /* The execution runs whatever happens here: a document left "received"
     * is linked when its execution's next event settles it (the execution
     * is named by the document id). */
    json_t *fields = json_pack("{s:s, s:s}", "status", "processing", "execution_id", exec_out);
    yogi_error uerr;
    if (documents_update(s, id_out, fields, &uerr) != 0)
        fprintf(stderr, "yogi: document %s not marked processing: %s: %s\n", id_out, uerr.name,
                uerr.cause);
    json_decref(fields);
    document_settle(e, id_out, exec_out); /* it may have ended already */
    return 0;
}

/* One unfinished document at start-up: settle it, or fail it when nothing
 * runs for it. Returns 1 when it was changed. */
static int reconcile_one(engine *e, json_t *doc)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *exec_id = json_string_value(json_object_get(doc, "execution_id"));
    json_t *ex = exec_id ? engine_describe(e, exec_id) : NULL;
    const char *status = json_string_value(json_object_get(ex, "status"));
    int changed = 0;
    if (!ex) {
        changed = mark_failed(engine_store(e), id, "Document.NotStarted",
                              "no execution was processing it (found at start-up)") == 0;
    } else if (failure_status(status)) {
        changed = document_settle(e, id, exec_id);
    } else if (!strcmp(status, "SUCCEEDED") &&
               strcmp(json_string_value(json_object_get(doc, "status")), "completed") != 0) {
        changed = mark_failed(engine_store(e), id, "Document.NotSaved",
                              "its execution succeeded without saving it") == 0;
    }
    json_decref(ex);
    return changed;
}

int documents_reconcile(engine *e, int *fixed, yogi_error *err)
{
    static const char *const open_statuses[] = {"received", "processing", "needs_review"};
    *fixed = 0;
    for (size_t k = 0; k < 3; k++) {
        char cursor[128] = "";
        for (;;) {
            json_t *page = documents_list(engine_store(e), open_statuses[k], NULL, 500, cursor);
            if (!page)
                return host_fail(err, "Engine.Storage", "cannot list the %s documents",
                                 open_statuses[k]);
            size_t i;
            json_t *doc;
            json_array_foreach(json_object_get(page, "documents"), i, doc)
                *fixed += reconcile_one(e, doc);
            const char *next = json_string_value(json_object_get(page, "next"));
            bool more = next && strlen(next) < sizeof cursor;
            if (more) snprintf(cursor, sizeof cursor, "%s", next);
            json_decref(page);
            if (!more) break;
        }
    }
    return 0;
}
