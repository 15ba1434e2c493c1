/*
 * export.h — a timetable (timetable.schema.json) as iCalendar and as CSV.
 *
 * Both take the timetable JSON as stored and return a new malloc'd,
 * NUL-terminated text, or NULL with `why` when an entry is not a valid
 * day/start/end/subject (the store validates timetables, so that means a bug
 * or a hand-edited database, reported rather than exported half-way).
 */
#ifndef YOGI_EXPORT_H
#define YOGI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

/* iCalendar (RFC 5545): one weekly recurring VEVENT per entry
 * (RRULE:FREQ=WEEKLY), starting on the first day on or after `from`
 * (a Y-M-D calendar date) that falls on the entry's weekday; times are
 * floating local times, as a timetable is. Lines are folded at 75 octets
 * without splitting a UTF-8 sequence; TEXT values are escaped. `uid_prefix`
 * makes the UIDs stable across exports (the document id). */
char *ics_render(const json_t *timetable, const char *uid_prefix, int from_year, int from_month,
                 int from_day, time_t now, size_t *len, char *why, size_t why_len);

/* A subscription feed: several documents' timetables in one calendar.
 * calendars is [{"id", "version", "timetable"}...]. Each weekly event ends
 * at `until` (YYYYMMDD, the term's end; "" = for ever); breaks and lunch
 * (by kind, or by name without one) only when `breaks`. UIDs name the
 * document, day and start time, and SEQUENCE the timetable version, so a
 * corrected lesson replaces its event in a subscribed calendar. A document
 * whose timetable is not valid is left out rather than failing the feed. */
typedef struct ics_feed_options {
    int from_year, from_month, from_day;
    char until[9];
    bool breaks;
    const char *title;
} ics_feed_options;
char *ics_render_feed(const json_t *calendars, const ics_feed_options *o, time_t now,
                      size_t *len, char *why, size_t why_len);

/* CSV (RFC 4180) with a header row, entries sorted by day and start time,
 * CRLF line ends. Cells that a spreadsheet would run as a formula (leading
 * = + - @) are prefixed with an apostrophe. */
char *csv_render(const json_t *timetable, size_t *len, char *why, size_t why_len);

/* 0 (Monday) to 6 (Sunday), or -1. */
int export_day_index(const char *day);

/* The entries that are valid, sorted by day then start (borrowed refs in a
 * new array the caller frees), or NULL with why. */
const json_t **export_sorted_entries(const json_t *timetable, size_t *count, char *why,
                                     size_t why_len);

#endif
