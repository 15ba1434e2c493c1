/*
 * timetable_schema.h — the timetable's shape (timetable.schema.json) checked
 * in one place, for the validate plugin (which compiles it in) and for the
 * API, which refuses a reviewer's correction that would fail validation
 * before it reaches the workflow.
 *
 * Only jansson; no engine state.
 */
#ifndef YOGI_TIMETABLE_SCHEMA_H
#define YOGI_TIMETABLE_SCHEMA_H

#include <jansson.h>

/* Appends one {"field": "entries[3].start", "message": "..."} to `problems`
 * (a JSON array; may be NULL to only count) for every schema problem of
 * `tt`, and returns how many there are (0: the timetable is well-formed). */
int timetable_schema_check(const json_t *tt, json_t *problems);

/* Index 0..6 of an English day name ("Monday"), or -1. */
int timetable_day_index(const char *s);

/* The English name of day 0..6. */
const char *timetable_day_name(int day);

/* "HH:MM", 24-hour, two digits each: minutes after midnight, or -1. */
int timetable_parse_hhmm(const char *s);

#endif
