/*
 * place.c — does each entry sit under its day on the page?
 *
 * A model that reads every subject and time correctly can still put a
 * lesson on the wrong day, and neither the subject nor the time evidence
 * (check.c) would notice. The OCR words have positions, so this asks the
 * page: find the printed day headers ("Mon", "Tuesday", "WED."), decide
 * whether they run down the side (days as rows, or a list with a block per
 * day) or across the top (days as columns), cut the page into one region
 * per day along that axis, and check that the entry's subject is printed
 * somewhere inside its day's region.
 *
 * Regions: across the top, a column reaches halfway to its neighbours'
 * headers. Down the side, a point belongs to the lowest header level with
 * or above it and not to its right: a row's cells are level with their
 * header, a list's block lies below and right of its heading, and lists
 * printed in two columns (Mon, Tue on the left; Wed, Thu, Fri on the
 * right) still sort out, so one rule serves rows and lists.
 *
 * The answer is a share of the entries whose subject is found on the page
 * at all, leaving out periods printed once across every day (a merged
 * break or lunch cell stands in one day's region only); it is -1 ("no
 * evidence") when fewer than two day headers are printed once each, or no
 * subject is found: a missing signal must not count against the answer.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llm.h"

typedef struct header {
    int day;     /* 0 = Monday */
    double x, y; /* centre */
    double left; /* left edge */
    double h;    /* word height */
} header;

static const char *const day_forms[7][3] = {
    {"monday", "mon", NULL}, {"tuesday", "tues", "tue"}, {"wednesday", "wed", NULL},
    {"thursday", "thurs", "thu"}, {"friday", "fri", NULL}, {"saturday", "sat", NULL},
    {"sunday", "sun", NULL}};

static void squeeze_word(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; s && *s && o + 1 < size; s++)
        if (isalnum((unsigned char)*s)) out[o++] = (char)tolower((unsigned char)*s);
    out[o] = '\0';
}

static int day_of_word(const char *text)
{
    char w[32];
    squeeze_word(text, w, sizeof w);
    for (int d = 0; d < 7; d++)
        for (int f = 0; f < 3 && day_forms[d][f]; f++)
            if (!strcmp(w, day_forms[d][f])) return d;
    return -1;
}

static double num(json_t *w, const char *k)
{
    return json_number_value(json_object_get(w, k));
}

/* The day headers of a page. A day named more than once ("Thursday" in a
 * footnote besides the "Thu" heading) keeps the candidate in line with the
 * days named once; *across tells which way they run. Returns how many. */
static int find_headers(json_t *words, header *out, bool *across)
{
    header cand[64];
    int n = 0, count[7] = {0};
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        int d = day_of_word(json_string_value(json_object_get(w, "text")));
        if (d < 0 || n == 64) continue;
        cand[n++] = (header){d, num(w, "x") + num(w, "w") / 2, num(w, "y") + num(w, "h") / 2,
                             num(w, "x"), num(w, "h")};
        count[d]++;
    }
    double xmin = 1e9, xmax = -1e9, ymin = 1e9, ymax = -1e9, sx = 0, sy = 0, hmax = 0;
    int unique = 0;
    for (int k = 0; k < n; k++) {
        if (count[cand[k].day] != 1) continue;
        header *h = &cand[k];
        xmin = h->x < xmin ? h->x : xmin, xmax = h->x > xmax ? h->x : xmax;
        ymin = h->y < ymin ? h->y : ymin, ymax = h->y > ymax ? h->y : ymax;
        sx += h->x, sy += h->y, unique++;
        hmax = h->h > hmax ? h->h : hmax;
    }
    if (unique < 2) return 0;
    /* Across the top, the headers stand in one row (allowing for a few
     * degrees of skew); anything else, lists in columns included, runs down. */
    *across = ymax - ymin < 3 * hmax + 0.1 * (xmax - xmin);
    double line = *across ? sy / unique : sx / unique; /* where the headers stand */
    int m = 0;
    for (int d = 0; d < 7; d++) {
        const header *best = NULL;
        double best_off = 0;
        for (int k = 0; k < n; k++) {
            if (cand[k].day != d) continue;
            double off = fabs((*across ? cand[k].y : cand[k].x) - line);
            if (!best || off < best_off) best = &cand[k], best_off = off;
        }
        if (best && (count[d] == 1 || best_off < 3 * best->h + 40)) out[m++] = *best;
    }
    return m;
}

static int by_x(const void *a, const void *b)
{
    double d = ((const header *)a)->x - ((const header *)b)->x;
    return (d > 0) - (d < 0);
}

/* Is the point (x, y) in the region of day d? Across the top: the column
 * of d's header. Down the side: the lowest header that stands level with
 * or above the point and not to its right, which is the row's header in a
 * grid and the block's heading in a list, even with blocks side by side. */
static bool in_region(const header *hs, int n, bool across, int d, double x, double y)
{
    if (across) {
        for (int k = 0; k < n; k++) {
            if (hs[k].day != d) continue;
            double lo = k > 0 ? (hs[k - 1].x + hs[k].x) / 2 : -1e9;
            double hi = k + 1 < n ? (hs[k].x + hs[k + 1].x) / 2 : 1e9;
            return x >= lo && x < hi;
        }
        return false;
    }
    /* Of the headers up and to the left, those of the nearest column (left
     * edges within a few letter heights: centred headings wander), then the
     * lowest of them. */
    double column = -1e9;
    for (int k = 0; k < n; k++)
        if (hs[k].y - 1.5 * hs[k].h <= y && hs[k].left - 2 * hs[k].h <= x && hs[k].left > column)
            column = hs[k].left;
    const header *owner = NULL;
    for (int k = 0; k < n; k++) {
        const header *h = &hs[k];
        if (h->y - 1.5 * h->h > y || h->left - 2 * h->h > x || h->left < column - 3 * h->h)
            continue;
        if (!owner || h->y > owner->y) owner = h;
    }
    return owner && owner->day == d;
}

static int entry_day(json_t *e)
{
    const char *day = json_string_value(json_object_get(e, "day"));
    for (int d = 0; day && d < 7; d++)
        if (!strcasecmp(day, day_forms[d][0])) return d;
    return -1;
}

static bool has_header(const header *hs, int n, int d)
{
    for (int k = 0; k < n; k++)
        if (hs[k].day == d) return true;
    return false;
}

/* Where is the entry's subject (its first word) printed? found: anywhere on
 * the page; placed: inside its day's region. Entries of a day with no
 * printed header are neither. */
static void locate(json_t *words, json_t *e, const header *hs, int n, bool across, bool *found,
                   bool *placed)
{
    const char *subject = json_string_value(json_object_get(e, "subject"));
    int d = entry_day(e);
    char first[64], w[64];
    size_t len = subject ? strcspn(subject, " \t\n/") : 0;
    if (len == 0 || len >= sizeof first || !has_header(hs, n, d)) return;
    memcpy(w, subject, len);
    w[len] = '\0';
    squeeze_word(w, first, sizeof first);
    if (strlen(first) < 2) return;
    size_t i;
    json_t *o;
    json_array_foreach(words, i, o) {
        squeeze_word(json_string_value(json_object_get(o, "text")), w, sizeof w);
        if (strcmp(w, first) != 0) continue;
        *found = true;
        double x = num(o, "x") + num(o, "w") / 2, y = num(o, "y") + num(o, "h") / 2;
        if (in_region(hs, n, across, d, x, y)) {
            *placed = true;
            return;
        }
    }
}

/* Is this entry a period printed once across every day (a break, lunch,
 * registration in a merged cell)? Then its text stands in one day's region
 * only, and its placement says nothing. */
static bool spans_days(json_t *entries, json_t *e)
{
    const char *subject = json_string_value(json_object_get(e, "subject"));
    const char *start = json_string_value(json_object_get(e, "start"));
    const char *end = json_string_value(json_object_get(e, "end"));
    if (!subject || !start || !end) return false;
    int days = 0;
    size_t i;
    json_t *o;
    json_array_foreach(entries, i, o) {
        const char *s = json_string_value(json_object_get(o, "subject"));
        const char *a = json_string_value(json_object_get(o, "start"));
        const char *b = json_string_value(json_object_get(o, "end"));
        days += s && a && b && !strcasecmp(s, subject) && !strcmp(a, start) && !strcmp(b, end);
    }
    return days >= 3;
}

double llm_placement(json_t *tt, json_t *ocr)
{
    json_t *words = json_object_get(json_array_get(json_object_get(ocr, "pages"), 0), "words");
    json_t *entries = json_object_get(tt, "entries");
    header hs[7];
    bool across = false;
    int n = find_headers(words, hs, &across);
    if (n < 2) return -1;
    if (across) qsort(hs, (size_t)n, sizeof *hs, by_x);

    size_t found = 0, placed = 0, i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        bool f = false, p = false;
        if (spans_days(entries, e)) continue;
        locate(words, e, hs, n, across, &f, &p);
        found += f;
        placed += p;
    }
    return found ? (double)placed / (double)found : -1;
}
