/*
 * timetable_schema.c — the schema checks of a timetable (timetable_schema.h).
 *
 * A problem names the field it is about, so an API client can put the
 * message beside the input that caused it; the validate plugin joins them
 * into its Timetable.Invalid cause. The checks are written out in C rather
 * than run by a JSON Schema engine: the schema is small and fixed.
 */
#include "timetable_schema.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const day_names[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const kinds[] = {"lesson", "break", "lunch", "registration", "other"};

static int index_of(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) return (int)i;
    return -1;
}

int timetable_day_index(const char *s)
{
    return index_of(s, day_names, 7);
}

const char *timetable_day_name(int day)
{
    return day >= 0 && day < 7 ? day_names[day] : "?";
}

int timetable_parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h <= 23 && m <= 59 ? h * 60 + m : -1;
}

static void add(json_t *problems, int *count, const char *field, const char *message)
{
    (*count)++;
    if (problems)
        json_array_append_new(problems,
                              json_pack("{s:s, s:s}", "field", field, "message", message));
}

static bool string_or_null(const json_t *v)
{
    return v == NULL || json_is_string(v) || json_is_null(v);
}

static bool probability(const json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0.0 && json_number_value(v) <= 1.0;
}

static void check_entry(const json_t *e, size_t i, json_t *problems, int *count)
{
    char f[64];
#define FIELD(name) (snprintf(f, sizeof f, "entries[%zu]%s", i, name), f)
    if (!json_is_object(e)) {
        add(problems, count, FIELD(""), "an entry must be an object");
        return;
    }
    if (timetable_day_index(json_string_value(json_object_get(e, "day"))) < 0)
        add(problems, count, FIELD(".day"), "must be an English day name (Monday..Sunday)");
    if (timetable_parse_hhmm(json_string_value(json_object_get(e, "start"))) < 0)
        add(problems, count, FIELD(".start"), "must be HH:MM (24-hour)");
    if (timetable_parse_hhmm(json_string_value(json_object_get(e, "end"))) < 0)
        add(problems, count, FIELD(".end"), "must be HH:MM (24-hour)");
    const char *subject = json_string_value(json_object_get(e, "subject"));
    if (!subject || !*subject) add(problems, count, FIELD(".subject"), "must be a non-empty string");
    const json_t *kind = json_object_get(e, "kind");
    if (kind && index_of(json_string_value(kind), kinds, 5) < 0)
        add(problems, count, FIELD(".kind"), "must be lesson, break, lunch, registration or other");
    static const char *const optional[] = {".room", ".class", ".teacher", ".notes"};
    for (size_t k = 0; k < 4; k++)
        if (!string_or_null(json_object_get(e, optional[k] + 1)))
            add(problems, count, FIELD(optional[k]), "must be a string or null");
    const json_t *conf = json_object_get(e, "confidence");
    if (conf && !probability(conf))
        add(problems, count, FIELD(".confidence"), "must be a number from 0 to 1");
#undef FIELD
}

int timetable_schema_check(const json_t *tt, json_t *problems)
{
    int count = 0;
    if (!json_is_object(tt)) {
        add(problems, &count, "", "a timetable must be an object");
        return count;
    }
    const json_t *entries = json_object_get(tt, "entries");
    if (!json_is_array(entries)) add(problems, &count, "entries", "must be an array");
    else if (json_array_size(entries) == 0) add(problems, &count, "entries", "no entries");
    if (!probability(json_object_get(tt, "confidence")))
        add(problems, &count, "confidence", "must be a number from 0 to 1");
    static const char *const optional[] = {"document_id", "title", "teacher", "class", "term"};
    for (size_t k = 0; k < 5; k++)
        if (!string_or_null(json_object_get(tt, optional[k])))
            add(problems, &count, optional[k], "must be a string or null");
    const json_t *layout = json_object_get(tt, "layout");
    if (layout && !json_is_string(layout)) add(problems, &count, "layout", "must be a string");
    const json_t *warnings = json_object_get(tt, "warnings");
    if (warnings && !json_is_array(warnings))
        add(problems, &count, "warnings", "must be an array of strings");
    for (size_t i = 0; i < json_array_size(entries); i++)
        check_entry(json_array_get(entries, i), i, problems, &count);
    return count;
}
