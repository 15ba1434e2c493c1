/*
 * jsonata_func.c — the JSONata function library: table, strings, arrays,
 * objects, booleans and higher-order functions.
 *
 * Each built-in receives its arguments already validated against its
 * signature (jsonata_sig.c), so a function only checks what a signature
 * cannot express (D-codes). Undefined in, undefined out, as the reference
 * does for almost every function. Strings count code points.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A(i) ((i) < n ? args[i] : NULL)
#define F(name) static jv *name(jctx *c, jv **args, int n, jv *input, size_t pos)

jv *jf_number_fn(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_abs(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_floor(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_ceil(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_round(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_power(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_sqrt(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_random(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_format_number(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_format_base(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_format_integer(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_parse_integer(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_now(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_millis(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_from_millis(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_to_millis(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_match(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_contains(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_replace(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_split(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_partition(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_range(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_hash(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_random(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_uuid(jctx *c, jv **args, int n, jv *input, size_t pos);
jv *jf_asl_parse(jctx *c, jv **args, int n, jv *input, size_t pos);

/* ---------------------------------------------------------- aggregation */
F(f_sum)
{
    jv *a = A(0);
    if (!a) return NULL;
    double s = 0;
    for (size_t i = 0; i < a->u.arr.n; i++) s += a->u.arr.v[i]->u.num;
    return jv_num(c, s);
}

F(f_count)
{
    jv *a = A(0);
    return jv_num(c, a ? (double)a->u.arr.n : 0);
}

static jv *minmax(jctx *c, jv *a, bool max)
{
    if (!a || a->u.arr.n == 0) return NULL;
    double m = a->u.arr.v[0]->u.num;
    for (size_t i = 1; i < a->u.arr.n; i++) {
        double x = a->u.arr.v[i]->u.num;
        if (max ? x > m : x < m) m = x;
    }
    return jv_num(c, m);
}

F(f_max) { return minmax(c, A(0), true); }
F(f_min) { return minmax(c, A(0), false); }

F(f_average)
{
    jv *a = A(0);
    if (!a || a->u.arr.n == 0) return NULL;
    double s = 0;
    for (size_t i = 0; i < a->u.arr.n; i++) s += a->u.arr.v[i]->u.num;
    return jv_num(c, s / (double)a->u.arr.n);
}

/* ---------------------------------------------------------- strings */
F(f_string)
{
    jv *a = A(0);
    if (!a) return NULL;
    return jv_stringify(c, a, A(1) && A(1)->u.b, pos);
}

static jv *sub_cp(jctx *c, jv *s, long start, long end)
{
    size_t b0 = utf8_offset(s->u.str.s, s->u.str.len, (size_t)start);
    size_t b1 = utf8_offset(s->u.str.s, s->u.str.len, (size_t)end);
    return jv_str(c, s->u.str.s + b0, b1 > b0 ? b1 - b0 : 0);
}

/* JS Array#slice index normalisation */
static long slice_index(double x, long len)
{
    if (isnan(x)) return 0;
    x = trunc(x);
    if (x < 0) {
        x += (double)len;
        return x < 0 ? 0 : (long)x;
    }
    return x > (double)len ? len : (long)x;
}

F(f_substring)
{
    jv *s = A(0);
    if (!s) return NULL;
    long len = (long)utf8_len(s->u.str.s, s->u.str.len);
    double start = A(1) ? A(1)->u.num : 0;
    if ((double)len + start < 0) start = 0;
    if (A(2)) {
        double l = A(2)->u.num;
        if (l <= 0) return jv_str(c, "", 0);
        double end = start >= 0 ? start + l : (double)len + start + l;
        long b = slice_index(start, len), e = slice_index(end, len);
        return e > b ? sub_cp(c, s, b, e) : jv_str(c, "", 0);
    }
    return sub_cp(c, s, slice_index(start, len), len);
}

static const char *find_str(const jv *s, const jv *t)
{
    if (t->u.str.len == 0) return s->u.str.s;
    return memmem(s->u.str.s, s->u.str.len, t->u.str.s, t->u.str.len);
}

F(f_substring_before)
{
    jv *s = A(0), *t = A(1);
    if (!s) return NULL;
    if (!t) return s;
    const char *p = find_str(s, t);
    return p ? jv_str(c, s->u.str.s, (size_t)(p - s->u.str.s)) : s;
}

F(f_substring_after)
{
    jv *s = A(0), *t = A(1);
    if (!s) return NULL;
    if (!t) return s;
    const char *p = find_str(s, t);
    if (!p) return s;
    size_t off = (size_t)(p - s->u.str.s) + t->u.str.len;
    return jv_str(c, s->u.str.s + off, s->u.str.len - off);
}

static uint32_t case_map(uint32_t cp, bool upper)
{
    if (upper) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2))
            return cp - 32;
        if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
        if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
        if (cp >= 0x100 && cp <= 0x17F && (cp & 1)) return cp - 1;
    } else {
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9))
            return cp + 32;
        if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
        if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
        if (cp >= 0x100 && cp <= 0x17F && !(cp & 1)) return cp + 1;
    }
    return cp;
}

static jv *map_case(jctx *c, jv *s, bool upper)
{
    if (!s) return NULL;
    char *out = jalloc(c, s->u.str.len * 2 + 4);
    size_t o = 0, i = 0;
    while (i < s->u.str.len) utf8_put(out, &o, case_map(utf8_get(s->u.str.s, s->u.str.len, &i), upper));
    return jv_str_owned(c, out, o);
}

F(f_lowercase) { return map_case(c, A(0), false); }
F(f_uppercase) { return map_case(c, A(0), true); }

F(f_length)
{
    jv *s = A(0);
    if (!s) return NULL;
    return jv_num(c, (double)utf8_len(s->u.str.s, s->u.str.len));
}

F(f_trim)
{
    jv *s = A(0);
    if (!s) return NULL;
    jbuf b;
    jb_init(&b, c);
    bool space = false;
    for (size_t i = 0; i < s->u.str.len; i++) {
        char ch = s->u.str.s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = true;
            continue;
        }
        if (space && b.len) jb_addc(&b, ' ');
        space = false;
        jb_addc(&b, ch);
    }
    return jb_value(&b);
}

F(f_pad)
{
    jv *s = A(0);
    if (!s) return NULL;
    if (!A(1)) return s;
    double w = trunc(A(1)->u.num);
    jv *ch = A(2);
    const char *pc = " ";
    size_t pl = 1;
    if (ch && ch->u.str.len) {
        pc = ch->u.str.s;
        pl = ch->u.str.len;
    }
    long padlen = jclamp(fabs(w), 0, 1L << 28) - (long)utf8_len(s->u.str.s, s->u.str.len);
    if (padlen <= 0) return s;
    jbuf pad;
    jb_init(&pad, c);
    size_t pcl = utf8_len(pc, pl);
    for (long k = 0; k < padlen; k += (long)pcl) jb_add(&pad, pc, pl);
    size_t cut = utf8_offset(pad.s, pad.len, (size_t)padlen);
    jbuf b;
    jb_init(&b, c);
    if (w > 0) {
        jb_add(&b, s->u.str.s, s->u.str.len);
        jb_add(&b, pad.s, cut);
    } else {
        jb_add(&b, pad.s, cut);
        jb_add(&b, s->u.str.s, s->u.str.len);
    }
    return jb_value(&b);
}

F(f_join)
{
    jv *a = A(0);
    if (!a) return NULL;
    jv *sep = A(1);
    jbuf b;
    jb_init(&b, c);
    for (size_t i = 0; i < a->u.arr.n; i++) {
        if (i && sep) jb_add(&b, sep->u.str.s, sep->u.str.len);
        jb_add(&b, a->u.arr.v[i]->u.str.s, a->u.arr.v[i]->u.str.len);
    }
    return jb_value(&b);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

F(f_base64encode)
{
    jv *s = A(0);
    if (!s) return NULL;
    /* the reference encodes the string's bytes as Latin-1 (btoa on UTF-8 in node: Buffer utf8) */
    jbuf b;
    jb_init(&b, c);
    const unsigned char *p = (const unsigned char *)s->u.str.s;
    size_t len = s->u.str.len;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
        char q[4] = {B64[v >> 18 & 63], B64[v >> 12 & 63], i + 1 < len ? B64[v >> 6 & 63] : '=',
                     i + 2 < len ? B64[v & 63] : '='};
        jb_add(&b, q, 4);
    }
    return jb_value(&b);
}

F(f_base64decode)
{
    jv *s = A(0);
    if (!s) return NULL;
    jbuf b;
    jb_init(&b, c);
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < s->u.str.len; i++) {
        const char *q = strchr(B64, s->u.str.s[i]);
        if (!q || !s->u.str.s[i]) continue;
        acc = acc << 6 | (unsigned)(q - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            jb_addc(&b, (char)(acc >> bits & 0xFF));
        }
    }
    return jb_value(&b);
}

static jv *url_encode(jctx *c, jv *s, const char *keep, size_t pos)
{
    if (!s) return NULL;
    jbuf b;
    jb_init(&b, c);
    for (size_t i = 0; i < s->u.str.len; i++) {
        unsigned char ch = (unsigned char)s->u.str.s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            (ch && strchr(keep, ch))) {
            jb_addc(&b, (char)ch);
        } else {
            /* a lone surrogate cannot occur in UTF-8 input; invalid bytes are URIError D3140 */
            if (ch >= 0x80 && ch < 0xC0 && (i == 0 || (unsigned char)s->u.str.s[i - 1] < 0x80))
                jerr(c, "D3140", pos, "Malformed URL passed to $encodeUrl");
            char h[4];
            snprintf(h, sizeof h, "%%%02X", ch);
            jb_add(&b, h, 3);
        }
    }
    return jb_value(&b);
}

F(f_encode_url_component) { return url_encode(c, A(0), "-_.!~*'()", pos); }
F(f_encode_url) { return url_encode(c, A(0), "-_.!~*'();/?:@&=+$,#", pos); }

static int hexv(char h)
{
    return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
}

static jv *url_decode(jctx *c, jv *s, const char *reserved, size_t pos)
{
    if (!s) return NULL;
    jbuf b;
    jb_init(&b, c);
    for (size_t i = 0; i < s->u.str.len; i++) {
        char ch = s->u.str.s[i];
        if (ch != '%') {
            jb_addc(&b, ch);
            continue;
        }
        if (i + 2 >= s->u.str.len + 0 || hexv(s->u.str.s[i + 1]) < 0 || hexv(s->u.str.s[i + 2]) < 0)
            jerr(c, "D3140", pos, "Malformed URL passed to $decodeUrl");
        char d = (char)(hexv(s->u.str.s[i + 1]) * 16 + hexv(s->u.str.s[i + 2]));
        if (reserved && d && strchr(reserved, d)) jb_add(&b, s->u.str.s + i, 3);
        else jb_addc(&b, d);
        i += 2;
    }
    /* the result must be valid UTF-8, as decodeURIComponent requires */
    size_t i = 0;
    while (i < b.len) {
        unsigned char c0 = (unsigned char)b.s[i];
        int len = c0 < 0x80 ? 1 : c0 >= 0xF0 && c0 < 0xF8 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC2 ? 2 : 0;
        if (!len || i + (size_t)len > b.len) jerr(c, "D3140", pos, "Malformed URL passed to $decodeUrl");
        for (int k = 1; k < len; k++)
            if (((unsigned char)b.s[i + k] & 0xC0) != 0x80) jerr(c, "D3140", pos, "Malformed URL passed to $decodeUrl");
        i += (size_t)len;
    }
    return jb_value(&b);
}

F(f_decode_url_component) { return url_decode(c, A(0), NULL, pos); }
F(f_decode_url) { return url_decode(c, A(0), ";/?:@&=+$,#", pos); }

/* ---------------------------------------------------------- boolean */
F(f_boolean)
{
    jv *a = A(0);
    if (!a) return NULL;
    return JBOOL(jv_truthy(c, a));
}

F(f_not)
{
    jv *a = A(0);
    if (!a) return NULL;
    return JBOOL(!jv_truthy(c, a));
}

F(f_exists) { return JBOOL(A(0) != NULL); }

/* ---------------------------------------------------------- arrays */
F(f_append) { return jappend(c, A(0), A(1)); }

F(f_reverse)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (a->u.arr.n <= 1) return a;
    jv *r = jv_arr(c, a->u.arr.n);
    for (size_t i = a->u.arr.n; i-- > 0;) jv_push(c, r, a->u.arr.v[i]);
    return r;
}

F(f_distinct)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (!jv_is_arr(a) || a->u.arr.n <= 1) return a;
    jv *r = jv_seq(c);
    for (size_t i = 0; i < a->u.arr.n; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->u.arr.n && !seen; k++) seen = jv_equal(r->u.arr.v[k], a->u.arr.v[i]);
        if (!seen) jv_push(c, r, a->u.arr.v[i]);
    }
    return r;
}

F(f_shuffle)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (a->u.arr.n <= 1) return a;
    jv *r = jv_arr(c, a->u.arr.n);
    for (size_t i = 0; i < a->u.arr.n; i++) jv_push(c, r, a->u.arr.v[i]);
    for (size_t i = r->u.arr.n - 1; i > 0; i--) {
        c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)((c->rng >> 33) % (i + 1));
        jv *t = r->u.arr.v[i];
        r->u.arr.v[i] = r->u.arr.v[j];
        r->u.arr.v[j] = t;
    }
    return r;
}

F(f_sort)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (a->u.arr.n <= 1) return a;
    jv *fn = A(1);
    if (!fn) {
        bool nums = true, strs = true;
        for (size_t i = 0; i < a->u.arr.n; i++) {
            if (!jv_is_num(a->u.arr.v[i])) nums = false;
            if (!jv_is_str(a->u.arr.v[i])) strs = false;
        }
        if (!nums && !strs)
            jerr(c, "D3070", pos, "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function");
    }
    return jsort_values(c, a, fn, pos);
}

F(f_zip)
{
    size_t len = (size_t)-1;
    for (int i = 0; i < n; i++) {
        if (!A(i)) return jv_arr(c, 0);
        if (A(i)->u.arr.n < len) len = A(i)->u.arr.n;
    }
    jv *r = jv_arr(c, 0);
    if (n == 0) return r;
    for (size_t k = 0; k < len; k++) {
        jv *t = jv_arr(c, (size_t)n);
        for (int i = 0; i < n; i++) jv_push(c, t, A(i)->u.arr.v[k]);
        jv_push(c, r, t);
    }
    return r;
}

/* ---------------------------------------------------------- objects */
F(f_keys)
{
    jv *a = A(0);
    if (!a) return NULL;
    jv *r = jv_seq(c);
    if (a->type == JV_ARR) {
        jv *seen = jv_obj(c);
        for (size_t i = 0; i < a->u.arr.n; i++) {
            jv *o = a->u.arr.v[i];
            if (!o || o->type != JV_OBJ) continue;
            for (size_t k = 0; k < o->u.obj.n; k++) {
                jobj_ent *e = &o->u.obj.e[k];
                if (jv_obj_get(seen, e->key, e->klen)) continue;
                jv_obj_set(c, seen, e->key, e->klen, JTRUE);
                jv_push(c, r, jv_str_owned(c, e->key, e->klen));
            }
        }
    } else if (a->type == JV_OBJ) {
        for (size_t k = 0; k < a->u.obj.n; k++)
            jv_push(c, r, jv_str_owned(c, a->u.obj.e[k].key, a->u.obj.e[k].klen));
    }
    return r->u.arr.n ? r : NULL;
}

F(f_lookup)
{
    jv *k = A(1);
    if (!k) return NULL;
    return lookup_field(c, A(0), k->u.str.s, k->u.str.len);
}

F(f_spread)
{
    jv *a = A(0);
    if (!a) return NULL;
    jv *r = jv_seq(c);
    if (a->type == JV_ARR) {
        for (size_t i = 0; i < a->u.arr.n; i++) {
            jv *one[1] = {a->u.arr.v[i]};
            jv *x = f_spread(c, one, 1, input, pos);
            r = jappend(c, r, x);
        }
        return r;
    }
    if (a->type == JV_OBJ) {
        for (size_t k = 0; k < a->u.obj.n; k++) {
            jv *o = jv_obj(c);
            jv_obj_set(c, o, a->u.obj.e[k].key, a->u.obj.e[k].klen, a->u.obj.e[k].val);
            jv_push(c, r, o);
        }
        return r;
    }
    return a;
}

F(f_merge)
{
    jv *a = A(0);
    if (!a) return NULL;
    jv *r = jv_obj(c);
    for (size_t i = 0; i < a->u.arr.n; i++) {
        jv *o = a->u.arr.v[i];
        for (size_t k = 0; k < o->u.obj.n; k++) jv_obj_set(c, r, o->u.obj.e[k].key, o->u.obj.e[k].klen, o->u.obj.e[k].val);
    }
    return r;
}

F(f_type) { return A(0) ? jv_cstr(c, jv_type_name(A(0))) : NULL; }

F(f_error)
{
    jv *m = A(0);
    jerr(c, "D3137", pos, "%.*s", m ? (int)m->u.str.len : 40,
         m ? m->u.str.s : "$error() function evaluated");
}

F(f_assert)
{
    jv *b = A(0);
    if (!b) jerr(c, "T0410", pos, "Argument 1 of function $assert does not match function signature");
    if (!b->u.b) {
        jv *m = A(1);
        jerr(c, "D3141", pos, "%.*s", m ? (int)m->u.str.len : 28, m ? m->u.str.s : "$assert() statement failed");
    }
    return NULL;
}

F(f_clone) { return jv_copy_deep(c, A(0)); }

/* ---------------------------------------------------------- higher order */
static jv *call3(jctx *c, jv *fn, jv *a, jv *b, jv *d, size_t pos)
{
    int arity = jfun_arity(fn);
    jv *args[3] = {a, b, d};
    int k = 1;
    if (arity >= 2) k = 2;
    if (arity >= 3) k = 3;
    return japply(c, fn, args, k, NULL, pos);
}

F(f_map)
{
    jv *a = A(0), *fn = A(1);
    if (!a || !fn) return NULL;
    jv *r = jv_seq(c);
    for (size_t i = 0; i < a->u.arr.n; i++) {
        jv *x = call3(c, fn, a->u.arr.v[i], jv_num(c, (double)i), a, pos);
        if (x) jv_push(c, r, x);
    }
    return r;
}

F(f_filter)
{
    jv *a = A(0), *fn = A(1);
    if (!a || !fn) return NULL;
    jv *r = jv_seq(c);
    for (size_t i = 0; i < a->u.arr.n; i++)
        if (jv_truthy(c, call3(c, fn, a->u.arr.v[i], jv_num(c, (double)i), a, pos))) jv_push(c, r, a->u.arr.v[i]);
    return r;
}

F(f_single)
{
    jv *a = A(0), *fn = A(1);
    if (!a) return NULL;
    jv *found = NULL;
    bool has = false;
    for (size_t i = 0; i < a->u.arr.n; i++) {
        bool ok = true;
        if (fn) ok = jv_truthy(c, call3(c, fn, a->u.arr.v[i], jv_num(c, (double)i), a, pos));
        if (ok) {
            if (has) jerr(c, "D3138", pos, "The $single() function expected exactly 1 matching result.  Instead it matched more.");
            found = a->u.arr.v[i];
            has = true;
        }
    }
    if (!has) jerr(c, "D3139", pos, "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
    return found;
}

F(f_reduce)
{
    jv *a = A(0), *fn = A(1), *init = A(2);
    if (!a || !fn) return NULL;
    int arity = jfun_arity(fn);
    if (arity < 2) jerr(c, "D3050", pos, "The second argument of reduce function must be a function with at least two arguments");
    size_t i = 0;
    jv *acc;
    if (!init && a->u.arr.n > 0) {
        acc = a->u.arr.v[0];
        i = 1;
    } else {
        acc = init;
    }
    for (; i < a->u.arr.n; i++) {
        jv *cargs[4] = {acc, a->u.arr.v[i], jv_num(c, (double)i), a};
        acc = japply(c, fn, cargs, arity >= 4 ? 4 : arity >= 3 ? 3 : 2, NULL, pos);
    }
    return acc;
}

F(f_sift)
{
    jv *o = A(0), *fn = A(1);
    if (!o || !fn) return NULL;
    jv *r = jv_obj(c);
    for (size_t k = 0; k < o->u.obj.n; k++) {
        jobj_ent *e = &o->u.obj.e[k];
        if (jv_truthy(c, call3(c, fn, e->val, jv_str_owned(c, e->key, e->klen), o, pos)))
            jv_obj_set(c, r, e->key, e->klen, e->val);
    }
    return r->u.obj.n ? r : NULL;
}

F(f_each)
{
    jv *o = A(0), *fn = A(1);
    if (!o || !fn) return NULL;
    jv *r = jv_seq(c);
    for (size_t k = 0; k < o->u.obj.n; k++) {
        jobj_ent *e = &o->u.obj.e[k];
        jv *x = call3(c, fn, e->val, jv_str_owned(c, e->key, e->klen), o, pos);
        if (x) jv_push(c, r, x);
    }
    return r;
}

/* Parse and evaluate under a nested jump so that errors are re-coded as
 * D3120 (syntax) and D3121 (evaluation), as the reference's $eval does. */
static jv *eval_guarded(jctx *c, jv *src, jv *in, jenv *env, size_t pos)
{
    jmp_buf *volatile outer = c->jmp;
    jsonata_error *volatile outer_err = c->err;
    jmp_buf inner;
    jsonata_error e2;
    volatile int stage = 0;
    jv *volatile result = NULL;
    volatile int saved_depth = c->depth;
    c->err = &e2;
    c->jmp = &inner;
    if (setjmp(inner) == 0) {
        jnode *ast = jparse(c, src->u.str.s, src->u.str.len);
        stage = 1;
        result = jeval(c, ast, in, env);
        c->jmp = outer;
        c->err = outer_err;
        return result;
    }
    c->jmp = outer;
    c->err = outer_err;
    c->depth = saved_depth;
    jerr(c, stage == 0 ? "D3120" : "D3121", pos, "%s", e2.message);
}

F(f_eval)
{
    jv *src = A(0);
    if (!src) return NULL;
    jv *in = input;
    if (n > 1 && A(1)) {
        in = A(1);
        if (jv_is_arr(in) && !jv_is_seq(in)) {
            jv *w = jv_seq(c);
            jv_push(c, w, in);
            w->flags |= JVF_OUTER;
            in = w;
        }
    }
    return eval_guarded(c, src, in, c->env_now ? c->env_now : c->root, pos);
}

/* ---------------------------------------------------------- table */
static jbuiltin table[] = {
    {"sum", f_sum, "<a<n>:n>", NULL},
    {"count", f_count, "<a:n>", NULL},
    {"max", f_max, "<a<n>:n>", NULL},
    {"min", f_min, "<a<n>:n>", NULL},
    {"average", f_average, "<a<n>:n>", NULL},
    {"string", f_string, "<x-b?:s>", NULL},
    {"substring", f_substring, "<s-nn?:s>", NULL},
    {"substringBefore", f_substring_before, "<s-s:s>", NULL},
    {"substringAfter", f_substring_after, "<s-s:s>", NULL},
    {"lowercase", f_lowercase, "<s-:s>", NULL},
    {"uppercase", f_uppercase, "<s-:s>", NULL},
    {"length", f_length, "<s-:n>", NULL},
    {"trim", f_trim, "<s-:s>", NULL},
    {"pad", f_pad, "<s-ns?:s>", NULL},
    {"match", jf_match, "<s-f<s:o>n?:a<o>>", NULL},
    {"contains", jf_contains, "<s-(sf):b>", NULL},
    {"replace", jf_replace, "<s-(sf)(sf)n?:s>", NULL},
    {"split", jf_split, "<s-(sf)n?:a<s>>", NULL},
    {"join", f_join, "<a<s>s?:s>", NULL},
    {"formatNumber", jf_format_number, "<n-so?:s>", NULL},
    {"formatBase", jf_format_base, "<n-n?:s>", NULL},
    {"formatInteger", jf_format_integer, "<n-s:s>", NULL},
    {"parseInteger", jf_parse_integer, "<s-s:n>", NULL},
    {"number", jf_number_fn, "<(nsb)-:n>", NULL},
    {"floor", jf_floor, "<n-:n>", NULL},
    {"ceil", jf_ceil, "<n-:n>", NULL},
    {"round", jf_round, "<n-n?:n>", NULL},
    {"abs", jf_abs, "<n-:n>", NULL},
    {"sqrt", jf_sqrt, "<n-:n>", NULL},
    {"power", jf_power, "<n-n:n>", NULL},
    {"random", jf_random, "<:n>", NULL},
    {"boolean", f_boolean, "<x-:b>", NULL},
    {"not", f_not, "<x-:b>", NULL},
    {"map", f_map, "<af>", NULL},
    {"zip", f_zip, "<a+>", NULL},
    {"filter", f_filter, "<af>", NULL},
    {"single", f_single, "<af?>", NULL},
    {"reduce", f_reduce, "<afj?:j>", NULL},
    {"sift", f_sift, "<o-f?:o>", NULL},
    {"keys", f_keys, "<x-:a<s>>", NULL},
    {"lookup", f_lookup, "<x-s:x>", NULL},
    {"append", f_append, "<xx:a>", NULL},
    {"exists", f_exists, "<x:b>", NULL},
    {"spread", f_spread, "<x-:a<o>>", NULL},
    {"merge", f_merge, "<a<o>:o>", NULL},
    {"reverse", f_reverse, "<a:a>", NULL},
    {"each", f_each, "<o-f:a>", NULL},
    {"error", f_error, "<s?:x>", NULL},
    {"assert", f_assert, "<bs?:x>", NULL},
    {"type", f_type, "<x:s>", NULL},
    {"sort", f_sort, "<af?:a>", NULL},
    {"shuffle", f_shuffle, "<a:a>", NULL},
    {"distinct", f_distinct, "<x:x>", NULL},
    {"base64encode", f_base64encode, "<s-:s>", NULL},
    {"base64decode", f_base64decode, "<s-:s>", NULL},
    {"encodeUrlComponent", f_encode_url_component, "<s-:s>", NULL},
    {"encodeUrl", f_encode_url, "<s-:s>", NULL},
    {"decodeUrlComponent", f_decode_url_component, "<s-:s>", NULL},
    {"decodeUrl", f_decode_url, "<s-:s>", NULL},
    {"eval", f_eval, "<sx?:x>", NULL},
    {"toMillis", jf_to_millis, "<s-s?:n>", NULL},
    {"fromMillis", jf_from_millis, "<n-s?s?:s>", NULL},
    {"now", jf_now, "<s?s?:s>", NULL},
    {"millis", jf_millis, "<:n>", NULL},
    {"clone", f_clone, "<(oa)-:o>", NULL},
};

static jbuiltin asl_table[] = {
    {"partition", jf_asl_partition, "<an:a>", NULL},
    {"range", jf_asl_range, "<nnn?:a>", NULL},
    {"hash", jf_asl_hash, "<ss?:s>", NULL},
    {"random", jf_asl_random, "<n?:n>", NULL},
    {"uuid", jf_asl_uuid, "<:s>", NULL},
    {"parse", jf_asl_parse, "<s:x>", NULL},
};

static jsig sigs[sizeof table / sizeof table[0]];
static jsig asl_sigs[sizeof asl_table / sizeof asl_table[0]];
static pthread_once_t sigs_once = PTHREAD_ONCE_INIT;

static void parse_sigs(void)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        jsig_parse_into(&sigs[i], table[i].sig, strlen(table[i].sig), NULL);
        table[i].parsed = &sigs[i];
    }
    for (size_t i = 0; i < sizeof asl_table / sizeof asl_table[0]; i++) {
        jsig_parse_into(&asl_sigs[i], asl_table[i].sig, strlen(asl_table[i].sig), NULL);
        asl_table[i].parsed = &asl_sigs[i];
    }
}

const jbuiltin *jbuiltin_find(const char *name, size_t len, int asl)
{
    pthread_once(&sigs_once, parse_sigs);
    if (asl)
        for (size_t i = 0; i < sizeof asl_table / sizeof asl_table[0]; i++)
            if (strlen(asl_table[i].name) == len && !memcmp(asl_table[i].name, name, len)) return &asl_table[i];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len)) return &table[i];
    return NULL;
}
