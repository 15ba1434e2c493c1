/*
 * jsonata_eval.c — the JSONata evaluator and the public entry points.
 *
 * Design: one function per node type, following the reference's jsonata.js
 * evaluate() so that the sequence rules (flattening, singleton collapse,
 * keepSingleton, cons arrays, outer wrapper, tuple streams for '@', '#' and
 * '%') behave identically. Errors longjmp to jsonata_evaluate(), which frees
 * the evaluation's arena: no partial state survives a failure.
 * Bounds: every jeval() counts one level of depth, as the reference's test
 * harness counts evaluate() entries, and fails with U1001 past the limit;
 * the C stack is checked against the thread's real stack bounds too, and the
 * clock every few hundred steps. Tail calls in lambda bodies are thunks that
 * japply() runs in a loop, so tail recursion does not grow the C stack; a
 * loop that never ends fills the arena's cap instead, which past the depth
 * limit is reported as the runaway recursion it is (U1001), not as U1002.
 * Arena allocations go through jalloc(), which never returns NULL.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_DEPTH 10000
#define STACK_RESERVE (256 * 1024)

static jv placeholder_v = {.type = JV_NULL};
#define PLACEHOLDER (&placeholder_v)

_Noreturn void jerr(jctx *c, const char *code, size_t pos, const char *fmt, ...)
{
    if (c->err) {
        snprintf(c->err->code, sizeof c->err->code, "%s", code);
        c->err->position = pos;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    longjmp(*c->jmp, 1);
}

/* ---------------------------------------------------------- environment */
jenv *jenv_new(jctx *c, jenv *parent)
{
    jenv *e = jalloc(c, sizeof *e);
    e->parent = parent;
    return e;
}

void jenv_bind(jctx *c, jenv *e, const char *name, size_t len, jv *v)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->b[i].len == len && memcmp(e->b[i].name, name, len) == 0) {
            e->b[i].val = v;
            return;
        }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        jbind *nb = jalloc(c, cap * sizeof *nb);
        if (e->n) memcpy(nb, e->b, e->n * sizeof *nb);
        e->b = nb;
        e->cap = cap;
    }
    e->b[e->n].name = name;
    e->b[e->n].len = len;
    e->b[e->n].val = v;
    e->n++;
}

jv *jenv_lookup(jenv *e, const char *name, size_t len, bool *found)
{
    for (; e; e = e->parent)
        for (size_t i = 0; i < e->n; i++)
            if (e->b[i].len == len && memcmp(e->b[i].name, name, len) == 0) {
                if (found) *found = true;
                return e->b[i].val;
            }
    if (found) *found = false;
    return NULL;
}

static jv *lookup_var(jctx *c, jenv *env, const char *name, size_t len, bool *found)
{
    jv *v = jenv_lookup(env, name, len, found);
    if (*found) return v;
    const jbuiltin *b = jbuiltin_find(name, len, c->asl);
    if (!b) return NULL;
    *found = true;
    jfun *f = jalloc(c, sizeof *f);
    f->kind = F_BUILTIN;
    f->bi = b;
    return jv_fun(c, f);
}

static jenv *frame_from_tuple(jctx *c, jenv *env, jv *tuple)
{
    jenv *f = jenv_new(c, env);
    for (size_t i = 0; tuple && i < tuple->u.obj.n; i++)
        jenv_bind(c, f, tuple->u.obj.e[i].key, tuple->u.obj.e[i].klen, tuple->u.obj.e[i].val);
    return f;
}

static jv *tuple_at(jv *tuple) { return tuple ? jv_obj_get(tuple, "@", 1) : NULL; }

/* --------------------------------------------------------------- limits */
static void check_time(jctx *c, size_t pos)
{
    if (c->time_limit_ms > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - c->start.tv_sec) * 1000 + (now.tv_nsec - c->start.tv_nsec) / 1000000;
        if (ms > c->time_limit_ms)
            jerr(c, "U1001", pos, "Expression evaluation timeout: Check for infinite loop");
    }
}

void jcheck_limits(jctx *c, size_t pos)
{
    char here;
    if (c->stack_floor && &here < c->stack_floor)
        jerr(c, "U1001", pos, "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
    if (c->time_limit_ms > 0 && (++c->ticks & 255) == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - c->start.tv_sec) * 1000 + (now.tv_nsec - c->start.tv_nsec) / 1000000;
        if (ms > c->time_limit_ms)
            jerr(c, "U1001", pos, "Expression evaluation timeout: Check for infinite loop");
    }
}

/* A tail-recursive function that never ends runs in japply's loop without
 * growing the C stack, but each call's frame stays in the arena until the
 * evaluation ends. Whether the clock or the arena's cap stops it first
 * depends on the machine's speed; once the loop is deeper than the depth
 * limit it is the runaway recursion the reference reports as U1001. */
_Noreturn void jout_of_memory(jctx *c, size_t pos)
{
    if (c->tail_calls > c->max_depth)
        jerr(c, "U1001", pos, "Stack overflow error: a recursive function made %ld tail calls and "
             "filled the memory limit: check that it terminates", c->tail_calls);
    jerr(c, "U1002", pos, "Out of memory evaluating the expression");
}

/* ------------------------------------------------------------ sequences */
static jv *seq_of(jctx *c, jv *v)
{
    jv *s = jv_seq(c);
    jv_push(c, s, v);
    return s;
}

static jv *as_seq(jctx *c, jv *v) { return jv_is_arr(v) ? v : seq_of(c, v); }

/* fn.append */
jv *jappend(jctx *c, jv *a, jv *b)
{
    if (!a) return b;
    if (!b) return a;
    jv *r = jv_arr(c, 0);
    if (jv_is_arr(a)) {
        for (size_t i = 0; i < a->u.arr.n; i++) jv_push(c, r, a->u.arr.v[i]);
    } else {
        r->flags = JVF_SEQ;
        jv_push(c, r, a);
    }
    if (jv_is_arr(b)) {
        for (size_t i = 0; i < b->u.arr.n; i++) jv_push(c, r, b->u.arr.v[i]);
    } else {
        jv_push(c, r, b);
    }
    return r;
}

/* fn.lookup: a field of an object, flattened over an array */
jv *lookup_field(jctx *c, jv *input, const char *k, size_t klen)
{
    if (!input) return NULL;
    if (input->type == JV_ARR) {
        jv *r = jv_seq(c);
        for (size_t i = 0; i < input->u.arr.n; i++) {
            jv *x = lookup_field(c, input->u.arr.v[i], k, klen);
            if (!x) continue;
            if (x->type == JV_ARR)
                for (size_t j = 0; j < x->u.arr.n; j++) jv_push(c, r, x->u.arr.v[j]);
            else
                jv_push(c, r, x);
        }
        return r;
    }
    if (input->type == JV_OBJ) return jv_obj_get(input, k, klen);
    return NULL;
}

/* --------------------------------------------------------------- paths */
static jv *eval_filter(jctx *c, jnode *pred, jv *input, jenv *env);
static jv *eval_sort(jctx *c, jnode *sort, jv *input, jenv *env);
static jv *eval_group(jctx *c, jnodelist *pairs, size_t pos, jv *input, jenv *env);

static jv *eval_stages(jctx *c, jstagelist *stages, jv *input, jenv *env)
{
    jv *r = input;
    for (size_t i = 0; i < stages->n; i++) {
        jstage *st = &stages->v[i];
        if (!st->is_index) {
            r = eval_filter(c, st->expr, r, env);
        } else if (r) {
            for (size_t k = 0; k < r->u.arr.n; k++)
                jv_obj_set(c, r->u.arr.v[k], st->var, strlen(st->var), jv_num(c, (double)k));
        }
    }
    return r;
}

static jv *eval_step(jctx *c, jnode *step, jv *input, jenv *env, bool last)
{
    if (step->type == N_SORT) {
        jv *r = eval_sort(c, step, input, env);
        return step->stages.n ? eval_stages(c, &step->stages, r, env) : r;
    }
    jv *result = jv_seq(c);
    for (size_t i = 0; i < input->u.arr.n; i++) {
        jv *res = jeval(c, step, input->u.arr.v[i], env);
        for (size_t s = 0; s < step->stages.n; s++) res = eval_filter(c, step->stages.v[s].expr, res, env);
        if (res) jv_push(c, result, res);
    }
    if (last && result->u.arr.n == 1 && jv_is_arr(result->u.arr.v[0]) && !jv_is_seq(result->u.arr.v[0]))
        return result->u.arr.v[0];
    jv *out = jv_seq(c);
    for (size_t i = 0; i < result->u.arr.n; i++) {
        jv *res = result->u.arr.v[i];
        if (!jv_is_arr(res) || (res->flags & JVF_CONS)) {
            jv_push(c, out, res);
        } else {
            for (size_t j = 0; j < res->u.arr.n; j++) jv_push(c, out, res->u.arr.v[j]);
        }
    }
    return out;
}

static jv *tuple_copy(jctx *c, jv *t)
{
    jv *o = jv_obj(c);
    for (size_t i = 0; t && t->type == JV_OBJ && i < t->u.obj.n; i++) jv_obj_set(c, o, t->u.obj.e[i].key, t->u.obj.e[i].klen, t->u.obj.e[i].val);
    return o;
}

static jv *tuples_new(jctx *c)
{
    jv *r = jv_seq(c);
    r->flags |= JVF_TUPLES;
    return r;
}

static jv *eval_tuple_sort(jctx *c, jnode *step, jv *input, jv *tuples, jenv *env)
{
    jv *result;
    if (tuples) {
        result = eval_sort(c, step, tuples, env);
    } else {
        jv *sorted = eval_sort(c, step, input, env);
        result = tuples_new(c);
        for (size_t i = 0; sorted && i < sorted->u.arr.n; i++) {
            jv *t = jv_obj(c);
            jv_obj_set(c, t, "@", 1, sorted->u.arr.v[i]);
            if (step->index) jv_obj_set(c, t, step->index, strlen(step->index), jv_num(c, (double)i));
            jv_push(c, result, t);
        }
    }
    return step->stages.n ? eval_stages(c, &step->stages, result, env) : result;
}

static jv *eval_tuple_step(jctx *c, jnode *step, jv *input, jv *tuples, jenv *env)
{
    if (step->type == N_SORT) return eval_tuple_sort(c, step, input, tuples, env);
    jv *result = tuples_new(c);
    if (!tuples) {
        tuples = jv_seq(c);
        for (size_t i = 0; i < input->u.arr.n; i++) {
            jv *t = jv_obj(c);
            jv_obj_set(c, t, "@", 1, input->u.arr.v[i]);
            jv_push(c, tuples, t);
        }
    }
    for (size_t e = 0; e < tuples->u.arr.n; e++) {
        jv *tuple = tuples->u.arr.v[e];
        jenv *stepenv = frame_from_tuple(c, env, tuple);
        jv *res = jeval(c, step, tuple_at(tuple), stepenv);
        if (!res) continue;
        if (!jv_is_arr(res)) res = seq_of(c, res);
        for (size_t b = 0; b < res->u.arr.n; b++) {
            jv *t = tuple_copy(c, tuple);
            if (res->flags & JVF_TUPLES) {
                jv *src = res->u.arr.v[b];
                for (size_t k = 0; src && src->type == JV_OBJ && k < src->u.obj.n; k++)
                    jv_obj_set(c, t, src->u.obj.e[k].key, src->u.obj.e[k].klen, src->u.obj.e[k].val);
            } else {
                if (step->focus) {
                    jv_obj_set(c, t, step->focus, strlen(step->focus), res->u.arr.v[b]);
                    jv_obj_set(c, t, "@", 1, tuple_at(tuple));
                } else {
                    jv_obj_set(c, t, "@", 1, res->u.arr.v[b]);
                }
                if (step->index) jv_obj_set(c, t, step->index, strlen(step->index), jv_num(c, (double)b));
                if (step->ancestor)
                    jv_obj_set(c, t, step->ancestor->label, strlen(step->ancestor->label), tuple_at(tuple));
            }
            jv_push(c, result, t);
        }
    }
    return step->stages.n ? eval_stages(c, &step->stages, result, env) : result;
}

static jv *eval_path(jctx *c, jnode *n, jv *input, jenv *env)
{
    jv *in_seq;
    if (jv_is_arr(input) && n->steps.v[0]->type != N_VARIABLE)
        in_seq = input;
    else
        in_seq = seq_of(c, input);
    jv *result = NULL, *tuples = NULL;
    bool tuple_stream = false;
    for (size_t i = 0; i < n->steps.n; i++) {
        jnode *step = n->steps.v[i];
        if (step->tuple) tuple_stream = true;
        if (i == 0 && step->consarray) {
            result = jeval(c, step, in_seq, env);
        } else if (tuple_stream) {
            tuples = eval_tuple_step(c, step, in_seq, tuples, env);
        } else {
            result = eval_step(c, step, in_seq, env, i == n->steps.n - 1);
        }
        if (!tuple_stream && (!result || (jv_is_arr(result) && result->u.arr.n == 0))) break;
        if (!step->focus) in_seq = result;
    }
    if (tuple_stream) {
        if (n->tuple) {
            result = tuples;
        } else {
            result = jv_seq(c);
            for (size_t i = 0; tuples && i < tuples->u.arr.n; i++) jv_push(c, result, tuple_at(tuples->u.arr.v[i]));
        }
    }
    if (n->keep_singleton_array && result) {
        if (jv_is_arr(result) && (result->flags & JVF_CONS) && !(result->flags & JVF_SEQ))
            result = seq_of(c, result);
        if (jv_is_arr(result)) result->flags |= JVF_KEEP;
        else {
            /* the reference sets a property on a non-array: no effect */
        }
    }
    if (n->group) result = eval_group(c, n->group, n->group_pos, tuple_stream ? tuples : result, env);
    return result;
}

static bool is_array_of_numbers(jv *v)
{
    if (!jv_is_arr(v)) return false;
    for (size_t i = 0; i < v->u.arr.n; i++)
        if (!jv_is_num(v->u.arr.v[i])) return false;
    return true;
}

static jv *eval_filter(jctx *c, jnode *pred, jv *input, jenv *env)
{
    jv *results = jv_seq(c);
    if (input && (input->flags & JVF_TUPLES) && input->type == JV_ARR) results->flags |= JVF_TUPLES;
    if (!jv_is_arr(input)) input = seq_of(c, input);
    size_t len = input->u.arr.n;
    if (pred->type == N_NUMBER) {
        double idx = floor(pred->num);
        if (idx < 0) idx += (double)len;
        if (idx >= 0 && idx < (double)len) {
            jv *item = input->u.arr.v[(size_t)idx];
            if (item) {
                if (jv_is_arr(item)) return item;
                jv_push(c, results, item);
            }
        }
        return results;
    }
    for (size_t i = 0; i < len; i++) {
        jv *item = input->u.arr.v[i], *ctx = item;
        jenv *e = env;
        if (input->flags & JVF_TUPLES) {
            ctx = tuple_at(item);
            e = frame_from_tuple(c, env, item);
        }
        jv *res = jeval(c, pred, ctx, e);
        if (jv_is_num(res)) res = seq_of(c, res);
        if (is_array_of_numbers(res) && res->u.arr.n) {
            for (size_t k = 0; k < res->u.arr.n; k++) {
                double ii = floor(res->u.arr.v[k]->u.num);
                if (ii < 0) ii += (double)len;
                if (ii == (double)i) jv_push(c, results, item);
            }
        } else if (jv_truthy(c, res)) {
            jv_push(c, results, item);
        }
    }
    return results;
}

/* ---------------------------------------------------------- operators */
static bool is_numeric(jctx *c, jv *v, size_t pos)
{
    if (!jv_is_num(v)) return false;
    if (isnan(v->u.num)) return false;
    if (!isfinite(v->u.num)) jerr(c, "D1001", pos, "Number out of range");
    return true;
}

static jv *eval_numeric(jctx *c, jv *l, jv *r, const char *op, size_t pos)
{
    if (l && !is_numeric(c, l, pos))
        jerr(c, "T2001", pos, "The left side of the \"%s\" operator must evaluate to a number", op);
    if (r && !is_numeric(c, r, pos))
        jerr(c, "T2002", pos, "The right side of the \"%s\" operator must evaluate to a number", op);
    if (!l || !r) return NULL;
    double a = l->u.num, b = r->u.num, x = 0;
    switch (op[0]) {
    case '+': x = a + b; break;
    case '-': x = a - b; break;
    case '*': x = a * b; break;
    case '/': x = a / b; break;
    case '%': x = fmod(a, b); break;
    }
    return jv_num(c, x);
}

static int str_cmp(const jv *a, const jv *b)
{
    size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
    int k = memcmp(a->u.str.s, b->u.str.s, n);
    if (k) return k;
    return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

static jv *eval_compare(jctx *c, jv *l, jv *r, const char *op, size_t pos)
{
    bool lc = !l || l->type == JV_STR || l->type == JV_NUM;
    bool rc = !r || r->type == JV_STR || r->type == JV_NUM;
    if (!lc || !rc)
        jerr(c, "T2010", pos, "The expressions either side of operator \"%s\" must evaluate to numeric or string values", op);
    if (!l || !r) return NULL;
    if (l->type != r->type)
        jerr(c, "T2009", pos, "The values either side of operator \"%s\" must be of the same data type", op);
    int k;
    if (l->type == JV_NUM) {
        if (l->u.num < r->u.num) k = -1;
        else if (l->u.num > r->u.num) k = 1;
        else if (l->u.num == r->u.num) k = 0;
        else return JFALSE; /* NaN */
    } else {
        k = str_cmp(l, r);
    }
    if (!strcmp(op, "<")) return JBOOL(k < 0);
    if (!strcmp(op, "<=")) return JBOOL(k <= 0);
    if (!strcmp(op, ">")) return JBOOL(k > 0);
    return JBOOL(k >= 0);
}

static bool strict_equal(const jv *a, const jv *b)
{
    if (a == b) return true;
    if (!a || !b || a->type != b->type) return false;
    if (a->type == JV_ARR || a->type == JV_OBJ || a->type == JV_FUN) return false;
    return jv_equal(a, b);
}

static jv *eval_range(jctx *c, jv *l, jv *r, size_t pos)
{
    if (l && (!jv_is_num(l) || l->u.num != floor(l->u.num) || !isfinite(l->u.num)))
        jerr(c, "T2003", pos, "The left side of the range operator (..) must evaluate to an integer");
    if (r && (!jv_is_num(r) || r->u.num != floor(r->u.num) || !isfinite(r->u.num)))
        jerr(c, "T2004", pos, "The right side of the range operator (..) must evaluate to an integer");
    if (!l || !r) return NULL;
    if (l->u.num > r->u.num) return NULL;
    double size = r->u.num - l->u.num + 1;
    if (size > 1e7)
        jerr(c, "D2014", pos, "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate %.0f.", size);
    jv *s = jv_arr(c, (size_t)size);
    s->flags = JVF_SEQ;
    unsigned long k = 0;
    for (double x = l->u.num; x <= r->u.num; x++) {
        if ((++k & 65535) == 0) check_time(c, pos);
        jv_push(c, s, jv_num(c, x));
    }
    return s;
}

static jv *eval_binary(jctx *c, jnode *n, jv *input, jenv *env)
{
    const char *op = n->op;
    jv *l = jeval(c, n->lhs, input, env);
    if (!strcmp(op, "and")) return JBOOL(jv_truthy(c, l) && jv_truthy(c, jeval(c, n->rhs, input, env)));
    if (!strcmp(op, "or")) return JBOOL(jv_truthy(c, l) || jv_truthy(c, jeval(c, n->rhs, input, env)));
    jv *r = jeval(c, n->rhs, input, env);
    switch (op[0]) {
    case '+': case '-': case '*': case '/': case '%': return eval_numeric(c, l, r, op, n->pos);
    case '=': return (!l || !r) ? JFALSE : JBOOL(jv_equal(l, r));
    case '!':
        if (op[1] == '=') return (!l || !r) ? JFALSE : JBOOL(!jv_equal(l, r));
        break;
    case '<': case '>': return eval_compare(c, l, r, op, n->pos);
    case '&': {
        jbuf b;
        jb_init(&b, c);
        jv *ls = l ? jv_stringify(c, l, false, n->pos) : NULL;
        jv *rs = r ? jv_stringify(c, r, false, n->pos) : NULL;
        if (ls) jb_add(&b, ls->u.str.s, ls->u.str.len);
        if (rs) jb_add(&b, rs->u.str.s, rs->u.str.len);
        return jb_value(&b);
    }
    case '.': return eval_range(c, l, r, n->pos);
    case 'i': {
        if (!l || !r) return JFALSE;
        if (!jv_is_arr(r)) return JBOOL(strict_equal(l, r));
        for (size_t i = 0; i < r->u.arr.n; i++)
            if (strict_equal(r->u.arr.v[i], l)) return JTRUE;
        return JFALSE;
    }
    }
    jerr(c, "S0201", n->pos, "Unknown operator %s", op);
}

static jv *eval_array(jctx *c, jnode *n, jv *input, jenv *env)
{
    jv *r = jv_arr(c, n->items.n);
    for (size_t i = 0; i < n->items.n; i++) {
        jnode *item = n->items.v[i];
        jv *v = jeval(c, item, input, env);
        if (!v) continue;
        if (item->type == N_ARRAY) {
            jv_push(c, r, v);
        } else if (jv_is_arr(v)) {
            for (size_t k = 0; k < v->u.arr.n; k++) jv_push(c, r, v->u.arr.v[k]);
        } else {
            jv_push(c, r, v);
        }
    }
    if (n->consarray) r->flags |= JVF_CONS;
    return r;
}

/* ---------------------------------------------------------- wildcards */
static void flatten_into(jctx *c, jv *v, jv *out)
{
    if (jv_is_arr(v)) {
        for (size_t i = 0; i < v->u.arr.n; i++) flatten_into(c, v->u.arr.v[i], out);
    } else {
        jv_push(c, out, v);
    }
}

static jv *eval_wildcard(jctx *c, jv *input)
{
    jv *r = jv_seq(c);
    if (jv_is_arr(input) && (input->flags & JVF_OUTER) && input->u.arr.n) input = input->u.arr.v[0];
    if (!input) return r;
    if (input->type == JV_OBJ) {
        for (size_t i = 0; i < input->u.obj.n; i++) {
            jv *v = input->u.obj.e[i].val;
            if (jv_is_arr(v)) {
                flatten_into(c, v, r);
                r->flags &= (uint8_t)~JVF_SEQ; /* fn.append returns a plain array */
            } else {
                jv_push(c, r, v);
            }
        }
    } else if (input->type == JV_ARR) {
        for (size_t i = 0; i < input->u.arr.n; i++) {
            jv *v = input->u.arr.v[i];
            if (jv_is_arr(v)) {
                flatten_into(c, v, r);
                r->flags &= (uint8_t)~JVF_SEQ;
            } else {
                jv_push(c, r, v);
            }
        }
    }
    return r;
}

static void descendants(jctx *c, jv *v, jv *out, int depth)
{
    if (depth > 10000) jerr(c, "U1001", 0, "Stack overflow error: input nested too deeply");
    if (!jv_is_arr(v)) jv_push(c, out, v);
    if (jv_is_arr(v)) {
        for (size_t i = 0; i < v->u.arr.n; i++) descendants(c, v->u.arr.v[i], out, depth + 1);
    } else if (v && v->type == JV_OBJ) {
        for (size_t i = 0; i < v->u.obj.n; i++) descendants(c, v->u.obj.e[i].val, out, depth + 1);
    }
}

static jv *eval_descendants(jctx *c, jv *input)
{
    if (!input) return NULL;
    jv *r = jv_seq(c);
    descendants(c, input, r, 0);
    return r->u.arr.n == 1 ? r->u.arr.v[0] : r;
}

/* ---------------------------------------------------------- group/sort */
static jv *reduce_tuples(jctx *c, jv *ts)
{
    if (!jv_is_arr(ts)) return tuple_copy(c, ts);
    jv *r = tuple_copy(c, ts->u.arr.v[0]);
    for (size_t i = 1; i < ts->u.arr.n; i++) {
        jv *t = ts->u.arr.v[i];
        for (size_t k = 0; k < t->u.obj.n; k++) {
            jobj_ent *e = &t->u.obj.e[k];
            jv_obj_set(c, r, e->key, e->klen, jappend(c, jv_obj_get(r, e->key, e->klen), e->val));
        }
    }
    return r;
}

typedef struct group_ent {
    jv *key;
    jv *data;
    size_t expr_index;
} group_ent;

static jv *eval_group(jctx *c, jnodelist *pairs, size_t pos, jv *input, jenv *env)
{
    jv *result = jv_obj(c);
    bool reduce = input && input->type == JV_ARR && (input->flags & JVF_TUPLES);
    if (!jv_is_arr(input)) input = seq_of(c, input);
    if (input->u.arr.n == 0) input = seq_of(c, NULL);
    jv *groups = jv_obj(c); /* key -> index into ents (as a number) */
    size_t ng = 0, capg = 8;
    group_ent *ents = jalloc(c, capg * sizeof *ents);
    for (size_t i = 0; i < input->u.arr.n; i++) {
        jv *item = input->u.arr.v[i];
        jenv *e = reduce ? frame_from_tuple(c, env, item) : env;
        for (size_t pi = 0; pi < pairs->n; pi += 2) {
            jv *key = jeval(c, pairs->v[pi], reduce ? tuple_at(item) : item, e);
            if (!key) continue;
            if (key->type != JV_STR)
                jerr(c, "T1003", pos, "Key in object structure must evaluate to a string; got: %s", jv_type_name(key));
            jv *slot = jv_obj_get(groups, key->u.str.s, key->u.str.len);
            if (slot) {
                group_ent *g = &ents[(size_t)slot->u.num];
                if (g->expr_index != pi)
                    jerr(c, "D1009", pos, "Multiple key definitions evaluate to same key: %.*s",
                         (int)key->u.str.len, key->u.str.s);
                g->data = jappend(c, g->data, item);
            } else {
                if (ng == capg) {
                    group_ent *ne = jalloc(c, capg * 2 * sizeof *ne);
                    memcpy(ne, ents, ng * sizeof *ne);
                    ents = ne;
                    capg *= 2;
                }
                ents[ng] = (group_ent){key, item, pi};
                jv_obj_set(c, groups, key->u.str.s, key->u.str.len, jv_num(c, (double)ng));
                ng++;
            }
        }
    }
    for (size_t g = 0; g < ng; g++) {
        jv *ctx = ents[g].data;
        jenv *e = env;
        if (reduce) {
            jv *t = reduce_tuples(c, ents[g].data);
            ctx = tuple_at(t);
            jv_obj_del(t, "@", 1);
            e = frame_from_tuple(c, env, t);
        }
        jv *v = jeval(c, pairs->v[ents[g].expr_index + 1], ctx, e);
        if (v) jv_obj_set(c, result, ents[g].key->u.str.s, ents[g].key->u.str.len, v);
    }
    return result;
}

typedef struct sort_ctx {
    jctx *c;
    jnode *sort;
    jenv *env;
    bool tuples;
    jv *fn;      /* $sort comparator */
    size_t pos;
} sort_ctx;

/* true when a and b must swap (the reference's comparator contract) */
static bool sort_swap(sort_ctx *s, jv *a, jv *b)
{
    jctx *c = s->c;
    if (s->fn) {
        jv *args[2] = {a, b};
        return jv_truthy(c, japply(c, s->fn, args, 2, NULL, s->pos));
    }
    if (!s->sort) {
        if (a->type == JV_NUM) return a->u.num > b->u.num;
        return str_cmp(a, b) > 0;
    }
    int comp = 0;
    for (size_t i = 0; comp == 0 && i < s->sort->items.n; i++) {
        jnode *term = s->sort->items.v[i];
        jv *ca = a, *cb = b;
        jenv *ea = s->env, *eb = s->env;
        if (s->tuples) {
            ca = tuple_at(a);
            ea = frame_from_tuple(c, s->env, a);
            cb = tuple_at(b);
            eb = frame_from_tuple(c, s->env, b);
        }
        jv *aa = jeval(c, term, ca, ea), *bb = jeval(c, term, cb, eb);
        if (!aa) { comp = bb ? 1 : 0; continue; }
        if (!bb) { comp = -1; continue; }
        bool as = aa->type == JV_STR || aa->type == JV_NUM, bs = bb->type == JV_STR || bb->type == JV_NUM;
        if (!as || !bs)
            jerr(c, "T2008", s->sort->pos, "The expressions within an order-by clause must evaluate to numeric or string values");
        if (aa->type != bb->type)
            jerr(c, "T2007", s->sort->pos, "Type mismatch within order-by clause. All values must be of the same type");
        int k = aa->type == JV_NUM ? (aa->u.num < bb->u.num ? -1 : aa->u.num > bb->u.num ? 1 : 0)
                                   : str_cmp(aa, bb);
        if (k == 0) continue;
        comp = k < 0 ? -1 : 1;
        if (s->sort->desc[i]) comp = -comp;
    }
    return comp == 1;
}

static void msort(sort_ctx *s, jv **v, jv **tmp, size_t n)
{
    if (n <= 1) return;
    size_t mid = n / 2;
    msort(s, v, tmp, mid);
    msort(s, v + mid, tmp, n - mid);
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) {
        if (sort_swap(s, v[i], v[j])) tmp[k++] = v[j++];
        else tmp[k++] = v[i++];
    }
    while (i < mid) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static jv *sort_array(jctx *c, sort_ctx *s, jv *arr)
{
    if (!arr) return NULL;
    if (arr->u.arr.n <= 1) return arr;
    jv *r = jv_arr(c, arr->u.arr.n);
    memcpy(r->u.arr.v, arr->u.arr.v, arr->u.arr.n * sizeof(jv *));
    r->u.arr.n = arr->u.arr.n;
    jv **tmp = jalloc(c, arr->u.arr.n * sizeof(jv *));
    msort(s, r->u.arr.v, tmp, r->u.arr.n);
    if (arr->flags & JVF_TUPLES) r->flags |= JVF_SEQ | JVF_TUPLES;
    return r;
}

static jv *eval_sort(jctx *c, jnode *sort, jv *input, jenv *env)
{
    sort_ctx s = {.c = c, .sort = sort, .env = env, .pos = sort->pos};
    s.tuples = input && input->type == JV_ARR && (input->flags & JVF_TUPLES);
    return sort_array(c, &s, input);
}

int jcompare_sort(jctx *c, jv *a, jv *b, size_t pos) { (void)c; (void)pos; return a->type == JV_NUM ? (a->u.num > b->u.num) : str_cmp(a, b) > 0; }

jv *jsort_values(jctx *c, jv *arr, jv *fn, size_t pos)
{
    sort_ctx s = {.c = c, .fn = fn, .pos = pos};
    return sort_array(c, &s, arr);
}

/* ---------------------------------------------------------- functions */
static jfun *fun_new(jctx *c, int kind)
{
    jfun *f = jalloc(c, sizeof *f);
    f->kind = kind;
    return f;
}

int jfun_arity(const jv *fn)
{
    const jfun *f = fn->u.fn;
    switch (f->kind) {
    case F_LAMBDA: return (int)f->lambda->items.n;
    case F_BUILTIN:
        /* JavaScript's Function#length: parameters with defaults do not count */
        if (!strcmp(f->bi->name, "string")) return 1;
        return f->bi->parsed ? f->bi->parsed->n : 0;
    case F_PARTIAL: {
        int n = 0;
        for (int i = 0; i < f->nargs; i++) if (f->args[i] == PLACEHOLDER) n++;
        return n;
    }
    case F_REGEX: return 2;
    case F_CHAIN: return 1;
    case F_TRANSFORM: return 1;
    }
    return 0;
}

static jv *apply_inner(jctx *c, jv *proc, jv **args, int nargs, jv *input, size_t pos);
static jv *transform_apply(jctx *c, jfun *f, jv *obj);

static jv *apply_lambda(jctx *c, jfun *f, jv **args, int nargs)
{
    jnode *lam = f->lambda;
    jenv *e = jenv_new(c, f->env);
    for (size_t i = 0; i < lam->items.n; i++)
        jenv_bind(c, e, lam->items.v[i]->op, lam->items.v[i]->oplen, (int)i < nargs ? args[i] : NULL);
    return jeval(c, lam->body, f->input, e);
}

static jv *apply_partial(jctx *c, jfun *f, jv **args, int nargs, jv *input, size_t pos)
{
    jv **full = jalloc(c, (size_t)(f->nargs + 1) * sizeof(jv *));
    int k = 0;
    for (int i = 0; i < f->nargs; i++)
        full[i] = f->args[i] == PLACEHOLDER ? (k < nargs ? args[k++] : NULL) : f->args[i];
    return apply_inner(c, f->target, full, f->nargs, input, pos);
}

static jv *apply_inner(jctx *c, jv *proc, jv **args, int nargs, jv *input, size_t pos)
{
    if (!jv_is_fun(proc)) jerr(c, "T1006", pos, "Attempted to invoke a non-function");
    jfun *f = proc->u.fn;
    jv **va = args;
    int vn = nargs;
    switch (f->kind) {
    case F_BUILTIN:
        if (f->bi->parsed) jsig_validate(c, f->bi->parsed, args, nargs, input, pos, &va, &vn);
        return f->bi->fn(c, va, vn, input, pos);
    case F_LAMBDA:
        if (f->lambda->signature) jsig_validate(c, f->lambda->signature, args, nargs, input, pos, &va, &vn);
        return apply_lambda(c, f, va, vn);
    case F_PARTIAL:
        return apply_partial(c, f, args, nargs, input, pos);
    case F_REGEX: {
        jv *s = nargs > 0 ? args[0] : NULL;
        if (!jv_is_str(s)) return NULL;
        size_t from = nargs > 1 && jv_is_num(args[1]) ? (size_t)jclamp(args[1]->u.num, 0, (long)s->u.str.len) : 0;
        return jregex_match_object(c, f->regex, s->u.str.s, s->u.str.len, from);
    }
    case F_CHAIN: {
        jv *x = nargs > 0 ? args[0] : NULL;
        jv *mid = japply(c, f->target, &x, 1, NULL, pos);
        return japply(c, f->args[0], &mid, 1, NULL, pos);
    }
    case F_TRANSFORM: {
        jsig tsig;
        jsig_parse_into(&tsig, "<(oa):o>", 8, NULL);
        jsig_validate(c, &tsig, args, nargs, input, pos, &va, &vn);
        return transform_apply(c, f, vn > 0 ? va[0] : NULL);
    }
    }
    jerr(c, "T1006", pos, "Attempted to invoke a non-function");
}

jv *japply(jctx *c, jv *proc, jv **args, int nargs, jv *input, size_t pos)
{
    jv *result = apply_inner(c, proc, args, nargs, input, pos);
    long outer_tail_calls = c->tail_calls;
    for (long calls = 1; jv_is_fun(result) && result->u.fn->kind == F_LAMBDA &&
                         result->u.fn->lambda->thunk; calls++) {
        c->tail_calls = calls > outer_tail_calls ? calls : outer_tail_calls;
        jfun *th = result->u.fn;
        jnode *call = th->lambda->body;
        jcheck_limits(c, call->pos);
        jv *next = jeval(c, call->procedure, th->input, th->env);
        int n = (int)call->items.n;
        jv **ev = jalloc(c, (size_t)(n + 1) * sizeof(jv *));
        for (int i = 0; i < n; i++) ev[i] = jeval(c, call->items.v[i], th->input, th->env);
        if (!jv_is_fun(next)) {
            if (!next && call->procedure->type == N_PATH) {
                bool found;
                jnode *s0 = call->procedure->steps.v[0];
                if (s0->op) lookup_var(c, th->env, s0->op, s0->oplen, &found);
                else found = false;
                if (found) jerr(c, "T1005", call->pos, "Attempted to invoke a non-function. Did you mean ${%s}?", s0->op);
            }
            jerr(c, "T1006", call->pos, "Attempted to invoke a non-function");
        }
        result = apply_inner(c, next, ev, n, th->input, call->pos);
    }
    c->tail_calls = outer_tail_calls;
    return result;
}

static jv *eval_function(jctx *c, jnode *n, jv *input, jenv *env, jv *applyto, bool has_applyto)
{
    jv *proc = jeval(c, n->procedure, input, env);
    if (!proc && n->procedure->type == N_PATH && n->procedure->steps.v[0]->type == N_NAME) {
        bool found;
        jnode *s0 = n->procedure->steps.v[0];
        lookup_var(c, env, s0->op, s0->oplen, &found);
        if (found) jerr(c, "T1005", n->pos, "Attempted to invoke a non-function. Did you mean ${%s}?", s0->op);
    }
    int na = (int)n->items.n + (has_applyto ? 1 : 0);
    jv **args = jalloc(c, (size_t)(na + 1) * sizeof(jv *));
    int k = 0;
    if (has_applyto) args[k++] = applyto;
    for (size_t i = 0; i < n->items.n; i++) args[k++] = jeval(c, n->items.v[i], input, env);
    if (!jv_is_fun(proc)) jerr(c, "T1006", n->pos, "Attempted to invoke a non-function");
    c->env_now = env;
    return japply(c, proc, args, na, input, n->pos);
}

static jv *eval_partial(jctx *c, jnode *n, jv *input, jenv *env)
{
    int na = (int)n->items.n;
    jv **args = jalloc(c, (size_t)(na + 1) * sizeof(jv *));
    for (int i = 0; i < na; i++)
        args[i] = n->items.v[i]->type == N_PLACEHOLDER ? PLACEHOLDER : jeval(c, n->items.v[i], input, env);
    jv *proc = jeval(c, n->procedure, input, env);
    if (!proc && n->procedure->type == N_PATH && n->procedure->steps.v[0]->type == N_NAME) {
        bool found;
        jnode *s0 = n->procedure->steps.v[0];
        lookup_var(c, env, s0->op, s0->oplen, &found);
        if (found) jerr(c, "T1007", n->pos, "Attempted to partially apply a non-function. Did you mean ${%s}?", s0->op);
    }
    if (!jv_is_fun(proc)) jerr(c, "T1008", n->pos, "Attempted to partially apply a non-function");
    jfun *f = fun_new(c, F_PARTIAL);
    f->target = proc;
    f->args = args;
    f->nargs = na;
    return jv_fun(c, f);
}

static jv *eval_apply(jctx *c, jnode *n, jv *input, jenv *env)
{
    jv *l = jeval(c, n->lhs, input, env);
    if (n->rhs->type == N_FUNCTION) return eval_function(c, n->rhs, input, env, l, true);
    jv *fn = jeval(c, n->rhs, input, env);
    if (!jv_is_fun(fn)) jerr(c, "T2006", n->pos, "The right side of the function application operator ~> must be a function");
    if (jv_is_fun(l)) {
        jfun *f = fun_new(c, F_CHAIN);
        f->target = l;
        f->args = jalloc(c, sizeof(jv *));
        f->args[0] = fn;
        f->nargs = 1;
        return jv_fun(c, f);
    }
    return japply(c, fn, &l, 1, NULL, n->pos);
}

/* ---------------------------------------------------------- transform */
static jv *transform_apply(jctx *c, jfun *f, jv *obj)
{
    if (!obj) return NULL;
    jnode *n = f->lambda;
    jv *result = jv_copy_deep(c, obj);
    jv *matches = jeval(c, n->pattern, result, f->env);
    if (!matches) return result;
    if (!jv_is_arr(matches)) matches = seq_of(c, matches);
    for (size_t i = 0; i < matches->u.arr.n; i++) {
        jv *m = matches->u.arr.v[i];
        jv *upd = jeval(c, n->update, m, f->env);
        if (upd) {
            if (upd->type != JV_OBJ)
                jerr(c, "T2011", n->update->pos, "The insert/update clause of the transform expression must evaluate to an object");
            if (m && m->type == JV_OBJ)
                for (size_t k = 0; k < upd->u.obj.n; k++)
                    jv_obj_set(c, m, upd->u.obj.e[k].key, upd->u.obj.e[k].klen, upd->u.obj.e[k].val);
        }
        if (n->del) {
            jv *dels = jeval(c, n->del, m, f->env);
            if (!dels) continue;
            if (!jv_is_arr(dels)) dels = seq_of(c, dels);
            for (size_t k = 0; k < dels->u.arr.n; k++)
                if (!jv_is_str(dels->u.arr.v[k]))
                    jerr(c, "T2012", n->del->pos, "The delete clause of the transform expression must evaluate to a string or array of strings");
            if (m && m->type == JV_OBJ)
                for (size_t k = 0; k < dels->u.arr.n; k++)
                    jv_obj_del(m, dels->u.arr.v[k]->u.str.s, dels->u.arr.v[k]->u.str.len);
        }
    }
    return result;
}

/* ---------------------------------------------------------- evaluate */
static jv *eval_variable(jctx *c, jnode *n, jv *input, jenv *env)
{
    if (n->oplen == 0) return jv_is_arr(input) && (input->flags & JVF_OUTER) ? input->u.arr.v[0] : input;
    bool found;
    return lookup_var(c, env, n->op, n->oplen, &found);
}

static jv *eval_lambda(jctx *c, jnode *n, jv *input, jenv *env)
{
    jfun *f = fun_new(c, F_LAMBDA);
    f->lambda = n;
    f->env = env;
    f->input = input;
    return jv_fun(c, f);
}

static jv *eval_node(jctx *c, jnode *n, jv *input, jenv *env)
{
    switch (n->type) {
    case N_PATH: return eval_path(c, n, input, env);
    case N_BINARY: return eval_binary(c, n, input, env);
    case N_UNARY: {
        jv *v = jeval(c, n->expr, input, env);
        if (!v) return NULL;
        if (is_numeric(c, v, n->pos)) return jv_num(c, -v->u.num);
        jerr(c, "D1002", n->pos, "Cannot negate a non-numeric value");
    }
    case N_ARRAY: return eval_array(c, n, input, env);
    case N_OBJECT: return eval_group(c, &n->pairs, n->pos, input, env);
    case N_NAME: return lookup_field(c, input, n->op, n->oplen);
    case N_STRING: return n->value;
    case N_NUMBER: return jv_num(c, n->num);
    case N_VALUE: return n->value;
    case N_WILDCARD: return eval_wildcard(c, input);
    case N_DESCENDANT: return eval_descendants(c, input);
    case N_PARENT: {
        bool found;
        return jenv_lookup(env, n->slot->label, strlen(n->slot->label), &found);
    }
    case N_CONDITION: {
        jv *cond = jeval(c, n->cond, input, env);
        if (jv_truthy(c, cond)) return jeval(c, n->then, input, env);
        return n->els ? jeval(c, n->els, input, env) : NULL;
    }
    case N_BLOCK: {
        jenv *f = jenv_new(c, env);
        jv *r = NULL;
        for (size_t i = 0; i < n->items.n; i++) r = jeval(c, n->items.v[i], input, f);
        return r;
    }
    case N_BIND: {
        jv *v = jeval(c, n->rhs, input, env);
        jenv_bind(c, env, n->lhs->op, n->lhs->oplen, v);
        return v;
    }
    case N_REGEX: {
        jfun *f = fun_new(c, F_REGEX);
        f->regex = n->regex;
        return jv_fun(c, f);
    }
    case N_FUNCTION: return eval_function(c, n, input, env, NULL, false);
    case N_VARIABLE: return eval_variable(c, n, input, env);
    case N_LAMBDA: return eval_lambda(c, n, input, env);
    case N_PARTIAL: return eval_partial(c, n, input, env);
    case N_APPLY: return eval_apply(c, n, input, env);
    case N_TRANSFORM: {
        jfun *f = fun_new(c, F_TRANSFORM);
        f->lambda = n;
        f->env = env;
        return jv_fun(c, f);
    }
    case N_SORT: return eval_sort(c, n, as_seq(c, input), env);
    case N_PLACEHOLDER: return NULL;
    }
    jerr(c, "S0201", n->pos, "Unsupported expression");
}

jv *jeval(jctx *c, jnode *n, jv *input, jenv *env)
{
    if (++c->depth > c->max_depth)
        jerr(c, "U1001", n->pos, "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
    jcheck_limits(c, n->pos);
    jv *r = eval_node(c, n, input, env);
    for (size_t i = 0; i < n->predicate.n; i++) r = eval_filter(c, n->predicate.v[i].expr, r, env);
    if (n->type != N_PATH && n->group) r = eval_group(c, n->group, n->group_pos, r, env);
    c->depth--;
    if (r && jv_is_seq(r) && !(r->flags & JVF_TUPLES)) {
        if (n->keep_array) r->flags |= JVF_KEEP;
        if (r->u.arr.n == 0) return NULL;
        if (r->u.arr.n == 1 && !(r->flags & JVF_KEEP)) return r->u.arr.v[0];
    }
    return r;
}

jv *jseq_to_array(jctx *c, jv *v)
{
    (void)c;
    return v;
}

/* --------------------------------------------------------- public API */
struct jsonata_expr {
    ja_arena arena;
    jnode *ast;
};

static void init_ctx(jctx *c, ja_arena *a, jmp_buf *jb, jsonata_error *err)
{
    memset(c, 0, sizeof *c);
    c->arena = a;
    c->jmp = jb;
    c->err = err;
    c->max_depth = DEFAULT_MAX_DEPTH;
}

static int compile_into(jsonata_expr *e, const char *src, size_t len, jsonata_error *err);

jsonata_expr *jsonata_compile(const char *src, size_t len, jsonata_error *err)
{
    jsonata_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    jsonata_expr *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err->code, sizeof err->code, "U1002");
        snprintf(err->message, sizeof err->message, "Out of memory");
        return NULL;
    }
    if (compile_into(e, src, len, err) != 0) {
        ja_arena_free(&e->arena);
        free(e);
        return NULL;
    }
    return e;
}

static int compile_into(jsonata_expr *e, const char *src, size_t len, jsonata_error *err)
{
    jmp_buf jb;
    jctx c;
    init_ctx(&c, &e->arena, &jb, err);
    if (setjmp(jb)) return -1;
    char *copy = ja_strndup(&e->arena, src, len);
    if (!copy) jout_of_memory(&c, 0);
    e->ast = jparse(&c, copy, len);
    return 0;
}

void jsonata_free(jsonata_expr *e)
{
    if (!e) return;
    ja_arena_free(&e->arena);
    free(e);
}

/* The thread's stack bounds, looked up once per thread (for the main thread
 * glibc reads /proc/self/maps, far too slow to repeat per evaluation). */
static char *stack_floor_here(void)
{
    static __thread char *cached;
    static __thread bool known;
    if (known) return cached;
    known = true;
    pthread_attr_t attr;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return NULL;
    int rc = pthread_attr_getstack(&attr, &lo, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0) return NULL;
    size_t reserve = size / 4 < STACK_RESERVE ? size / 4 : STACK_RESERVE;
    cached = (char *)lo + reserve;
    return cached;
}

/* The evaluation proper; separate so that setjmp's frame holds no locals
 * that change after it. */
static jv *run(jctx *c, const jsonata_expr *expr, json_t *input, json_t *bindings)
{
    jenv *env = jenv_new(c, NULL);
    c->root = env;
    jv *in = jv_from_json(c, input);
    if (bindings && json_is_object(bindings)) {
        const char *k;
        json_t *v;
        json_object_foreach(bindings, k, v) jenv_bind(c, env, k, strlen(k), jv_from_json(c, v));
    }
    jenv_bind(c, env, "$", 1, in);
    c->root_input = in;
    if (jv_is_arr(in)) {
        jv *w = seq_of(c, in);
        w->flags |= JVF_OUTER;
        in = w;
    }
    return jeval(c, expr->ast, in, env);
}

int jsonata_evaluate(const jsonata_expr *expr, json_t *input, json_t *bindings,
                     const jsonata_limits *limits, json_t **out, jsonata_error *err)
{
    jsonata_error scratch;
    if (!err) err = &scratch;
    memset(err, 0, sizeof *err);
    ja_arena arena = {0};
    jmp_buf jb;
    jctx c;
    init_ctx(&c, &arena, &jb, err);
    if (limits) {
        if (limits->max_depth > 0) c.max_depth = limits->max_depth;
        c.time_limit_ms = limits->time_limit_ms;
        c.asl = limits->asl_functions;
    }
    c.stack_floor = stack_floor_here();
    clock_gettime(CLOCK_MONOTONIC, &c.start);
    if (setjmp(jb)) {
        ja_arena_free(&arena);
        return -1;
    }
    jv *r = run(&c, expr, input, bindings);
    if (jv_is_num(r) && !isfinite(r->u.num))
        jerr(&c, "D1001", 0, "Number out of range");
    *out = jv_to_json(r);
    ja_arena_free(&arena);
    return 0;
}
