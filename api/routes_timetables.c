/*
 * routes_timetables.c — what people do to a document after it is read:
 * correct its timetable (each save a new version, with who and when), list
 * the versions, and delete the document; plus the housekeeping of its files
 * (work files when it finishes, originals after the retention period).
 *
 * A correction is checked entry by entry before it is saved; what is wrong
 * comes back as 422 Timetable.Invalid with error.fields = [{"field":
 * "entries[3].start", "message": ...}] (the shape of a review answer's
 * check), so the page can show each problem at its field. Times are normalised first: "9.00", "9:00" and "0900" are all
 * "09:00".
 *
 * Deleting removes the row and every timetable version (one transaction),
 * then the original file and the execution's work directory (page images),
 * and writes an audit line naming the document id and who — never its file
 * name or content. A document still being read has its execution stopped
 * first, so no plugin writes for a document that no longer exists.
 */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "documents.h"
#include "internal.h"

static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};
static const char *const kinds[] = {"lesson", "break", "lunch", "registration", "other"};

static bool one_of(const char *v, const char *const *set, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (!strcmp(v, set[i])) return true;
    return false;
}

/* "9.00", "9:00", "09:00", "0900" -> minutes since midnight; -1 if not a time. */
static int parse_time(const char *s)
{
    int h = 0, m = 0, digits = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && digits < 4) h = h * 10 + (*p++ - '0'), digits++;
    if (digits == 4 && !*p) return h / 100 < 24 && h % 100 < 60 ? (h / 100) * 60 + h % 100 : -1;
    if (digits < 1 || digits > 2 || (*p != ':' && *p != '.')) return -1;
    p++;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') || p[2]) return -1;
    m = (p[0] - '0') * 10 + (p[1] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* {"field": "entries[3].start", "message": ...}: the shape the review's
 * answer check uses too (Timetable.Invalid), so one page code shows both. */
static void field_error(json_t *fields, size_t entry, const char *field, const char *message)
{
    char path[64];
    if (!strcmp(field, "entries")) snprintf(path, sizeof path, "entries");
    else snprintf(path, sizeof path, "entries[%zu].%s", entry, field);
    json_array_append_new(fields, json_pack("{s:s,s:s}", "field", path, "message", message));
}

/* Normalise one entry's times in place; add its problems to fields. */
static void check_entry(json_t *e, size_t i, json_t *fields)
{
    if (!json_is_object(e)) {
        field_error(fields, i, "entry", "not an entry");
        return;
    }
    if (!one_of(json_string_value(json_object_get(e, "day")), days, 7))
        field_error(fields, i, "day", "choose a day of the week");
    int t[2];
    static const char *const names[] = {"start", "end"};
    for (int k = 0; k < 2; k++) {
        const char *v = json_string_value(json_object_get(e, names[k]));
        t[k] = v ? parse_time(v) : -1;
        if (t[k] < 0) {
            field_error(fields, i, names[k], "write the time as HH:MM, like 09:00");
            continue;
        }
        char norm[16];
        snprintf(norm, sizeof norm, "%02u:%02u", (unsigned)t[k] / 60u % 24u, (unsigned)t[k] % 60u);
        json_object_set_new(e, names[k], json_string(norm));
    }
    if (t[0] >= 0 && t[1] >= 0 && t[1] <= t[0])
        field_error(fields, i, "end", "the end must be after the start");
    const char *subject = json_string_value(json_object_get(e, "subject"));
    if (!subject || !*subject) field_error(fields, i, "subject", "a subject is needed");
    json_t *kind = json_object_get(e, "kind");
    if (kind && !json_is_null(kind) && !one_of(json_string_value(kind), kinds, 5))
        field_error(fields, i, "kind", "lesson, break, lunch, registration or other");
    static const char *const optional[] = {"room", "class", "teacher", "notes"};
    for (int k = 0; k < 4; k++) {
        json_t *v = json_object_get(e, optional[k]);
        if (v && !json_is_string(v) && !json_is_null(v))
            field_error(fields, i, optional[k], "must be text");
    }
}

json_t *timetable_check(json_t *tt)
{
    json_t *fields = json_array();
    json_t *entries = json_object_get(tt, "entries");
    if (!json_is_array(entries) || json_array_size(entries) == 0) {
        field_error(fields, 0, "entries", "a timetable needs at least one entry");
        return fields;
    }
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) check_entry(e, i, fields);
    return fields;
}

void reply_invalid_timetable(api_request *r, json_t *fields)
{
    json_t *first = json_array_get(fields, 0);
    char message[256];
    snprintf(message, sizeof message, "the timetable has %zu problem%s; first: %s %s",
             json_array_size(fields), json_array_size(fields) == 1 ? "" : "s",
             json_string_value(json_object_get(first, "field")),
             json_string_value(json_object_get(first, "message")));
    reply_json(r, 422, json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "Timetable.Invalid",
                                 "message", message, "fields", fields));
}

static const char *actor(api_request *r)
{
    return r->who.user[0] ? r->who.user : r->who.token_id[0] ? r->who.token_id : "-";
}

void documents_correct_h(api_request *r)
{
    json_t *doc = documents_visible(r);
    if (!doc) return;
    json_decref(doc);
    json_t *current = documents_timetable(r->a->s, r->params[0]);
    if (!current) {
        reply_error(r, 409, "TimetableNotReady", "there is no saved timetable to correct yet");
        return;
    }
    json_decref(current);
    json_t *tt;
    if (request_json(r, false, &tt) != 0) return;
    json_t *fields = timetable_check(tt);
    yogi_error err = {{0}, {0}};
    if (json_array_size(fields) > 0) {
        reply_invalid_timetable(r, fields);
        fields = NULL;
    } else if (documents_save_timetable_by(r->a->s, r->params[0], tt, "corrected", actor(r),
                                           &err) != 0) {
        reply_yogi_error(r, &err);
    } else {
        events_publish_document(r->a->events, r->params[0]);
        json_t *versions = documents_versions(r->a->s, r->params[0]);
        reply_json(r, 200, json_pack("{s:O,s:o}", "version",
                                     json_object_get(json_array_get(versions, 0), "version"),
                                     "timetable", json_incref(tt)));
        json_decref(versions);
    }
    json_decref(fields);
    json_decref(tt);
}

void documents_versions_h(api_request *r)
{
    json_t *doc = documents_visible(r);
    if (!doc) return;
    json_decref(doc);
    json_t *list = documents_versions(r->a->s, r->params[0]);
    if (!list) reply_error(r, 503, "Engine.Storage", "cannot list versions");
    else reply_json(r, 200, json_pack("{s:o}", "versions", list));
}

/* ---- files ------------------------------------------------------------------ */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void documents_remove_workdir(api *a, const char *execution_id)
{
    if (!a->opts.data_dir || !execution_id || !*execution_id) return;
    char id[128], dir[PATH_MAX];
    size_t n = 0;
    for (const char *p = execution_id; *p && n + 1 < sizeof id; p++) {
        bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
        id[n++] = safe ? *p : '_'; /* as states/workdir.h names it */
    }
    id[n] = '\0';
    if ((size_t)snprintf(dir, sizeof dir, "%s/work/%s", a->opts.data_dir, id) >= sizeof dir)
        return;
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool running(const char *status)
{
    return status && (!strcmp(status, "received") || !strcmp(status, "processing") ||
                      !strcmp(status, "needs_review"));
}

void documents_delete_h(api_request *r)
{
    json_t *doc = documents_visible(r);
    if (!doc) return;
    if (r->who.role == ROLE_REVIEWER) {
        json_decref(doc);
        reply_error(r, 403, "Forbidden", "only the teacher who uploaded it or an admin may delete");
        return;
    }
    const char *exec = json_string_value(json_object_get(doc, "execution_id"));
    char exec_id[128] = "", path[PATH_MAX];
    snprintf(exec_id, sizeof exec_id, "%s", exec ? exec : "");
    yogi_error err = {{0}, {0}};
    /* An execution that ended meanwhile needs no stop; one that could not be
     * stopped finds its document gone at its next write and fails there. */
    if (exec_id[0] && running(json_string_value(json_object_get(doc, "status"))) &&
        engine_stop(r->a->e, exec_id, "Document.Deleted", "the document was deleted", &err) != 0 &&
        strcmp(err.name, "ExecutionNotRunning") != 0)
        fprintf(stderr, "yogi: deleting document %s: its execution %s not stopped: %s: %s\n",
                r->params[0], exec_id, err.name, err.cause);
    json_decref(doc);
    if (documents_delete(r->a->s, r->params[0], path, sizeof path, &err) != 0) {
        reply_yogi_error(r, &err);
        return;
    }
    unlink(path);
    documents_remove_workdir(r->a, exec_id);
    audit_record(r->a->s, actor(r), "document.delete", r->params[0]);
    events_publish_document(r->a->events, r->params[0]);
    reply_json(r, 200, json_pack("{s:s,s:b}", "id", r->params[0], "deleted", 1));
}

int documents_retention_sweep(api *a)
{
    if (a->opts.retention_days <= 0) return 0;
    int64_t cutoff = ((int64_t)time(NULL) - (int64_t)a->opts.retention_days * 86400) * 1000;
    json_t *list = documents_purge_originals(a->s, cutoff);
    size_t i;
    json_t *row;
    int removed = 0;
    json_array_foreach(list, i, row) {
        const char *path = json_string_value(json_object_get(row, "path"));
        if (path && unlink(path) == 0) removed++;
        audit_record(a->s, "retention", "document.purge_original",
                     json_string_value(json_object_get(row, "id")));
    }
    json_decref(list);
    if (removed) fprintf(stderr, "yogi: retention: removed %d original file(s)\n", removed);
    return removed;
}
