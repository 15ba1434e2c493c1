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
 * The checks are written out in C rather than run by a JSON Schema engine:
 * the schema is small and fixed, and a missing dependency is worse than
 * forty lines.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yogi/plugin.h"

#define SCHOOL_DAY_START (6 * 60)
#define SCHOOL_DAY_END (20 * 60)

static const char *const day_names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const kinds[] = {"lesson", "break", "lunch", "registration", "other"};

/* Problems collected as one cause string. */
typedef struct problems {
    char text[3000];
    size_t len;
    int count;
} problems;

static void add_problem(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_problem(problems *p, const char *fmt, ...)
{
    p->count++;
    if (p->len + 8 >= sizeof p->text)
        return;
    if (p->len)
        p->len += (size_t)snprintf(p->text + p->len, sizeof p->text - p->len, "; ");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        p->len += (size_t)n < sizeof p->text - p->len ? (size_t)n : sizeof p->text - p->len - 1;
}

static int index_of(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* HH:MM, 24-hour, two digits each: minutes after midnight, or -1. */
static int parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h <= 23 && m <= 59 ? h * 60 + m : -1;
}

static bool string_or_null(const json_t *v)
{
    return v == NULL || json_is_string(v) || json_is_null(v);
}

static bool probability(const json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0.0 && json_number_value(v) <= 1.0;
}

/* One entry against the schema; fills day and minutes when it passes. */
static bool check_entry(const json_t *e, size_t i, problems *p, int *day, int *start, int *end)
{
    int before = p->count;
    if (!json_is_object(e)) {
        add_problem(p, "entry %zu is not an object", i);
        return false;
    }
    *day = index_of(json_string_value(json_object_get(e, "day")), day_names, 7);
    if (*day < 0)
        add_problem(p, "entry %zu: day must be an English day name", i);
    *start = parse_hhmm(json_string_value(json_object_get(e, "start")));
    *end = parse_hhmm(json_string_value(json_object_get(e, "end")));
    if (*start < 0)
        add_problem(p, "entry %zu: start must be HH:MM (24-hour)", i);
    if (*end < 0)
        add_problem(p, "entry %zu: end must be HH:MM (24-hour)", i);
    const char *subject = json_string_value(json_object_get(e, "subject"));
    if (!subject || !*subject)
        add_problem(p, "entry %zu: subject must be a non-empty string", i);
    const json_t *kind = json_object_get(e, "kind");
    if (kind && index_of(json_string_value(kind), kinds, 5) < 0)
        add_problem(p, "entry %zu: kind must be lesson, break, lunch, registration or other", i);
    static const char *const optional[] = {"room", "class", "teacher", "notes"};
    for (size_t k = 0; k < 4; k++)
        if (!string_or_null(json_object_get(e, optional[k])))
            add_problem(p, "entry %zu: %s must be a string or null", i, optional[k]);
    const json_t *conf = json_object_get(e, "confidence");
    if (conf && !probability(conf))
        add_problem(p, "entry %zu: confidence must be a number from 0 to 1", i);
    return p->count == before;
}

static void check_top(const json_t *tt, problems *p)
{
    if (!json_is_array(json_object_get(tt, "entries")))
        add_problem(p, "entries must be an array");
    else if (json_array_size(json_object_get(tt, "entries")) == 0)
        add_problem(p, "no entries");
    if (!probability(json_object_get(tt, "confidence")))
        add_problem(p, "confidence must be a number from 0 to 1");
    static const char *const optional[] = {"document_id", "title", "teacher", "class", "term"};
    for (size_t k = 0; k < 5; k++)
        if (!string_or_null(json_object_get(tt, optional[k])))
            add_problem(p, "%s must be a string or null", optional[k]);
    const json_t *layout = json_object_get(tt, "layout");
    if (layout && !json_is_string(layout))
        add_problem(p, "layout must be a string");
    const json_t *warnings = json_object_get(tt, "warnings");
    if (warnings && !json_is_array(warnings))
        add_problem(p, "warnings must be an array of strings");
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
    snprintf(msg, sizeof msg, "%s %02d:%02d-%02d:%02d: %s", day_names[s->day], s->start / 60,
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
    problems p = {{0}, 0, 0};
    check_top(tt, &p);
    const json_t *entries = json_object_get(tt, "entries");
    size_t n = json_array_size(entries);
    span *spans = calloc(n ? n : 1, sizeof *spans);
    if (!spans)
        return yogi_fail(err, "States.Runtime", "out of memory");
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        span *s = &spans[ok];
        if (check_entry(json_array_get(entries, i), i, &p, &s->day, &s->start, &s->end))
            s->index = i, ok++;
    }
    if (p.count) {
        free(spans);
        return yogi_fail(err, "Timetable.Invalid", "%d problem%s: %s", p.count,
                         p.count == 1 ? "" : "s", p.text);
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
