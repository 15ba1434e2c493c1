/*
 * asl_text.c — how AWS renders JSON values as text.
 *
 * AWS Step Functions is written in Java: numbers print as Java's
 * Double.toString prints them, JSON as Jackson writes it, and values inside
 * States.Format as Java's collections print themselves ("{a=1, b=[1, 2]}").
 * jansson prints reals with 17 significant digits ("1.1000000000000001"),
 * so every place where a number becomes text goes through here instead.
 */
#include "asl_private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double asl_number(const json_t *num)
{
    return json_is_integer(num) ? (double)json_integer_value(num) : json_real_value(num);
}

/* ---- buffers ------------------------------------------------------------ */

void asl_buf_add(asl_buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void asl_buf_adds(asl_buf *b, const char *s) { asl_buf_add(b, s, strlen(s)); }

char *asl_buf_take(asl_buf *b)
{
    if (b->failed) {
        free(b->data);
        b->data = NULL;
        return NULL;
    }
    if (!b->data) asl_buf_add(b, "", 0);
    return b->data;
}

/* ---- numbers ------------------------------------------------------------ */

static size_t digit_run(const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && s[n] >= '0' && s[n] <= '9') n++;
    return n;
}

json_t *asl_number_literal(const char *s, const char *end, size_t *len)
{
    const char *p = s + (s < end && *s == '-');
    size_t n = digit_run(p, end);
    bool integral = true;
    if (n == 0) return NULL;
    p += n;
    if (p < end && *p == '.') {
        if ((n = digit_run(p + 1, end)) == 0) return NULL;
        p += 1 + n, integral = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1 + (p + 1 < end && (p[1] == '+' || p[1] == '-'));
        if ((n = digit_run(q, end)) == 0) return NULL;
        p = q + n, integral = false;
    }
    char text[64];
    *len = (size_t)(p - s);
    if (*len >= sizeof text) return NULL; /* no sane literal is this long */
    memcpy(text, s, *len);
    text[*len] = '\0';
    errno = 0;
    if (integral) {
        long long v = strtoll(text, NULL, 10);
        if (errno != ERANGE) return json_integer(v);
    }
    double d = strtod(text, NULL);
    return isfinite(d) ? json_real(d) : NULL;
}

/* Shortest "%.*e" rendering of d that reads back exactly: digits without
 * the point into `digits`, the decimal exponent into *exp10. */
static void shortest_digits(double d, char *digits, size_t len, int *exp10)
{
    char tmp[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    /* tmp is "d[.ddd]e±XX" */
    char *e = strchr(tmp, 'e');
    *exp10 = (int)strtol(e + 1, NULL, 10);
    size_t n = 0;
    for (char *p = tmp; p < e && n + 1 < len; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0') n--; /* "1.0e+00" keeps one digit */
    digits[n] = '\0';
}

void asl_format_double(double d, char *buf, size_t len)
{
    if (isnan(d) || isinf(d)) {
        snprintf(buf, len, "%s", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (d == 0) {
        snprintf(buf, len, "%s", signbit(d) ? "-0.0" : "0.0");
        return;
    }
    char digits[24];
    int exp10;
    const char *sign = d < 0 ? "-" : "";
    shortest_digits(fabs(d), digits, sizeof digits, &exp10);
    int n = (int)strlen(digits);
    if (exp10 >= -3 && exp10 < 7) {
        if (exp10 >= 0) { /* integer part from the digits, padded with zeros */
            char ip[16], fp[24];
            int ni = exp10 + 1;
            for (int i = 0; i < ni; i++) ip[i] = i < n ? digits[i] : '0';
            ip[ni] = '\0';
            snprintf(fp, sizeof fp, "%s", n > ni ? digits + ni : "0");
            snprintf(buf, len, "%s%s.%s", sign, ip, fp);
        } else {
            snprintf(buf, len, "%s0.%.*s%s", sign, -exp10 - 1, "000", digits);
        }
        return;
    }
    snprintf(buf, len, "%s%c.%sE%d", sign, digits[0], n > 1 ? digits + 1 : "0", exp10);
}

void asl_format_number(const json_t *num, char *buf, size_t len)
{
    if (json_is_integer(num)) snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(num));
    else asl_format_double(json_real_value(num), buf, len);
}

/* ---- JSON text ---------------------------------------------------------- */

static void add_json_string(asl_buf *b, const char *s, size_t n)
{
    json_t *str = json_stringn_nocheck(s, n);
    char *text = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
    if (text) asl_buf_adds(b, text);
    else b->failed = true;
    free(text);
    json_decref(str);
}

static void add_compact(asl_buf *b, const json_t *v)
{
    char num[40];
    const char *key;
    json_t *item;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        asl_buf_adds(b, "{");
        i = 0;
        json_object_foreach((json_t *)v, key, item) {
            if (i++) asl_buf_adds(b, ",");
            add_json_string(b, key, strlen(key));
            asl_buf_adds(b, ":");
            add_compact(b, item);
        }
        asl_buf_adds(b, "}");
        break;
    case JSON_ARRAY:
        asl_buf_adds(b, "[");
        json_array_foreach(v, i, item) {
            if (i) asl_buf_adds(b, ",");
            add_compact(b, item);
        }
        asl_buf_adds(b, "]");
        break;
    case JSON_STRING:
        add_json_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        asl_format_number(v, num, sizeof num);
        asl_buf_adds(b, num);
        break;
    case JSON_TRUE: asl_buf_adds(b, "true"); break;
    case JSON_FALSE: asl_buf_adds(b, "false"); break;
    case JSON_NULL: asl_buf_adds(b, "null"); break;
    }
}

char *asl_json_compact(const json_t *value)
{
    asl_buf b = {0};
    add_compact(&b, value);
    return asl_buf_take(&b);
}

static void add_java(asl_buf *b, const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        asl_buf_adds(b, "{");
        i = 0;
        json_object_foreach((json_t *)v, key, item) {
            if (i++) asl_buf_adds(b, ", ");
            asl_buf_adds(b, key);
            asl_buf_adds(b, "=");
            add_java(b, item);
        }
        asl_buf_adds(b, "}");
        break;
    case JSON_ARRAY:
        asl_buf_adds(b, "[");
        json_array_foreach(v, i, item) {
            if (i) asl_buf_adds(b, ", ");
            add_java(b, item);
        }
        asl_buf_adds(b, "]");
        break;
    case JSON_STRING:
        asl_buf_add(b, json_string_value(v), json_string_length(v));
        break;
    default:
        add_compact(b, v);
        break;
    }
}

char *asl_java_string(const json_t *value)
{
    asl_buf b = {0};
    add_java(&b, value);
    return asl_buf_take(&b);
}

/* ---- equality ----------------------------------------------------------- */

bool asl_json_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return asl_number(a) == asl_number(b);
    }
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!asl_json_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_object(a)) {
        const char *key;
        json_t *item;
        if (json_object_size(a) != json_object_size(b)) return false;
        json_object_foreach((json_t *)a, key, item) {
            json_t *other = json_object_get(b, key);
            if (!other || !asl_json_equal(item, other)) return false;
        }
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b);
}
