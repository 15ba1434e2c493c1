/*
 * documents.h — uploaded documents and their timetables (tables of their own
 * in the engine's database; implemented in engine/store_documents.c).
 *
 * Durability: documents_create() writes the original file under
 * DATA_DIR/documents/<id[0..1]>/<id>, fsyncs the file and its directory, and
 * only then commits the row that names it, so a row never points at a file
 * that is not on disk. A crash in between leaves an orphan file that nothing
 * names (swept at open), never a dangling row.
 *
 * Status of a document: "received" → "processing" → "needs_review" →
 * "completed" | "failed" | "rejected". The workflow's plugins move it through
 * host calls ("documents.update", "documents.save_timetable"); submitting it
 * and ending it with its execution is engine/documents.c's (below), for the
 * API and `yogi extract` alike.
 *
 * All json_t results are new references; NULL means "no such document".
 */
#ifndef YOGI_DOCUMENTS_H
#define YOGI_DOCUMENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "host_error.h"
#include "store.h"
#include "yogi/plugin.h"

#define DOCUMENT_ID_MAX 40

/* Create tables (idempotent). */
int documents_init(store *s, yogi_error *err) HOST_MUST_CHECK;

typedef struct document_new {
    const void *bytes;
    size_t len;
    const char *filename;     /* as uploaded; stored for display only, never used as a path */
    const char *content_type; /* as declared; may be NULL */
    const char *owner;        /* token id of the uploader, or NULL */
} document_new;

/* Store the file durably and insert the row (status "received"). Writes the id
 * (DOCUMENT_ID_MAX bytes) and the stored file's absolute path. */
int documents_create(store *s, const char *data_dir, const document_new *doc, char *id_out,
                     char *path_out, size_t path_len, yogi_error *err) HOST_MUST_CHECK;

/* Update any of: "status", "execution_id", "type", "confidence", "route",
 * "error", "cause", "needs_review", "llm_tokens" (input + output tokens of
 * the LLM review), "llm_cost" (its price, when configured). Unknown keys are
 * an error. */
int documents_update(store *s, const char *id, json_t *fields, yogi_error *err) HOST_MUST_CHECK;

/* Save a timetable version ("source": "extracted" | "llm" | "reviewed"). */
int documents_save_timetable(store *s, const char *id, json_t *timetable, const char *source,
                             yogi_error *err) HOST_MUST_CHECK;

/* The same, naming who saved it (a person's correction; NULL for the
 * workflow's own saves); source may also be "corrected". */
int documents_save_timetable_by(store *s, const char *id, json_t *timetable, const char *source,
                                const char *author, yogi_error *err) HOST_MUST_CHECK;

/* One timetable version, or NULL. */
json_t *documents_timetable_version(store *s, const char *id, int version);
/* [{"version","source","author","created"}...], newest first. */
json_t *documents_versions(store *s, const char *id);

/* Delete the row and every timetable version in one transaction; writes the
 * original's path first so the caller can remove the file after the commit.
 * DocumentDoesNotExist. */
int documents_delete(store *s, const char *id, char *path_out, size_t path_len, yogi_error *err)
    HOST_MUST_CHECK;

/* Finished documents created before `before_ms` whose original is still
 * kept: marks them purged and returns [{"id","path"}...] for the caller to
 * unlink (the timetables stay). A document whose mark did not commit is left
 * out, for the next sweep. */
json_t *documents_purge_originals(store *s, int64_t before_ms);
/* The same, applied once per key: a second save with a key already saved for
 * this document changes nothing and succeeds (a workflow step that runs
 * again after a crash). A NULL key always saves a new version. */
int documents_save_timetable_once(store *s, const char *id, json_t *timetable,
                                  const char *source, const char *key, yogi_error *err)
    HOST_MUST_CHECK;

/* How many timetable versions a document has; -1 on error. */
int documents_timetable_versions(store *s, const char *id);

/* {"id","filename","content_type","bytes","sha256","owner","created","updated",
 *  "status","execution_id","type","confidence","route","error","cause",
 *  "original_removed" (null, or when the retention period removed the file)} */
json_t *documents_get(store *s, const char *id);

/* Absolute path of the stored original, into buf; -1 if unknown. */
int documents_file_path(store *s, const char *id, char *buf, size_t len);

/* The latest timetable, or NULL. */
json_t *documents_timetable(store *s, const char *id);

/* Newest first; status/owner filters may be NULL. {"documents":[...],"next":cursor|null} */
json_t *documents_list(store *s, const char *status, const char *owner, int limit,
                       const char *cursor);

/* Language-model use over all documents, for /metrics:
 * {"documents": documents with llm_tokens recorded, "tokens": their sum,
 *  "cost": the sum of their llm_cost (0 when no price is configured)}.
 * New reference; NULL if the database fails. */
json_t *documents_llm_usage(store *s);

/* Remove files under DATA_DIR/documents that no row names (left by a crash
 * between the file's fsync and the row's commit) and stray *.tmp files.
 * Call when opening a data directory, before documents are created in it.
 * *removed counts the files removed. A database that cannot say whether a
 * row names a file stops the sweep (Engine.Storage): nothing is removed on
 * a guess. */
int documents_sweep_orphans(store *s, const char *data_dir, int *removed, yogi_error *err)
    HOST_MUST_CHECK;

/* ---- a document's life (engine/documents.c) -------------------------------- */

struct engine;

typedef struct document_submission {
    document_new doc;      /* filename: any bytes; not UTF-8 is read as Latin-1 */
    const char *data_dir;  /* where the original is stored */
    const char *workflow;  /* the workflow to start, named by the document id */
} document_submission;

/* Store the document and start its execution; the row is "processing" and
 * linked to it. Fails with err before anything is stored (id_out[0] == 0),
 * or after (the document exists and is marked failed with the start's
 * error). id_out: DOCUMENT_ID_MAX bytes, exec_out: 64. */
int document_submit(struct engine *e, const document_submission *sub, char *id_out,
                    char *exec_out, yogi_error *err) HOST_MUST_CHECK;

/* The document's execution moved on: link it if the row does not know it
 * yet, and end the document when the execution failed ("rejected" for
 * Review.Rejected, else "failed"). 1 when its status changed (worth an event). */
int document_settle(struct engine *e, const char *document_id, const char *execution_id);

/* At start-up: no document is left received/processing/needs_review without
 * a running execution (a crash between store and start, a failure never
 * settled). *fixed counts the documents changed; a document that could not
 * be changed is logged and left for the next start. */
int documents_reconcile(struct engine *e, int *fixed, yogi_error *err) HOST_MUST_CHECK;

/* Engine host operations for plugins: "documents.update", "documents.save_timetable"
 * with args {"id": ..., ...} ("key" makes a save idempotent). Call once after engine_open; creates the
 * tables (documents_init) too. */
int documents_register_host_ops(struct engine *e, yogi_error *err) HOST_MUST_CHECK;

#endif
