/*
 * llm_store.h — what the language-model step keeps in the store
 * (engine/store_llm.c): the spend of each UTC day against the budget, and
 * per document which entries the model changed.
 *
 * Host operations for the llm plugin (registered with the document ones):
 *   "llm.spend"   args {"tokens", "cost", "calls", "refused" (added to
 *                 today's row, each optional, >= 0), "budget_tokens",
 *                 "budget_cost" (the configured budget, null for none)}
 *                 → today's row {"day", "tokens", "cost", "calls",
 *                 "refused", "budget_tokens", "budget_cost"}
 *   "llm.changes" args {"document_id", "confidence" (the extractor's),
 *                 "passed" (the answer passed its checks), "compared",
 *                 "changed", "changes": [...]} → {"document_id"}
 *                 (one row per document; a later answer replaces it)
 */
#ifndef YOGI_LLM_STORE_H
#define YOGI_LLM_STORE_H

#include <jansson.h>

#include "host_error.h"
#include "store.h"

/* Create the tables (modules "llm_spend" and "llm_changes"). */
int llm_store_init(store *s, yogi_error *err) HOST_MUST_CHECK;

/* Today's row as "llm.spend" returns it (zeros when nothing was spent);
 * NULL if the database fails. New reference. */
json_t *llm_store_today(store *s);

/* Over all documents whose answer passed its checks: {"documents": with a
 * comparison recorded,
 * "documents_changed": with at least one change, "entries": slots compared,
 * "entries_changed": slots the model changed, added or removed,
 * "by_kind": {"added", "removed", "time", "subject", "room": slots}}. NULL if
 * the database fails. New reference. */
json_t *llm_store_changes_summary(store *s);

/* The comparison recorded for a document ({"confidence", "passed", "compared", "changed",
 * "changes", "created"}), or NULL. New reference. */
json_t *llm_store_document_changes(store *s, const char *document_id);

struct engine;
int llm_store_register_host_ops(struct engine *e, yogi_error *err) HOST_MUST_CHECK;

#endif
