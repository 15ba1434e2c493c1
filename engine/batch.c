/*
 * batch.c — the batch the interpreter fills and engine.c drives: what each
 * step touched (executions and branches to write), the history events it
 * emitted, the run queue of branches ready to step, the effect queues
 * (tasks to submit, tasks to cancel: performed only after the commit) and
 * the timer heap.
 *
 * Invariants: an execution is in e->touched at most once (its dirty flag
 * says so) until settle_touched() in engine.c clears it after the commit; a
 * branch is in the run queue at most once (in_runq). Queues hold
 * branch_refs (execution id + branch id), never pointers, because an
 * execution may end and be freed while a reference to it is still queued.
 * Timers are a binary min-heap on at_ms with lazy deletion: re-arming bumps
 * the owner's timer_gen, and a popped entry whose gen no longer matches is
 * ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* ---- growable arrays ------------------------------------------------------------ */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    void *n = realloc(*arr, ncap * elem);
    if (!n) return -1;
    *arr = n;
    *cap = ncap;
    return 0;
}

void branch_ref_of(branch *b, branch_ref *r)
{
    snprintf(r->exec_id, sizeof r->exec_id, "%s", b->ex->id);
    r->branch_id = b->id;
}

branch *branch_ref_resolve(engine *e, const branch_ref *r)
{
    execution *ex = hmap_get(&e->executions, r->exec_id);
    return ex ? branch_get(ex, r->branch_id) : NULL;
}

/* ---- what the interpreter asks for ------------------------------------------------ */

void execution_touch(engine *e, execution *ex)
{
    if (ex->dirty) return;
    ex->dirty = true;
    if (grow((void **)&e->touched, &e->cap_touched, e->n_touched + 1, sizeof *e->touched) != 0) {
        fprintf(stderr, "yogi: out of memory\n");
        abort();
    }
    e->touched[e->n_touched++] = ex;
}

void branch_touch(engine *e, branch *b)
{
    b->dirty = true;
    execution_touch(e, b->ex);
}

void engine_emit(engine *e, execution *ex, const char *type, const char *state, json_t *details)
{
    json_t *ev = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)ex->next_event++, "type", type,
                           "timestamp", (json_int_t)wall_clock_ms());
    if (state) json_object_set_new(ev, "state", json_string(state));
    if (details) json_object_set_new(ev, "details", details);
    if (!ex->new_events) ex->new_events = json_array();
    json_array_append_new(ex->new_events, ev);
    e->transitions++;
    execution_touch(e, ex);
}

void engine_runq_push(engine *e, branch *b)
{
    if (b->in_runq) return;
    if (e->runq_len == e->runq_cap) {
        size_t ncap = e->runq_cap ? e->runq_cap * 2 : 64;
        branch_ref *n = malloc(ncap * sizeof *n);
        if (!n) abort();
        for (size_t i = 0; i < e->runq_len; i++)
            n[i] = e->runq[(e->runq_head + i) % e->runq_cap];
        free(e->runq);
        e->runq = n;
        e->runq_cap = ncap;
        e->runq_head = 0;
    }
    branch_ref_of(b, &e->runq[(e->runq_head + e->runq_len) % e->runq_cap]);
    e->runq_len++;
    b->in_runq = true;
}

void engine_dispatch_later(engine *e, branch *b)
{
    if (grow((void **)&e->dispatch, &e->cap_dispatch, e->n_dispatch + 1, sizeof *e->dispatch))
        abort();
    branch_ref_of(b, &e->dispatch[e->n_dispatch++]);
}

void engine_cancel_task(engine *e, branch *b)
{
    if (!b->task_id) return;
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)b->task_id);
    free(hmap_del(&e->tasks, key));
    if (grow((void **)&e->cancels, &e->cap_cancels, e->n_cancels + 1, sizeof *e->cancels))
        abort();
    e->cancels[e->n_cancels++] = b->task_id;
    b->task_id = 0;
}

/* ---- timers: a binary min-heap with lazy deletion ----------------------------------- */

static void heap_swap(engine *e, size_t a, size_t b)
{
    timer_entry t = e->timers[a];
    e->timers[a] = e->timers[b];
    e->timers[b] = t;
}

static void heap_push(engine *e, const timer_entry *t)
{
    if (grow((void **)&e->timers, &e->cap_timers, e->n_timers + 1, sizeof *e->timers)) abort();
    size_t i = e->n_timers++;
    e->timers[i] = *t;
    while (i > 0 && e->timers[(i - 1) / 2].at_ms > e->timers[i].at_ms) {
        heap_swap(e, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_pop(engine *e)
{
    e->timers[0] = e->timers[--e->n_timers];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->n_timers && e->timers[l].at_ms < e->timers[m].at_ms) m = l;
        if (r < e->n_timers && e->timers[r].at_ms < e->timers[m].at_ms) m = r;
        if (m == i) break;
        heap_swap(e, i, m);
        i = m;
    }
}

void engine_set_timer(engine *e, branch *b, int64_t at_ms)
{
    b->timer_gen++;
    if (b->timer_ms != at_ms) branch_touch(e, b);
    b->timer_ms = at_ms;
    if (at_ms <= 0) return;
    timer_entry t = {.at_ms = at_ms, .gen = b->timer_gen, .branch_id = b->id};
    snprintf(t.exec_id, sizeof t.exec_id, "%s", b->ex->id);
    heap_push(e, &t);
}

void engine_set_execution_timer(engine *e, execution *ex, int64_t at_ms)
{
    ex->timer_gen++;
    if (at_ms <= 0) return;
    timer_entry t = {.at_ms = at_ms, .gen = ex->timer_gen, .branch_id = 0};
    snprintf(t.exec_id, sizeof t.exec_id, "%s", ex->id);
    heap_push(e, &t);
}

/* Pop the earliest timer if it is due at `now`; entries may be stale (the
 * caller checks gen against the branch or execution: lazy deletion). */
bool batch_pop_due_timer(engine *e, int64_t now, timer_entry *out)
{
    if (e->n_timers == 0 || e->timers[0].at_ms > now) return false;
    *out = e->timers[0];
    heap_pop(e);
    return true;
}

/* When the earliest timer is due, or -1 when none is armed. */
int64_t batch_next_timer_ms(engine *e)
{
    return e->n_timers > 0 ? e->timers[0].at_ms : -1;
}

/* ---- the run queue, as the loop consumes it ------------------------------------------ */

/* Take the oldest queued branch. *b is NULL when its execution has gone
 * since it was queued: that still counts as a step of the batch. */
bool batch_runq_pop(engine *e, branch **b)
{
    if (e->runq_len == 0) return false;
    branch_ref ref = e->runq[e->runq_head];
    e->runq_head = (e->runq_head + 1) % e->runq_cap;
    e->runq_len--;
    *b = branch_ref_resolve(e, &ref);
    if (*b) (*b)->in_runq = false;
    return true;
}

bool batch_runq_empty(engine *e)
{
    return e->runq_len == 0;
}
