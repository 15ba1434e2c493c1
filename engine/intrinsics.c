/*
 * intrinsics.c — the 18 intrinsic functions of ASL (JSONPath mode).
 *
 * Grammar (what AWS accepts in a "key.$" value or ResultSelector):
 *
 *     call     := NAME '(' [ arg { ',' arg } ] ')'        NAME is States.Xxx
 *     arg      := call | string | number | 'true' | 'false' | 'null' | path
 *     string   := "'" { char | '\' any } "'"   escapes: \' \{ \} \\
 *     path     := '$' ... up to the next ',' or ')' outside brackets/quotes
 *
 * Design: one recursive-descent pass parses and evaluates together; the
 * validator runs the same pass with evaluation off (struct iparser.eval),
 * so the accepted syntax can never drift between check and run. Each
 * function gets its evaluated arguments (struct arg: a value plus, for a
 * string literal, its raw escaped text, which States.Format needs to tell
 * an escaped "\{\}" from a placeholder) and returns a new reference.
 *
 * Errors: a failed call is States.Runtime, as AWS reports it at run time
 * (States.IntrinsicFailure is reserved by the spec but not what executions
 * show), with a cause naming the function and the offending argument.
 * Bounds: expressions over ASL_MAX_EXPR_LEN bytes, calls nested deeper than
 * ASL_MAX_DEPTH, ArrayRange results over 1000 items and string arguments of
 * Base64 and Hash over 10,000 characters are refused, as in AWS.
 */
#include "asl.h"
#include "asl_private.h"
#include "hash.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RUNTIME "States.Runtime"
#define MAX_ARGS 256
#define MAX_STRING_ARG 10000 /* characters, Base64 and Hash inputs */
#define MAX_RANGE_ITEMS 1000

struct arg {
    json_t *value;   /* evaluated (NULL in check mode) */
    char *raw;       /* a string literal's text between the quotes, else NULL */
};

struct call {
    const char *name;
    size_t argc;
    struct arg *args;
};

typedef int (*fn_run)(const struct call *c, json_t **out, yogi_error *err);

struct function {
    const char *name;
    size_t min_args, max_args;
    fn_run run;
};

/* ---- argument helpers ----------------------------------------------------- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int bad_arg(const struct call *c, size_t i, const char *want, yogi_error *err)
{
    return host_fail(err, RUNTIME, "Invalid arguments in %s: argument %zu must be %s, got %s",
                     c->name, i + 1, want, type_name(c->args[i].value));
}

static int want_type(const struct call *c, size_t i, json_type type, const char *want,
                     yogi_error *err)
{
    return json_typeof(c->args[i].value) == type ? 0 : bad_arg(c, i, want, err);
}

/* An integral number in [-2^53, 2^53] (reals like 2.0 count). */
static int want_integer(const struct call *c, size_t i, long long *v, yogi_error *err)
{
    const json_t *a = c->args[i].value;
    double d = json_is_number(a) ? asl_number(a) : NAN;
    json_int_t n = json_integer_value(a);
    if (json_is_integer(a) && n >= -(1LL << 53) && n <= (1LL << 53)) {
        *v = n;
        return 0;
    }
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
        return bad_arg(c, i, "an integer", err);
    *v = (long long)d;
    return 0;
}

/* Java's Math.round: floor(x + 0.5), what AWS applies to number arguments. */
static int want_rounded(const struct call *c, size_t i, long long *v, yogi_error *err)
{
    const json_t *a = c->args[i].value;
    if (json_is_integer(a)) {
        *v = json_integer_value(a);
        return 0;
    }
    double d = json_is_number(a) ? floor(asl_number(a) + 0.5) : NAN;
    if (!isfinite(d) || fabs(d) > 9.2e18) return bad_arg(c, i, "a number", err);
    *v = (long long)d;
    return 0;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int want_short_string(const struct call *c, size_t i, yogi_error *err)
{
    if (want_type(c, i, JSON_STRING, "a string", err)) return -1;
    if (utf8_chars(json_string_value(c->args[i].value)) > MAX_STRING_ARG)
        return host_fail(err, RUNTIME, "Invalid arguments in %s: the input string exceeds %d characters",
                         c->name, MAX_STRING_ARG);
    return 0;
}

static int new_value(json_t *v, json_t **out, yogi_error *err)
{
    if (!v) return host_fail(err, RUNTIME, "out of memory");
    *out = v;
    return 0;
}

/* ---- States.Format, JSON conversions, States.Array ------------------------ */

/* Expand the template: "{}" is the next argument; "\{", "\}", "\'" and
 * "\\" are the literal characters (other backslashes stay as written). */
static int format_expand(const struct call *c, const char *tmpl, asl_buf *b, yogi_error *err)
{
    size_t next = 1;
    for (const char *p = tmpl; *p; p++) {
        if (*p == '\\' && p[1] && strchr("'{}\\", p[1])) {
            asl_buf_add(b, ++p, 1);
        } else if (p[0] == '{' && p[1] == '}') {
            if (next >= c->argc)
                return host_fail(err, RUNTIME, "Invalid arguments in States.Format: the template "
                                 "has more '{}' placeholders than the %zu arguments given",
                                 c->argc - 1);
            char *text = asl_java_string(c->args[next++].value);
            if (text) asl_buf_adds(b, text);
            else b->failed = true;
            free(text);
            p++;
        } else {
            asl_buf_add(b, p, 1);
        }
    }
    if (next != c->argc)
        return host_fail(err, RUNTIME, "Invalid arguments in States.Format: %zu arguments given "
                         "for %zu '{}' placeholders", c->argc - 1, next - 1);
    return 0;
}

static int fn_format(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_STRING, "a string", err)) return -1;
    const char *tmpl = c->args[0].raw ? c->args[0].raw : json_string_value(c->args[0].value);
    asl_buf b = {0};
    if (format_expand(c, tmpl, &b, err)) {
        free(asl_buf_take(&b));
        return -1;
    }
    char *text = asl_buf_take(&b);
    json_t *v = text ? json_string(text) : NULL;
    free(text);
    if (!v) return host_fail(err, RUNTIME, "States.Format produced invalid UTF-8 or ran out of memory");
    *out = v;
    return 0;
}

static bool all_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
    return true;
}

static int fn_string_to_json(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_STRING, "a string", err)) return -1;
    const char *s = json_string_value(c->args[0].value);
    if (all_space(s)) return new_value(json_null(), out, err);
    json_error_t jerr;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!v)
        return host_fail(err, RUNTIME, "Invalid arguments in States.StringToJson: the string is "
                         "not valid JSON: %s", jerr.text);
    *out = v;
    return 0;
}

static int fn_json_to_string(const struct call *c, json_t **out, yogi_error *err)
{
    char *text = asl_json_compact(c->args[0].value);
    json_t *v = text ? json_string(text) : NULL;
    free(text);
    return new_value(v, out, err);
}

static int fn_array(const struct call *c, json_t **out, yogi_error *err)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->argc; i++)
        if (json_array_append(a, c->args[i].value) != 0) {
            json_decref(a);
            a = NULL;
        }
    return new_value(a, out, err);
}

/* ---- array functions ------------------------------------------------------ */

static int fn_array_partition(const struct call *c, json_t **out, yogi_error *err)
{
    long long size;
    if (want_type(c, 0, JSON_ARRAY, "an array", err) || want_integer(c, 1, &size, err)) return -1;
    if (size <= 0)
        return host_fail(err, RUNTIME, "Invalid arguments in States.ArrayPartition: the chunk "
                         "size must be greater than 0, got %lld", size);
    json_t *arr = c->args[0].value, *parts = json_array(), *part = NULL;
    for (size_t i = 0; parts && i < json_array_size(arr); i++) {
        bool fresh = i % (size_t)size == 0;
        if ((fresh && json_array_append_new(parts, part = json_array()) != 0) ||
            json_array_append(part, json_array_get(arr, i)) != 0) {
            json_decref(parts);
            parts = NULL;
        }
    }
    return new_value(parts, out, err);
}

static int fn_array_contains(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_ARRAY, "an array", err)) return -1;
    bool found = false;
    for (size_t i = 0; !found && i < json_array_size(c->args[0].value); i++)
        found = asl_json_equal(json_array_get(c->args[0].value, i), c->args[1].value);
    return new_value(json_boolean(found), out, err);
}

static int fn_array_range(const struct call *c, json_t **out, yogi_error *err)
{
    long long start, end, step;
    if (want_integer(c, 0, &start, err) || want_integer(c, 1, &end, err) ||
        want_integer(c, 2, &step, err))
        return -1;
    if (step == 0)
        return host_fail(err, RUNTIME, "Invalid arguments in States.ArrayRange: the step must not be 0");
    long long count = (end - start) / step >= 0 ? (end - start) / step + 1 : 0;
    if ((end - start) != 0 && (end - start > 0) != (step > 0)) count = 0;
    if (count > MAX_RANGE_ITEMS)
        return host_fail(err, RUNTIME, "Invalid arguments in States.ArrayRange: the result would "
                         "have %lld items, more than the %d allowed", count, MAX_RANGE_ITEMS);
    json_t *a = json_array();
    for (long long i = 0; a && i < count; i++)
        if (json_array_append_new(a, json_integer(start + i * step)) != 0) {
            json_decref(a);
            a = NULL;
        }
    return new_value(a, out, err);
}

static int fn_array_get_item(const struct call *c, json_t **out, yogi_error *err)
{
    long long index;
    if (want_type(c, 0, JSON_ARRAY, "an array", err) || want_integer(c, 1, &index, err)) return -1;
    json_t *item = index >= 0 ? json_array_get(c->args[0].value, (size_t)index) : NULL;
    return new_value(item ? json_incref(item) : json_null(), out, err);
}

static int fn_array_length(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_ARRAY, "an array", err)) return -1;
    return new_value(json_integer((json_int_t)json_array_size(c->args[0].value)), out, err);
}

/* A structural hash consistent with asl_json_equal: numbers hash by value
 * (1 and 1.0 alike), objects independently of member order. */
static uint64_t value_hash(const json_t *v)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)json_typeof(v);
    const char *key;
    json_t *item;
    size_t i;
    if (json_is_number(v)) {
        double d = asl_number(v) + 0.0; /* -0.0 → 0.0 */
        memcpy(&h, &d, sizeof h);
        return h * 0x9e3779b97f4a7c15ULL;
    }
    if (json_is_string(v))
        for (const char *p = json_string_value(v); *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    json_array_foreach(v, i, item) h = (h ^ value_hash(item)) * 1099511628211ULL;
    if (json_is_object(v)) {
        uint64_t members = 0;
        json_object_foreach((json_t *)v, key, item) {
            uint64_t k = 1469598103934665603ULL;
            for (const char *p = key; *p; p++) k = (k ^ (unsigned char)*p) * 1099511628211ULL;
            members += k ^ (value_hash(item) * 31);
        }
        h ^= members;
    }
    return h;
}

/* First occurrences, in order; an open-addressing table of indexes into
 * the result keeps this linear for hostile arrays of many items. */
static int fn_array_unique(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_ARRAY, "an array", err)) return -1;
    json_t *arr = c->args[0].value, *u = json_array();
    size_t n = json_array_size(arr), cap = 16;
    while (cap < 2 * n) cap *= 2;
    size_t *slots = malloc(cap * sizeof *slots); /* index into u, + 1; 0 = empty */
    if (slots) memset(slots, 0, cap * sizeof *slots);
    for (size_t i = 0; u && slots && i < n; i++) {
        json_t *item = json_array_get(arr, i);
        size_t at = (size_t)value_hash(item) & (cap - 1);
        while (slots[at] && !asl_json_equal(json_array_get(u, slots[at] - 1), item))
            at = (at + 1) & (cap - 1);
        if (slots[at]) continue;
        if (json_array_append(u, item) != 0) {
            json_decref(u);
            u = NULL;
        } else {
            slots[at] = json_array_size(u);
        }
    }
    if (!slots) {
        json_decref(u);
        u = NULL;
    }
    free(slots);
    return new_value(u, out, err);
}

/* ---- encoding and hashing ------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int fn_base64_encode(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_short_string(c, 0, err)) return -1;
    const unsigned char *s = (const unsigned char *)json_string_value(c->args[0].value);
    size_t n = json_string_length(c->args[0].value);
    asl_buf b = {0};
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        char q[4] = {b64_alphabet[v >> 18], b64_alphabet[(v >> 12) & 63],
                     i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64_alphabet[v & 63] : '='};
        asl_buf_add(&b, q, 4);
    }
    char *text = asl_buf_take(&b);
    json_t *v = text ? json_string(text) : NULL;
    free(text);
    return new_value(v, out, err);
}

static int b64_value(char ch)
{
    const char *p = ch ? strchr(b64_alphabet, ch) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

/* Strict decoding: length a multiple of 4, '=' only as padding. */
static bool b64_decode(const char *s, size_t n, asl_buf *b)
{
    if (n % 4) return false;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            bool tail = i + 4 == n && k >= 2 && s[i + k] == '=' && (k == 3 || s[i + 3] == '=');
            v[k] = tail ? 0 : b64_value(s[i + k]);
            pad += tail;
            if (v[k] < 0) return false;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        char bytes[3] = {(char)(w >> 16), (char)(w >> 8), (char)w};
        asl_buf_add(b, bytes, (size_t)(3 - pad));
    }
    return true;
}

static int fn_base64_decode(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_short_string(c, 0, err)) return -1;
    asl_buf b = {0};
    bool ok = b64_decode(json_string_value(c->args[0].value), json_string_length(c->args[0].value), &b);
    size_t len = b.len;
    char *bytes = asl_buf_take(&b);
    json_t *v = ok && bytes ? json_stringn(bytes, len) : NULL;
    free(bytes);
    if (!v)
        return host_fail(err, RUNTIME, "Invalid arguments in States.Base64Decode: the input is not "
                         "valid base64 of UTF-8 text");
    *out = v;
    return 0;
}

static int fn_hash(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_short_string(c, 0, err) || want_type(c, 1, JSON_STRING, "a string", err)) return -1;
    char hex[2 * HASH_MAX_DIGEST + 1];
    const char *algo = json_string_value(c->args[1].value);
    if (!hash_hex(algo, json_string_value(c->args[0].value), json_string_length(c->args[0].value), hex))
        return host_fail(err, RUNTIME, "Invalid arguments in States.Hash: unknown algorithm '%s' "
                         "(MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", algo);
    return new_value(json_string(hex), out, err);
}

/* ---- objects, numbers, strings, UUIDs -------------------------------------- */

static int fn_json_merge(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_OBJECT, "an object", err) ||
        want_type(c, 1, JSON_OBJECT, "an object", err))
        return -1;
    if (!json_is_boolean(c->args[2].value)) return bad_arg(c, 2, "a boolean", err);
    if (json_is_true(c->args[2].value))
        return host_fail(err, RUNTIME, "Invalid arguments in States.JsonMerge: deep merging is not "
                         "supported; the third argument must be false");
    json_t *merged = json_copy(c->args[0].value);
    if (merged && json_object_update(merged, c->args[1].value) != 0) {
        json_decref(merged);
        merged = NULL;
    }
    return new_value(merged, out, err);
}

static int fn_math_add(const struct call *c, json_t **out, yogi_error *err)
{
    long long a, b, sum;
    if (want_rounded(c, 0, &a, err) || want_rounded(c, 1, &b, err)) return -1;
    if (__builtin_add_overflow(a, b, &sum))
        return host_fail(err, RUNTIME, "Invalid arguments in States.MathAdd: the sum overflows");
    return new_value(json_integer(sum), out, err);
}

/* splitmix64: a small, well-distributed generator for seeded MathRandom. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t random_u64(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        static uint64_t fallback; /* only if the kernel refuses */
        v = splitmix64(&fallback) ^ (uint64_t)(uintptr_t)&v;
    }
    return v;
}

static int fn_math_random(const struct call *c, json_t **out, yogi_error *err)
{
    long long start, end, seed = 0;
    if (want_rounded(c, 0, &start, err) || want_rounded(c, 1, &end, err)) return -1;
    if (c->argc == 3 && want_integer(c, 2, &seed, err)) return -1;
    if (start >= end)
        return host_fail(err, RUNTIME, "Invalid arguments in States.MathRandom: the start (%lld) "
                         "must be less than the end (%lld)", start, end);
    uint64_t state = (uint64_t)seed;
    uint64_t r = c->argc == 3 ? splitmix64(&state) : random_u64();
    uint64_t span = (uint64_t)end - (uint64_t)start;
    return new_value(json_integer((json_int_t)((uint64_t)start + r % span)), out, err);
}

/* Length of the UTF-8 sequence starting at s (1 for stray bytes). */
static size_t utf8_seq(const char *s)
{
    unsigned char ch = (unsigned char)*s;
    size_t n = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return n;
}

static bool is_delimiter(const char *s, size_t n, const char *delims)
{
    for (const char *d = delims; *d; d += utf8_seq(d))
        if (utf8_seq(d) == n && memcmp(d, s, n) == 0) return true;
    return false;
}

/* Split on every character of the delimiter string; empty pieces vanish. */
static int fn_string_split(const struct call *c, json_t **out, yogi_error *err)
{
    if (want_type(c, 0, JSON_STRING, "a string", err) || want_type(c, 1, JSON_STRING, "a string", err))
        return -1;
    const char *s = json_string_value(c->args[0].value), *delims = json_string_value(c->args[1].value);
    json_t *parts = json_array();
    const char *piece = s;
    for (const char *p = s;; ) {
        size_t n = *p ? utf8_seq(p) : 0;
        if (!*p || is_delimiter(p, n, delims)) {
            if (p > piece && parts && json_array_append_new(parts, json_stringn(piece, (size_t)(p - piece))) != 0) {
                json_decref(parts);
                parts = NULL;
            }
            piece = p + n;
        }
        if (!*p) break;
        p += n;
    }
    return new_value(parts, out, err);
}

static int fn_uuid(const struct call *c, json_t **out, yogi_error *err)
{
    unsigned char b[16];
    uint64_t hi = random_u64(), lo = random_u64();
    memcpy(b, &hi, 8);
    memcpy(b + 8, &lo, 8);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    char text[37];
    snprintf(text, sizeof text,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return new_value(json_string(text), out, err);
}

static const struct function functions[] = {
    {"States.Format", 1, MAX_ARGS, fn_format},
    {"States.StringToJson", 1, 1, fn_string_to_json},
    {"States.JsonToString", 1, 1, fn_json_to_string},
    {"States.Array", 0, MAX_ARGS, fn_array},
    {"States.ArrayPartition", 2, 2, fn_array_partition},
    {"States.ArrayContains", 2, 2, fn_array_contains},
    {"States.ArrayRange", 3, 3, fn_array_range},
    {"States.ArrayGetItem", 2, 2, fn_array_get_item},
    {"States.ArrayLength", 1, 1, fn_array_length},
    {"States.ArrayUnique", 1, 1, fn_array_unique},
    {"States.Base64Encode", 1, 1, fn_base64_encode},
    {"States.Base64Decode", 1, 1, fn_base64_decode},
    {"States.Hash", 2, 2, fn_hash},
    {"States.JsonMerge", 3, 3, fn_json_merge},
    {"States.MathRandom", 2, 3, fn_math_random},
    {"States.MathAdd", 2, 2, fn_math_add},
    {"States.StringSplit", 2, 2, fn_string_split},
    {"States.UUID", 0, 0, fn_uuid},
};

/* ---- the parser-evaluator ------------------------------------------------- */

struct iparser {
    const char *start, *p, *end;
    json_t *input, *ctx;
    bool eval;          /* false: syntax check only */
    int depth;
    yogi_error *err;
};

static void skip_spaces(struct iparser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')) ps->p++;
}

static int syntax_error(struct iparser *ps, const char *what)
{
    return host_fail(ps->err, RUNTIME, "Invalid intrinsic function syntax: %s at offset %zu",
                     what, (size_t)(ps->p - ps->start));
}

static void free_args(struct arg *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(args[i].value);
        free(args[i].raw);
    }
    free(args);
}

static int parse_arg(struct iparser *ps, struct arg *out);

/* 'text' with \' \{ \} \\ escapes; keeps the raw text for States.Format. */
static int parse_string(struct iparser *ps, struct arg *out)
{
    const char *start = ++ps->p;
    asl_buf b = {0};
    while (ps->p < ps->end && *ps->p != '\'') {
        if (*ps->p == '\\' && ps->p + 1 < ps->end && strchr("'{}\\", ps->p[1])) ps->p++;
        asl_buf_add(&b, ps->p++, 1);
    }
    char *text = asl_buf_take(&b);
    if (ps->p >= ps->end) {
        free(text);
        return syntax_error(ps, "unterminated string literal");
    }
    out->raw = strndup(start, (size_t)(ps->p - start));
    out->value = text && ps->eval ? json_string(text) : NULL;
    ps->p++;
    free(text);
    if (!out->raw || (ps->eval && !out->value)) return host_fail(ps->err, RUNTIME, "invalid UTF-8 in a string literal");
    return 0;
}

static int parse_number(struct iparser *ps, struct arg *out)
{
    size_t len;
    json_t *v = asl_number_literal(ps->p, ps->end, &len);
    if (!v) return syntax_error(ps, "bad number");
    if (ps->eval) out->value = v;
    else json_decref(v);
    ps->p += len;
    return 0;
}

/* A path ends at the first ',' or ')' outside brackets and quotes. */
static int parse_path(struct iparser *ps, struct arg *out)
{
    const char *start = ps->p;
    int brackets = 0;
    char quote = 0;
    for (; ps->p < ps->end; ps->p++) {
        char ch = *ps->p;
        if (quote) {
            if (ch == '\\' && ps->p + 1 < ps->end) ps->p++;
            else if (ch == quote) quote = 0;
        } else if (ch == '\'' || ch == '"') quote = ch;
        else if (ch == '[') brackets++;
        else if (ch == ']') brackets--;
        else if (brackets <= 0 && (ch == ',' || ch == ')')) break;
    }
    const char *stop = ps->p;
    while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t')) stop--;
    char *path = strndup(start, (size_t)(stop - start));
    if (!path) return host_fail(ps->err, RUNTIME, "out of memory");
    char why[256];
    int rc = 0;
    if (!ps->eval) {
        if (!asl_path_check(path, false, why, sizeof why))
            rc = host_fail(ps->err, RUNTIME, "Invalid path '%s' in an intrinsic function: %s", path, why);
    } else {
        rc = asl_path_get(path, ps->input, ps->ctx, &out->value, ps->err);
    }
    free(path);
    return rc;
}

static const struct function *find_function(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, name, len) == 0)
            return &functions[i];
    return NULL;
}

/* The arguments between '(' and ')'; *args receives a malloc'd array. */
static int parse_args(struct iparser *ps, struct arg **args, size_t *argc)
{
    size_t cap = 4;
    *argc = 0;
    if (!(*args = calloc(cap, sizeof **args))) return host_fail(ps->err, RUNTIME, "out of memory");
    skip_spaces(ps);
    if (ps->p < ps->end && *ps->p == ')') return ps->p++, 0;
    for (;;) {
        if (*argc == MAX_ARGS) return syntax_error(ps, "too many arguments");
        if (*argc == cap) {
            struct arg *more = realloc(*args, 2 * cap * sizeof *more);
            if (!more) return host_fail(ps->err, RUNTIME, "out of memory");
            memset(more + cap, 0, cap * sizeof *more);
            *args = more;
            cap *= 2;
        }
        if (parse_arg(ps, &(*args)[(*argc)++])) return -1;
        skip_spaces(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ')') return ps->p++, 0;
        return syntax_error(ps, "expected ',' or ')'");
    }
}

static int parse_call(struct iparser *ps, struct arg *out)
{
    const char *name = ps->p;
    while (ps->p < ps->end && *ps->p != '(' && *ps->p != ' ' && *ps->p != ',' && *ps->p != ')')
        ps->p++;
    const struct function *fn = find_function(name, (size_t)(ps->p - name));
    if (!fn)
        return host_fail(ps->err, RUNTIME, "Invalid intrinsic function syntax: unknown function '%.*s'",
                         (int)(ps->p - name > 64 ? 64 : ps->p - name), name);
    if (ps->p >= ps->end || *ps->p != '(') return syntax_error(ps, "expected '(' after the function name");
    if (++ps->depth > ASL_MAX_DEPTH) return syntax_error(ps, "calls nested too deeply");
    ps->p++;
    struct call c = {.name = fn->name};
    int rc = parse_args(ps, &c.args, &c.argc);
    if (rc == 0 && (c.argc < fn->min_args || c.argc > fn->max_args)) {
        char want[48];
        if (fn->max_args == fn->min_args)
            snprintf(want, sizeof want, "%zu argument%s", fn->min_args, fn->min_args == 1 ? "" : "s");
        else if (fn->max_args == MAX_ARGS)
            snprintf(want, sizeof want, "%zu or more arguments", fn->min_args);
        else
            snprintf(want, sizeof want, "%zu to %zu arguments", fn->min_args, fn->max_args);
        rc = host_fail(ps->err, RUNTIME, "Invalid arguments in %s: expected %s, got %zu", fn->name,
                       want, c.argc);
    }
    if (rc == 0 && ps->eval) rc = fn->run(&c, &out->value, ps->err);
    free_args(c.args, c.argc);
    ps->depth--;
    return rc;
}

static int parse_arg(struct iparser *ps, struct arg *out)
{
    skip_spaces(ps);
    if (ps->p >= ps->end) return syntax_error(ps, "missing argument");
    char ch = *ps->p;
    size_t left = (size_t)(ps->end - ps->p);
    if (ch == '\'') return parse_string(ps, out);
    if (ch == '$') return parse_path(ps, out);
    if (ch == '-' || (ch >= '0' && ch <= '9')) return parse_number(ps, out);
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (left >= n && memcmp(ps->p, words[i], n) == 0 &&
            (left == n || strchr(" \t,)", ps->p[n]))) {
            ps->p += n;
            out->value = !ps->eval ? NULL : i == 0 ? json_true() : i == 1 ? json_false() : json_null();
            return 0;
        }
    }
    if (left > 7 && memcmp(ps->p, "States.", 7) == 0) return parse_call(ps, out);
    return syntax_error(ps, "unexpected character");
}

static int run_parser(struct iparser *ps, const char *expr, json_t **out)
{
    size_t len = expr ? strlen(expr) : 0;
    if (len > ASL_MAX_EXPR_LEN)
        return host_fail(ps->err, RUNTIME, "Invalid intrinsic function: longer than %d bytes",
                         ASL_MAX_EXPR_LEN);
    ps->start = ps->p = expr ? expr : "";
    ps->end = ps->p + len;
    skip_spaces(ps);
    if ((size_t)(ps->end - ps->p) <= 7 || memcmp(ps->p, "States.", 7) != 0)
        return syntax_error(ps, "expected a States.* function call");
    struct arg result = {0};
    int rc = parse_call(ps, &result);
    skip_spaces(ps);
    if (rc == 0 && ps->p != ps->end) rc = syntax_error(ps, "unexpected text after the call");
    if (rc == 0 && out) *out = result.value;
    else json_decref(result.value);
    return rc;
}

int asl_intrinsic_eval(const char *expr, json_t *input, json_t *ctx, json_t **out, yogi_error *err)
{
    struct iparser ps = {.input = input, .ctx = ctx, .eval = true, .err = err};
    return run_parser(&ps, expr, out);
}

bool asl_intrinsic_check(const char *expr, char *why, size_t why_len)
{
    yogi_error err;
    struct iparser ps = {.eval = false, .err = &err};
    if (run_parser(&ps, expr, NULL) == 0) return true;
    if (why && why_len) snprintf(why, why_len, "%s", err.cause);
    return false;
}
