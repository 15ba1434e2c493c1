/*
 * spans.c — what time a grid cell really covers.
 *
 * A grid's header gives each column (or row) a time band, but real cells
 * do not always keep to the bands:
 *   - a time printed inside a cell ("1:30 - 2:30", "2.50") wins over its
 *     column's: the teacher wrote it because the block does not fit the
 *     header;
 *   - a cell may be split by a rule that no header edge explains (two
 *     lessons in one column, a lesson running on into the next column):
 *     each part is a cell of its own, its edges give its times;
 *   - an edge that is no header edge takes its time from the neighbour's
 *     printed time ("Maths" ends where "10.30-11.15 Music" starts... or
 *     the other way round), else from its place inside the band (linear in
 *     the band's width, rounded to five minutes) — a guess, so the entry's
 *     confidence says so.
 * Invariants: a span's start and end are either read (a header or a
 * printed time) or interpolated, never left unknown; interpolated ones set
 * tt_entry.guessed.
 */
#include <stdlib.h>
#include <string.h>

#include "tt.h"

static const tt_page *sort_page;
static int cmp_reading(const void *a, const void *b)
{
    const tt_word *p = &sort_page->words[*(const int *)a], *q = &sort_page->words[*(const int *)b];
    int h = (p->h < q->h ? p->h : q->h) / 2;
    int pc = p->y + p->h / 2, qc = q->y + q->h / 2;
    if (pc < qc - h)
        return -1;
    if (pc > qc + h)
        return 1;
    return (p->x > q->x) - (p->x < q->x);
}

/* A 12-hour reading of t (no am/pm written) nearest to the time `near`. */
static int nearest_12h(int t, bool ampm, int near)
{
    if (ampm || t < 0 || t >= 13 * 60)
        return t;
    int pm = t + 12 * 60;
    return abs(pm - near) < abs(t - near) && pm <= 20 * 60 ? pm : t;
}

int tt_cell_time(const tt_page *page, int *idx, int *n, int near, int *start, int *end)
{
    *start = *end = -1;
    if (*n <= 0 || *n > 256)
        return -1;
    sort_page = page;
    qsort(idx, (size_t)*n, sizeof *idx, cmp_reading);
    char text[TT_TEXT * 2];
    int pos[256], used = 0;
    text[0] = '\0';
    for (int k = 0; k < *n; k++) {
        const char *w = page->words[idx[k]].text;
        size_t wl = strlen(w);
        if ((size_t)used + wl + 2 >= sizeof text)
            break;
        pos[k] = used;
        memcpy(text + used, w, wl);
        used += (int)wl;
        text[used++] = ' ';
        text[used] = '\0';
    }
    tt_time_range tr;
    int at = tt_find_time_range(text, &tr);
    if (at < 0)
        return -1;
    *start = nearest_12h(tr.start, tr.start_ampm, near);
    if (tr.end >= 0) {
        *end = nearest_12h(tr.end, tr.end_ampm, *start);
        if (*end <= *start && *end + 12 * 60 <= 20 * 60 && !tr.end_ampm)
            *end += 12 * 60;
    }
    /* The time's words (and a dash left between them) are no subject. */
    int kept = 0;
    for (int k = 0; k < *n; k++) {
        int p = k < 256 ? pos[k] : used;
        bool in_time = p >= at && p < at + tr.chars_used;
        if (!in_time)
            idx[kept++] = idx[k];
    }
    *n = kept;
    return 0;
}

/* The time of an edge at t of the band edges tb[0..ns] (time axis), as a
 * start (is_start) or an end; -1 when t is no band edge. */
static int edge_time(const tt_grid *g, const int *tb, int ns, int t, int tol, bool is_start)
{
    for (int j = 0; j <= ns; j++) {
        if (abs(t - tb[j]) > tol)
            continue;
        if (is_start)
            return j < ns ? g->slots[j].start : -1;
        return j > 0 ? tt_slot_end(g, j - 1) : -1;
    }
    return -1;
}

/* The time at t inside the bands, in proportion: a guess. */
static int place_time(const tt_grid *g, const int *tb, int ns, int t)
{
    for (int j = 0; j < ns; j++) {
        if (t < tb[j] || t > tb[j + 1] || tb[j + 1] <= tb[j])
            continue;
        int s = g->slots[j].start, e = tt_slot_end(g, j);
        int v = s + (int)((long)(t - tb[j]) * (e - s) / (tb[j + 1] - tb[j]));
        return (v + 2) / 5 * 5;
    }
    return -1;
}

int tt_span_cuts(const tt_page *page, const tt_grid *g, const int *tb, int smin, int smax,
                 int d0, int d1, int *cuts, int max)
{
    int h = page->median_h > 4 ? page->median_h : 4, n = 0;
    int dm = (d1 - d0) / 8;
    for (int p = tb[smin] + h; p + h <= tb[smax + 1] - h && n < max; p += h / 2) {
        int at = p;
        if (tt_time_sep(g, p, p + h / 2, d0 + dm, d1 - dm, &at) < 0.85)
            continue;
        if (at < tb[smin] + h || at > tb[smax + 1] - h)
            continue;
        if (n > 0 && at - cuts[n - 1] < h)
            continue;
        cuts[n++] = at;
    }
    return n;
}

void tt_span_times(const tt_grid *g, const int *tb, int ns, const int *edges, int nparts,
                   tt_part *parts, int tol)
{
    for (int k = 0; k < nparts; k++) {
        tt_part *p = &parts[k];
        p->guessed = false;
        if (p->start < 0)
            p->start = edge_time(g, tb, ns, edges[k], tol, true);
        if (p->end < 0)
            p->end = edge_time(g, tb, ns, edges[k + 1], tol, false);
    }
    /* A neighbour's printed time gives the shared edge. */
    for (int k = 0; k < nparts; k++) {
        if (parts[k].start < 0 && k > 0 && parts[k - 1].end >= 0 && parts[k - 1].has_words)
            parts[k].start = parts[k - 1].end;
        if (parts[k].end < 0 && k + 1 < nparts && parts[k + 1].start >= 0)
            parts[k].end = parts[k + 1].start;
    }
    for (int k = 0; k < nparts; k++) {
        tt_part *p = &parts[k];
        if (p->start < 0)
            p->start = place_time(g, tb, ns, edges[k]), p->guessed = true;
        if (p->end < 0)
            p->end = place_time(g, tb, ns, edges[k + 1]), p->guessed = true;
    }
}
