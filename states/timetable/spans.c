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
    tt_sort_reading(page, idx, *n);
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
        bool in_time = p >= at && p < tr.chars_used;
        if (!in_time)
            idx[kept++] = idx[k];
    }
    *n = kept;
    return 0;
}

/* The band holding t: j with tb[j] <= t < tb[j+1], or -1. */
static int band_at(const int *tb, int ns, int t)
{
    for (int j = 0; j < ns; j++)
        if (t >= tb[j] && t < tb[j + 1])
            return j;
    return t == tb[ns] ? ns - 1 : -1;
}

/* The header edge nearest t, within tol: its index 0..ns, or -1. */
static int edge_near(const int *tb, int ns, int t, int tol)
{
    int best = -1;
    for (int j = 0; j <= ns; j++)
        if (abs(t - tb[j]) <= tol && (best < 0 || abs(t - tb[j]) < abs(t - tb[best])))
            best = j;
    return best;
}

/* The time at t inside the bands, in proportion: a guess. */
static int place_time(const tt_grid *g, const int *tb, int ns, int t)
{
    int j = band_at(tb, ns, t);
    if (j < 0 || tb[j + 1] <= tb[j])
        return -1;
    int s = g->slots[j].start, e = tt_slot_end(g, j);
    int v = s + (int)((long)(t - tb[j]) * (e - s) / (tb[j + 1] - tb[j]));
    return (v + 2) / 5 * 5;
}

int tt_span_cuts(const tt_page *page, const tt_grid *g, int t0, int t1, int d0, int d1,
                 int *cuts, int max)
{
    int h = page->median_h > 4 ? page->median_h : 4, n = 0;
    int dm = (d1 - d0) / 8;
    for (int p = t0 + h; p + h / 2 <= t1 - h && n < max; p += h / 2) {
        int at = p;
        if (tt_time_sep(g, p, p + h / 2, d0 + dm, d1 - dm, &at) < 0.85)
            continue;
        if (at < t0 + h || at > t1 - h || (n > 0 && at - cuts[n - 1] < h))
            continue;
        cuts[n++] = at;
    }
    return n;
}

/* Time bands around the edge at t (the band holding it, and the one
 * before when t is on an edge): the span a neighbour's time must lie in to
 * be this edge's. */
static void bands_around(const tt_grid *g, const int *tb, int ns, int t, int tol, int *lo,
                         int *hi)
{
    int j = band_at(tb, ns, t), e = edge_near(tb, ns, t, tol);
    *lo = *hi = -1;
    if (j < 0)
        return;
    int a = j, b = j;
    if (e >= 1 && e - 1 < a) a = e - 1;
    if (e >= 0 && e < ns && e > b) b = e;
    *lo = g->slots[a].start, *hi = tt_slot_end(g, b);
}

/* The printed time of a neighbour sharing the edge at t, on the given
 * side (left: its end; right: its start), lying in the bands around t. */
static int neighbour_time(const tt_grid *g, const int *tb, int ns, const tt_pieces *ps,
                          const tt_piece *pc, int t, bool left, int tol)
{
    int lo, hi;
    bands_around(g, tb, ns, t, tol, &lo, &hi);
    for (int k = 0; k < ps->n; k++) {
        const tt_piece *q = &ps->p[k];
        if (q == pc || q->dmin > pc->dmax || q->dmax < pc->dmin)
            continue;
        int v = left ? q->printed_end : q->printed_start;
        int edge = left ? q->t1 : q->t0;
        if (v >= 0 && abs(edge - t) <= tol && v >= lo && v <= hi)
            return v;
    }
    return -1;
}

/* One edge's time: a header edge right at it (within half a text
 * height), a neighbour's printed time, a header edge near it (within a
 * text height), else proportion. */
static int edge_time(const tt_page *page, const tt_grid *g, const int *tb, int ns,
                     const tt_pieces *ps, tt_piece *pc, bool is_start)
{
    int t = is_start ? pc->t0 : pc->t1, tol = page->median_h;
    for (int pass = 0; pass < 2; pass++) {
        int e = edge_near(tb, ns, t, pass ? tol : tol / 2);
        if (e >= 0 && is_start && e < ns)
            return g->slots[e].start;
        if (e >= 1 && !is_start)
            return tt_slot_end(g, e - 1);
        int v = pass ? -1 : neighbour_time(g, tb, ns, ps, pc, t, is_start, tol);
        if (v >= 0)
            return v;
    }
    pc->guessed = true;
    return place_time(g, tb, ns, t);
}

void tt_piece_times(const tt_page *page, const tt_grid *g, const int *tb, int ns, tt_pieces *ps)
{
    for (int k = 0; k < ps->n; k++) {
        tt_piece *pc = &ps->p[k];
        int near = place_time(g, tb, ns, pc->t0), far = place_time(g, tb, ns, pc->t1 - 1);
        int s, e;
        pc->printed_start = pc->printed_end = -1;
        for (int q = 0; q < pc->n; q++)
            pc->disputed |= page->words[pc->idx[q]].disputed;
        int keep[TT_PIECE_WORDS], m = pc->n;
        memcpy(keep, pc->idx, sizeof *keep * (size_t)m);
        if (near < 0 || tt_cell_time(page, keep, &m, near, &s, &e) < 0 || m == 0)
            continue;
        /* A time far from where the cell is belongs to some note. */
        if (s < near - 45 || s >= far + 5 || (e >= 0 && (e <= s || e > far + 60)))
            continue;
        memcpy(pc->idx, keep, sizeof *keep * (size_t)m);
        pc->n = m;
        pc->printed_start = s, pc->printed_end = e;
    }
    for (int k = 0; k < ps->n; k++) {
        tt_piece *pc = &ps->p[k];
        pc->start = pc->printed_start >= 0 ? pc->printed_start : edge_time(page, g, tb, ns, ps, pc, true);
        pc->end = pc->printed_end >= 0 ? pc->printed_end : edge_time(page, g, tb, ns, ps, pc, false);
        if (pc->end <= pc->start && pc->printed_start < 0) /* a neighbour's time misled */
            pc->start = place_time(g, tb, ns, pc->t0), pc->guessed = true;
    }
}
