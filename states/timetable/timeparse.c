/*
 * timeparse.c — times as timetables print them.
 *
 * A clock is H:MM or H.MM (one or two hour digits, "08:45", "9.00"),
 * optionally followed by am/pm ("9:00am", "1:10 PM", "2.05p.m."), or an hour
 * alone with am/pm ("9am"). A range is two clocks joined by "-", an en or em
 * dash, "~", "to" or "until", or by nothing but spaces when OCR lost the dash.
 * OCR's usual confusions are forgiven: O for 0, l or I for 1 inside
 * digits (in the hour too when minutes follow: "II:45"), ';' for ':', a stray mark before or inside am/pm ("8:30. AM",
 * "1:20 P'M"). Minutes are after midnight; am/pm is applied when written.
 *
 * Without am/pm, a timetable writes the afternoon in 12-hour form ("12:40 -
 * 1:30"). tt_resolve_12h fixes a sequence of times read in order: an hour
 * from 1 to 5 is afternoon (no school lesson starts at 3 in the night), and a
 * time that would go back more than half an hour behind the one before it is
 * moved forward by twelve hours.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tt.h"

static int digit_at(const char *s, size_t i)
{
    char c = s[i];
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c == 'O' || c == 'o')
        return 0;
    if (c == 'l' || c == 'I' || c == '|')
        return 1;
    return -1;
}

/* A stray mark OCR puts inside or after a clock ("8:30. AM", "P'M",
 * "1:20’PM"): characters it takes at s, 0 when none. */
static int stray_mark(const char *s)
{
    if (s[0] == '.' || s[0] == ',' || s[0] == '\'')
        return 1;
    if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0x98 || (unsigned char)s[2] == 0x99))
        return 3; /* ‘ ’ */
    return 0;
}

/* am/pm at s: returns characters used, sets *pm; 0 when absent. A
 * stray mark may stand before it or between its letters. */
static int parse_meridiem(const char *s, bool *pm)
{
    size_t i = (size_t)stray_mark(s);
    while (s[i] == ' ')
        i++;
    char c = (char)tolower((unsigned char)s[i]);
    if (c != 'a' && c != 'p')
        return 0;
    size_t j = i + 1 + (size_t)stray_mark(s + i + 1);
    if (tolower((unsigned char)s[j]) != 'm')
        return 0;
    j++;
    if (s[j] == '.')
        j++;
    if (isalpha((unsigned char)s[j]))
        return 0;
    *pm = c == 'p';
    return (int)j;
}

/* A clock at the start of s: returns characters used, 0 when none. */
/* A digit of an hour: as digit_at, but a '|' is a rule beside the text
 * ("|8:40-8:50|"), not a 1. */
static int hour_digit_at(const char *s, size_t i)
{
    return s[i] == '|' ? -1 : digit_at(s, i);
}

static int parse_clock(const char *s, int *minutes, bool *ampm)
{
    if (hour_digit_at(s, 0) < 0)
        return 0;
    /* OCR's "II:45" for 11:45 (a serif 1 is an I): a letter in the hour
     * only before a separator and minutes. */
    bool lettered = !isdigit((unsigned char)s[0]);
    int h = hour_digit_at(s, 0);
    size_t i = 1;
    if (hour_digit_at(s, 1) >= 0) {
        lettered |= !isdigit((unsigned char)s[1]);
        h = h * 10 + hour_digit_at(s, 1), i = 2;
    }
    int m = 0;
    bool has_minutes = false;
    /* ';' is OCR's reading of a faint ':'. */
    if ((s[i] == ':' || s[i] == '.' || s[i] == ';') && digit_at(s, i + 1) >= 0 &&
        digit_at(s, i + 2) >= 0 &&
        digit_at(s, i + 3) < 0) {
        m = digit_at(s, i + 1) * 10 + digit_at(s, i + 2);
        i += 3;
        has_minutes = true;
    }
    if (lettered && !has_minutes)
        return 0;
    bool pm = false;
    int mer = parse_meridiem(s + i, &pm);
    if (!has_minutes && mer == 0)
        return 0;
    if (h > 23 || m > 59 || (mer && (h == 0 || h > 12)))
        return 0;
    if (mer) {
        if (h == 12)
            h = 0;
        if (pm)
            h += 12;
    }
    *minutes = h * 60 + m;
    *ampm = mer > 0;
    return (int)i + mer;
}

/* A separator between the clocks of a range: returns characters used (may be
 * only spaces), -1 when the text between is something else. */
static int parse_separator(const char *s)
{
    size_t i = 0;
    while (s[i] == ' ')
        i++;
    static const char *const seps[] = {"\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x92", "-", "~",
                                       "\xc2\xbb", "\xc2\xab", "to", "until", "till"};
    /* Dashes may come doubled from OCR, spaced or not ("-—", "— -", "- —"),
     * and a long dash with a guillemet ("»—"); words come once. */
    bool dash = false, mark = false;
    for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
        size_t n = strlen(seps[k]);
        if (strncmp(s + i, seps[k], n) == 0 && (k < 7 || (!dash && !mark))) {
            i += n;
            if (k >= 7)
                break;
            dash |= k < 5, mark |= k >= 5;
            while (s[i] == ' ')
                i++;
            k = (size_t)-1;
        }
    }
    if (mark && !dash)
        return -1; /* "»" alone is no dash */
    while (s[i] == ' ')
        i++;
    return (int)i;
}

static bool starts_clock_here(const char *s, size_t i)
{
    if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '.'))
        return false;
    return hour_digit_at(s, i) >= 0;
}

/* A bare hour ("9", "12") as the start of a range whose end is a clock
 * ("9 - 9.30", "2 - 3pm", "1-1.15pm"): characters used, 0 when not. The
 * separator must be written (a dash or "to"): "9 10:00" is a number and a
 * time. */
static int parse_written_end(const char *s, size_t i, int start);

/* "1040 to 10:55": a start whose colon OCR lost, three or four digits
 * (H MM, HH MM), starting a range whose end is a clock written with its
 * separator and no more than three hours later (on either 12-hour
 * reading): a year ("2025 - 2026") or a number is no such start. */
static int parse_run_start(const char *s, int *minutes)
{
    size_t k = 0;
    while (k < 5 && isdigit((unsigned char)s[k]))
        k++;
    if (k < 3 || k > 4 || isalnum((unsigned char)s[k]) || s[k] == ':' || s[k] == '.')
        return 0;
    int v = 0;
    for (size_t j = 0; j < k; j++)
        v = v * 10 + (s[j] - '0');
    int h = v / 100, m = v % 100;
    if (h < 1 || h > 23 || m > 59 || !parse_written_end(s, k, h * 60 + m))
        return 0;
    *minutes = h * 60 + m;
    return (int)k;
}

/* Whether s[i..] is a written separator (a dash, "to") and a clock with
 * its minutes' separator, at most three hours after start (on either
 * 12-hour reading of a start before 13:00). */
static int parse_written_end(const char *s, size_t i, int start)
{
    int ns = parse_separator(s + i);
    bool written = false;
    for (int k = 0; k < ns; k++)
        written |= s[i + (size_t)k] != ' ';
    const char *e = s + i + (ns > 0 ? ns : 0);
    size_t d = 0;
    while (d < 2 && isdigit((unsigned char)e[d]))
        d++;
    int t;
    bool a;
    if (!written || d == 0 || !strchr(":.;", e[d]) || parse_clock(e, &t, &a) == 0)
        return 0;
    /* a 24-hour start (13:00 on) has one reading; others two */
    int diff = start >= 13 * 60 ? t - start : ((t - start) % 720 + 720) % 720;
    return diff > 0 && diff <= 180;
}

static int parse_bare_start(const char *s, int *minutes)
{
    int run = parse_run_start(s, minutes);
    if (run)
        return run;
    int h = s[0] - '0';
    size_t i = 1;
    if (isdigit((unsigned char)s[1]))
        h = h * 10 + (s[1] - '0'), i = 2;
    if (h < 1 || h > 12 || isalnum((unsigned char)s[i]) || s[i] == ':' || s[i] == '.')
        return 0;
    int ns = parse_separator(s + i);
    bool written = false;
    for (int k = 0; k < ns; k++)
        written |= s[i + (size_t)k] != ' ';
    int t;
    bool a;
    if (!written || !isdigit((unsigned char)s[i + (size_t)ns]) || parse_clock(s + i + ns, &t, &a) == 0)
        return 0;
    *minutes = h * 60;
    return (int)i;
}

int tt_find_time_range(const char *s, tt_time_range *out)
{
    for (size_t i = 0; s[i]; i++) {
        if (!starts_clock_here(s, i))
            continue;
        int t1;
        bool a1 = false;
        int n1 = parse_clock(s + i, &t1, &a1);
        if (n1 == 0 && isdigit((unsigned char)s[i]))
            n1 = parse_bare_start(s + i, &t1);
        if (n1 == 0)
            continue;
        *out = (tt_time_range){t1, -1, a1, false, (int)i + n1};
        int ns = parse_separator(s + i + n1);
        size_t j = i + (size_t)n1 + (size_t)ns;
        int t2;
        bool a2;
        int n2 = ns > 0 && hour_digit_at(s, j) >= 0 ? parse_clock(s + j, &t2, &a2) : 0;
        if (n2 > 0) {
            out->end = t2;
            out->end_ampm = a2;
            out->chars_used = (int)j + n2;
            /* "1:10 - 2:05pm": the am/pm written once covers both. */
            if (a2 && !a1 && t2 >= 12 * 60 && t1 < 12 * 60 && t1 + 12 * 60 <= t2)
                out->start += 12 * 60, out->start_ampm = true;
        }
        return (int)i;
    }
    return -1;
}

bool tt_parse_time_range(const char *s, tt_time_range *out)
{
    while (*s == ' ')
        s++;
    if (tt_find_time_range(s, out) != 0)
        return false;
    const char *rest = s + out->chars_used;
    while (*rest == ' ' || *rest == ',' || *rest == ';' || *rest == ')' || *rest == '|')
        rest++;
    return *rest == '\0';
}

static int fix_12h(int t, bool ampm, int prev)
{
    if (t < 0 || ampm)
        return t;
    int h = t / 60;
    if (h >= 1 && h <= 5)
        return t + 12 * 60;
    /* No school day runs past eight in the evening: a time that would
     * have to is misread, and stays as read. */
    if (h < 12 && t + 30 < prev && t + 12 * 60 <= 20 * 60)
        return t + 12 * 60;
    return t;
}

void tt_resolve_12h(int *starts, int *ends, const bool *ampm_start, const bool *ampm_end, int n)
{
    int prev = 0;
    for (int i = 0; i < n; i++) {
        starts[i] = fix_12h(starts[i], ampm_start && ampm_start[i], prev);
        if (starts[i] >= 0)
            prev = starts[i];
        if (ends) {
            ends[i] = fix_12h(ends[i], ampm_end && ampm_end[i], prev);
            if (ends[i] >= 0)
                prev = ends[i];
        }
    }
}

void tt_format_time(int minutes, char out[6])
{
    if (minutes < 0 || minutes >= 24 * 60)
        minutes = 0;
    snprintf(out, 6, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
}
