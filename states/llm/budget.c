/*
 * budget.c — the per-day token and cost budget of the llm step.
 *
 * The spend lives in the store, not in this process: every worker, and
 * every restart, sees the same day (host call "llm.spend", engine/
 * store_llm.c, one row per UTC day). The plugin asks it twice per document:
 * at the gate (LlmGate, before the workflow decides to call the model) and
 * right before the request (a document that passed the gate while another
 * worker spent the rest is still stopped). It adds the tokens and cost
 * after each reply, billed or not.
 *
 * Invariant: a configured budget is never exceeded by more than the calls
 * already in flight when it ran out (at most one per worker): the check and
 * the addition are separate host calls, and a reservation scheme would have
 * to guess a call's size before the provider reports it.
 *
 * Where there is no store (yogi invoke, yogi run without the document
 * host operations) the spend cannot be counted; the step then runs as if
 * there were no budget, and says so in the log: those are tools for a
 * person checking a configuration, not the service.
 */
#include <stdio.h>
#include <string.h>

#include "llm.h"

static bool no_store(const yogi_error *e)
{
    return !strcmp(e->name, "Host.UnknownOperation") || !strcmp(e->name, "Host.Unsupported");
}

int llm_budget_spend(const yogi_host *host, const llm_config *cfg, json_t *add, json_t **today,
                     bool *known, yogi_error *err)
{
    *today = NULL;
    *known = false;
    if (!YOGI_HAS(host, call) || !host->call) return YOGI_OK;
    json_t *args = add ? json_deep_copy(add) : json_object();
    json_object_set_new(args, "budget_tokens", cfg->budget_tokens_per_day >= 0
                                                   ? json_integer(cfg->budget_tokens_per_day)
                                                   : json_null());
    json_object_set_new(args, "budget_cost", cfg->budget_cost_per_day >= 0
                                                 ? json_real(cfg->budget_cost_per_day)
                                                 : json_null());
    yogi_error e;
    memset(&e, 0, sizeof e);
    int rc = host->call("llm.spend", args, today, &e);
    json_decref(args);
    if (rc == YOGI_OK) {
        *known = true;
        return YOGI_OK;
    }
    if (no_store(&e)) return YOGI_OK;
    *err = e;
    return YOGI_FAILED;
}

bool llm_budget_spent(const llm_config *cfg, json_t *today, char *notice, size_t size)
{
    json_int_t tokens = json_integer_value(json_object_get(today, "tokens"));
    double cost = json_number_value(json_object_get(today, "cost"));
    const char *day = json_string_value(json_object_get(today, "day"));
    if (cfg->budget_tokens_per_day >= 0 && tokens >= cfg->budget_tokens_per_day) {
        snprintf(notice, size,
                 "the language model's budget for %s is spent (%lld of %ld tokens): documents go "
                 "to review with the extractor's draft until 00:00 UTC",
                 day ? day : "today", (long long)tokens, cfg->budget_tokens_per_day);
        return true;
    }
    if (cfg->budget_cost_per_day >= 0 && cost >= cfg->budget_cost_per_day) {
        snprintf(notice, size,
                 "the language model's budget for %s is spent (cost %.4f of %.4f): documents "
                 "go to review with the extractor's draft until 00:00 UTC",
                 day ? day : "today", cost, cfg->budget_cost_per_day);
        return true;
    }
    return false;
}
