/*
 * days.c — day names as timetables print them.
 *
 * Accepted: full names in any case ("Monday", "MONDAY"), their prefixes of
 * three letters or more ("Mon", "Tues", "Thurs", "Wed."), and full names
 * with one OCR error ("Wednesdav"). Single letters (M Tu W Th F) are only
 * day names inside an aligned sequence, so they are recognised separately by
 * tt_day_letter and accepted by the grid finder when they line up in order.
 */
#include <ctype.h>
#include <string.h>

#include "tt.h"

static const char *const day_names[TT_MAX_DAYS] = {"monday", "tuesday", "wednesday", "thursday",
                                                   "friday", "saturday", "sunday"};
static const char *const day_titles[TT_MAX_DAYS] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};

const char *tt_day_name(int day)
{
    return day >= 0 && day < TT_MAX_DAYS ? day_titles[day] : "?";
}

/* Lower-case letters of text, trailing punctuation dropped; false when the
 * text holds anything but letters and a final '.', ',' or ':'. */
static bool letters_of(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalpha(c)) {
            if (n + 1 >= size)
                return false;
            out[n++] = (char)tolower(c);
        } else if ((c == '.' || c == ',' || c == ':') && p[1] == '\0') {
            break;
        } else {
            return false;
        }
    }
    out[n] = '\0';
    return n > 0;
}

static int edit_distance_le1(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb) {
        int diff = 0;
        for (size_t i = 0; i < la; i++)
            diff += a[i] != b[i];
        return diff <= 1;
    }
    if (la + 1 != lb && lb + 1 != la)
        return 0;
    const char *s = la < lb ? a : b, *l = la < lb ? b : a;
    size_t i = 0, j = 0;
    int skipped = 0;
    while (s[i] && l[j]) {
        if (s[i] == l[j]) {
            i++, j++;
        } else if (skipped++) {
            return 0;
        } else {
            j++;
        }
    }
    return 1;
}

int tt_day_of(const char *text)
{
    char w[32];
    if (!letters_of(text, w, sizeof w))
        return -1;
    size_t n = strlen(w);
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (n >= 3 && strncmp(day_names[d], w, n) == 0)
            return d;
    if (n >= 6)
        for (int d = 0; d < TT_MAX_DAYS; d++)
            if (edit_distance_le1(w, day_names[d]))
                return d;
    return -1;
}

/* A phrase naming a group of days: day names joined by commas, "&", "and",
 * "/" ("Monday, Tuesday, Thursday", "Mon & Wed", "M, Tu, Th": letters count
 * in a list, T and S only where they cannot be two days), or a range joined
 * by a dash or "to" ("Monday - Thursday", "Mon-Wed"). Returns the days as a bit
 * mask (bit 0 Monday), 0 when any word is not a day or a joiner. */
unsigned tt_day_group(const char *text)
{
    char buf[TT_TEXT];
    size_t n = strlen(text);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, text, n + 1);
    unsigned mask = 0;
    int prev = -1, days = 0;
    bool range = false;
    for (char *tok = buf; *tok;) {
        size_t len = strcspn(tok, " ,&/");
        char save = tok[len];
        tok[len] = '\0';
        char *dash = strstr(tok, "-");
        if (len > 0) {
            int d = -1;
            if (strcmp(tok, "and") == 0 || strcmp(tok, "to") == 0 ||
                strcmp(tok, "-") == 0 || strcmp(tok, "\xe2\x80\x93") == 0) {
                range = strcmp(tok, "and") != 0;
            } else if (dash && dash != tok) { /* "Mon-Wed" */
                *dash = '\0';
                int a = tt_day_of(tok), b = tt_day_of(dash + 1);
                if (a < 0 || b <= a)
                    return 0;
                for (int k = a; k <= b; k++)
                    mask |= 1u << k;
                prev = b, days += 2;
            } else if ((d = tt_day_of(tok)) >= 0 ||
                       (save == ',' && (d = tt_day_letter(tok)) >= 0) ||
                       (days > 0 && (d = tt_day_letter(tok)) >= 0)) {
                /* A letter (M, Tu, Th) counts in a list of days: before a
                 * comma or after another day. */
                if (range && prev >= 0 && d > prev)
                    for (int k = prev; k <= d; k++)
                        mask |= 1u << k;
                mask |= 1u << d;
                prev = d, days++, range = false;
            } else {
                return 0;
            }
        }
        tok[len] = save;
        tok += len;
        while (*tok == ' ' || *tok == ',' || *tok == '&' || *tok == '/')
            tok++;
    }
    return days > 0 ? mask : 0;
}

/* M Tu W Th F Sa Su (any case, a full stop or colon after): the day; "T"
 * and "S" return -2 and -3 (Tuesday or Thursday, Saturday or Sunday: the
 * sequence decides); -1 otherwise. */
int tt_day_letter(const char *text)
{
    char w[8];
    if (!letters_of(text, w, sizeof w))
        return -1;
    /* OCR's model reads a lone "W" as "Ww" or "WwW": one letter repeated
     * is that letter. */
    size_t n = strlen(w), same = 1;
    while (same < n && w[same] == w[0])
        same++;
    if (same == n && n <= 3)
        w[1] = '\0';
    if (strlen(w) > 2)
        return -1;
    static const char *const letters[] = {"m", "tu", "w", "th", "f", "sa", "su"};
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (strcmp(w, letters[d]) == 0)
            return d;
    if (strcmp(w, "t") == 0)
        return -2;
    if (strcmp(w, "s") == 0)
        return -3;
    return -1;
}
