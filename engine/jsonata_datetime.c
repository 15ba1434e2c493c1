/*
 * jsonata_datetime.c — date/time and integer pictures: $now, $millis,
 * $fromMillis, $toMillis, $formatInteger, $parseInteger, $formatNumber.
 */
#include "jsonata_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define A(i) ((i) < n ? args[i] : NULL)
#define F(name) jv *name(jctx *c, jv **args, int n, jv *input, size_t pos); \
    jv *name(jctx *c, jv **args, int n, jv *input, size_t pos)

int64_t jnow_ms(jctx *c)
{
    if (!c->now_set) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        c->now_set = true;
    }
    return c->now_ms;
}

jv *jiso_from_millis(jctx *c, double ms)
{
    time_t secs = (time_t)floor(ms / 1000);
    int milli = (int)(ms - (double)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, milli);
    return jv_cstr(c, buf);
}

F(jf_millis) { return jv_num(c, (double)jnow_ms(c)); }
F(jf_now) { return jiso_from_millis(c, (double)jnow_ms(c)); }
F(jf_from_millis)
{
    if (!A(0)) return NULL;
    return jiso_from_millis(c, A(0)->u.num);
}
F(jf_to_millis) { jerr(c, "D3110", pos, "$toMillis: not implemented"); }
F(jf_format_integer) { jerr(c, "D3130", pos, "$formatInteger: not implemented"); }
F(jf_parse_integer) { jerr(c, "D3130", pos, "$parseInteger: not implemented"); }
F(jf_format_number) { jerr(c, "D3080", pos, "$formatNumber: not implemented"); }
