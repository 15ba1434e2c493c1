/*
 * timedcells.c — a grid whose cells print their own times, with no time
 * header (lesson numbers, or nothing, across the top).
 *
 * The days are found as for any grid (headers.c). Each day owns a band
 * along the day axis, from half way to the day before to half way to the
 * day after. The phrases in a band beyond the day labels are clustered
 * into cells along the time axis (phrases whose extents overlap are one
 * cell: subject, class, time stacked). A cell holding a time is an entry
 * at that time (the 12-hour reading nearest the day's previous end); its
 * other words are the subject, class and room (cells.c).
 *
 * A cell without a time between two timed ones of its day (RECESS, LUNCH
 * BREAK) takes the end of the one before and the start of the one after —
 * times taken, not read, so the entry is marked guessed. A cell printed
 * once for every day (text alone in its stretch of the time axis: a break
 * merged down all days, with or without its own time) is everyone's —
 * with its own time, only when no other day prints a time overlapping it.
 * Invariant: every entry's start and end come from a printed time, or from
 * the neighbouring printed times (guessed).
 */
#include <stdlib.h>
#include <string.h>

#include "tt.h"

#define MAX_CELLS 64

typedef struct tcell {
    int idx[TT_PIECE_WORDS], n;
    int t0, t1, d0, d1;
    int start, end; /* -1 without a printed time */
} tcell;

typedef struct tday {
    tcell cell[MAX_CELLS];
    int n;
} tday;

/* A rule across the time axis between t = a and t = b (a < b), over the
 * stretch d0..d1 of the day axis. */
static bool rule_across(const tt_page *page, bool rows, int a, int b, int d0, int d1)
{
    if (!page->rules || b <= a)
        return false;
    return (rows ? tt_rules_vsep(page->rules, a, b, d0, d1, NULL)
                 : tt_rules_hsep(page->rules, a, b, d0, d1, NULL)) >= 0.5;
}

/* Whether a cell's words hold a time: two times are two cells. */
static bool has_time(const tt_page *page, const tcell *c)
{
    char text[TT_TEXT * 2];
    tt_time_range tr;
    tt_words_text(page, c->idx, c->n, text, sizeof text);
    return tt_find_time_range(text, &tr) >= 0;
}

/* The phrases of band lo..hi along d, beyond t = from, as cells: phrases
 * overlapping along t, or stacked along it (a cell of a column of days:
 * subject, room, time) less than one and a half text heights apart with
 * no rule between, are one cell — but never two times: two times are two
 * cells. */
static void band_cells(tt_page *page, bool rows, int lo, int hi, int from, tday *out)
{
    int slack = page->median_h * 3 / 2;
    out->n = 0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        tt_box b = tt_box_of(rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        int dc = (b.d0 + b.d1) / 2;
        if (dc < lo || dc >= hi || b.t0 < from || page->words[page->order[l->first]].used)
            continue;
        if (out->n == MAX_CELLS)
            continue;
        tcell *tc = &out->cell[out->n++];
        *tc = (tcell){.t0 = b.t0, .t1 = b.t1, .d0 = b.d0, .d1 = b.d1, .start = -1, .end = -1};
        for (int k = 0; k < l->count && tc->n < TT_PIECE_WORDS; k++)
            tc->idx[tc->n++] = page->order[l->first + k];
        for (int k = 0; k < l->count; k++)
            page->words[page->order[l->first + k]].used = true;
    }
    /* Join until no two cells are near: a phrase may link two cells met
     * before it. */
    for (bool joined = true; joined;) {
        joined = false;
        for (int a = 0; a < out->n; a++)
            for (int k = a + 1; k < out->n; k++) {
                tcell *p = &out->cell[a], *o = &out->cell[k];
                if (p->t0 >= o->t1 + slack || o->t0 - slack >= p->t1 ||
                    (has_time(page, p) && has_time(page, o)) ||
                    rule_across(page, rows, p->t0 > o->t1 ? o->t1 : p->t1,
                                p->t0 > o->t1 ? p->t0 : o->t0, lo, hi))
                    continue;
                for (int q = 0; q < o->n && p->n < TT_PIECE_WORDS; q++)
                    p->idx[p->n++] = o->idx[q];
                if (o->t0 < p->t0) p->t0 = o->t0;
                if (o->t1 > p->t1) p->t1 = o->t1;
                if (o->d0 < p->d0) p->d0 = o->d0;
                if (o->d1 > p->d1) p->d1 = o->d1;
                *o = out->cell[--out->n];
                joined = true, k--;
            }
    }
}

static int cmp_cell_t(const void *a, const void *b)
{
    const tcell *p = a, *q = b;
    return (p->t0 > q->t0) - (p->t0 < q->t0);
}

/* Nothing but codes ("G15 8D2") or nothing at all: every word holds a
 * digit. */
static bool no_subject(const tt_page *page, const tcell *c)
{
    for (int k = 0; k < c->n; k++)
        if (!strpbrk(page->words[c->idx[k]].text, "0123456789"))
            return false;
    return true;
}

/* A time alone in its cell (or with codes) takes the text just before it along t (the
 * subject over its time, spaced wider than a line), unless a rule
 * separates them or the text has a time of its own. */
static void take_subject(const tt_page *page, bool rows, tday *day, int k)
{
    tcell *c = &day->cell[k], *p = &day->cell[k - 1];
    int gap = c->t0 - p->t1;
    if (p->start >= 0 || p->n == 0 || gap > 2 * page->median_h ||
        rule_across(page, rows, p->t1, c->t0, c->d0 < p->d0 ? c->d0 : p->d0,
                    c->d1 > p->d1 ? c->d1 : p->d1))
        return;
    int idx[TT_PIECE_WORDS], n = 0;
    for (int q = 0; q < p->n && n < TT_PIECE_WORDS; q++)
        idx[n++] = p->idx[q];
    for (int q = 0; q < c->n && n < TT_PIECE_WORDS; q++)
        idx[n++] = c->idx[q];
    memcpy(c->idx, idx, sizeof *idx * (size_t)n);
    c->n = n, c->t0 = p->t0;
    p->n = 0;
}

/* Printed times, read in order along the day (12-hour readings nearest
 * the previous end). Returns the cells holding one. */
static int read_times(const tt_page *page, bool rows, tday *day)
{
    qsort(day->cell, (size_t)day->n, sizeof *day->cell, cmp_cell_t);
    int prev = 9 * 60, timed = 0;
    for (int k = 0; k < day->n; k++) {
        tcell *c = &day->cell[k];
        int s, e, keep[TT_PIECE_WORDS], m = c->n;
        memcpy(keep, c->idx, sizeof *keep * (size_t)m);
        if (tt_cell_time(page, keep, &m, prev, &s, &e) < 0 || e < 0 || e <= s)
            continue;
        memcpy(c->idx, keep, sizeof *keep * (size_t)m);
        c->n = m, c->start = s, c->end = e, prev = e;
        timed++;
        if (k > 0 && no_subject(page, c))
            take_subject(page, rows, day, k);
    }
    return timed;
}

/* Whether a cell of another day overlaps t0..t1: text alone in its
 * stretch of the time axis is printed once for everyone. */
static bool alone(const tday *days, int nd, int self, const tcell *c)
{
    for (int i = 0; i < nd; i++)
        for (int k = 0; i != self && k < days[i].n; k++)
            if (days[i].cell[k].n > 0 && days[i].cell[k].t0 < c->t1 && c->t0 < days[i].cell[k].t1)
                return false;
    return true;
}

/* The printed times of day i just before and after t0..t1. */
static bool between(const tday *day, int t0, int t1, int *start, int *end)
{
    *start = *end = -1;
    for (int k = 0; k < day->n; k++) {
        const tcell *c = &day->cell[k];
        if (c->start < 0)
            continue;
        if (c->t1 <= t0 + 1 && (*start < 0 || c->end > *start))
            *start = c->end;
        if (c->t0 >= t1 - 1 && (*end < 0 || c->start < *end))
            *end = c->start;
    }
    return *start >= 0 && *end > *start;
}

/* Whether no other day prints a time overlapping start..end: a block
 * printed once for every day leaves the other days free then. */
static bool others_free(const tday *days, int nd, int self, int start, int end)
{
    for (int i = 0; i < nd; i++)
        for (int k = 0; i != self && k < days[i].n; k++) {
            const tcell *o = &days[i].cell[k];
            if (o->start >= 0 && o->start < end && start < o->end)
                return false;
        }
    return true;
}

static void emit(tt_page *page, int day, const tcell *c, int start, int end, bool guessed,
                 tt_result *res)
{
    if (res->nentries == TT_MAX_ENTRIES)
        return;
    tt_entry e = {0};
    tt_cell_fill(page, c->idx, c->n, &e);
    if (!e.subject[0])
        return;
    e.day = day, e.start = start, e.end = end, e.guessed = guessed;
    for (int k = 0; k < c->n; k++)
        e.disputed |= page->words[c->idx[k]].disputed;
    res->entries[res->nentries++] = e;
}

static void emit_days(tt_page *page, const tt_day_hdr *hd, tday *days, int nd, tt_result *res)
{
    for (int i = 0; i < nd; i++)
        for (int k = 0; k < days[i].n; k++) {
            const tcell *c = &days[i].cell[k];
            bool all = alone(days, nd, i, c);
            if (c->start >= 0) {
                all = all && others_free(days, nd, i, c->start, c->end);
                for (int j = 0; j < nd; j++)
                    if (j == i || all)
                        emit(page, hd[j].day, c, c->start, c->end, false, res);
                res->ev.slots++;
                continue;
            }
            for (int j = 0; j < nd; j++) {
                int s, e;
                if ((j == i || all) && between(&days[j], c->t0, c->t1, &s, &e))
                    emit(page, hd[j].day, c, s, e, true, res);
            }
        }
}

/* Phrases holding a time whose centre lies in lo..hi along d, beyond t =
 * from; -1 when a phrase there reaches into the day labels' column (a
 * note under the table, not a row of cells). */
static int times_in_band(const tt_page *page, bool rows, int lo, int hi, int from)
{
    int n = 0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        tt_box b = tt_box_of(rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        int dc = (b.d0 + b.d1) / 2;
        if (dc < lo || dc >= hi)
            continue;
        if (b.t0 < from)
            return -1;
        char text[TT_TEXT];
        tt_time_range tr;
        tt_line_text(page, l, text, sizeof text);
        n += tt_find_time_range(text, &tr) >= 0;
    }
    return n;
}

/* Day i made from day `from` moved by `by` along d: a day whose name OCR
 * lost. */
static void put_day(tt_day_hdr *hd, int *nd, int i, int from, int day, int by)
{
    tt_day_hdr m = hd[from];
    m.day = day, m.line = -1;
    m.box.d0 += by, m.box.d1 += by;
    memmove(hd + i + 1, hd + i, sizeof *hd * (size_t)(*nd - i));
    hd[i] = m;
    (*nd)++;
}

/* Days whose names OCR lost (FRI unread under THU): a band a day's pitch
 * beyond the last day found, or before the first, or between two found
 * days that skip one, holding printed times in two cells or more is that
 * day's. */
static int infer_days(const tt_page *page, bool rows, tt_day_hdr *hd, int nd, int from,
                      tt_evidence *ev)
{
    if (nd < 2 || hd[nd - 1].day <= hd[0].day)
        return nd;
    int c0 = (hd[0].box.d0 + hd[0].box.d1) / 2, c1 = (hd[nd - 1].box.d0 + hd[nd - 1].box.d1) / 2;
    int pitch = (c1 - c0) / (hd[nd - 1].day - hd[0].day);
    if (pitch <= 0)
        return nd;
    for (int i = 1; i < nd && nd < TT_MAX_DAYS; i++) {
        int a = (hd[i - 1].box.d0 + hd[i - 1].box.d1) / 2;
        if (hd[i].day == hd[i - 1].day + 2 &&
            times_in_band(page, rows, a + pitch / 2, a + pitch * 3 / 2, from) >= 2)
            put_day(hd, &nd, i, i - 1, hd[i - 1].day + 1, pitch), ev->days_inferred++;
    }
    if (nd < TT_MAX_DAYS && hd[nd - 1].day < 6 &&
        times_in_band(page, rows, c1 + pitch / 2, c1 + pitch * 3 / 2, from) >= 2)
        put_day(hd, &nd, nd, nd - 1, hd[nd - 1].day + 1, pitch), ev->days_inferred++;
    if (nd < TT_MAX_DAYS && hd[0].day > 0 &&
        times_in_band(page, rows, c0 - pitch * 3 / 2, c0 - pitch / 2, from) >= 2)
        put_day(hd, &nd, 0, 0, hd[0].day - 1, -pitch), ev->days_inferred++;
    return nd;
}

int tt_build_timed_cells(tt_page *page, tt_result *res)
{
    tt_day_hdr hd[TT_MAX_DAYS];
    bool rows = true;
    int nd = tt_find_days(page, hd, &rows);
    if (nd < 2)
        return -1;
    int from = 0, timed = 0;
    for (int i = 0; i < nd; i++)
        if (hd[i].box.t1 > from)
            from = hd[i].box.t1;
    nd = infer_days(page, rows, hd, nd, from, &res->ev);
    tday *days = calloc((size_t)nd, sizeof *days);
    if (!days)
        return -1;
    for (int i = 0; i < nd; i++) {
        int c = (hd[i].box.d0 + hd[i].box.d1) / 2;
        int before = i > 0 ? (hd[i - 1].box.d0 + hd[i - 1].box.d1) / 2 : -1;
        int after = i + 1 < nd ? (hd[i + 1].box.d0 + hd[i + 1].box.d1) / 2 : -1;
        int half = (after >= 0 ? after - c : c - before) / 2;
        band_cells(page, rows, before >= 0 ? (before + c) / 2 : c - half,
                   after >= 0 ? (c + after) / 2 : c + half, from, &days[i]);
        timed += read_times(page, rows, &days[i]);
    }
    res->nentries = 0;
    if (timed >= 2 * nd)
        emit_days(page, hd, days, nd, res);
    free(days);
    if (res->nentries == 0)
        return -1;
    for (int i = 0; i < nd; i++)
        if (hd[i].line >= 0)
            page->words[page->order[page->lines[hd[i].line].first]].used = true;
    res->ev.days_found = nd;
    res->ev.days_in_order = res->ev.days_consecutive = true;
    for (int i = 1; i < nd; i++) {
        res->ev.days_in_order &= hd[i].day > hd[i - 1].day;
        res->ev.days_consecutive &= hd[i].day == hd[i - 1].day + 1;
    }
    res->ev.times_increasing = true;
    res->ev.unproven = true;
    res->layout = rows ? "days_rows_timed_cells" : "days_cols_timed_cells";
    int top = page->height;
    for (int i = 0; i < nd; i++)
        if (hd[i].line >= 0 && page->lines[hd[i].line].y0 < top)
            top = page->lines[hd[i].line].y0;
    tt_set_title(page, res, top);
    return 0;
}
