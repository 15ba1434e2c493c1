/*
 * headers.c — the day and time headers of a grid.
 *
 * Days: a phrase that is one day name ("Monday", "TUE", "Thu.") or one day
 * letter (M Tu W Th F). The days of a table line up: down one column when
 * days are rows, along one row when they are columns. For each orientation
 * and each candidate as a seed, the candidates whose boxes overlap the seed
 * across the run are taken in reading order and kept while the day
 * increases; the longest run wins. Letters need a run of four (a lone "M"
 * or "F" is any word), and resolve T and S by order (T after M is Tuesday).
 * A run of names takes the letters in line with it that fit between its
 * names by order (a column of names OCR read only partly).
 *
 * Times: with days as rows, the time header is a row of times above the
 * first day and to the right of the day column; with days as columns, a
 * column of times left of the first day and below the day row. Expressed on
 * the time axis t and the day axis d (tt_box) the two are one rule: before
 * the first day along d, beyond the days along t. Candidates sharing a band
 * of d are one header; the largest wins.
 */
#include <stdlib.h>
#include <string.h>

#include "tt.h"

tt_box tt_box_of(bool days_as_rows, int x, int y, int w, int h)
{
    if (days_as_rows)
        return (tt_box){x, x + w, y, y + h};
    return (tt_box){y, y + h, x, x + w};
}

typedef struct day_cand {
    int day;  /* 0..6, or -2 (T), -3 (S) */
    bool letter;
    int line;
    int x0, y0, x1, y1;
} day_cand;

static int collect_day_candidates(const tt_page *page, day_cand *c, int max)
{
    int n = 0;
    for (int li = 0; li < page->nlines && n < max; li++) {
        const tt_line *l = &page->lines[li];
        if (l->count != 1)
            continue;
        const char *t = page->words[page->order[l->first]].text;
        int d = tt_day_of(t);
        bool letter = false;
        if (d < 0) {
            d = tt_day_letter(t);
            letter = true;
        }
        if (d == -1)
            continue;
        c[n++] = (day_cand){d, letter, li, l->x0, l->y0, l->x1, l->y1};
    }
    return n;
}

/* qsort has no context argument; a worker runs one task at a time. */
static const day_cand *sort_base;
static bool sort_rows;
static int cmp_cand_pos(const void *a, const void *b)
{
    const day_cand *p = &sort_base[*(const int *)a], *q = &sort_base[*(const int *)b];
    int u = sort_rows ? p->y0 : p->x0, v = sort_rows ? q->y0 : q->x0;
    return (u > v) - (u < v);
}

/* The run seeded by candidate s; returns its length, fills run[] with
 * candidate indices and days[] with the resolved days. */
static int run_from(const day_cand *c, int n, int s, bool rows, int *run, int *days)
{
    /* Members overlap the seed or, transitively, another member: a row of
     * days on a slightly skewed page drifts by more than a text height. */
    int members[64], m = 1;
    bool in[64] = {false};
    members[0] = s;
    in[s] = true;
    for (int k = 0; k < m; k++) {
        const day_cand *a = &c[members[k]];
        for (int j = 0; j < n && m < 64; j++) {
            int slack = (a->y1 - a->y0) / 2;
            bool overlap = rows ? (c[j].x0 < a->x1 && a->x0 < c[j].x1)
                                : (c[j].y0 < a->y1 + slack && a->y0 - slack < c[j].y1);
            if (!in[j] && overlap && c[j].letter == a->letter)
                members[m++] = j, in[j] = true;
        }
    }
    sort_base = c;
    sort_rows = rows;
    qsort(members, (size_t)m, sizeof *members, cmp_cand_pos);
    int len = 0, prev = -1;
    for (int k = 0; k < m; k++) {
        int d = c[members[k]].day;
        if (d == -2)
            d = prev < 1 ? 1 : 3;
        else if (d == -3)
            d = prev < 5 ? 5 : 6;
        if (d <= prev)
            continue;
        run[len] = members[k];
        days[len++] = d;
        prev = d;
    }
    if (c[s].letter && len < 4)
        return 0;
    return len;
}

/* Whether candidate j lines up with the run: in its column (days as
 * rows) or its row (days as columns). */
static bool in_line_with_run(const day_cand *c, const int *run, int len, int j, bool rows)
{
    for (int k = 0; k < len; k++) {
        const day_cand *a = &c[run[k]];
        if (rows ? (c[j].x0 < a->x1 && a->x0 < c[j].x1) : (c[j].y0 < a->y1 && a->y0 < c[j].y1))
            return true;
    }
    return false;
}

/* A run of day names with letters beside it in line: a column of names
 * spelled one letter per line that OCR read only partly (MON, then "T"
 * alone where TUE stood, WED, "T" for THU). A letter fills the place
 * between two names, or after the last, when its day fits there by order
 * and by position: the run's days stay increasing down (or along) the
 * line. Returns the new length; run and days are kept in position order. */
static int fill_with_letters(const day_cand *c, int n, bool rows, int *run, int *days, int len)
{
    for (int j = 0; j < n && len < TT_MAX_DAYS; j++) {
        if (!c[j].letter || !in_line_with_run(c, run, len, j, rows))
            continue;
        int pos = rows ? c[j].y0 : c[j].x0, at = 0;
        while (at < len && (rows ? c[run[at]].y0 : c[run[at]].x0) < pos)
            at++;
        int prev = at > 0 ? days[at - 1] : -1, next = at < len ? days[at] : TT_MAX_DAYS;
        if (at == 0)
            continue; /* before the first name: nothing anchors it */
        int d = c[j].day;
        if (d == -2)
            d = prev < 1 ? 1 : 3;
        else if (d == -3)
            d = prev < 5 ? 5 : 6;
        if (d <= prev || d >= next)
            continue;
        memmove(run + at + 1, run + at, sizeof *run * (size_t)(len - at));
        memmove(days + at + 1, days + at, sizeof *days * (size_t)(len - at));
        run[at] = j, days[at] = d;
        len++;
    }
    return len;
}

int tt_find_days(tt_page *page, tt_day_hdr *out, bool *as_rows)
{
    day_cand c[64];
    int n = collect_day_candidates(page, c, 64);
    int best = 0, best_run[64], best_days[64];
    for (int o = 0; o < 2; o++) {
        bool rows = o == 0;
        for (int s = 0; s < n; s++) {
            int run[64], days[64];
            int len = run_from(c, n, s, rows, run, days);
            if (len > best) {
                best = len;
                *as_rows = rows;
                memcpy(best_run, run, sizeof run);
                memcpy(best_days, days, sizeof days);
            }
        }
    }
    if (best >= 2 && !c[best_run[0]].letter)
        best = fill_with_letters(c, n, *as_rows, best_run, best_days, best);
    if (best > TT_MAX_DAYS)
        best = TT_MAX_DAYS;
    for (int k = 0; k < best; k++) {
        const day_cand *d = &c[best_run[k]];
        out[k].day = best_days[k];
        out[k].line = d->line;
        out[k].box = tt_box_of(*as_rows, d->x0, d->y0, d->x1 - d->x0, d->y1 - d->y0);
    }
    return best;
}

bool tt_line_is_time(const tt_page *page, int line, tt_time_range *tr)
{
    char text[TT_TEXT];
    tt_line_text(page, &page->lines[line], text, sizeof text);
    if (tt_parse_time_range(text, tr))
        return true;
    return page->lines[line].count <= 4 && tt_find_time_range(text, tr) >= 0;
}

static int cmp_slot_t(const void *a, const void *b)
{
    const tt_slot *p = a, *q = b;
    return (p->box.t0 > q->box.t0) - (p->box.t0 < q->box.t0);
}

static bool ends_with_separator(const char *t)
{
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (n >= 1 && t[n - 1] == '-')
        return true;
    if (n >= 3 && (strncmp(t + n - 3, "\xe2\x80\x93", 3) == 0 || strncmp(t + n - 3, "\xe2\x80\x94", 3) == 0))
        return true;
    return n >= 3 && strncmp(t + n - 3, " to", 3) == 0;
}

/* "9:15am -" over "10:00am" in one header cell: a range wrapped in two. */
static void join_wrapped_range(const tt_page *page, bool rows, tt_slot *s)
{
    char text[TT_TEXT];
    const tt_line *l = &page->lines[s->line];
    tt_line_text(page, l, text, sizeof text);
    if (!ends_with_separator(text))
        return;
    int h = l->y1 - l->y0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *u = &page->lines[li];
        if (u->y0 < l->y1 - h / 4 || u->y0 > l->y1 + h || u->x0 >= l->x1 || l->x0 >= u->x1)
            continue;
        tt_time_range tr;
        tt_line_text(page, u, text, sizeof text);
        if (!tt_parse_time_range(text, &tr) || tr.end >= 0)
            continue;
        s->end = tr.start;
        s->ampm_end = tr.start_ampm;
        s->line2 = li;
        tt_box b = tt_box_of(rows, u->x0, u->y0, u->x1 - u->x0, u->y1 - u->y0);
        if (b.t0 < s->box.t0) s->box.t0 = b.t0;
        if (b.t1 > s->box.t1) s->box.t1 = b.t1;
        if (b.d0 < s->box.d0) s->box.d0 = b.d0;
        if (b.d1 > s->box.d1) s->box.d1 = b.d1;
        return;
    }
}

/* "9 -" over "9.30", "10 -" over "10:15am": a range wrapped after its
 * dash whose first half is no time alone (a bare hour). The line below is
 * returned in *below. */
static bool wrapped_time(const tt_page *page, int li, tt_time_range *tr, int *below)
{
    char text[TT_TEXT], both[TT_TEXT * 2];
    const tt_line *l = &page->lines[li];
    tt_line_text(page, l, text, sizeof text);
    if (!ends_with_separator(text) || l->count > 3)
        return false;
    int h = l->y1 - l->y0;
    for (int ui = 0; ui < page->nlines; ui++) {
        const tt_line *u = &page->lines[ui];
        if (ui == li || u->y0 < l->y1 - h / 4 || u->y0 > l->y1 + h || u->x0 >= l->x1 ||
            l->x0 >= u->x1)
            continue;
        char next[TT_TEXT];
        tt_line_text(page, u, next, sizeof next);
        snprintf(both, sizeof both, "%s %s", text, next);
        if (tt_parse_time_range(both, tr) && tr->end >= 0) {
            *below = ui;
            return true;
        }
    }
    return false;
}

/* The box of line li from the word where its time starts: "Day/Time
 * 8:30am to 8:45am" (a corner label run into the first header) stands
 * where its time does, not over the day labels' column. */
static tt_box time_box(const tt_page *page, int li, bool rows)
{
    const tt_line *l = &page->lines[li];
    int first = 0;
    for (; first + 1 < l->count; first++) {
        char text[TT_TEXT];
        tt_time_range tr;
        tt_words_text(page, page->order + l->first + first, l->count - first, text, sizeof text);
        if (tt_find_time_range(text, &tr) == 0)
            break;
    }
    int x0 = page->words[page->order[l->first + first]].x;
    return tt_box_of(rows, x0, l->y0, l->x1 - x0, l->y1 - l->y0);
}

/* Time phrases in the header position relative to the days. */
static int header_candidates(tt_page *page, const tt_grid *g, tt_slot *cand, int max)
{
    int days_t1 = 0, first_d0 = (g->days[0].box.d0 + g->days[0].box.d1) / 2;
    for (int i = 0; i < g->ndays; i++)
        if (g->days[i].box.t1 > days_t1)
            days_t1 = g->days[i].box.t1;
    int n = 0;
    for (int li = 0; li < page->nlines && n < max; li++) {
        tt_box b = time_box(page, li, g->days_as_rows);
        if ((b.d0 + b.d1) / 2 >= first_d0 || b.t0 < days_t1 - page->median_h / 2)
            continue;
        tt_time_range tr;
        int below = -1;
        if (!tt_line_is_time(page, li, &tr) && !wrapped_time(page, li, &tr, &below))
            continue;
        cand[n] = (tt_slot){tr.start, tr.end, tr.start_ampm, tr.end_ampm, li, below, b, 0, 0};
        if (below >= 0) {
            const tt_line *u = &page->lines[below];
            tt_box ub = tt_box_of(g->days_as_rows, u->x0, u->y0, u->x1 - u->x0, u->y1 - u->y0);
            if (ub.t0 < cand[n].box.t0) cand[n].box.t0 = ub.t0;
            if (ub.t1 > cand[n].box.t1) cand[n].box.t1 = ub.t1;
            if (ub.d1 > cand[n].box.d1) cand[n].box.d1 = ub.d1;
        }
        if (tr.end < 0)
            join_wrapped_range(page, g->days_as_rows, &cand[n]);
        n++;
    }
    /* A line taken as the second half of a wrapped range is no header of
     * its own. */
    int kept = 0;
    for (int k = 0; k < n; k++) {
        bool second = false;
        for (int j = 0; j < n; j++)
            second |= cand[j].line2 == cand[k].line;
        if (!second)
            cand[kept++] = cand[k];
    }
    return kept;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

double tt_time_sep(const tt_grid *g, int pa, int pb, int s0, int s1, int *at)
{
    return g->days_as_rows ? tt_rules_vsep(g->rules, pa, pb, s0, s1, at)
                           : tt_rules_hsep(g->rules, pa, pb, s0, s1, at);
}

/* Which neighbouring starts are one cell's range with the dash lost
 * ("12:55   13:55")? With ruled headers: those with no rule between them,
 * when rules separate others. Without: those much closer together than
 * header cells are apart (the gaps fall in two groups). */
static void find_joins(const tt_grid *g, int text_h, bool *join)
{
    int n = g->nslots - 1, ruled = 0;
    bool rule[TT_MAX_SLOTS];
    int gaps[TT_MAX_SLOTS], sorted[TT_MAX_SLOTS];
    for (int j = 0; j < n; j++) {
        const tt_slot *a = &g->slots[j], *b = &g->slots[j + 1];
        int d0 = a->box.d0 < b->box.d0 ? a->box.d0 : b->box.d0;
        int d1 = a->box.d1 > b->box.d1 ? a->box.d1 : b->box.d1;
        rule[j] = tt_time_sep(g, a->box.t1, b->box.t0, d0, d1, NULL) >= 0.5;
        ruled += rule[j];
        sorted[j] = gaps[j] = b->box.t0 - a->box.t1;
        join[j] = false;
    }
    /* A lost dash leaves a gap of a few characters, never of a cell. */
    if (ruled >= 2 && ruled < n) {
        for (int j = 0; j < n; j++)
            join[j] = !rule[j] && gaps[j] < 2 * text_h;
        return;
    }
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_int);
    int cut = -1;
    for (int k = 1; k < n; k++)
        if (sorted[k - 1] > 0 && sorted[k] * 10 > sorted[k - 1] * 16 &&
            (cut < 0 || sorted[k] * sorted[cut - 1] > sorted[cut] * sorted[k - 1]))
            cut = k;
    for (int j = 0; cut > 0 && j < n; j++)
        join[j] = gaps[j] < sorted[cut] && gaps[j] < 2 * text_h;
}

static void join_close_starts(tt_grid *g, int text_h)
{
    if (g->nslots < 3)
        return;
    bool join[TT_MAX_SLOTS];
    find_joins(g, text_h, join);
    int out = 0;
    for (int j = 0; j < g->nslots; j++) {
        tt_slot *a = &g->slots[j], *b = j + 1 < g->nslots ? &g->slots[j + 1] : NULL;
        g->slots[out] = *a;
        if (b && join[j] && a->end < 0 && b->end < 0 && b->start > a->start) {
            tt_slot *m = &g->slots[out];
            m->end = b->start;
            m->ampm_end = b->ampm_start;
            m->line2 = b->line;
            m->box.t1 = b->box.t1;
            j++;
        }
        out++;
    }
    g->nslots = out;
}

/* The candidates sharing a band of d with seed s, transitively. */
static int cluster(const tt_slot *cand, int n, int s, bool *member)
{
    int queue[TT_MAX_SLOTS * 2], m = 1;
    memset(member, 0, sizeof *member * (size_t)n);
    queue[0] = s;
    member[s] = true;
    for (int k = 0; k < m; k++) {
        const tt_box *a = &cand[queue[k]].box;
        for (int j = 0; j < n; j++)
            if (!member[j] && cand[j].box.d0 < a->d1 && a->d0 < cand[j].box.d1)
                queue[m++] = j, member[j] = true;
    }
    return m;
}

int tt_find_time_header(tt_page *page, tt_grid *g)
{
    tt_slot cand[TT_MAX_SLOTS * 2];
    int n = header_candidates(page, g, cand, TT_MAX_SLOTS * 2);
    int best = 0, best_seed = -1;
    bool member[TT_MAX_SLOTS * 2], best_member[TT_MAX_SLOTS * 2];
    for (int s = 0; s < n; s++) {
        int m = cluster(cand, n, s, member);
        /* Equal sizes: the header nearest the days. */
        if (m > best || (m == best && best_seed >= 0 && cand[s].box.d1 > cand[best_seed].box.d1)) {
            best = m, best_seed = s;
            memcpy(best_member, member, sizeof member);
        }
    }
    if (best < 2)
        return -1;
    g->nslots = 0;
    for (int j = 0; j < n && g->nslots < TT_MAX_SLOTS; j++)
        if (best_member[j])
            g->slots[g->nslots++] = cand[j];
    qsort(g->slots, (size_t)g->nslots, sizeof *g->slots, cmp_slot_t);
    join_close_starts(g, page->median_h);
    int starts[TT_MAX_SLOTS], ends[TT_MAX_SLOTS];
    bool as[TT_MAX_SLOTS], ae[TT_MAX_SLOTS];
    for (int j = 0; j < g->nslots; j++) {
        starts[j] = g->slots[j].start, ends[j] = g->slots[j].end;
        as[j] = g->slots[j].ampm_start, ae[j] = g->slots[j].ampm_end;
    }
    tt_resolve_12h(starts, ends, as, ae, g->nslots);
    for (int j = 0; j < g->nslots; j++)
        g->slots[j].start = starts[j], g->slots[j].end = ends[j];
    return 0;
}
