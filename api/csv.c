/*
 * csv.c — a timetable as CSV (RFC 4180), one row per entry in week order.
 *
 * A field is quoted when it holds a comma, a quote, CR or LF (quotes
 * doubled). A field that starts with = + - or @ is prefixed with an
 * apostrophe, because a spreadsheet would otherwise run it as a formula
 * (CSV injection): a subject is text, never code.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "strbuf.h"

static const char *const columns[] = {"day", "start", "end", "subject", "kind",
                                      "room", "class", "teacher", "notes"};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

static void put_field(strbuf *out, const char *v)
{
    if (!v) return;
    bool formula = v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@';
    bool quote = strpbrk(v, ",\"\r\n") != NULL;
    if (quote) strbuf_puts(out, "\"");
    if (formula) strbuf_puts(out, "'");
    for (const char *p = v; *p; p++) {
        if (*p == '"') strbuf_puts(out, "\"\"");
        else strbuf_append(out, p, 1);
    }
    if (quote) strbuf_puts(out, "\"");
}

char *csv_render(const json_t *timetable, size_t *len, char *why, size_t why_len)
{
    size_t n;
    const json_t **entries = export_sorted_entries(timetable, &n, why, why_len);
    if (!entries) return NULL;
    strbuf out = {0};
    for (size_t c = 0; c < NCOLUMNS; c++) {
        if (c) strbuf_puts(&out, ",");
        strbuf_puts(&out, columns[c]);
    }
    strbuf_puts(&out, "\r\n");
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < NCOLUMNS; c++) {
            if (c) strbuf_puts(&out, ",");
            put_field(&out, json_string_value(json_object_get(entries[i], columns[c])));
        }
        strbuf_puts(&out, "\r\n");
    }
    free(entries);
    char *text = strbuf_take(&out, len);
    if (!text) snprintf(why, why_len, "out of memory");
    return text;
}
