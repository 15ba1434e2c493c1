/*
 * export.c — what the iCalendar and CSV exports share: entry validation and
 * the week order (Monday first, then start time).
 */
#include "export.h"

#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const days[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                    "Friday", "Saturday", "Sunday"};

int export_day_index(const char *day)
{
    for (int i = 0; i < 7; i++)
        if (day && !strcmp(day, days[i])) return i;
    return -1;
}

static bool valid_time(const char *t)
{
    return t && strlen(t) == 5 && t[2] == ':' && t[0] >= '0' && t[0] <= '2' && t[1] >= '0' &&
           t[1] <= '9' && (t[0] < '2' || t[1] <= '3') && t[3] >= '0' && t[3] <= '5' &&
           t[4] >= '0' && t[4] <= '9';
}

static int by_day_then_start(const void *pa, const void *pb)
{
    const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
    int da = export_day_index(json_string_value(json_object_get(a, "day")));
    int db = export_day_index(json_string_value(json_object_get(b, "day")));
    if (da != db) return da - db;
    return strcmp(json_string_value(json_object_get(a, "start")),
                  json_string_value(json_object_get(b, "start")));
}

const json_t **export_sorted_entries(const json_t *timetable, size_t *count, char *why,
                                     size_t why_len)
{
    const json_t *entries = json_object_get(timetable, "entries");
    if (!json_is_array(entries)) {
        snprintf(why, why_len, "the timetable has no entries array");
        return NULL;
    }
    size_t n = json_array_size(entries);
    const json_t **out = calloc(n ? n : 1, sizeof *out);
    if (!out) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(entries, i);
        const char *subject = json_string_value(json_object_get(e, "subject"));
        if (export_day_index(json_string_value(json_object_get(e, "day"))) < 0 ||
            !valid_time(json_string_value(json_object_get(e, "start"))) ||
            !valid_time(json_string_value(json_object_get(e, "end"))) || !subject || !*subject) {
            snprintf(why, why_len, "entry %zu lacks a valid day, start, end or subject", i);
            free(out);
            return NULL;
        }
        out[i] = e;
    }
    qsort(out, n, sizeof *out, by_day_then_start);
    *count = n;
    return out;
}
