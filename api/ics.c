/*
 * ics.c — a timetable as an iCalendar file a teacher can import
 * (RFC 5545). See export.h for the choices: one weekly recurring event per
 * entry, floating local times, the first occurrence on the first matching
 * weekday on or after the given date.
 *
 * Content lines are built whole, then folded: a line longer than 75 octets
 * is cut before the 76th octet (backing up to the start of a UTF-8 sequence)
 * and continued on a line that starts with one space, which counts towards
 * that line's 75.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "strbuf.h"

#define FOLD_AT 75

static void put_folded(strbuf *out, const char *line)
{
    size_t len = strlen(line), pos = 0, room = FOLD_AT;
    while (len - pos > room) {
        size_t cut = pos + room;
        while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80) cut--;
        strbuf_append(out, line + pos, cut - pos);
        strbuf_puts(out, "\r\n ");
        pos = cut;
        room = FOLD_AT - 1;
    }
    strbuf_append(out, line + pos, len - pos);
    strbuf_puts(out, "\r\n");
}

/* TEXT escaping (RFC 5545 §3.3.11); other control characters are dropped. */
static void put_text_property(strbuf *out, const char *name, const char *value)
{
    strbuf line = {0};
    strbuf_printf(&line, "%s:", name);
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\\' || c == ';' || c == ',') {
            char esc[2] = {'\\', (char)c};
            strbuf_append(&line, esc, 2);
        } else if (c == '\n') {
            strbuf_puts(&line, "\\n");
        } else if (c >= 0x20 && c != 0x7f) {
            strbuf_append(&line, p, 1);
        }
    }
    if (line.data) put_folded(out, line.data);
    else out->failed = out->failed || line.failed;
    strbuf_free(&line);
}

/* The date of the first `weekday` (0 = Monday) on or after y-m-d. */
static void first_weekday(int y, int m, int d, int weekday, struct tm *out)
{
    struct tm t = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t noon = timegm(&t);
    gmtime_r(&noon, &t);
    int today = (t.tm_wday + 6) % 7; /* tm_wday: 0 = Sunday */
    noon += (time_t)(((weekday - today + 7) % 7) * 86400);
    gmtime_r(&noon, out);
}

typedef struct event_opts {
    const char *uid;       /* whole UID value */
    const char *until;     /* "YYYYMMDD" or NULL: repeat for ever */
    int sequence;          /* the timetable version, so a correction supersedes */
} event_opts;

static void put_event(strbuf *out, const json_t *e, const event_opts *o, const struct tm *from,
                      const char *stamp)
{
    const char *day = json_string_value(json_object_get(e, "day"));
    const char *start = json_string_value(json_object_get(e, "start"));
    const char *end = json_string_value(json_object_get(e, "end"));
    struct tm date;
    first_weekday(from->tm_year + 1900, from->tm_mon + 1, from->tm_mday, export_day_index(day),
                  &date);
    char ymd[40];
    snprintf(ymd, sizeof ymd, "%04d%02d%02d", date.tm_year + 1900, date.tm_mon + 1, date.tm_mday);
    strbuf_puts(out, "BEGIN:VEVENT\r\n");
    strbuf line = {0};
    strbuf_printf(&line, "UID:%s", o->uid);
    if (line.data) put_folded(out, line.data);
    strbuf_free(&line);
    strbuf_printf(out, "DTSTAMP:%s\r\n", stamp);
    if (o->sequence > 0) strbuf_printf(out, "SEQUENCE:%d\r\n", o->sequence);
    strbuf_printf(out, "DTSTART:%sT%.2s%.2s00\r\n", ymd, start, start + 3);
    strbuf_printf(out, "DTEND:%sT%.2s%.2s00\r\n", ymd, end, end + 3);
    if (o->until) strbuf_printf(out, "RRULE:FREQ=WEEKLY;UNTIL=%sT235959\r\n", o->until);
    else strbuf_puts(out, "RRULE:FREQ=WEEKLY\r\n");
    put_text_property(out, "SUMMARY", json_string_value(json_object_get(e, "subject")));
    const char *room = json_string_value(json_object_get(e, "room"));
    if (room && *room) put_text_property(out, "LOCATION", room);
    const char *teacher = json_string_value(json_object_get(e, "teacher"));
    const char *klass = json_string_value(json_object_get(e, "class"));
    if (teacher && *teacher) put_text_property(out, "DESCRIPTION", teacher);
    else if (klass && *klass) put_text_property(out, "DESCRIPTION", klass);
    strbuf_puts(out, "END:VEVENT\r\n");
}

static void put_header(strbuf *out, const char *title)
{
    strbuf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Yogi//Timetable//EN\r\n"
                     "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    if (title && *title) put_text_property(out, "X-WR-CALNAME", title);
}

static void utc_stamp(time_t now, char stamp[32])
{
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(stamp, 32, "%Y%m%dT%H%M%SZ", &utc);
}

/* A break or lunch: by its kind, or by its name when the kind is absent. */
static bool is_break(const json_t *e)
{
    const char *kind = json_string_value(json_object_get(e, "kind"));
    if (kind) return !strcmp(kind, "break") || !strcmp(kind, "lunch");
    const char *subject = json_string_value(json_object_get(e, "subject"));
    char low[64];
    size_t n = 0;
    for (const char *p = subject ? subject : ""; *p && n + 1 < sizeof low; p++)
        low[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    low[n] = '\0';
    return strstr(low, "break") || strstr(low, "lunch") || strstr(low, "playtime") ||
           strstr(low, "recess");
}

/* One document's events into out; false with why on a bad timetable. */
static bool put_document(strbuf *out, const json_t *cal, const ics_feed_options *o,
                         const struct tm *from, const char *stamp, char *why, size_t why_len)
{
    const char *id = json_string_value(json_object_get(cal, "id"));
    size_t n;
    const json_t **entries =
        export_sorted_entries(json_object_get(cal, "timetable"), &n, why, why_len);
    if (!entries) return false;
    for (size_t i = 0; i < n; i++) {
        if (!o->breaks && is_break(entries[i])) continue;
        const char *start = json_string_value(json_object_get(entries[i], "start"));
        int day = export_day_index(json_string_value(json_object_get(entries[i], "day")));
        char uid[160];
        /* The slot, not the subject: a corrected subject updates the event. */
        snprintf(uid, sizeof uid, "%s-%d-%.2s%.2s@yogi", id ? id : "doc", day, start, start + 3);
        event_opts eo = {uid, o->until[0] ? o->until : NULL,
                         (int)json_integer_value(json_object_get(cal, "version"))};
        put_event(out, entries[i], &eo, from, stamp);
    }
    free(entries);
    return true;
}

char *ics_render_feed(const json_t *calendars, const ics_feed_options *o, time_t now,
                      size_t *len, char *why, size_t why_len)
{
    struct tm from = {.tm_year = o->from_year - 1900, .tm_mon = o->from_month - 1,
                      .tm_mday = o->from_day};
    char stamp[32];
    utc_stamp(now, stamp);
    strbuf out = {0};
    put_header(&out, o->title);
    size_t i;
    json_t *cal;
    json_array_foreach(calendars, i, cal) {
        char skip_why[128];
        /* One bad stored timetable must not empty a whole feed. */
        if (!put_document(&out, cal, o, &from, stamp, skip_why, sizeof skip_why)) continue;
    }
    strbuf_puts(&out, "END:VCALENDAR\r\n");
    char *text = strbuf_take(&out, len);
    if (!text) snprintf(why, why_len, "out of memory");
    return text;
}

char *ics_render(const json_t *timetable, const char *uid_prefix, int from_year, int from_month,
                 int from_day, time_t now, size_t *len, char *why, size_t why_len)
{
    size_t n;
    const json_t **entries = export_sorted_entries(timetable, &n, why, why_len);
    if (!entries) return NULL;
    struct tm from = {.tm_year = from_year - 1900, .tm_mon = from_month - 1, .tm_mday = from_day};
    char stamp[32];
    utc_stamp(now, stamp);
    strbuf out = {0};
    put_header(&out, json_string_value(json_object_get(timetable, "title")));
    for (size_t i = 0; i < n; i++) {
        char uid[160];
        snprintf(uid, sizeof uid, "%s-%zu@yogi", uid_prefix, i);
        event_opts eo = {uid, NULL, 0};
        put_event(&out, entries[i], &eo, &from, stamp);
    }
    strbuf_puts(&out, "END:VCALENDAR\r\n");
    free(entries);
    char *text = strbuf_take(&out, len);
    if (!text) snprintf(why, why_len, "out of memory");
    return text;
}
