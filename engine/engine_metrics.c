/*
 * engine_metrics.c — per-plugin task counts and latency histograms, and the
 * engine_metrics() snapshot that api/metrics.c serves at /metrics.
 *
 * In memory only: counters restart at zero with the process (a scraper
 * sees a counter reset, as Prometheus expects). A branch remembers the
 * index of its plugin's entry (task_metric) and when its task started, so
 * recording a result needs no lookup. Bucket bounds are cumulative "le"
 * milliseconds with a final +Inf, as in a Prometheus histogram.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "journal.h"

static const double BUCKETS_MS[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

void metrics_task_started(engine *e, branch *b, const char *plugin)
{
    size_t i;
    for (i = 0; i < e->n_task_metrics; i++)
        if (strcmp(e->task_metrics[i].plugin, plugin) == 0) break;
    if (i == e->n_task_metrics) {
        task_metric *n = realloc(e->task_metrics, (i + 1) * sizeof *n);
        if (!n) return;
        e->task_metrics = n;
        memset(&n[i], 0, sizeof n[i]);
        n[i].plugin = strdup(plugin);
        e->n_task_metrics++;
    }
    b->task_metric = (int)i;
    b->task_started_ms = wall_clock_ms();
}

void metrics_task_done(engine *e, branch *b, bool ok)
{
    if (b->task_metric < 0 || (size_t)b->task_metric >= e->n_task_metrics || !b->task_started_ms)
        return;
    task_metric *m = &e->task_metrics[b->task_metric];
    double ms = (double)(wall_clock_ms() - b->task_started_ms);
    m->count++;
    m->failed += !ok;
    m->sum_ms += ms;
    size_t k = 0;
    while (k < sizeof BUCKETS_MS / sizeof BUCKETS_MS[0] && ms > BUCKETS_MS[k]) k++;
    m->buckets[k]++;
}

void metrics_free(engine *e)
{
    for (size_t i = 0; i < e->n_task_metrics; i++) free(e->task_metrics[i].plugin);
    free(e->task_metrics);
}

static json_t *task_metrics_json(engine *e)
{
    json_t *tasks = json_object();
    for (size_t i = 0; i < e->n_task_metrics; i++) {
        task_metric *m = &e->task_metrics[i];
        json_t *buckets = json_array();
        uint64_t cumulative = 0;
        for (size_t k = 0; k < 12; k++) {
            cumulative += m->buckets[k];
            json_array_append_new(buckets, json_pack("{s:o, s:I}", "le",
                k < 11 ? json_real(BUCKETS_MS[k]) : json_string("+Inf"), "count",
                (json_int_t)cumulative));
        }
        json_object_set_new(tasks, m->plugin, json_pack("{s:I, s:I, s:f, s:o}", "count",
            (json_int_t)m->count, "failed", (json_int_t)m->failed, "sum_ms", m->sum_ms,
            "buckets", buckets));
    }
    return tasks;
}

json_t *engine_metrics(engine *e)
{
    workers_stats ws = {0};
    workers_get_stats(e->pool, &ws);
    json_t *by_status = journal_count_by_status(e->store);
    return json_pack("{s:o, s:I, s:o, s:I, s:I, s:{s:i, s:i, s:i}, s:I}",
                     "executions", by_status, "transitions", (json_int_t)e->transitions,
                     "tasks", task_metrics_json(e), "queue_depth",
                     (json_int_t)(ws.queued + (int)e->runq_len), "worker_restarts",
                     (json_int_t)ws.worker_restarts, "workers", "busy", ws.busy, "idle", ws.idle,
                     "queued", ws.queued, "commits",
                     (json_int_t)store_commit_count(e->store));
}
