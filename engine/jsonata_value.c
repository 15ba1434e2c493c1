/*
 * jsonata_value.c — the JSONata value model: arena, values, conversions.
 *
 * Invariants: every jv lives in an arena that outlives its readers; the three
 * constants JNULL/JTRUE/JFALSE are static and never written. Objects keep
 * insertion order (JSONata output order) and grow a hash index past 8 keys so
 * that lookups on large inputs stay O(1). Numbers print as JavaScript prints
 * them (shortest round-trip, exponent past 1e21 / below 1e-6), because the
 * reference's results are JavaScript's.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jv jv_null_v = {.type = JV_NULL};
jv jv_true_v = {.type = JV_BOOL, .u.b = true};
jv jv_false_v = {.type = JV_BOOL, .u.b = false};

/* ---- arena ---- */
struct ja_block {
    ja_block *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
};

#define JA_LIMIT ((size_t)1 << 30) /* 1 GiB per evaluation, then U1002 */

void *ja_alloc(ja_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7; /* nothing stored needs more than 8-byte alignment */
    ja_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        if (b && b->cap * 2 > cap && b->cap < (1 << 22)) cap = b->cap * 2 > n ? b->cap * 2 : n;
        if (a->total + cap > JA_LIMIT) return NULL;
        b = malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += cap;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

void ja_on_free(ja_arena *a, void (*fn)(void *), void *p)
{
    ja_cleanup *c = ja_alloc(a, sizeof *c);
    if (!c) { fn(p); return; }
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}

void ja_arena_free(ja_arena *a)
{
    for (ja_cleanup *c = a->cleanups; c; c = c->next) c->fn(c->p);
    a->cleanups = NULL;
    ja_block *b = a->head;
    while (b) {
        ja_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

char *ja_strndup(ja_arena *a, const char *s, size_t n)
{
    char *p = ja_alloc(a, n + 1);
    if (p && n) memcpy(p, s, n);
    return p;
}

void *jalloc(jctx *c, size_t n)
{
    void *p = ja_alloc(c->arena, n);
    if (!p) jout_of_memory(c, 0);
    return p;
}

/* ---- constructors ---- */
jv *jv_num(jctx *c, double d)
{
    jv *v = jalloc(c, sizeof *v);
    v->type = JV_NUM;
    v->u.num = d;
    return v;
}

jv *jv_str_owned(jctx *c, const char *s, size_t len)
{
    jv *v = jalloc(c, sizeof *v);
    v->type = JV_STR;
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

jv *jv_str(jctx *c, const char *s, size_t len)
{
    char *p = jalloc(c, len + 1);
    if (len) memcpy(p, s, len);
    return jv_str_owned(c, p, len);
}

jv *jv_cstr(jctx *c, const char *s) { return jv_str(c, s, strlen(s)); }

jv *jv_arr(jctx *c, size_t cap)
{
    jv *v = jalloc(c, sizeof *v);
    v->type = JV_ARR;
    if (cap) {
        v->u.arr.v = jalloc(c, cap * sizeof(jv *));
        v->u.arr.cap = cap;
    }
    return v;
}

jv *jv_seq(jctx *c)
{
    jv *v = jv_arr(c, 0);
    v->flags = JVF_SEQ;
    return v;
}

void jv_push(jctx *c, jv *a, jv *v)
{
    if (a->u.arr.n == a->u.arr.cap) {
        size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
        jv **nv = jalloc(c, cap * sizeof(jv *));
        if (a->u.arr.n) memcpy(nv, a->u.arr.v, a->u.arr.n * sizeof(jv *));
        a->u.arr.v = nv;
        a->u.arr.cap = cap;
    }
    a->u.arr.v[a->u.arr.n++] = v;
}

jv *jv_obj(jctx *c)
{
    jv *v = jalloc(c, sizeof *v);
    v->type = JV_OBJ;
    return v;
}

static uint32_t hash_key(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

static void obj_reindex(jctx *c, jv *o)
{
    size_t cap = 16;
    while (cap < o->u.obj.n * 2 + 2) cap *= 2;
    int32_t *idx = jalloc(c, cap * sizeof(int32_t));
    for (size_t i = 0; i < cap; i++) idx[i] = -1;
    for (size_t i = 0; i < o->u.obj.n; i++) {
        jobj_ent *e = &o->u.obj.e[i];
        if (!e->key) continue;
        size_t h = hash_key(e->key, e->klen) & (cap - 1);
        while (idx[h] >= 0) h = (h + 1) & (cap - 1);
        idx[h] = (int32_t)i;
    }
    o->u.obj.idx = idx;
    o->u.obj.idxcap = cap;
}

static long obj_find(const jv *o, const char *k, size_t klen)
{
    if (o->u.obj.idx) {
        size_t cap = o->u.obj.idxcap;
        size_t h = hash_key(k, klen) & (cap - 1);
        while (o->u.obj.idx[h] >= 0) {
            const jobj_ent *e = &o->u.obj.e[o->u.obj.idx[h]];
            if (e->key && e->klen == klen && memcmp(e->key, k, klen) == 0) return o->u.obj.idx[h];
            h = (h + 1) & (cap - 1);
        }
        return -1;
    }
    for (size_t i = 0; i < o->u.obj.n; i++) {
        const jobj_ent *e = &o->u.obj.e[i];
        if (e->key && e->klen == klen && memcmp(e->key, k, klen) == 0) return (long)i;
    }
    return -1;
}

jv *jv_obj_get(const jv *o, const char *k, size_t klen)
{
    long i = obj_find(o, k, klen);
    return i < 0 ? NULL : o->u.obj.e[i].val;
}

void jv_obj_set(jctx *c, jv *o, const char *k, size_t klen, jv *v)
{
    long i = obj_find(o, k, klen);
    if (i >= 0) {
        o->u.obj.e[i].val = v;
        return;
    }
    if (o->u.obj.n == o->u.obj.cap) {
        size_t cap = o->u.obj.cap ? o->u.obj.cap * 2 : 4;
        jobj_ent *ne = jalloc(c, cap * sizeof *ne);
        if (o->u.obj.n) memcpy(ne, o->u.obj.e, o->u.obj.n * sizeof *ne);
        o->u.obj.e = ne;
        o->u.obj.cap = cap;
    }
    jobj_ent *e = &o->u.obj.e[o->u.obj.n++];
    e->key = k;
    e->klen = klen;
    e->val = v;
    if (o->u.obj.n > 8) {
        if (!o->u.obj.idx || o->u.obj.n * 2 + 2 > o->u.obj.idxcap) {
            obj_reindex(c, o);
        } else {
            size_t cap = o->u.obj.idxcap;
            size_t h = hash_key(k, klen) & (cap - 1);
            while (o->u.obj.idx[h] >= 0) h = (h + 1) & (cap - 1);
            o->u.obj.idx[h] = (int32_t)(o->u.obj.n - 1);
        }
    }
}

/* Deleting compacts the entries (order kept) and drops the index. */
void jv_obj_del(jv *o, const char *k, size_t klen)
{
    long i = obj_find(o, k, klen);
    if (i < 0) return;
    memmove(&o->u.obj.e[i], &o->u.obj.e[i + 1], (o->u.obj.n - i - 1) * sizeof(jobj_ent));
    o->u.obj.n--;
    o->u.obj.idx = NULL;
    o->u.obj.idxcap = 0;
    if (o->u.obj.n > 8) {
        /* rebuild lazily without a ctx: linear search is correct, just slower */
    }
}

jv *jv_fun(jctx *c, jfun *f)
{
    jv *v = jalloc(c, sizeof *v);
    v->type = JV_FUN;
    v->u.fn = f;
    return v;
}

bool jv_is_seq(const jv *v) { return v && v->type == JV_ARR && (v->flags & JVF_SEQ); }
bool jv_is_arr(const jv *v) { return v && v->type == JV_ARR; }
bool jv_is_fun(const jv *v) { return v && v->type == JV_FUN; }
bool jv_is_num(const jv *v) { return v && v->type == JV_NUM; }
bool jv_is_str(const jv *v) { return v && v->type == JV_STR; }

bool jv_equal(const jv *a, const jv *b)
{
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->type != b->type) return false;
    switch (a->type) {
    case JV_NULL: return true;
    case JV_BOOL: return a->u.b == b->u.b;
    case JV_NUM: return a->u.num == b->u.num;
    case JV_STR: return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case JV_ARR:
        if (a->u.arr.n != b->u.arr.n) return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!jv_equal(a->u.arr.v[i], b->u.arr.v[i])) return false;
        return true;
    case JV_OBJ:
        if (a->u.obj.n != b->u.obj.n) return false;
        for (size_t i = 0; i < a->u.obj.n; i++) {
            const jobj_ent *e = &a->u.obj.e[i];
            if (!jv_equal(e->val, jv_obj_get(b, e->key, e->klen))) return false;
        }
        return true;
    case JV_FUN: return a->u.fn == b->u.fn;
    }
    return false;
}

/* $boolean's rules: arrays are true when any member is. */
bool jv_truthy(jctx *c, jv *v)
{
    if (!v) return false;
    switch (v->type) {
    case JV_NULL: return false;
    case JV_BOOL: return v->u.b;
    case JV_NUM: return v->u.num != 0;
    case JV_STR: return v->u.str.len > 0;
    case JV_ARR:
        if (v->u.arr.n == 1) return jv_truthy(c, v->u.arr.v[0]);
        for (size_t i = 0; i < v->u.arr.n; i++)
            if (jv_truthy(c, v->u.arr.v[i])) return true;
        return false;
    case JV_OBJ: return v->u.obj.n > 0;
    case JV_FUN: return false;
    }
    return false;
}

jv *jv_copy_deep(jctx *c, jv *v)
{
    if (!v) return NULL;
    if (v->type == JV_ARR) {
        jv *a = jv_arr(c, v->u.arr.n);
        a->flags = v->flags;
        for (size_t i = 0; i < v->u.arr.n; i++) jv_push(c, a, jv_copy_deep(c, v->u.arr.v[i]));
        return a;
    }
    if (v->type == JV_OBJ) {
        jv *o = jv_obj(c);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            jobj_ent *e = &v->u.obj.e[i];
            jv_obj_set(c, o, e->key, e->klen, jv_copy_deep(c, e->val));
        }
        return o;
    }
    return v;
}

/* ---- JSON conversion ---- */
jv *jv_from_json(jctx *c, json_t *j)
{
    if (!j) return NULL;
    switch (json_typeof(j)) {
    case JSON_NULL: return JNULL;
    case JSON_TRUE: return JTRUE;
    case JSON_FALSE: return JFALSE;
    case JSON_INTEGER: return jv_num(c, (double)json_integer_value(j));
    case JSON_REAL: return jv_num(c, json_real_value(j));
    case JSON_STRING: return jv_str_owned(c, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        jv *a = jv_arr(c, n);
        for (size_t i = 0; i < n; i++) jv_push(c, a, jv_from_json(c, json_array_get(j, i)));
        return a;
    }
    case JSON_OBJECT: {
        jv *o = jv_obj(c);
        const char *k;
        json_t *m;
        void *it = json_object_iter(j);
        while (it) {
            k = json_object_iter_key(it);
            m = json_object_iter_value(it);
            jv_obj_set(c, o, k, strlen(k), jv_from_json(c, m));
            it = json_object_iter_next(j, it);
        }
        return o;
    }
    }
    return NULL;
}

/* Functions become "" as JSON.stringify-with-replacer makes them; undefined
 * members of objects are dropped and of arrays become null. */
json_t *jv_to_json(jv *v)
{
    if (!v) return NULL;
    switch (v->type) {
    case JV_NULL: return json_null();
    case JV_BOOL: return json_boolean(v->u.b);
    case JV_NUM: {
        double d = v->u.num;
        if (d == floor(d) && fabs(d) < 9007199254740992.0) return json_integer((json_int_t)d);
        return json_real(d);
    }
    case JV_STR: return json_stringn_nocheck(v->u.str.s, v->u.str.len);
    case JV_ARR: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_t *m = jv_to_json(v->u.arr.v[i]);
            json_array_append_new(a, m ? m : json_null());
        }
        return a;
    }
    case JV_OBJ: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->u.obj.n; i++) {
            jobj_ent *e = &v->u.obj.e[i];
            json_t *m = jv_to_json(e->val);
            if (m) json_object_setn_new_nocheck(o, e->key, e->klen, m);
        }
        return o;
    }
    case JV_FUN: return json_string("");
    }
    return NULL;
}

/* ---- numbers as JavaScript prints them ---- */
void jv_num_to_str(double d, char *buf, size_t n)
{
    if (isnan(d)) { snprintf(buf, n, "NaN"); return; }
    if (isinf(d)) { snprintf(buf, n, d < 0 ? "-Infinity" : "Infinity"); return; }
    if (d == 0) { snprintf(buf, n, "0"); return; }
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) break;
    }
    /* tmp: [-]D.DDDDe[+-]XX ; extract digits and exponent */
    char digits[24];
    size_t nd = 0;
    const char *p = tmp;
    bool neg = false;
    if (*p == '-') { neg = true; p++; }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    long e10 = strtol(p + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    long k = (long)nd, nexp = e10 + 1; /* value = 0.digits * 10^nexp */
    size_t o = 0;
    char out[64];
    if (neg) out[o++] = '-';
    if (k <= nexp && nexp <= 21) {
        memcpy(out + o, digits, k); o += k;
        for (long i = 0; i < nexp - k; i++) out[o++] = '0';
    } else if (0 < nexp && nexp <= 21) {
        memcpy(out + o, digits, nexp); o += nexp;
        out[o++] = '.';
        memcpy(out + o, digits + nexp, k - nexp); o += k - nexp;
    } else if (-6 < nexp && nexp <= 0) {
        out[o++] = '0'; out[o++] = '.';
        for (long i = 0; i < -nexp; i++) out[o++] = '0';
        memcpy(out + o, digits, k); o += k;
    } else {
        out[o++] = digits[0];
        if (k > 1) { out[o++] = '.'; memcpy(out + o, digits + 1, k - 1); o += k - 1; }
        o += snprintf(out + o, sizeof out - o, "e%c%ld", nexp - 1 >= 0 ? '+' : '-', labs(nexp - 1));
    }
    out[o] = 0;
    snprintf(buf, n, "%s", out);
}

/* ---- string builder ---- */
void jb_init(jbuf *b, jctx *c)
{
    b->c = c;
    b->s = NULL;
    b->len = b->cap = 0;
}

void jb_add(jbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *ns = jalloc(b->c, cap);
        if (b->len) memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void jb_adds(jbuf *b, const char *s) { jb_add(b, s, strlen(s)); }
void jb_addc(jbuf *b, char ch) { jb_add(b, &ch, 1); }

jv *jb_value(jbuf *b)
{
    if (!b->s) return jv_str(b->c, "", 0);
    return jv_str_owned(b->c, b->s, b->len);
}

/* ---- $string: JSON.stringify with numbers at 15 significant digits ---- */
static void json_quote(jbuf *b, const char *s, size_t n)
{
    jb_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': jb_add(b, "\\\"", 2); break;
        case '\\': jb_add(b, "\\\\", 2); break;
        case '\n': jb_add(b, "\\n", 2); break;
        case '\r': jb_add(b, "\\r", 2); break;
        case '\t': jb_add(b, "\\t", 2); break;
        case '\b': jb_add(b, "\\b", 2); break;
        case '\f': jb_add(b, "\\f", 2); break;
        default:
            if (ch < 0x20) {
                char u[8];
                snprintf(u, sizeof u, "\\u%04x", ch);
                jb_add(b, u, 6);
            } else {
                jb_addc(b, (char)ch);
            }
        }
    }
    jb_addc(b, '"');
}

static void num15(double d, char *buf, size_t n)
{
    char t[40];
    snprintf(t, sizeof t, "%.15g", d);
    jv_num_to_str(strtod(t, NULL), buf, n);
}

static void indent(jbuf *b, bool pretty, int level)
{
    if (!pretty) return;
    jb_addc(b, '\n');
    for (int i = 0; i < level; i++) jb_add(b, "  ", 2);
}

static void stringify_rec(jctx *c, jbuf *b, jv *v, bool pretty, int level, size_t pos)
{
    if (!v || v->type == JV_FUN) {
        jb_add(b, v ? "\"\"" : "null", v ? 2 : 4);
        return;
    }
    switch (v->type) {
    case JV_NULL: jb_add(b, "null", 4); break;
    case JV_BOOL: jb_adds(b, v->u.b ? "true" : "false"); break;
    case JV_NUM: {
        char t[40];
        if (!isfinite(v->u.num)) jerr(c, "D1001", pos, "Number out of range");
        if (v->u.num == floor(v->u.num)) jv_num_to_str(v->u.num, t, sizeof t);
        else num15(v->u.num, t, sizeof t);
        jb_adds(b, t);
        break;
    }
    case JV_STR: json_quote(b, v->u.str.s, v->u.str.len); break;
    case JV_ARR:
        jb_addc(b, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) jb_addc(b, ',');
            indent(b, pretty, level + 1);
            stringify_rec(c, b, v->u.arr.v[i], pretty, level + 1, pos);
        }
        if (v->u.arr.n) indent(b, pretty, level);
        jb_addc(b, ']');
        break;
    case JV_OBJ: {
        jb_addc(b, '{');
        bool first = true;
        for (size_t i = 0; i < v->u.obj.n; i++) {
            jobj_ent *e = &v->u.obj.e[i];
            if (!e->val) continue;
            if (!first) jb_addc(b, ',');
            first = false;
            indent(b, pretty, level + 1);
            json_quote(b, e->key, e->klen);
            jb_addc(b, ':');
            if (pretty) jb_addc(b, ' ');
            stringify_rec(c, b, e->val, pretty, level + 1, pos);
        }
        if (!first) indent(b, pretty, level);
        jb_addc(b, '}');
        break;
    }
    }
}

jv *jv_stringify(jctx *c, jv *v, bool pretty, size_t pos)
{
    if (!v) return NULL;
    if (v->type == JV_STR) return v;
    if (v->type == JV_FUN) return jv_str(c, "", 0);
    if (v->type == JV_NUM && !isfinite(v->u.num))
        jerr(c, "D3001", pos, "Attempting to invoke string function on Infinity or NaN");
    jbuf b;
    jb_init(&b, c);
    if (v->type == JV_ARR && (v->flags & JVF_OUTER) && v->u.arr.n) v = v->u.arr.v[0];
    stringify_rec(c, &b, v, pretty, 0, pos);
    return jb_value(&b);
}

const char *jv_type_name(const jv *v)
{
    if (!v) return NULL;
    switch (v->type) {
    case JV_NULL: return "null";
    case JV_BOOL: return "boolean";
    case JV_NUM: return "number";
    case JV_STR: return "string";
    case JV_ARR: return "array";
    case JV_OBJ: return "object";
    case JV_FUN: return "function";
    }
    return NULL;
}

/* ---- UTF-8 ---- */
uint32_t utf8_get(const char *s, size_t n, size_t *i)
{
    unsigned char c0 = (unsigned char)s[*i];
    if (c0 < 0x80 || *i + 1 >= n + (c0 < 0x80)) { (*i)++; return c0; }
    int len = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 1;
    if (len == 1 || *i + len > n) { (*i)++; return c0; }
    uint32_t cp = c0 & (0x7F >> len);
    for (int k = 1; k < len; k++) cp = (cp << 6) | ((unsigned char)s[*i + k] & 0x3F);
    *i += len;
    return cp;
}

size_t utf8_len(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) k++;
    return k;
}

size_t utf8_offset(const char *s, size_t n, size_t cp)
{
    size_t k = 0, i = 0;
    for (; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (k == cp) return i;
            k++;
        }
    }
    return n;
}

void utf8_put(char *buf, size_t *len, uint32_t cp)
{
    if (cp < 0x80) {
        buf[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*len)++] = (char)(0xC0 | (cp >> 6));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[(*len)++] = (char)(0xE0 | (cp >> 12));
        buf[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[(*len)++] = (char)(0xF0 | (cp >> 18));
        buf[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
}
