/*
 * jsonata_func_num.c — numeric functions ($number, $round, $power, ...),
 * $formatBase, and the ASL extra functions AWS adds for Step Functions
 * ($partition, $range, $hash, $random, $uuid, $parse).
 *
 * $round rounds half to even at a decimal precision, shifting the decimal
 * point in the number's decimal text as the reference does, so that 2.675
 * rounds as its decimal spelling suggests rather than as its binary value.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

#define A(i) ((i) < n ? args[i] : NULL)
#define F(name) jv *name(jctx *c, jv **args, int n, jv *input, size_t pos); \
    jv *name(jctx *c, jv **args, int n, jv *input, size_t pos)

static bool is_decimal(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == d) return false;
    if (i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == f) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == e) return false;
    }
    return i == n;
}

F(jf_number_fn)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (a->type == JV_NUM) return a;
    if (a->type == JV_BOOL) return jv_num(c, a->u.b ? 1 : 0);
    if (a->type == JV_STR) {
        const char *s = a->u.str.s;
        size_t len = a->u.str.len;
        char buf[400];
        if (len < sizeof buf && is_decimal(s, len)) {
            memcpy(buf, s, len);
            buf[len] = 0;
            double d = strtod(buf, NULL);
            if (isfinite(d)) return jv_num(c, d);
        }
        if (len > 2 && len < sizeof buf && s[0] == '0') {
            int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : (s[1] == 'b' || s[1] == 'B') ? 2 : 0;
            if (base) {
                double v = 0;
                bool ok = true;
                for (size_t i = 2; i < len; i++) {
                    char ch = s[i];
                    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 99;
                    if (d >= base) { ok = false; break; }
                    v = v * base + d;
                }
                if (ok) return jv_num(c, v);
            }
        }
    }
    jerr(c, "D3030", pos, "Unable to cast value to a number");
}

F(jf_abs) { return A(0) ? jv_num(c, fabs(A(0)->u.num)) : NULL; }
F(jf_floor) { return A(0) ? jv_num(c, floor(A(0)->u.num)) : NULL; }
F(jf_ceil) { return A(0) ? jv_num(c, ceil(A(0)->u.num)) : NULL; }

/* x * 10^k through the decimal text, as "+(value + 'e' + k)" in JavaScript */
static double shift10(double x, long k)
{
    char t[64], u[80];
    jv_num_to_str(x, t, sizeof t);
    char *e = strchr(t, 'e');
    long ex = k;
    if (e) {
        ex += strtol(e + 1, NULL, 10);
        *e = 0;
    }
    snprintf(u, sizeof u, "%se%ld", t, ex);
    return strtod(u, NULL);
}

double jround_half_even(double x, long prec);
double jround_half_even(double x, long prec)
{
    if (prec) x = shift10(x, prec);
    double r = floor(x + 0.5);
    double diff = r - x;
    if (fabs(diff) == 0.5 && fmod(fabs(r), 2) == 1) r -= 1;
    if (prec) r = shift10(r, -prec);
    if (r == 0) r = 0; /* no -0 */
    return r;
}

F(jf_round)
{
    jv *a = A(0);
    if (!a) return NULL;
    long prec = A(1) ? jclamp(A(1)->u.num, -400, 400) : 0;
    return jv_num(c, jround_half_even(a->u.num, prec));
}

F(jf_power)
{
    jv *a = A(0), *b = A(1);
    if (!a) return NULL;
    double r = b ? pow(a->u.num, b->u.num) : NAN;
    if (!isfinite(r))
        jerr(c, "D3061", pos, "The power function has resulted in a value that cannot be represented as a JSON number");
    return jv_num(c, r);
}

F(jf_sqrt)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (a->u.num < 0) jerr(c, "D3060", pos, "The sqrt function cannot be applied to a negative number");
    return jv_num(c, sqrt(a->u.num));
}

static double rand01(jctx *c)
{
    if (!c->rng) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->rng = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)ts.tv_sec;
    }
    c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(c->rng >> 11) / 9007199254740992.0;
}

F(jf_random) { return jv_num(c, rand01(c)); }

F(jf_format_base)
{
    jv *a = A(0);
    if (!a) return NULL;
    if (!isfinite(a->u.num)) jerr(c, "D1001", pos, "Number out of range");
    double v = jround_half_even(a->u.num, 0);
    int radix = A(1) ? (int)jclamp(A(1)->u.num, -1, 99) : 10;
    if (radix < 2 || radix > 36)
        jerr(c, "D3100", pos, "The radix of the formatBase function must be between 2 and 36.  It was given %d", radix);
    char buf[80];
    size_t k = sizeof buf;
    buf[--k] = 0;
    bool neg = v < 0;
    double x = fabs(v);
    if (x == 0) buf[--k] = '0';
    while (x >= 1 && k > 1) {
        int d = (int)fmod(x, radix);
        buf[--k] = "0123456789abcdefghijklmnopqrstuvwxyz"[d];
        x = floor(x / radix);
    }
    if (neg) buf[--k] = '-';
    return jv_cstr(c, buf + k);
}

/* ---------------------------------------------------------- ASL extras */
F(jf_asl_partition)
{
    jv *a = A(0), *sz = A(1);
    if (!a || !sz) return NULL;
    double s = sz->u.num;
    if (!(s >= 1) || s != floor(s) || s > 1e9) jerr(c, "D3001", pos, "$partition: the chunk size must be a positive integer");
    jv *r = jv_arr(c, 0);
    for (size_t i = 0; i < a->u.arr.n; i += (size_t)s) {
        jv *chunk = jv_arr(c, 0);
        for (size_t k = i; k < a->u.arr.n && k < i + (size_t)s; k++) jv_push(c, chunk, a->u.arr.v[k]);
        jv_push(c, r, chunk);
    }
    return r;
}

F(jf_asl_range)
{
    if (!A(0) || !A(1)) return NULL;
    double start = A(0)->u.num, end = A(1)->u.num, step = A(2) ? A(2)->u.num : 1;
    if (step == 0) jerr(c, "D3001", pos, "$range: the step must not be zero");
    jv *r = jv_arr(c, 0);
    double count = 0;
    for (double x = start; step > 0 ? x <= end : x >= end; x += step) {
        if (++count > 1000) jerr(c, "D3001", pos, "$range: at most 1000 items");
        jv_push(c, r, jv_num(c, x));
    }
    return r;
}

F(jf_asl_hash)
{
    jv *s = A(0);
    if (!s) return NULL;
    const char *alg = A(1) ? A(1)->u.str.s : "SHA-256";
    char hex[2 * HASH_MAX_DIGEST + 1];
    if (!hash_hex(alg, s->u.str.s, s->u.str.len, hex))
        jerr(c, "D3001", pos, "$hash: unsupported algorithm %s", alg);
    return jv_cstr(c, hex);
}

F(jf_asl_random)
{
    if (A(0)) c->rng = (uint64_t)jclamp(A(0)->u.num, 0, 1L << 52) * 2654435761u + 1;
    return jv_num(c, rand01(c));
}

F(jf_asl_uuid)
{
    uint8_t b[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(b, 1, 16, f) != 16) {
        for (int i = 0; i < 16; i++) b[i] = (uint8_t)(rand01(c) * 256);
    }
    if (f) fclose(f);
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return jv_str(c, s, 36);
}

jv *copy_strings(jctx *c, jv *v);

F(jf_asl_parse)
{
    jv *s = A(0);
    if (!s) return NULL;
    json_error_t e;
    json_t *j = json_loadb(s->u.str.s, s->u.str.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!j) jerr(c, "D3001", pos, "$parse: not valid JSON: %s", e.text);
    jv *out = copy_strings(c, jv_from_json(c, j));
    json_decref(j);
    return out;
}

jv *copy_strings(jctx *c, jv *v);
jv *copy_strings(jctx *c, jv *v)
{
    if (!v) return v;
    if (v->type == JV_STR) return jv_str(c, v->u.str.s, v->u.str.len);
    if (v->type == JV_ARR) {
        for (size_t i = 0; i < v->u.arr.n; i++) v->u.arr.v[i] = copy_strings(c, v->u.arr.v[i]);
    } else if (v->type == JV_OBJ) {
        for (size_t i = 0; i < v->u.obj.n; i++) {
            v->u.obj.e[i].key = ja_strndup(c->arena, v->u.obj.e[i].key, v->u.obj.e[i].klen);
            v->u.obj.e[i].val = copy_strings(c, v->u.obj.e[i].val);
        }
    }
    return v;
}
