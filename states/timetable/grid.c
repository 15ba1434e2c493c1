/*
 * grid.c — a grid timetable: bands, cells, merged cells, entries.
 *
 * Once the headers are known (headers.c), every day owns a band along the
 * day axis and every time header a band along the time axis. Band edges sit
 * on the ruling lines when the image has them (searched between the header
 * texts), else half way between neighbouring headers. The grid is ruled
 * when most interior edges are backed by a rule.
 *
 * Each body word goes to the virtual cell (day band x time band) holding
 * its centre. Virtual cells are then joined into merged cells:
 *   - ruled: two neighbouring cells are one when the separator between them
 *     is missing from the image (a double lesson; a break down every day);
 *   - borderless: a phrase that straddles a time edge joins the cells it
 *     covers (unless each part lines up with its own header: cells of
 *     narrow columns run together), and a break, lunch or registration
 *     alone in its time column covers every day.
 * Each merged cell holding words gives one entry per day it covers, from the
 * start of its first time band to the end of its last. A time header with
 * only a start ends where the next one starts.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tt.h"

#define RULE_PRESENT 0.5
#define SEP_PRESENT 0.5

typedef struct cells {
    int nd, ns;
    int parent[TT_MAX_DAYS * TT_MAX_SLOTS];
    int count[TT_MAX_DAYS * TT_MAX_SLOTS]; /* words in each virtual cell */
    int tb[TT_MAX_SLOTS + 1];              /* time edges */
    int db[TT_MAX_DAYS + 1];               /* day edges */
    int *cell_of;                          /* per word: cell or -1 */
    int tsep[TT_MAX_DAYS * TT_MAX_SLOTS];  /* where the rule right of (day, slot) runs */
} cells;

static int find_root(cells *c, int i)
{
    while (c->parent[i] != i)
        i = c->parent[i] = c->parent[c->parent[i]];
    return i;
}

static void unite(cells *c, int a, int b)
{
    a = find_root(c, a), b = find_root(c, b);
    if (a != b)
        c->parent[a < b ? b : a] = a < b ? a : b;
}

static double day_sep(const tt_grid *g, int pa, int pb, int s0, int s1, int *at)
{
    return g->days_as_rows ? tt_rules_hsep(g->rules, pa, pb, s0, s1, at)
                           : tt_rules_vsep(g->rules, pa, pb, s0, s1, at);
}

/* An edge between text ending at `before` and text starting at `after`:
 * on a rule found between them, else half way. Returns whether a rule was. */
static bool place_edge(const tt_grid *g, bool time_axis, int before, int after, int s0, int s1,
                       int *edge)
{
    if (after < before) {
        int m = (before + after) / 2;
        before = m - 2, after = m + 2;
    }
    *edge = (before + after) / 2;
    int at = *edge;
    double cov = time_axis ? tt_time_sep(g, before, after, s0, s1, &at)
                           : day_sep(g, before, after, s0, s1, &at);
    if (cov < RULE_PRESENT)
        return false;
    *edge = at;
    return true;
}

/* The extent of the headers: the time header along d, the day labels
 * along t, and the table's far ends. */
typedef struct extent {
    int hdr_d0, hdr_d1;   /* the time header, along the day axis */
    int days_t0, days_t1; /* the day labels, along the time axis */
    int far_d, far_t;     /* the last day's and the last header's far side */
} extent;

static extent extent_of(const tt_grid *g)
{
    extent x = {g->slots[0].box.d0, g->slots[0].box.d1, g->days[0].box.t0, g->days[0].box.t1,
                g->days[g->ndays - 1].box.d1, g->slots[g->nslots - 1].box.t1};
    for (int j = 0; j < g->nslots; j++) {
        if (g->slots[j].box.d0 < x.hdr_d0) x.hdr_d0 = g->slots[j].box.d0;
        if (g->slots[j].box.d1 > x.hdr_d1) x.hdr_d1 = g->slots[j].box.d1;
    }
    for (int i = 0; i < g->ndays; i++) {
        if (g->days[i].box.t0 < x.days_t0) x.days_t0 = g->days[i].box.t0;
        if (g->days[i].box.t1 > x.days_t1) x.days_t1 = g->days[i].box.t1;
    }
    return x;
}

/* Edges are searched along the whole table (header and body), so that a
 * rule through a solid header fill does not decide alone where it runs.
 * The outer edges lie beyond the first and last headers, as far from them
 * as the neighbouring edge when no rule is found. Returns interior edges
 * backed by a rule. */
static int place_time_edges(const tt_page *page, const tt_grid *g, const extent *x, cells *c)
{
    int found = 0, n = g->nslots;
    for (int j = 1; j < n; j++)
        found += place_edge(g, true, g->slots[j - 1].box.t1, g->slots[j].box.t0, x->hdr_d0,
                            x->far_d, &c->tb[j]);
    place_edge(g, true, x->days_t1, g->slots[0].box.t0, x->hdr_d0, x->far_d, &c->tb[0]);
    const tt_slot *last = &g->slots[n - 1];
    int margin = last->box.t0 - c->tb[n - 1];
    if (!place_edge(g, true, last->box.t1, last->box.t1 + margin + page->median_h, x->hdr_d0,
                    x->far_d, &c->tb[n]))
        c->tb[n] = last->box.t1 + margin;
    return found;
}

static int place_day_edges(const tt_page *page, const tt_grid *g, const extent *x, cells *c)
{
    int found = 0, n = g->ndays;
    for (int i = 1; i < n; i++)
        found += place_edge(g, false, g->days[i - 1].box.d1, g->days[i].box.d0, x->days_t0,
                            x->far_t, &c->db[i]);
    place_edge(g, false, x->hdr_d1, g->days[0].box.d0, x->days_t0, x->far_t, &c->db[0]);
    const tt_day_hdr *last = &g->days[n - 1];
    int margin = last->box.d0 - c->db[n - 1];
    if (!place_edge(g, false, last->box.d1, last->box.d1 + margin + page->median_h, x->days_t0,
                    x->far_t, &c->db[n]))
        c->db[n] = last->box.d1 + margin;
    return found;
}

/* Time bands much wider than the others: a header OCR lost, its column
 * taken into a neighbour's band. */
static int count_wide_bands(const cells *c)
{
    int widths[TT_MAX_SLOTS], n = c->ns, wide = 0;
    for (int j = 0; j < n; j++)
        widths[j] = c->tb[j + 1] - c->tb[j];
    for (int a = 1; a < n; a++) /* insertion sort: a few dozen at most */
        for (int b = a; b > 0 && widths[b - 1] > widths[b]; b--) {
            int t = widths[b];
            widths[b] = widths[b - 1], widths[b - 1] = t;
        }
    for (int j = 0; n >= 3 && j < n; j++)
        wide += (c->tb[j + 1] - c->tb[j]) * 10 > widths[n / 2] * 18;
    return wide;
}

static void place_edges(const tt_page *page, const tt_grid *g, cells *c, tt_evidence *ev)
{
    extent x = extent_of(g);
    int interior = (g->nslots - 1) + (g->ndays - 1);
    int found = place_time_edges(page, g, &x, c) + place_day_edges(page, g, &x, c);
    ev->rule_agreement = interior ? (double)found / interior : 0.0;
    ev->ruled = g->rules && interior >= 2 && ev->rule_agreement >= 0.75;
    ev->wide_bands = count_wide_bands(c);
}

static int band_of(const int *edges, int n, int v)
{
    if (v < edges[0] || v >= edges[n])
        return -1;
    for (int k = 0; k < n; k++)
        if (v < edges[k + 1])
            return k;
    return -1;
}

static bool is_header_line(const tt_grid *g, int line)
{
    if (line < 0)
        return false;
    for (int i = 0; i < g->ndays; i++)
        if (g->days[i].line == line)
            return true;
    for (int j = 0; j < g->nslots; j++)
        if (g->slots[j].line == line || g->slots[j].line2 == line)
            return true;
    return false;
}

static void assign_words(tt_page *page, const tt_grid *g, cells *c, tt_evidence *ev)
{
    int hdr_d0 = g->slots[0].box.d0, day_t0 = g->days[0].box.t0, hdr_d1 = 0, day_t1 = 0;
    for (int j = 0; j < g->nslots; j++) {
        if (g->slots[j].box.d0 < hdr_d0) hdr_d0 = g->slots[j].box.d0;
        if (g->slots[j].box.d1 > hdr_d1) hdr_d1 = g->slots[j].box.d1;
    }
    for (int i = 0; i < g->ndays; i++) {
        if (g->days[i].box.t0 < day_t0) day_t0 = g->days[i].box.t0;
        if (g->days[i].box.t1 > day_t1) day_t1 = g->days[i].box.t1;
    }
    int near = page->median_h * 3 / 2;
    for (int wi = 0; wi < page->nwords; wi++) {
        tt_word *w = &page->words[wi];
        c->cell_of[wi] = -1;
        if (is_header_line(g, w->line)) {
            w->used = true;
            continue;
        }
        tt_box b = tt_box_of(g->days_as_rows, w->x, w->y, w->w, w->h);
        int tc = (b.t0 + b.t1) / 2, dc = (b.d0 + b.d1) / 2;
        int j = band_of(c->tb, c->ns, tc);
        int i = band_of(c->db, c->nd, dc);
        /* Labels in the header cells ("Period 1", "Day / Time") are read as
         * part of the headers. Words further than a line's gap past the
         * headers are a row of the table whose time header was lost
         * ("08:30 - 09:15 Guided Reading" read as one phrase): left
         * unused, they are stray words inside the table. */
        bool header_band = dc < c->db[0] && dc >= hdr_d0 - page->median_h && b.d0 <= hdr_d1 + near;
        bool day_band = tc < c->tb[0] && tc >= day_t0 - page->median_h && b.t0 <= day_t1 + near;
        if ((header_band && (j >= 0 || day_band)) || (day_band && i >= 0))
            w->used = true;
        if (i < 0 || j < 0)
            continue;
        c->cell_of[wi] = i * c->ns + j;
        c->count[i * c->ns + j]++;
        w->used = true;
    }
}

/* How far from an edge its rule may run: a slanted rule (a photo's
 * perspective) drifts along the table; a quarter band stays clear of the
 * next rule and of the text, which the masks do not hold anyway. */
static int drift(const int *edges, int k, int n, int text_h)
{
    int lo = k > 0 ? edges[k] - edges[k - 1] : edges[k + 1] - edges[k];
    int hi = k < n ? edges[k + 1] - edges[k] : lo;
    int w = (lo < hi ? lo : hi) / 4;
    return w > text_h / 3 ? w : text_h / 3 > 4 ? text_h / 3 : 4;
}

/* Ruled grid: join neighbours whose separator is missing. */
static void merge_ruled(const tt_page *page, const tt_grid *g, cells *c)
{
    for (int i = 0; i < c->nd; i++) {
        int d0 = c->db[i], d1 = c->db[i + 1], dm = (d1 - d0) * 15 / 100;
        int dw = i + 1 < c->nd ? drift(c->db, i + 1, c->nd, page->median_h) : 0;
        for (int j = 0; j < c->ns; j++) {
            int t0 = c->tb[j], t1 = c->tb[j + 1], tm = (t1 - t0) * 15 / 100;
            int tw = j + 1 < c->ns ? drift(c->tb, j + 1, c->ns, page->median_h) : 0;
            int at = t1;
            if (j + 1 < c->ns &&
                tt_time_sep(g, t1 - tw, t1 + tw, d0 + dm, d1 - dm, &at) < SEP_PRESENT)
                unite(c, i * c->ns + j, i * c->ns + j + 1);
            else
                c->tsep[i * c->ns + j] = at;
            if (i + 1 < c->nd &&
                day_sep(g, d1 - dw, d1 + dw, t0 + tm, t1 - tm, NULL) < SEP_PRESENT)
                unite(c, i * c->ns + j, (i + 1) * c->ns + j);
        }
    }
}

/* A break, lunch or registration alone in its time column of a borderless
 * grid is printed once, centred, for every day. */
static void spread_lone_breaks(const tt_page *page, cells *c, tt_evidence *ev)
{
    for (int j = 0; j < c->ns; j++) {
        int filled = 0, at = -1;
        for (int i = 0; i < c->nd; i++)
            if (c->count[i * c->ns + j] > 0)
                filled++, at = i;
        if (filled != 1 || c->nd < 2)
            continue;
        int idx[64], n = 0;
        for (int wi = 0; wi < page->nwords && n < 64; wi++)
            if (c->cell_of[wi] >= 0 && find_root(c, c->cell_of[wi]) == find_root(c, at * c->ns + j))
                idx[n++] = wi;
        char text[TT_TEXT];
        tt_words_text(page, idx, n, text, sizeof text);
        if (strcmp(tt_kind_of(text), "lesson") == 0)
            continue;
        for (int i = 0; i < c->nd; i++)
            unite(c, at * c->ns + j, i * c->ns + j);
        ev->cells_ambiguous++;
    }
}

static const char *region_kind(const tt_page *page, cells *c, int root)
{
    int idx[64], n = 0;
    for (int wi = 0; wi < page->nwords && n < 64; wi++)
        if (c->cell_of[wi] >= 0 && find_root(c, c->cell_of[wi]) == root)
            idx[n++] = wi;
    char text[TT_TEXT];
    tt_words_text(page, idx, n, text, sizeof text);
    return tt_kind_of(text);
}

/* Doubts about the rules read: text never crosses a real rule, and a
 * break, lunch or registration is everyone's, so one beside empty cells of
 * its time column means a separator was seen where there is none. */
static void check_ruled_merges(const tt_page *page, const tt_grid *g, cells *c,
                               tt_evidence *ev)
{
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        int wi = page->order[l->first];
        if (c->cell_of[wi] < 0)
            continue;
        tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        int i = c->cell_of[wi] / c->ns, quarter = (b.t1 - b.t0) / 4;
        for (int j = 1; j < c->ns; j++)
            if (b.t0 + quarter < c->tb[j] && b.t1 - quarter > c->tb[j] &&
                find_root(c, i * c->ns + j - 1) != find_root(c, i * c->ns + j))
                ev->text_across_rules++;
    }
    int region_words[TT_MAX_DAYS * TT_MAX_SLOTS] = {0};
    for (int k = 0; k < c->nd * c->ns; k++)
        region_words[find_root(c, k)] += c->count[k];
    for (int j = 0; j < c->ns && c->nd >= 3; j++) {
        bool empty = false, brk = false;
        for (int i = 0; i < c->nd; i++) {
            int root = find_root(c, i * c->ns + j);
            if (region_words[root] == 0)
                empty = true;
            else if (!brk)
                brk = strcmp(region_kind(page, c, root), "lesson") != 0;
        }
        ev->partial_breaks += empty && brk;
    }
}

/* The one word of virtual cell k, or -1 when it holds none or several. */
static int only_word(const tt_page *page, const cells *c, int k)
{
    int found = -1;
    for (int wi = 0; wi < page->nwords; wi++)
        if (c->cell_of[wi] == k) {
            if (found >= 0)
                return -1;
            found = wi;
        }
    return found;
}

/* A label spelled one letter per day down a time column (B R E A K, L U N
 * C H) is one block for every day: the column is one merged cell, and its
 * letters are read as the word (cells.c joins single letters). At most one
 * day may hold something else (a symbol) or nothing. */
static void spell_down_columns(const tt_page *page, cells *c)
{
    for (int j = 0; j < c->ns && c->nd >= 3; j++) {
        int letters = 0;
        for (int i = 0; i < c->nd; i++) {
            int wi = only_word(page, c, i * c->ns + j);
            const char *t = wi >= 0 ? page->words[wi].text : "";
            letters += isalpha((unsigned char)t[0]) && t[1] == '\0';
        }
        if (letters < 3 || letters + 1 < c->nd)
            continue;
        for (int i = 1; i < c->nd; i++)
            unite(c, j, i * c->ns + j);
    }
}

/* The extent along t of the words of virtual cell k; false when it has
 * none. *codes: every word holds a digit (a room or class, no subject). */
static bool cell_extent(const tt_page *page, const tt_grid *g, const cells *c, int k, int *t0,
                        int *t1, bool *codes)
{
    *t0 = 1 << 30, *t1 = -1, *codes = true;
    for (int wi = 0; wi < page->nwords; wi++) {
        if (c->cell_of[wi] != k)
            continue;
        const tt_word *w = &page->words[wi];
        tt_box b = tt_box_of(g->days_as_rows, w->x, w->y, w->w, w->h);
        if (b.t0 < *t0) *t0 = b.t0;
        if (b.t1 > *t1) *t1 = b.t1;
        *codes &= strpbrk(w->text, "0123456789") != NULL;
    }
    return *t1 >= 0;
}

/* A block centred on the edge between two bands (a double lesson of a
 * borderless grid): its subject ends just before the edge and its room or
 * class starts just after, so the later cell holds codes only. Both
 * cells are one. */
static void join_split_codes(const tt_page *page, const tt_grid *g, cells *c, tt_evidence *ev)
{
    int near = page->median_h * 3 / 2;
    for (int i = 0; i < c->nd; i++)
        for (int j = 1; j < c->ns; j++) {
            int a = i * c->ns + j - 1, b = a + 1, a0, a1, b0, b1;
            bool acodes, bcodes;
            if (find_root(c, a) == find_root(c, b) ||
                !cell_extent(page, g, c, a, &a0, &a1, &acodes) ||
                !cell_extent(page, g, c, b, &b0, &b1, &bcodes) || acodes || !bcodes ||
                c->tb[j] - a1 > near || b0 - c->tb[j] > near)
                continue;
            unite(c, a, b);
            ev->cells_ambiguous++;
        }
}

/* Whether a phrase across time edges is cells side by side that the
 * grouping ran together (narrow columns, no rules): the words in each
 * time band, taken as one part, line up with that band's header text —
 * centred under it or starting where it starts, within a third of a
 * text height (a printed cell's own alignment, not chance).
 * A double lesson centred across two bands lines up with neither. */
static bool parts_under_headers(const tt_page *page, const tt_grid *g, const cells *c,
                                const tt_line *l)
{
    int lo[TT_MAX_SLOTS], hi[TT_MAX_SLOTS], parts = 0, h = page->median_h;
    for (int j = 0; j < c->ns; j++)
        lo[j] = hi[j] = -1;
    for (int k = 0; k < l->count; k++) {
        int wi = page->order[l->first + k];
        if (c->cell_of[wi] < 0)
            return false;
        const tt_word *w = &page->words[wi];
        tt_box b = tt_box_of(g->days_as_rows, w->x, w->y, w->w, w->h);
        int j = c->cell_of[wi] % c->ns;
        parts += lo[j] < 0;
        if (lo[j] < 0 || b.t0 < lo[j]) lo[j] = b.t0;
        if (hi[j] < 0 || b.t1 > hi[j]) hi[j] = b.t1;
    }
    for (int j = 0; j < c->ns; j++) {
        const tt_box *hb = &g->slots[j].box;
        if (lo[j] < 0)
            continue;
        bool centred = abs((lo[j] + hi[j]) - (hb->t0 + hb->t1)) * 3 <= 2 * h;
        if (!centred && abs(lo[j] - hb->t0) * 3 > h)
            return false;
    }
    return parts >= 2;
}

/* Borderless grid: phrases straddling time edges, and lone breaks. */
static void merge_borderless(tt_page *page, const tt_grid *g, cells *c, tt_evidence *ev)
{
    join_split_codes(page, g, c, ev);
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        int wi = page->order[l->first];
        if (c->cell_of[wi] < 0)
            continue;
        tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        int len = b.t1 - b.t0 > 0 ? b.t1 - b.t0 : 1, first = -1, lastj = -1;
        for (int j = 0; j < c->ns; j++) {
            int lo = b.t0 > c->tb[j] ? b.t0 : c->tb[j], hi = b.t1 < c->tb[j + 1] ? b.t1 : c->tb[j + 1];
            if (hi - lo >= len * 3 / 10) {
                if (first < 0) first = j;
                lastj = j;
            }
        }
        /* A phrase centred on an edge (within a text height) is a double
         * lesson printed across both bands, however little of it the
         * shorter side holds ("Latin" over the edge between 9.10 and 10.00). */
        for (int j = 1; j < c->ns && first == lastj; j++)
            if (b.t0 < c->tb[j] && c->tb[j] < b.t1 && abs(b.t0 + b.t1 - 2 * c->tb[j]) <= 2 * page->median_h)
                first = j - 1, lastj = j;
        int i = c->cell_of[wi] / c->ns;
        if (lastj > first && parts_under_headers(page, g, c, l))
            continue;
        for (int j = first + 1; first >= 0 && j <= lastj; j++) {
            unite(c, i * c->ns + first, i * c->ns + j);
            ev->cells_ambiguous++;
        }
    }
    spread_lone_breaks(page, c, ev);
}

int tt_slot_end(const tt_grid *g, int j)
{
    if (g->slots[j].end >= 0)
        return g->slots[j].end;
    if (j + 1 < g->nslots)
        return g->slots[j + 1].start;
    int lens[TT_MAX_SLOTS], n = 0;
    for (int k = 0; k + 1 < g->nslots; k++)
        lens[n++] = g->slots[k + 1].start - g->slots[k].start;
    for (int a = 1; a < n; a++) /* insertion sort: a few dozen at most */
        for (int b = a; b > 0 && lens[b - 1] > lens[b]; b--) {
            int t = lens[b];
            lens[b] = lens[b - 1], lens[b - 1] = t;
        }
    int median = n ? lens[n / 2] : 60;
    return g->slots[j].start + median;
}

/* Whether phrase p is codes only (a room, a class: "Rm 14", "12X3"). */
static bool line_codes(const tt_page *page, const tt_line *p)
{
    return tt_codes_only(page, page->order + p->first, p->count);
}

/* Two phrases side by side in one merged cell, in two of its virtual
 * cells, mean a missed header or rule (but letter-spaced text, "B R E A
 * K", is one word spread wide; a room and a class spaced apart on one row,
 * "Rm 14   12X3", are codes of one lesson; phrases side by side in one
 * virtual cell, "LUNCH   BREAK" letter-spaced, were never apart). */
static bool crowded(const tt_page *page, const cells *c, const int *idx, int n)
{
    int singles = 0;
    for (int a = 0; a < n; a++)
        singles += strlen(page->words[idx[a]].text) == 1;
    if (n >= 3 && singles == n)
        return false;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            const tt_line *p = &page->lines[page->words[idx[a]].line];
            const tt_line *q = &page->lines[page->words[idx[b]].line];
            if (p == q)
                continue;
            bool same_row = p->y0 < q->y1 && q->y0 < p->y1 &&
                            (p->y1 - p->y0 + q->y1 - q->y0) / 2 > 0;
            if (same_row && (p->x1 < q->x0 || q->x1 < p->x0) &&
                c->cell_of[idx[a]] != c->cell_of[idx[b]] &&
                !(line_codes(page, p) && line_codes(page, q)))
                return true;
        }
    return false;
}

/* One entry per day of a piece. */
static void emit_piece(tt_page *page, const tt_grid *g, const tt_piece *pc, tt_result *res)
{
    tt_entry proto = {0};
    tt_cell_fill(page, pc->idx, pc->n, &proto);
    if (!proto.subject[0] || pc->start < 0 || pc->end <= pc->start)
        return;
    proto.start = pc->start, proto.end = pc->end, proto.guessed = pc->guessed;
    proto.disputed |= pc->disputed;
    for (int i = pc->dmin; i <= pc->dmax && res->nentries < TT_MAX_ENTRIES; i++) {
        tt_entry *e = &res->entries[res->nentries++];
        *e = proto;
        e->day = g->days[i].day;
    }
}

static void add_piece(tt_pieces *ps, const tt_page *page, const int *idx, int n, int dmin,
                      int dmax, int t0, int t1)
{
    if (ps->n == ps->max || n == 0)
        return;
    tt_piece *pc = &ps->p[ps->n++];
    memset(pc, 0, sizeof *pc);
    pc->dmin = dmin, pc->dmax = dmax, pc->t0 = t0, pc->t1 = t1;
    pc->start = pc->end = -1;
    for (int k = 0; k < n && pc->n < TT_PIECE_WORDS; k++)
        pc->idx[pc->n++] = idx[k];
    (void)page;
}

/* Where a region's cells really start and end along t: the rules found
 * beside them (a cell may sit off its header's edges), else the bands'. */
static void region_edges(const cells *c, bool ruled, int dmin, int smin, int smax, int *t0,
                         int *t1)
{
    *t0 = c->tb[smin], *t1 = c->tb[smax + 1];
    if (!ruled)
        return;
    if (smin > 0 && c->tsep[dmin * c->ns + smin - 1] > 0)
        *t0 = c->tsep[dmin * c->ns + smin - 1];
    if (smax + 1 < c->ns && c->tsep[dmin * c->ns + smax] > 0)
        *t1 = c->tsep[dmin * c->ns + smax];
}

/* A merged cell's pieces: on a ruled grid, split by any rule inside it
 * that no header edge explains (spans.c); else one piece, or, when it
 * holds phrases side by side (a rule too faint to see), one per cell. */
static void region_pieces(tt_page *page, const tt_grid *g, cells *c, int root, bool ruled,
                          tt_pieces *ps, tt_evidence *ev)
{
    int dmin = c->nd, dmax = -1, smin = c->ns, smax = -1;
    for (int k = 0; k < c->nd * c->ns; k++) {
        if (find_root(c, k) != root)
            continue;
        int i = k / c->ns, j = k % c->ns;
        if (i < dmin) dmin = i;
        if (i > dmax) dmax = i;
        if (j < smin) smin = j;
        if (j > smax) smax = j;
    }
    int idx[256], n = 0, t0, t1;
    for (int wi = 0; wi < page->nwords && n < 256; wi++)
        if (c->cell_of[wi] >= 0 && find_root(c, c->cell_of[wi]) == root)
            idx[n++] = wi;
    if (n == 0)
        return;
    region_edges(c, ruled, dmin, smin, smax, &t0, &t1);
    int cuts[18], ncuts = ruled ? tt_span_cuts(page, g, t0, t1, c->db[dmin], c->db[dmax + 1],
                                                cuts + 1, 16) : 0;
    if (ncuts > 0 || !crowded(page, c, idx, n) || (dmin == dmax && smin == smax)) {
        cuts[0] = t0, cuts[ncuts + 1] = t1;
        for (int q = 0; q <= ncuts; q++) {
            int sub[256], m = 0;
            for (int k = 0; k < n; k++) {
                const tt_word *w = &page->words[idx[k]];
                tt_box b = tt_box_of(g->days_as_rows, w->x, w->y, w->w, w->h);
                int t = (b.t0 + b.t1) / 2;
                if ((q == 0 || t >= cuts[q]) && (q == ncuts || t < cuts[q + 1]))
                    sub[m++] = idx[k];
            }
            add_piece(ps, page, sub, m, dmin, dmax, cuts[q], cuts[q + 1]);
        }
        return;
    }
    ev->cells_crowded++;
    for (int k = 0; k < c->nd * c->ns; k++) {
        if (find_root(c, k) != root || c->count[k] == 0)
            continue;
        int m = 0;
        for (int wi = 0; wi < page->nwords && m < 256; wi++)
            if (c->cell_of[wi] == k)
                idx[m++] = wi;
        add_piece(ps, page, idx, m, k / c->ns, k / c->ns, c->tb[k % c->ns], c->tb[k % c->ns + 1]);
    }
}

/* Cells of the grid that no piece with words covers but that hold ink
 * (text the reading lost, however small); a blank cell is a free period. Bands from
 * `upto` on are not counted. */
static int count_missed_cells(const tt_page *page, const tt_grid *g, const cells *c,
                              const tt_pieces *ps, int upto)
{
    bool covered[TT_MAX_DAYS * TT_MAX_SLOTS] = {false};
    for (int k = 0; k < ps->n; k++) {
        const tt_piece *pc = &ps->p[k];
        for (int j = 0; j < c->ns; j++) {
            int lo = pc->t0 > c->tb[j] ? pc->t0 : c->tb[j];
            int hi = pc->t1 < c->tb[j + 1] ? pc->t1 : c->tb[j + 1];
            if ((hi - lo) * 2 < c->tb[j + 1] - c->tb[j])
                continue;
            for (int i = pc->dmin; i <= pc->dmax; i++)
                covered[i * c->ns + j] = true;
        }
    }
    int missed = 0, m = page->median_h / 2;
    for (int i = 0; i < c->nd; i++)
        for (int j = 0; j < upto; j++) {
            if (covered[i * c->ns + j])
                continue;
            int t0 = c->tb[j] + m, t1 = c->tb[j + 1] - m, d0 = c->db[i] + m, d1 = c->db[i + 1] - m;
            double ink = g->days_as_rows ? tt_rules_ink(page->rules, t0, d0, t1, d1)
                                         : tt_rules_ink(page->rules, d0, t0, d1, t1);
            /* A share of the cell, or a short word's ink in a large cell
             * (a quarter of a text height squared: "Art" in small print). */
            double letters = ink * (t1 - t0) * (d1 - d0) / ((double)page->median_h * page->median_h + 1);
            missed += ink > 0.01 || letters >= 0.25;
        }
    return missed;
}

static void emit_all(tt_page *page, const tt_grid *g, cells *c, tt_result *res)
{
    tt_pieces ps = {0};
    ps.max = c->nd * c->ns * 2 + 64;
    ps.p = calloc((size_t)ps.max, sizeof *ps.p);
    if (!ps.p)
        return;
    for (int k = 0; k < c->nd * c->ns; k++)
        if (find_root(c, k) == k)
            region_pieces(page, g, c, k, res->ev.ruled, &ps, &res->ev);
    if (g->slots[g->nslots - 1].end < 0)
        res->ev.slots_unparsed++; /* its end is guessed, or it is a moment */
    tt_piece_times(page, g, c->tb, c->ns, &ps);
    /* A last column giving one time where the others give ranges is a
     * moment (home time at 3.20), not a block: it gives no entry. */
    int ranges = 0, last = g->nslots - 1;
    for (int j = 0; j < g->nslots; j++)
        ranges += g->slots[j].end >= 0;
    bool moment = g->slots[last].end < 0 && ranges * 2 > g->nslots;
    for (int k = 0; k < ps.n; k++)
        if (!moment || ps.p[k].t0 < c->tb[last] - page->median_h)
            emit_piece(page, g, &ps.p[k], res);
    res->ev.grid = true;
    res->ev.missed_cells = count_missed_cells(page, g, c, &ps, moment ? last : c->ns);
    free(ps.p);
}

static void fill_day_evidence(const tt_grid *g, tt_evidence *ev)
{
    ev->days_found = g->ndays;
    ev->days_in_order = true;
    ev->days_consecutive = true;
    for (int i = 1; i < g->ndays; i++) {
        if (g->days[i].day <= g->days[i - 1].day)
            ev->days_in_order = false;
        if (g->days[i].day != g->days[i - 1].day + 1)
            ev->days_consecutive = false;
    }
    ev->slots = g->nslots;
    ev->times_increasing = true;
    for (int j = 0; j < g->nslots; j++) {
        const tt_slot *s = &g->slots[j];
        if (s->end >= 0 && s->end <= s->start)
            ev->times_increasing = false;
        if (j > 0 && s->start <= g->slots[j - 1].start)
            ev->times_increasing = false;
        if (j > 0 && g->slots[j - 1].end >= 0 && g->slots[j - 1].end > s->start)
            ev->times_increasing = false;
    }
}

static const char *layout_name(const tt_grid *g)
{
    if (!g->days_as_rows)
        return "days_cols";
    int starts_only = 0;
    for (int j = 0; j < g->nslots; j++)
        starts_only += g->slots[j].end < 0;
    return starts_only * 2 > g->nslots ? "days_rows_starts" : "days_rows";
}

static int table_top(const tt_page *page, const tt_grid *g, const cells *c)
{
    int top = page->height;
    for (int j = 0; j < g->nslots; j++) {
        const tt_line *l = &page->lines[g->slots[j].line];
        if (l->y0 < top) top = l->y0;
    }
    for (int i = 0; i < g->ndays; i++) {
        if (g->days[i].line < 0)
            continue;
        const tt_line *l = &page->lines[g->days[i].line];
        if (l->y0 < top) top = l->y0;
    }
    return top;
}

/* A page box from time and day coordinates. */
static void figure_box(tt_figure *f, const tt_grid *g, int t0, int t1, int d0, int d1,
                       unsigned rgb, int width)
{
    if (g->days_as_rows)
        tt_figure_box(f, t0, d0, t1, d1, rgb, width);
    else
        tt_figure_box(f, d0, t0, d1, t1, rgb, width);
}

static void figure_line(tt_figure *f, const tt_grid *g, int t0, int d0, int t1, int d1,
                        unsigned rgb)
{
    if (g->days_as_rows)
        tt_figure_line(f, t0, d0, t1, d1, rgb, 2);
    else
        tt_figure_line(f, d0, t0, d1, t1, rgb, 2);
}

/* YOGI_TIMETABLE_DRAW: headers orange, band edges blue (time) and green
 * (day), merged cells holding text red. */
static void draw_grid(const tt_page *page, const tt_grid *g, cells *c)
{
    tt_figure *f = tt_figure_open(page);
    if (!f)
        return;
    for (int i = 0; i < g->ndays; i++)
        figure_box(f, g, g->days[i].box.t0, g->days[i].box.t1, g->days[i].box.d0,
                   g->days[i].box.d1, 0xff8c00, 2);
    for (int j = 0; j < g->nslots; j++)
        figure_box(f, g, g->slots[j].box.t0, g->slots[j].box.t1, g->slots[j].box.d0,
                   g->slots[j].box.d1, 0xff8c00, 2);
    for (int j = 0; j <= c->ns; j++)
        figure_line(f, g, c->tb[j], c->db[0], c->tb[j], c->db[c->nd], 0x1e64ff);
    for (int i = 0; i <= c->nd; i++)
        figure_line(f, g, c->tb[0], c->db[i], c->tb[c->ns], c->db[i], 0x00a03c);
    for (int k = 0; k < c->nd * c->ns; k++) {
        if (find_root(c, k) != k)
            continue;
        int dmin = c->nd, dmax = -1, smin = c->ns, smax = -1, words = 0;
        for (int q = 0; q < c->nd * c->ns; q++) {
            if (find_root(c, q) != k)
                continue;
            int i = q / c->ns, j = q % c->ns;
            words += c->count[q];
            if (i < dmin) dmin = i;
            if (i > dmax) dmax = i;
            if (j < smin) smin = j;
            if (j > smax) smax = j;
        }
        if (words)
            figure_box(f, g, c->tb[smin] + 4, c->tb[smax + 1] - 4, c->db[dmin] + 4,
                       c->db[dmax + 1] - 4, 0xdc1e1e, 3);
    }
    tt_figure_close(f);
}

/* Times inside the body, beyond the first day: a list read as a grid (the
 * first block's times taken for a header) has as many there as in the
 * header; a grid has next to none. */
static bool times_in_body(const tt_page *page, const tt_grid *g)
{
    int n = 0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        tt_time_range tr;
        if (!is_header_line(g, li) && (b.d0 + b.d1) / 2 >= g->days[0].box.d1 &&
            tt_line_is_time(page, li, &tr))
            n++;
    }
    return n >= 2 && n * 2 >= g->nslots;
}

/* A day OCR lost ("TUESDAY" read as "AY"): where two found days skip one
 * and stand twice the usual distance apart, the skipped day is between. */
static void infer_missing_days(tt_grid *g, tt_evidence *ev)
{
    if (g->ndays < 3)
        return;
    int gaps[TT_MAX_DAYS], n = 0;
    for (int i = 1; i < g->ndays; i++)
        if (g->days[i].day == g->days[i - 1].day + 1)
            gaps[n++] = g->days[i].box.d0 - g->days[i - 1].box.d0;
    if (n == 0)
        return;
    int usual = gaps[n / 2];
    for (int i = 1; i < g->ndays && g->ndays < TT_MAX_DAYS; i++) {
        tt_day_hdr *a = &g->days[i - 1], *b = &g->days[i];
        int gap = b->box.d0 - a->box.d0;
        if (b->day != a->day + 2 || gap * 10 < usual * 16 || gap * 10 > usual * 24)
            continue;
        memmove(b + 1, b, sizeof *b * (size_t)(g->ndays - i));
        g->ndays++;
        tt_day_hdr *m = &g->days[i];
        m->day = a->day + 1;
        m->line = -1;
        m->box = a->box;
        m->box.d0 += gap / 2, m->box.d1 += gap / 2;
        ev->days_inferred++;
    }
}

/* The first day lost the same way: the time header stands two rows above
 * the first day found, and that day is not Monday. */
static void infer_leading_day(tt_grid *g, tt_evidence *ev)
{
    if (g->ndays < 3 || g->ndays >= TT_MAX_DAYS || g->days[0].day == 0)
        return;
    int usual = (g->days[g->ndays - 1].box.d0 - g->days[0].box.d0) / (g->ndays - 1);
    int hdr_d1 = g->slots[0].box.d1;
    for (int j = 1; j < g->nslots; j++)
        if (g->slots[j].box.d1 > hdr_d1) hdr_d1 = g->slots[j].box.d1;
    int room = g->days[0].box.d0 - hdr_d1;
    if (usual <= 0 || room * 10 < usual * 12) /* a row is half a pitch from its header */
        return;
    memmove(&g->days[1], &g->days[0], sizeof *g->days * (size_t)g->ndays);
    g->ndays++;
    g->days[0].day = g->days[1].day - 1;
    g->days[0].line = -1;
    g->days[0].box.d0 -= usual, g->days[0].box.d1 -= usual;
    ev->days_inferred++;
}

/* And the last day: phrases in two or more time bands a pitch beyond the
 * last day found, none of them reaching into the day labels' column (where
 * a note under the table starts). */
static void infer_trailing_day(const tt_page *page, tt_grid *g, tt_evidence *ev)
{
    const tt_day_hdr *last = &g->days[g->ndays - 1];
    if (g->ndays < 3 || g->ndays >= TT_MAX_DAYS || last->day >= 6)
        return;
    int usual = (last->box.d0 - g->days[0].box.d0) / (g->ndays - 1), labels_t1 = 0;
    for (int i = 0; i < g->ndays; i++)
        if (g->days[i].box.t1 > labels_t1) labels_t1 = g->days[i].box.t1;
    bool band_hit[TT_MAX_SLOTS] = {false};
    int bands = 0;
    for (int li = 0; li < page->nlines && usual > 0; li++) {
        const tt_line *l = &page->lines[li];
        tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
        int dc = (b.d0 + b.d1) / 2, tc = (b.t0 + b.t1) / 2;
        if (dc < last->box.d1 + usual / 2 || dc > last->box.d0 + usual * 3 / 2)
            continue;
        if (b.t0 < labels_t1)
            return; /* a note, not a row of cells */
        for (int j = 0; j < g->nslots; j++)
            if (tc >= g->slots[j].box.t0 && tc <= g->slots[j].box.t1 && !band_hit[j])
                band_hit[j] = true, bands++;
    }
    if (bands < 2)
        return;
    tt_day_hdr *m = &g->days[g->ndays++];
    *m = *last;
    m->day = last->day + 1;
    m->line = -1;
    m->box.d0 += usual, m->box.d1 += usual;
    ev->days_inferred++;
}

/* The largest group of time phrases sharing a band of d (a header row
 * for days as rows): its extent along t and d. Returns its size. */
static int time_row(const tt_page *page, bool rows, int *t0, int *t1, int *d0, int *d1)
{
    int best = 0;
    for (int a = 0; a < page->nlines; a++) {
        tt_time_range tr;
        if (!tt_line_is_time(page, a, &tr))
            continue;
        const tt_line *la = &page->lines[a];
        tt_box ba = tt_box_of(rows, la->x0, la->y0, la->x1 - la->x0, la->y1 - la->y0);
        int n = 0, x0 = ba.t0, x1 = ba.t1, y0 = ba.d0, y1 = ba.d1;
        for (int b = 0; b < page->nlines; b++) {
            const tt_line *lb = &page->lines[b];
            tt_box bb = tt_box_of(rows, lb->x0, lb->y0, lb->x1 - lb->x0, lb->y1 - lb->y0);
            if (bb.d0 >= ba.d1 || ba.d0 >= bb.d1 || !tt_line_is_time(page, b, &tr))
                continue;
            n++;
            if (bb.t0 < x0) x0 = bb.t0;
            if (bb.t1 > x1) x1 = bb.t1;
            if (bb.d0 < y0) y0 = bb.d0;
            if (bb.d1 > y1) y1 = bb.d1;
        }
        if (n > best)
            best = n, *t0 = x0, *t1 = x1, *d0 = y0, *d1 = y1;
    }
    return best;
}

/* Rows of a ruled table beyond its header: the rules crossing the strip
 * just before the header's first time (where day labels would be), from
 * the header on. Returns the rows (0 without rules or with fewer than 2). */
static int rows_from_rules(const tt_page *page, const tt_grid *g, int t0, int d1, int *band0,
                           int *band1)
{
    int h = page->median_h > 4 ? page->median_h : 4, edges[TT_MAX_DAYS + 2], ne = 0;
    int far = g->days_as_rows ? page->height : page->width;
    if (!page->rules)
        return 0;
    for (int d = d1 - h / 2; d < far && ne < TT_MAX_DAYS + 2; d += h / 2) {
        int at;
        double cov = g->days_as_rows ? tt_rules_hsep(page->rules, d, d + h / 2, t0 - 2 * h, t0 - h / 2, &at)
                                     : tt_rules_vsep(page->rules, d, d + h / 2, t0 - 2 * h, t0 - h / 2, &at);
        if (cov >= 0.8 && (ne == 0 || at - edges[ne - 1] > 2 * h))
            edges[ne++] = at;
    }
    int n = 0;
    for (int k = 0; k + 1 < ne && n < TT_MAX_DAYS; k++, n++)
        band0[n] = edges[k], band1[n] = edges[k + 1];
    return n >= 2 ? n : 0;
}

/* No day names could be read, but the page has a header of times: its
 * rows (or columns) of text beyond the header are taken for Monday,
 * Tuesday... in order, so that a person reviews a draft instead of typing
 * a timetable. Returns the days made. */
static int days_from_rows(const tt_page *page, tt_grid *g)
{
    int t0 = 0, t1 = 0, d0 = 0, d1 = 0, t0b = 0, t1b = 0, d0b = 0, d1b = 0;
    int nr = time_row(page, true, &t0, &t1, &d0, &d1);
    int nc = time_row(page, false, &t0b, &t1b, &d0b, &d1b);
    g->days_as_rows = nr >= nc;
    if (!g->days_as_rows)
        t0 = t0b, t1 = t1b, d0 = d0b, d1 = d1b;
    if ((nr > nc ? nr : nc) < 3)
        return 0;
    int band0[TT_MAX_DAYS + 1], band1[TT_MAX_DAYS + 1], nb = 0, h = page->median_h;
    nb = rows_from_rules(page, g, t0, d1, band0, band1);
    bool ruled = nb > 0; /* else the rows are grown line by line */
    for (int pass = 0; !ruled && pass < page->nlines; pass++) {
        int next = -1, next_d0 = 0, next_d1 = 0; /* the nearest line beyond the bands */
        for (int li = 0; li < page->nlines; li++) {
            const tt_line *l = &page->lines[li];
            tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
            int floor = nb ? band1[nb - 1] : d1;
            if (b.d0 < floor || (b.t0 + b.t1) / 2 < t0 - h || (b.t0 + b.t1) / 2 > t1 + h)
                continue;
            if (next < 0 || b.d0 < next_d0)
                next = li, next_d0 = b.d0, next_d1 = b.d1;
        }
        if (next < 0 || nb == TT_MAX_DAYS)
            break;
        band0[nb] = next_d0, band1[nb] = next_d1;
        /* Lines overlapping the band along d, or following it closer than
         * a text height with no rule between (a cell's second line), are
         * the same row. */
        for (bool grew = true; grew;) {
            grew = false;
            for (int li = 0; li < page->nlines; li++) {
                const tt_line *l = &page->lines[li];
                tt_box b = tt_box_of(g->days_as_rows, l->x0, l->y0, l->x1 - l->x0, l->y1 - l->y0);
                int mid = (b.t0 + b.t1) / 2;
                if (b.d1 <= band1[nb] || b.d0 < band0[nb] || mid < t0 - h || mid > t1 + h ||
                    b.d0 > band1[nb] + h * 8 / 10)
                    continue;
                if (b.d0 > band1[nb] &&
                    (g->days_as_rows ? tt_rules_hsep(page->rules, band1[nb], b.d0, b.t0, b.t1, NULL)
                                     : tt_rules_vsep(page->rules, band1[nb], b.d0, b.t0, b.t1, NULL)) >= 0.5)
                    continue;
                band1[nb] = b.d1, grew = true;
            }
        }
        band1[nb] += 1;
        nb++;
    }
    for (int i = 0; i < nb; i++)
        g->days[i] = (tt_day_hdr){i, -1, {t0 - 2, t0 - 1, band0[i], band1[i]}, 0, 0};
    return nb >= 2 ? nb : 0;
}

int tt_build_grid(tt_page *page, tt_result *res)
{
    tt_grid g = {0};
    g.rules = page->rules;
    g.ndays = tt_find_days(page, g.days, &g.days_as_rows);
    infer_missing_days(&g, &res->ev);
    if (g.ndays < 2) {
        g.ndays = days_from_rows(page, &g);
        res->ev.days_unread = g.ndays > 0;
    }
    if (g.ndays < 2 || tt_find_time_header(page, &g) < 0)
        return -1;
    if (res->ev.days_unread)
        json_array_append_new(res->warnings,
                              json_string("no day names could be read: the rows were taken "
                                          "for Monday, Tuesday... in order"));
    /* Perhaps a list read wrongly; perhaps times printed in cells: the
     * caller builds the list too and keeps the fuller reading. */
    res->ev.list_like = times_in_body(page, &g);
    infer_leading_day(&g, &res->ev);
    infer_trailing_day(page, &g, &res->ev);
    cells *c = calloc(1, sizeof *c);
    if (!c || !(c->cell_of = malloc(sizeof *c->cell_of * (size_t)(page->nwords + 1)))) {
        free(c);
        return -1;
    }
    c->nd = g.ndays, c->ns = g.nslots;
    for (int k = 0; k < c->nd * c->ns; k++)
        c->parent[k] = k;
    place_edges(page, &g, c, &res->ev);
    assign_words(page, &g, c, &res->ev);
    spell_down_columns(page, c);
    if (res->ev.ruled) {
        merge_ruled(page, &g, c);
        check_ruled_merges(page, &g, c, &res->ev);
    } else {
        merge_borderless(page, &g, c, &res->ev);
    }
    emit_all(page, &g, c, res);
    draw_grid(page, &g, c);
    fill_day_evidence(&g, &res->ev);
    res->layout = layout_name(&g);
    tt_set_title(page, res, table_top(page, &g, c));
    free(c->cell_of);
    free(c);
    return 0;
}
