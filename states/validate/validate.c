/*
 * validate.c — plugin:validate, the timetable schema and common sense.
 *
 * Input: a timetable (timetable.schema.json), either as the whole input or
 * under "timetable". Output: the same timetable, its "warnings" extended
 * with every sense problem found.
 *
 * Two kinds of problems:
 *   - schema: a missing or mistyped field, a day that is not an English day
 *     name, a time that is not 24-hour HH:MM, an empty subject, a
 *     confidence outside 0..1, no entries at all. The timetable cannot be
 *     stored or shown: the task fails with Timetable.Invalid and a cause
 *     listing the first problems (all of them up to the cause's size).
 *   - sense: an entry that ends before it starts, two entries of one day that
 *     overlap, a time outside a school day (06:00-20:00). The timetable is
 *     usable but suspect: each becomes a warning.
 *
 * The schema checks live in engine/timetable_schema.c (compiled in, see
 * plugin.mk), because the API runs the same checks on a reviewer's
 * correction before accepting it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timetable_schema.h"
#include "yogi/plugin.h"

#define SCHOOL_DAY_START (6 * 60)
#define SCHOOL_DAY_END (20 * 60)

/* The schema problems as one cause: "N problems: field: message; ...",
 * cut at the cause's size but always saying how many there were. */
static void join_problems(const json_t *problems, char *out, size_t len)
{
    size_t n = json_array_size(problems), o = 0;
    int w = snprintf(out, len, "%zu problem%s: ", n, n == 1 ? "" : "s");
    o = w > 0 && (size_t)w < len ? (size_t)w : 0;
    for (size_t i = 0; i < n && o + 8 < len; i++) {
        const json_t *p = json_array_get(problems, i);
        const char *field = json_string_value(json_object_get(p, "field"));
        w = snprintf(out + o, len - o, "%s%s%s%s", i ? "; " : "", field && *field ? field : "",
                     field && *field ? ": " : "",
                     json_string_value(json_object_get(p, "message")));
        if (w < 0) break;
        o += (size_t)w < len - o ? (size_t)w : len - o - 1;
    }
}

typedef struct span {
    int day, start, end;
    size_t index;
} span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->day != y->day)
        return x->day - y->day;
    return (x->start > y->start) - (x->start < y->start);
}

static void warn(json_t *warnings, const span *s, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s %02d:%02d-%02d:%02d: %s", timetable_day_name(s->day),
             s->start / 60,
             s->start % 60, s->end / 60, s->end % 60, what);
    for (size_t k = 0; k < json_array_size(warnings); k++)
        if (json_is_string(json_array_get(warnings, k)) &&
            strcmp(json_string_value(json_array_get(warnings, k)), msg) == 0)
            return; /* plugin:timetable said so already */
    json_array_append_new(warnings, json_string(msg));
}

static void check_sense(span *spans, size_t n, json_t *warnings)
{
    qsort(spans, n, sizeof *spans, cmp_span);
    for (size_t k = 0; k < n; k++) {
        const span *s = &spans[k];
        if (s->end <= s->start)
            warn(warnings, s, "ends before it starts");
        else if (s->start < SCHOOL_DAY_START || s->end > SCHOOL_DAY_END)
            warn(warnings, s, "outside a school day (06:00-20:00)");
        if (k > 0 && spans[k - 1].day == s->day && s->start < spans[k - 1].end)
            warn(warnings, s, "overlaps the entry before it");
    }
}

static int validate_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                           yogi_error *err)
{
    (void)state, (void)call;
    const json_t *tt = json_object_get(input, "timetable");
    if (!json_is_object(tt))
        tt = input;
    if (!json_is_object(tt))
        return yogi_fail(err, "Timetable.Invalid", "the input is not a timetable object");
    json_t *problems = json_array();
    if (timetable_schema_check(tt, problems) > 0) {
        join_problems(problems, err->cause, sizeof err->cause);
        snprintf(err->name, sizeof err->name, "Timetable.Invalid");
        json_decref(problems);
        return YOGI_FAILED;
    }
    json_decref(problems);
    const json_t *entries = json_object_get(tt, "entries");
    size_t n = json_array_size(entries);
    span *spans = calloc(n ? n : 1, sizeof *spans);
    if (!spans)
        return yogi_fail(err, "States.Runtime", "out of memory");
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) { /* every entry passed the schema */
        const json_t *e = json_array_get(entries, i);
        spans[ok].day = timetable_day_index(json_string_value(json_object_get(e, "day")));
        spans[ok].start = timetable_parse_hhmm(json_string_value(json_object_get(e, "start")));
        spans[ok].end = timetable_parse_hhmm(json_string_value(json_object_get(e, "end")));
        spans[ok].index = i, ok++;
    }
    json_t *out = json_deep_copy(tt);
    json_t *warnings = json_object_get(out, "warnings");
    if (!json_is_array(warnings)) {
        warnings = json_array();
        json_object_set_new(out, "warnings", warnings);
    }
    check_sense(spans, ok, warnings);
    free(spans);
    *output = out;
    return YOGI_OK;
}

YOGI_PLUGIN(validate, NULL, validate_invoke, NULL)
