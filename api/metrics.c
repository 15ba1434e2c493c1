/*
 * metrics.c — /healthz, /readyz and /metrics.
 *
 * /healthz answers while the loop runs (liveness); /readyz only once the
 * engine has resumed every execution it found at start (readiness: a load
 * balancer should not send uploads before). /metrics renders the engine's
 * counters and the server's own in the Prometheus text format 0.0.4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities.h"
#include "documents.h"
#include "llm_store.h"
#include "internal.h"
#include "strbuf.h"

void ops_healthz_h(api_request *r)
{
    reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void ops_readyz_h(api_request *r)
{
    char why[600];
    if (!store_intact(r->a->s, why, sizeof why))
        reply_error(r, 503, "Engine.Storage", "%s", why);
    else if (engine_ready(r->a->e)) reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
    else reply_error(r, 503, "NotReady", "the engine is still resuming executions");
}

/* Label values escape backslash, quote and newline. */
static void put_label(strbuf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') strbuf_printf(b, "\\%c", *v);
        else if (*v == '\n') strbuf_puts(b, "\\n");
        else strbuf_append(b, v, 1);
    }
}

static void put_help(strbuf *b, const char *name, const char *type, const char *help)
{
    strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_executions(strbuf *b, json_t *m)
{
    put_help(b, "yogi_executions", "gauge", "Executions by status.");
    const char *status;
    json_t *n;
    json_object_foreach(json_object_get(m, "executions"), status, n) {
        strbuf_puts(b, "yogi_executions{status=\"");
        put_label(b, status);
        strbuf_printf(b, "\"} %lld\n", (long long)json_integer_value(n));
    }
}

/* One plugin's histogram. The engine gives "buckets" as cumulative
 * [{"le": ms, "count": n}...] and the totals; the +Inf bucket is the count. */
static void put_task_histogram(strbuf *b, const char *plugin, json_t *t)
{
    size_t i;
    json_t *bk;
    json_array_foreach(json_object_get(t, "buckets"), i, bk) {
        json_t *le = json_object_get(bk, "le");
        if (!json_is_number(le)) continue;
        strbuf_puts(b, "yogi_task_duration_seconds_bucket{plugin=\"");
        put_label(b, plugin);
        strbuf_printf(b, "\",le=\"%g\"} %lld\n", json_number_value(le) / 1000.0,
                      (long long)json_integer_value(json_object_get(bk, "count")));
    }
    long long count = (long long)json_integer_value(json_object_get(t, "count"));
    strbuf_puts(b, "yogi_task_duration_seconds_bucket{plugin=\"");
    put_label(b, plugin);
    strbuf_printf(b, "\",le=\"+Inf\"} %lld\n", count);
    strbuf_puts(b, "yogi_task_duration_seconds_sum{plugin=\"");
    put_label(b, plugin);
    strbuf_printf(b, "\"} %g\n", json_number_value(json_object_get(t, "sum_ms")) / 1000.0);
    strbuf_puts(b, "yogi_task_duration_seconds_count{plugin=\"");
    put_label(b, plugin);
    strbuf_printf(b, "\"} %lld\n", count);
}

static void put_engine(strbuf *b, json_t *m)
{
    put_executions(b, m);
    put_help(b, "yogi_transitions_total", "counter", "State transitions committed.");
    strbuf_printf(b, "yogi_transitions_total %lld\n",
                  (long long)json_integer_value(json_object_get(m, "transitions")));
    put_help(b, "yogi_task_duration_seconds", "histogram", "Task latency by plugin.");
    const char *plugin;
    json_t *t;
    json_object_foreach(json_object_get(m, "tasks"), plugin, t) put_task_histogram(b, plugin, t);
    put_help(b, "yogi_queue_depth", "gauge", "Tasks waiting for a worker.");
    strbuf_printf(b, "yogi_queue_depth %lld\n",
                  (long long)json_integer_value(json_object_get(m, "queue_depth")));
    put_help(b, "yogi_worker_restarts_total", "counter", "Worker processes replaced.");
    strbuf_printf(b, "yogi_worker_restarts_total %lld\n",
                  (long long)json_integer_value(json_object_get(m, "worker_restarts")));
}

static void put_server(strbuf *b, api *a)
{
    put_help(b, "yogi_http_requests_total", "counter", "HTTP requests routed.");
    strbuf_printf(b, "yogi_http_requests_total %llu\n", (unsigned long long)a->stats.requests);
    put_help(b, "yogi_http_responses_total", "counter", "HTTP responses by status class.");
    for (int c = 2; c <= 5; c++)
        strbuf_printf(b, "yogi_http_responses_total{class=\"%dxx\"} %llu\n", c,
                      (unsigned long long)a->stats.responses[c]);
    put_help(b, "yogi_http_rejected_total", "counter", "Requests shed under load.");
    strbuf_printf(b, "yogi_http_rejected_total{reason=\"rate\"} %llu\n",
                  (unsigned long long)a->stats.rejected_rate);
    strbuf_printf(b, "yogi_http_rejected_total{reason=\"connections\"} %llu\n",
                  (unsigned long long)a->stats.rejected_overload);
    put_help(b, "yogi_http_connections", "gauge", "Open client connections.");
    strbuf_printf(b, "yogi_http_connections %d\n", connections_open(a));
    put_help(b, "yogi_event_streams", "gauge", "Open Server-Sent Event streams.");
    strbuf_printf(b, "yogi_event_streams %d\n", events_client_count(a->events));
    put_help(b, "yogi_uploads_total", "counter", "Documents accepted.");
    strbuf_printf(b, "yogi_uploads_total %llu\n", (unsigned long long)a->stats.uploads);
}

/* One unlabelled sample with its HELP and TYPE lines. */
static void put_int(strbuf *b, const char *name, const char *type, const char *help, long long v)
{
    put_help(b, name, type, help);
    strbuf_printf(b, "%s %lld\n", name, v);
}

static void put_real(strbuf *b, const char *name, const char *type, const char *help, double v)
{
    put_help(b, name, type, help);
    strbuf_printf(b, "%s %.6f\n", name, v);
}

static long long int_of(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Today's spend against the day's budget (the budget as the llm step last
 * saw it in its configuration; -1 when none is set). */
static void put_llm_budget(strbuf *b, store *s)
{
    json_t *t = llm_store_today(s);
    if (!t) return;
    json_t *bt = json_object_get(t, "budget_tokens"), *bc = json_object_get(t, "budget_cost");
    put_int(b, "yogi_llm_spend_tokens_today", "gauge", "Language-model tokens spent today (UTC).",
            int_of(t, "tokens"));
    put_int(b, "yogi_llm_budget_tokens_per_day", "gauge",
            "llm.budget_tokens_per_day; -1 when no budget is set.",
            json_is_number(bt) ? (long long)json_number_value(bt) : -1LL);
    put_real(b, "yogi_llm_spend_cost_today", "gauge", "Their cost today (UTC).",
             json_number_value(json_object_get(t, "cost")));
    put_real(b, "yogi_llm_budget_cost_per_day", "gauge",
             "llm.budget_cost_per_day; -1 when no budget is set.",
             json_is_number(bc) ? json_number_value(bc) : -1.0);
    put_int(b, "yogi_llm_budget_refused_today", "gauge",
            "Documents sent to review without a model draft today: budget spent.",
            int_of(t, "refused"));
    json_decref(t);
}

/* How often the model changed the extractor's reading. */
static void put_llm_changes(strbuf *b, store *s)
{
    json_t *c = llm_store_changes_summary(s);
    if (!c) return;
    long long entries = int_of(c, "entries"), changed = int_of(c, "entries_changed");
    put_int(b, "yogi_llm_compared_documents_total", "counter",
            "Documents whose model answer passed its checks and was compared with the draft.",
            int_of(c, "documents"));
    put_int(b, "yogi_llm_changed_documents_total", "counter",
            "Of them, documents where the model changed at least one entry.",
            int_of(c, "documents_changed"));
    put_int(b, "yogi_llm_compared_entries_total", "counter",
            "Entries (day and time slots) either reading had.", entries);
    put_int(b, "yogi_llm_changed_entries_total", "counter",
            "Entries the model changed, added or left out.", changed);
    put_real(b, "yogi_llm_changed_entries_share", "gauge",
             "Changed entries over compared entries (0 before any comparison).",
             entries > 0 ? (double)changed / (double)entries : 0.0);
    put_help(b, "yogi_llm_changes_total", "counter",
             "Changed entries by what changed (added, removed, time, subject, room).");
    const char *kind;
    json_t *n;
    json_object_foreach(json_object_get(c, "by_kind"), kind, n) {
        strbuf_puts(b, "yogi_llm_changes_total{kind=\"");
        put_label(b, kind);
        strbuf_printf(b, "\"} %lld\n", (long long)json_integer_value(n));
    }
    json_decref(c);
}

/* Tokens spent by the LLM review step, from the documents store. */
static void put_llm(strbuf *b, engine *e)
{
    json_t *u = documents_llm_usage(engine_store(e));
    if (!u) return;
    put_help(b, "yogi_llm_documents_total", "counter", "Documents reviewed by a language model.");
    strbuf_printf(b, "yogi_llm_documents_total %lld\n",
                  (long long)json_integer_value(json_object_get(u, "documents")));
    put_help(b, "yogi_llm_tokens_total", "counter", "Language-model tokens, input and output.");
    strbuf_printf(b, "yogi_llm_tokens_total %lld\n",
                  (long long)json_integer_value(json_object_get(u, "tokens")));
    put_help(b, "yogi_llm_cost_total", "counter",
             "Price of those tokens, in the unit of llm.price_*_per_mtok.");
    strbuf_printf(b, "yogi_llm_cost_total %.6f\n",
                  json_number_value(json_object_get(u, "cost")));
    json_decref(u);
    put_llm_budget(b, engine_store(e));
    put_llm_changes(b, engine_store(e));
}

/* Remote tasks waiting for a worker, per activity (docs/scaling.md: a
 * queue that stays above zero asks for more workers). */
static void put_activities(strbuf *b, engine *e)
{
    json_t *q = engine_activity_queued(e);
    const char *name;
    json_t *n;
    put_help(b, "yogi_activity_tasks_queued", "gauge", "Activity tasks waiting for a remote worker.");
    json_object_foreach(q, name, n)
        strbuf_printf(b, "yogi_activity_tasks_queued{activity=\"%s\"} %lld\n", name,
                      (long long)json_integer_value(n));
    json_decref(q);
}

void ops_metrics_h(api_request *r)
{
    strbuf b = {0};
    json_t *m = engine_metrics(r->a->e);
    if (m) put_engine(&b, m);
    json_decref(m);
    put_llm(&b, r->a->e);
    put_activities(&b, r->a->e);
    put_server(&b, r->a);
    size_t len;
    char *text = strbuf_take(&b, &len);
    if (!text) {
        reply_error(r, 500, "Internal", "out of memory");
        return;
    }
    reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}
