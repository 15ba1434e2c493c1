/*
 * jsonata_regex.c — regular expressions (PCRE2) and the functions using
 * them: $match, $contains, $replace, $split. The only file including pcre2.h.
 *
 * JavaScript syntax differences handled by compile options: \uXXXX and
 * \xHH as JavaScript reads them (PCRE2_ALT_BSUX), "[]" and "[^]" (empty and
 * any-character classes, PCRE2_ALLOW_EMPTY_CLASS), '$' only at the very end
 * without the m flag (PCRE2_DOLLAR_ENDONLY), UTF-8 subjects (PCRE2_UTF).
 * Flags: i and m as in JavaScript. The compiled code lives as long as the
 * arena that owns it (the expression's, for literals).
 * Iteration follows the reference's matcher objects: each next match starts
 * where the previous one ended; an empty match after the first is D1004
 * (JavaScript's exec would never advance).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "jsonata_internal.h"

#include <math.h>
#include <string.h>

/* The compiled code is shared by every evaluation of a compiled expression,
 * possibly on several threads at once: it is only read. Match data is per
 * call. */
typedef struct jregex {
    pcre2_code *code;
} jregex;

static void regex_free(void *p)
{
    jregex *r = p;
    pcre2_code_free(r->code);
}

void *jregex_compile(jctx *c, const char *src, size_t len, const char *flags, size_t pos, ja_arena *owner)
{
    uint32_t opts = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_ALLOW_EMPTY_CLASS | PCRE2_MATCH_UNSET_BACKREF;
    if (flags && strchr(flags, 'i')) opts |= PCRE2_CASELESS;
    if (flags && strchr(flags, 'm')) opts |= PCRE2_MULTILINE;
    else opts |= PCRE2_DOLLAR_ENDONLY;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)src, len, opts, &ec, &eo, NULL);
    if (!code) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(ec, msg, sizeof msg);
        jerr(c, "S0303", pos, "Invalid regular expression: %s", (char *)msg);
    }
    jregex *r = ja_alloc(owner, sizeof *r);
    if (!r) {
        pcre2_code_free(code);
        jout_of_memory(c, pos);
    }
    r->code = code;
    ja_on_free(owner, regex_free, r);
    return r;
}

int jregex_exec(jctx *c, void *re, const char *s, size_t len, size_t from, size_t *ov, int maxpairs, int *npairs)
{
    jregex *r = re;
    if (from > len) return 0;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
    if (!md) jout_of_memory(c, 0);
    int rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, from, 0, md, NULL);
    if (rc < 0) {
        pcre2_match_data_free(md);
        if (rc == PCRE2_ERROR_NOMATCH) return 0;
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(rc, msg, sizeof msg);
        jerr(c, "D1004", 0, "Regular expression failed: %s", (char *)msg);
    }
    PCRE2_SIZE *v = pcre2_get_ovector_pointer(md);
    int pairs = (int)pcre2_get_ovector_count(md);
    if (pairs > maxpairs) pairs = maxpairs;
    for (int i = 0; i < pairs; i++) {
        ov[2 * i] = v[2 * i];
        ov[2 * i + 1] = v[2 * i + 1];
    }
    pcre2_match_data_free(md);
    *npairs = pairs;
    return 1;
}

/* ---------------------------------------------------------- matcher */
#define MAXG 64
typedef struct mres {
    size_t start, end; /* bytes */
    size_t ov[2 * MAXG];
    int npairs;
    jv *obj;          /* a custom matcher's result */
} mres;

typedef struct miter {
    jctx *c;
    jv *fn;
    const char *s;
    size_t len;
    size_t next_from;
    bool started, done;
    size_t pos;
    jv *next_fn;
} miter;

static jv *groups_of(jctx *c, const char *s, const mres *m)
{
    if (m->obj) {
        jv *og = jv_obj_get(m->obj, "groups", 6);
        return og ? og : jv_arr(c, 0);
    }
    jv *g = jv_arr(c, 0);
    for (int i = 1; i < m->npairs; i++) {
        if (m->ov[2 * i] == PCRE2_UNSET) jv_push(c, g, jv_str(c, "", 0));
        else jv_push(c, g, jv_str(c, s + m->ov[2 * i], m->ov[2 * i + 1] - m->ov[2 * i]));
    }
    return g;
}

static bool miter_next(miter *it, mres *m)
{
    jctx *c = it->c;
    if (it->done) return false;
    jfun *f = it->fn->u.fn;
    if (f->kind != F_REGEX) {
        /* a user-supplied matcher: an object {match, start, end, groups, next} */
        jv *r;
        if (!it->started) {
            jv *arg = jv_str_owned(c, it->s, it->len);
            r = japply(c, it->fn, &arg, 1, NULL, it->pos);
        } else {
            if (!jv_is_fun(it->next_fn)) return false;
            r = japply(c, it->next_fn, NULL, 0, NULL, it->pos);
        }
        it->started = true;
        if (!r) {
            it->done = true;
            return false;
        }
        jv *st = r->type == JV_OBJ ? jv_obj_get(r, "start", 5) : NULL;
        jv *en = r->type == JV_OBJ ? jv_obj_get(r, "end", 3) : NULL;
        jv *gr = r->type == JV_OBJ ? jv_obj_get(r, "groups", 6) : NULL;
        jv *nx = r->type == JV_OBJ ? jv_obj_get(r, "next", 4) : NULL;
        if (!jv_is_num(st) && !jv_is_num(en) && !jv_is_arr(gr) && !jv_is_fun(nx))
            jerr(c, "T1010", it->pos, "The matcher function argument passed to function does not return the correct object structure");
        m->start = utf8_offset(it->s, it->len, jv_is_num(st) ? (size_t)jclamp(st->u.num, 0, (long)it->len) : 0);
        m->end = utf8_offset(it->s, it->len, jv_is_num(en) ? (size_t)jclamp(en->u.num, 0, (long)it->len) : 0);
        if (m->end < m->start) m->end = m->start;
        m->npairs = 1;
        m->ov[0] = m->start;
        m->ov[1] = m->end;
        m->obj = r;
        it->next_fn = nx;
        return true;
    }
    if (it->started && it->next_from >= it->len) return false;
    if (!jregex_exec(c, f->regex, it->s, it->len, it->next_from, m->ov, MAXG, &m->npairs)) {
        it->done = true;
        return false;
    }
    m->start = m->ov[0];
    m->end = m->ov[1];
    m->obj = NULL;
    if (it->started && m->start == m->end)
        jerr(c, "D1004", it->pos, "Regular expression matches zero length string");
    it->started = true;
    it->next_from = m->end;
    return true;
}

static jv *cp_index(jctx *c, const char *s, size_t byte)
{
    return jv_num(c, (double)utf8_len(s, byte));
}

jv *jregex_match_object(jctx *c, void *re, const char *s, size_t len, size_t from)
{
    mres m;
    m.obj = NULL;
    size_t bfrom = utf8_offset(s, len, from);
    if (!jregex_exec(c, re, s, len, bfrom, m.ov, MAXG, &m.npairs)) return NULL;
    jv *o = jv_obj(c);
    jv_obj_set(c, o, "match", 5, jv_str(c, s + m.ov[0], m.ov[1] - m.ov[0]));
    jv_obj_set(c, o, "start", 5, cp_index(c, s, m.ov[0]));
    jv_obj_set(c, o, "end", 3, cp_index(c, s, m.ov[1]));
    jv_obj_set(c, o, "groups", 6, groups_of(c, s, &m));
    return o;
}

#define A(i) ((i) < n ? args[i] : NULL)

jv *jf_match(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_match(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jv *s = A(0), *re = A(1), *lim = A(2);
    if (!s || !re) return NULL;
    if (lim && lim->u.num < 0) jerr(c, "D3040", pos, "Third argument of match function must evaluate to a positive number");
    jv *r = jv_seq(c);
    if (lim && lim->u.num <= 0) return r;
    miter it = {.c = c, .fn = re, .s = s->u.str.s, .len = s->u.str.len, .pos = pos};
    mres m;
    double count = 0;
    while ((!lim || count < lim->u.num) && miter_next(&it, &m)) {
        jv *o = jv_obj(c);
        jv_obj_set(c, o, "match", 5, jv_str(c, s->u.str.s + m.start, m.end - m.start));
        jv_obj_set(c, o, "index", 5, cp_index(c, s->u.str.s, m.start));
        jv_obj_set(c, o, "groups", 6, groups_of(c, s->u.str.s, &m));
        jv_push(c, r, o);
        count++;
    }
    return r;
}

jv *jf_contains(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_contains(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jv *s = A(0), *t = A(1);
    if (!s || !t) return NULL;
    if (t->type == JV_STR)
        return JBOOL(t->u.str.len == 0 || memmem(s->u.str.s, s->u.str.len, t->u.str.s, t->u.str.len));
    miter it = {.c = c, .fn = t, .s = s->u.str.s, .len = s->u.str.len, .pos = pos};
    mres m;
    return JBOOL(miter_next(&it, &m));
}

static void substitute(jctx *c, jbuf *b, const jv *rep, const char *s, const mres *m)
{
    const char *r = rep->u.str.s;
    size_t rl = rep->u.str.len, p = 0;
    int ngroups = m->npairs - 1;
    while (p < rl) {
        const char *d = memchr(r + p, '$', rl - p);
        if (!d) break;
        size_t idx = (size_t)(d - r);
        jb_add(b, r + p, idx - p);
        p = idx + 1;
        char nx = p < rl ? r[p] : 0;
        if (nx == '$') {
            jb_addc(b, '$');
            p++;
        } else if (nx == '0') {
            jb_add(b, s + m->start, m->end - m->start);
            p++;
        } else {
            int maxd = ngroups == 0 ? 1 : (int)floor(log10((double)ngroups)) + 1;
            int val = -1, used = 0;
            for (int k = 0; k < maxd && p + (size_t)k < rl && r[p + k] >= '0' && r[p + k] <= '9'; k++) {
                val = (val < 0 ? 0 : val) * 10 + (r[p + k] - '0');
                used++;
            }
            if (maxd > 1 && val > ngroups && used > 1) {
                val /= 10;
                used--;
            }
            if (val < 0) {
                jb_addc(b, '$');
            } else {
                if (ngroups > 0 && val >= 1 && val <= ngroups && m->ov[2 * val] != PCRE2_UNSET)
                    jb_add(b, s + m->ov[2 * val], m->ov[2 * val + 1] - m->ov[2 * val]);
                char t[16];
                p += (size_t)snprintf(t, sizeof t, "%d", val);
            }
        }
    }
    if (p < rl) jb_add(b, r + p, rl - p);
}

jv *jf_replace(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_replace(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jv *s = A(0), *pat = A(1), *rep = A(2), *lim = A(3);
    if (!s || !pat || !rep) return NULL;
    if (pat->type == JV_STR && pat->u.str.len == 0)
        jerr(c, "D3010", pos, "Second argument of replace function cannot be an empty string");
    if (lim && lim->u.num < 0) jerr(c, "D3011", pos, "Fourth argument of replace function must evaluate to a positive number");
    if (lim && lim->u.num <= 0) return s;
    jbuf b;
    jb_init(&b, c);
    size_t p = 0;
    double count = 0;
    const char *str = s->u.str.s;
    if (pat->type == JV_STR) {
        const char *hit;
        while ((!lim || count < lim->u.num) &&
               (hit = memmem(str + p, s->u.str.len - p, pat->u.str.s, pat->u.str.len))) {
            size_t idx = (size_t)(hit - str);
            jb_add(&b, str + p, idx - p);
            if (rep->type == JV_STR) jb_add(&b, rep->u.str.s, rep->u.str.len);
            p = idx + pat->u.str.len;
            count++;
        }
        jb_add(&b, str + p, s->u.str.len - p);
        return jb_value(&b);
    }
    miter it = {.c = c, .fn = pat, .s = str, .len = s->u.str.len, .pos = pos};
    mres m;
    while ((!lim || count < lim->u.num) && miter_next(&it, &m)) {
        jb_add(&b, str + p, m.start - p);
        if (rep->type == JV_STR) {
            substitute(c, &b, rep, str, &m);
        } else {
            jv *o = m.obj;
            if (!o) {
                o = jv_obj(c);
                jv_obj_set(c, o, "match", 5, jv_str(c, str + m.start, m.end - m.start));
                jv_obj_set(c, o, "start", 5, cp_index(c, str, m.start));
                jv_obj_set(c, o, "end", 3, cp_index(c, str, m.end));
                jv_obj_set(c, o, "groups", 6, groups_of(c, str, &m));
            }
            jv *x = japply(c, rep, &o, 1, NULL, pos);
            if (!jv_is_str(x))
                jerr(c, "D3012", pos, "Attempted to replace a matched string with a non-string value");
            jb_add(&b, x->u.str.s, x->u.str.len);
        }
        p = m.end;
        count++;
    }
    jb_add(&b, str + p, s->u.str.len - p);
    return jb_value(&b);
}

jv *jf_split(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_split(jctx *c, jv **args, int n, jv *input, size_t pos)
{
    jv *s = A(0), *sep = A(1), *lim = A(2);
    if (!s || !sep) return NULL;
    if (lim && lim->u.num < 0) jerr(c, "D3020", pos, "Third argument of split function must evaluate to a positive number");
    jv *r = jv_arr(c, 0);
    double max = lim ? floor(lim->u.num) : INFINITY;
    if (max <= 0) return r;
    const char *str = s->u.str.s;
    size_t len = s->u.str.len, p = 0;
    if (sep->type == JV_STR) {
        if (sep->u.str.len == 0) {
            size_t i = 0;
            while (i < len && (double)r->u.arr.n < max) {
                size_t st = i;
                utf8_get(str, len, &i);
                jv_push(c, r, jv_str(c, str + st, i - st));
            }
            return r;
        }
        const char *hit;
        while ((double)r->u.arr.n < max && (hit = memmem(str + p, len - p, sep->u.str.s, sep->u.str.len))) {
            jv_push(c, r, jv_str(c, str + p, (size_t)(hit - str) - p));
            p = (size_t)(hit - str) + sep->u.str.len;
        }
        if ((double)r->u.arr.n < max) jv_push(c, r, jv_str(c, str + p, len - p));
        return r;
    }
    miter it = {.c = c, .fn = sep, .s = str, .len = len, .pos = pos};
    mres m;
    double count = 0;
    bool any = false;
    while (count < max && miter_next(&it, &m)) {
        any = true;
        jv_push(c, r, jv_str(c, str + p, m.start > p ? m.start - p : 0));
        p = m.end;
        count++;
    }
    if (!any) {
        jv_push(c, r, s);
        return r;
    }
    if (count < max) jv_push(c, r, jv_str(c, str + p, len - p));
    return r;
}
