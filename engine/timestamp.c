/*
 * timestamp.c — RFC 3339 timestamps as ASL accepts them.
 *
 * The spec's profile: "YYYY-MM-DDTHH:MM:SS", optional fractional seconds
 * (1 to 9 digits), then "Z" or a numeric offset "+HH:MM" / "-HH:MM"; the T
 * and the Z upper case. Fields are range-checked (February 29 only in leap
 * years; no leap second) because AWS rejects "2016-13-05T21:29:29Z" and
 * "2016-12-05T25:29:29Z". Values convert to Unix milliseconds through the
 * days-from-civil formula, so no time zone database or locale is involved.
 */
#include "asl.h"

#include <stdint.h>
#include <string.h>

/* Exactly n digits at s, as a number; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int64_t asl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The fraction and the zone after "YYYY-MM-DDTHH:MM:SS": milliseconds of
 * the fraction into *frac_ms, the zone offset in minutes into *offset. */
static bool parse_tail(const char *s, int *frac_ms, int *offset)
{
    *frac_ms = 0;
    if (*s == '.') {
        int n = 0;
        for (s++; s[n] >= '0' && s[n] <= '9'; n++)
            if (n < 3) *frac_ms = *frac_ms * 10 + (s[n] - '0');
        if (n == 0 || n > 9) return false;
        for (int k = n; k < 3; k++) *frac_ms *= 10;
        s += n;
    }
    if (strcmp(s, "Z") == 0) {
        *offset = 0;
        return true;
    }
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':') return false;
    int hh = digits(s + 1, 2), mm = digits(s + 4, 2);
    if (hh < 0 || hh > 18 || mm < 0 || mm > 59) return false;
    *offset = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

bool asl_timestamp_parse(const char *s, int64_t *ms)
{
    if (!s || strlen(s) < 20) return false;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
    int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
    int hour = digits(s + 11, 2), minute = digits(s + 14, 2), second = digits(s + 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 59)
        return false;
    if (day > days_in_month(year, month)) return false;
    int frac_ms, offset;
    if (!parse_tail(s + 19, &frac_ms, &offset)) return false;
    int64_t secs = asl_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    secs -= (int64_t)offset * 60;
    *ms = secs * 1000 + frac_ms;
    return true;
}
