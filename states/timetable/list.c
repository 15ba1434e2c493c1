/*
 * list.c — list timetables: under each day name, one line per period.
 *
 * Blocks may run down the page or stand side by side. A day heading owns
 * the text below it, from its own left edge (less a little indent) up to the
 * next heading to its right on about the same level, and down to the next
 * heading below it. Inside a block, phrases on one baseline are one row
 * (read left to right). A row that opens with a time or a range starts an
 * entry, and the rest of the row is its subject; when nothing follows the
 * time, the next row without a time is the subject. A start without an end
 * ends where the next period starts. A row without a time right under an
 * entry continues its subject (a wrapped "Computer / Science"); rows further
 * down are notes and are left out.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tt.h"

typedef struct heading {
    int day;       /* the first day it names */
    unsigned days; /* every day it names (a group: "Monday, Tuesday") */
    int line;
    int x0, y0, x1, y1;
    int xmin, xmax, ymax; /* the block's extent */
    bool letter;          /* a lone day letter taken for a heading */
} heading;

typedef struct row {
    int idx[64];
    int n;
    int y0, y1, x0;
} row;

/* The days a phrase names: one day ("Monday", "TUE.") or a group
 * ("Monday, Tuesday, Thursday"), as a bit mask; 0 for anything else. */
static unsigned heading_days(const tt_page *page, int li)
{
    const tt_line *l = &page->lines[li];
    if (l->count == 1) {
        int d = tt_day_of(page->words[page->order[l->first]].text);
        return d >= 0 ? 1u << d : 0;
    }
    char text[TT_TEXT];
    tt_line_text(page, l, text, sizeof text);
    return tt_day_group(text);
}

static int lowest_day(unsigned mask)
{
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (mask & (1u << d))
            return d;
    return -1;
}

/* Where two blocks side by side part: an uncovered stretch of x, between
 * their headings' centres, that no text below them covers. Inside a block
 * a gap is narrower than two text heights (a time before its subject, a
 * row number before its time: see block_left); so the parting is the
 * rightmost stretch at least that wide that ends, at text, before the
 * right heading starts — not the widest, which may lie inside the left block, between
 * its subjects and room codes printed flush right. Without such a
 * stretch, the widest. */
static int column_gap(const tt_page *page, const heading *a, const heading *b)
{
    int lo = (a->x0 + a->x1) / 2, hi = (b->x0 + b->x1) / 2, top = a->y1 > b->y1 ? a->y1 : b->y1;
    if (hi - lo < 4)
        return b->x0 - page->median_h / 2;
    int n = hi - lo;
    unsigned char *covered = calloc((size_t)n, 1);
    if (!covered)
        return b->x0 - page->median_h / 2;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        if (l->y0 < top)
            continue;
        for (int x = l->x0 > lo ? l->x0 : lo; x < l->x1 && x < hi; x++)
            covered[x - lo] = 1;
    }
    int best = -1, best_len = 0, parting = -1, h = page->median_h;
    for (int x = 0; x < n;) {
        int e = x;
        while (e < n && !covered[e])
            e++;
        if (e - x > best_len)
            best_len = e - x, best = (x + e) / 2;
        if (e - x >= 2 * h && e < n && lo + e <= b->x0 + h)
            parting = (x + e) / 2;
        x = e > x ? e : x + 1;
    }
    if (parting >= 0)
        best = parting;
    free(covered);
    return best >= 0 ? lo + best : b->x0 - page->median_h / 2;
}

/* The left edge of a block with no block beside it on its left: the text
 * below its heading reaches left without a gap of two text heights (a
 * column of times or row numbers printed before the heading's x). */
static int block_left(const tt_page *page, const heading *h)
{
    int left = h->x0 - 2 * page->median_h;
    for (bool moved = true; moved;) {
        moved = false;
        for (int li = 0; li < page->nlines; li++) {
            const tt_line *l = &page->lines[li];
            if (l->y0 < h->y1 || l->y1 > h->ymax || l->x0 >= left || l->x1 < left - 2 * page->median_h)
                continue;
            left = l->x0 - page->median_h / 2, moved = true;
        }
    }
    return left > 0 ? left : 0;
}

/* qsort has no context argument; a worker runs one task at a time. */
static const tt_page *seq_page;
static int cmp_reading(const void *a, const void *b)
{
    const tt_line *p = &seq_page->lines[*(const int *)a], *q = &seq_page->lines[*(const int *)b];
    int h = seq_page->median_h;
    if (abs(p->x0 - q->x0) >= 2 * h) /* another column of blocks */
        return (p->x0 > q->x0) - (p->x0 < q->x0);
    return (p->y0 > q->y0) - (p->y0 < q->y0);
}

/* Lone day letters that, read down each column of blocks and the columns
 * left to right, are days in order (M Tu W Th F, T and S by position),
 * four or more: a page of blocks headed by letters. Marks their lines in
 * in_seq and returns how many, 0 when they are no such sequence. */
static int letter_sequence(const tt_page *page, bool *in_seq)
{
    int cand[TT_MAX_DAYS * 2], n = 0;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        if (l->count != 1 || tt_day_letter(page->words[page->order[l->first]].text) == -1)
            continue;
        if (n == TT_MAX_DAYS * 2)
            return 0;
        cand[n++] = li;
    }
    seq_page = page;
    qsort(cand, (size_t)n, sizeof *cand, cmp_reading);
    int prev = -1;
    for (int k = 0; k < n; k++) {
        int d = tt_day_letter(page->words[page->order[page->lines[cand[k]].first]].text);
        if (d == -2)
            d = prev < 1 ? 1 : 3;
        else if (d == -3)
            d = prev < 5 ? 5 : 6;
        if (d <= prev)
            return 0;
        prev = d;
    }
    for (int k = 0; k < n && n >= 4; k++)
        in_seq[cand[k]] = true;
    return n >= 4 ? n : 0;
}

/* A single day letter ("W", "F", "Tu") as a heading: only beside another
 * heading on its level (a column of a day-group page), or in a sequence of
 * letters in order (letter_sequence), never alone. */
static int letter_headings(tt_page *page, heading *hd, int n, int max)
{
    int h = page->median_h, added = 0;
    bool *in_seq = calloc((size_t)page->nlines + 1, 1);
    if (in_seq)
        letter_sequence(page, in_seq);
    for (int li = 0; li < page->nlines && n + added < max; li++) {
        const tt_line *l = &page->lines[li];
        int d = l->count == 1 ? tt_day_letter(page->words[page->order[l->first]].text) : -1;
        bool level = in_seq && in_seq[li] && d >= 0;
        for (int k = 0; k < n && d >= 0; k++) {
            level |= abs(hd[k].y0 - l->y0) < 2 * h && hd[k].line != li;
            if (hd[k].line == li)
                d = -1; /* a heading already */
        }
        if (d >= 0 && level)
            hd[n + added++] = (heading){d, 1u << d, li, l->x0, l->y0, l->x1, l->y1, -1,
                                        page->width, page->height, true};
    }
    free(in_seq);
    return n + added;
}

static int find_headings(tt_page *page, heading *hd, int max)
{
    int n = 0;
    for (int li = 0; li < page->nlines && n < max; li++) {
        const tt_line *l = &page->lines[li];
        unsigned days = heading_days(page, li);
        if (days)
            hd[n++] = (heading){lowest_day(days), days, li, l->x0, l->y0, l->x1, l->y1, -1,
                                page->width, page->height, false};
    }
    n = letter_headings(page, hd, n, max);
    int h = page->median_h;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            if (a == b)
                continue;
            bool level = abs(hd[b].y0 - hd[a].y0) < 4 * h;
            if (level && hd[b].x0 > hd[a].x1 && hd[b].x0 - h / 2 < hd[a].xmax)
                hd[a].xmax = hd[b].x0 - h / 2;
            bool under = hd[b].y0 > hd[a].y1 && hd[b].x0 < hd[a].xmax && hd[b].x1 > hd[a].x0 - 2 * h;
            if (under && hd[b].y0 < hd[a].ymax)
                hd[a].ymax = hd[b].y0;
        }
    /* A block beside a column of blocks whose headings are not level with
     * its own (two page columns, days of different lengths): it ends
     * where the block to its right starts, as a level one would. */
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            if (a != b && hd[b].x0 > hd[a].x1 && hd[b].x0 - h / 2 < hd[a].xmax &&
                hd[b].y0 < hd[a].ymax && hd[b].ymax > hd[a].y0)
                hd[a].xmax = hd[b].x0 - h / 2;
    /* Blocks side by side part at the gap between their columns of text. */
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            if (a != b && hd[b].x0 > hd[a].x1 && hd[b].x0 - h / 2 == hd[a].xmax) {
                int gap = column_gap(page, &hd[a], &hd[b]);
                hd[a].xmax = gap, hd[b].xmin = gap;
            }
    for (int a = 0; a < n; a++)
        if (hd[a].xmin < 0)
            hd[a].xmin = block_left(page, &hd[a]);
    return n;
}

static int cmp_row_y(const void *a, const void *b)
{
    const row *p = a, *q = b;
    return (p->y0 > q->y0) - (p->y0 < q->y0);
}

/* Phrases inside the block, merged into rows by baseline. */
static int block_rows(tt_page *page, const heading *h, row *rows, int max)
{
    int n = 0, th = page->median_h;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        if (li == h->line || l->y0 < h->y1 - th / 2 || l->y1 > h->ymax + th / 2 ||
            (l->x0 + l->x1) / 2 < h->xmin || l->x0 >= h->xmax)
            continue;
        if (page->words[page->order[l->first]].used)
            continue;
        int r = -1;
        for (int k = 0; k < n; k++) {
            int mid = (l->y0 + l->y1) / 2;
            if (mid >= rows[k].y0 && mid <= rows[k].y1)
                r = k;
        }
        if (r < 0) {
            if (n == max)
                continue;
            r = n++;
            rows[r] = (row){.n = 0, .y0 = l->y0, .y1 = l->y1, .x0 = l->x0};
        }
        for (int k = 0; k < l->count && rows[r].n < 64; k++)
            rows[r].idx[rows[r].n++] = page->order[l->first + k];
    }
    qsort(rows, (size_t)n, sizeof *rows, cmp_row_y);
    return n;
}

static const tt_page *xs_page;
static int cmp_x(const void *a, const void *b)
{
    const tt_word *p = &xs_page->words[*(const int *)a], *q = &xs_page->words[*(const int *)b];
    return (p->x > q->x) - (p->x < q->x);
}

/* A word without a letter: digits, dashes, stops ("-71.55", "—"). */
static bool letterless(const char *t)
{
    for (; *t; t++)
        if (isalpha((unsigned char)*t))
            return false;
    return true;
}

/* The subject words of row r after the time: words whose text starts after
 * the time's characters. Words without a letter right after the time are
 * the rest of a range OCR garbled ("10.50 — -71.55"), not the subject. */
static int after_time(const tt_page *page, const row *r, int chars, int *out)
{
    int n = 0, pos = 0;
    for (int k = 0; k < r->n; k++) {
        const char *t = page->words[r->idx[k]].text;
        if (pos >= chars && (n > 0 || !letterless(t)))
            out[n++] = r->idx[k];
        pos += (int)strlen(t) + 1;
    }
    return n;
}

/* A row right under an entry's row, with no gap of its own and no digits,
 * is the entry's subject wrapped ("Computer / Science"); further down,
 * text is a note. */
static bool continues(const row *prev, const row *r, const char *text)
{
    int h = r->y1 - r->y0;
    return r->y0 - prev->y1 < h && strpbrk(text, "0123456789") == NULL;
}

/* "7", "12.", "3)": a row number printed before the row's time. */
static bool is_row_number(const char *t)
{
    size_t n = strspn(t, "0123456789");
    return n >= 1 && n <= 2 && (t[n] == '\0' || ((t[n] == '.' || t[n] == ')') && t[n + 1] == '\0'));
}

/* Drops a numbered row's number when a time follows it. */
static void drop_row_number(tt_page *page, row *r)
{
    if (r->n < 2 || !is_row_number(page->words[r->idx[0]].text))
        return;
    char text[TT_TEXT];
    tt_time_range tr;
    tt_words_text(page, r->idx + 1, r->n - 1, text, sizeof text);
    if (tt_find_time_range(text, &tr) != 0)
        return;
    page->words[r->idx[0]].used = true;
    memmove(r->idx, r->idx + 1, sizeof *r->idx * (size_t)(r->n - 1));
    r->n--;
}

/* A heading naming a group of days: its block's entries hold for each. */
static void copy_to_group(const heading *h, int first, tt_result *res)
{
    int n = res->nentries;
    for (int d = h->day + 1; d < TT_MAX_DAYS; d++) {
        if (!(h->days & (1u << d)))
            continue;
        for (int k = first; k < n && res->nentries < TT_MAX_ENTRIES; k++) {
            tt_entry *e = &res->entries[res->nentries++];
            *e = res->entries[k];
            e->day = d;
        }
    }
}

/* Where row r's time starts (0..2 for a time row), -1 when it has none. */
static int row_time(const tt_page *page, const row *r, tt_time_range *tr)
{
    char text[TT_TEXT];
    tt_words_text(page, r->idx, r->n, text, sizeof text);
    int at = tt_find_time_range(text, tr);
    return at >= 0 && at <= 2 ? at : -1;
}

/* Subject above its time ("English" over "8.55 to 10.35", as cells with
 * their own times print them): the first time row has nothing after its
 * time, and the row above it is text. */
static bool subject_first(const tt_page *page, row *rows, int nr)
{
    for (int k = 0; k < nr; k++) {
        tt_time_range tr;
        if (row_time(page, &rows[k], &tr) < 0)
            continue;
        int rest[64];
        return k > 0 && after_time(page, &rows[k], tr.chars_used, rest) == 0;
    }
    return false;
}

/* A block without a time of its own between two timed ones, in a
 * subject-first list: a break or form time printed once across the days'
 * columns, between rules. */
typedef struct untimed {
    char subject[TT_TEXT];
    int x0, x1, y0, y1;
} untimed;

typedef struct untimed_list {
    untimed u[32];
    int n;
} untimed_list;

/* A horizontal rule between y = a and y = b under the words idx[0..n). */
static bool rule_between(const tt_page *page, const int *idx, int n, int a, int b)
{
    int x0 = page->width, x1 = 0;
    for (int k = 0; k < n; k++) {
        const tt_word *w = &page->words[idx[k]];
        if (w->x < x0) x0 = w->x;
        if (w->x + w->w > x1) x1 = w->x + w->w;
    }
    return b > a && x1 > x0 && tt_rules_hsep(page->rules, a, b, x0, x1, NULL) >= 0.5;
}

/* An untimed block printed once across merged columns is as wide as its
 * cell, not its text: out to the vertical rules on either side. */
static void widen_to_rules(const tt_page *page, untimed *u)
{
    int h = page->median_h > 4 ? page->median_h : 4, at;
    if (!page->rules)
        return;
    int x = u->x0;
    while (x > h && tt_rules_vsep(page->rules, x - h, x, u->y0, u->y1, &at) < 0.6)
        x -= h;
    u->x0 = x;
    x = u->x1;
    while (x + h < page->width && tt_rules_vsep(page->rules, x, x + h, u->y0, u->y1, &at) < 0.6)
        x += h;
    u->x1 = x;
}

static void keep_untimed(tt_page *page, const int *idx, int n, untimed_list *ul)
{
    if (n == 0 || ul->n == 32)
        return;
    tt_entry e = {0};
    tt_cell_fill(page, idx, n, &e);
    untimed *u = &ul->u[ul->n];
    memcpy(u->subject, e.subject, sizeof u->subject);
    u->x0 = page->width, u->y0 = page->height, u->x1 = u->y1 = 0;
    for (int k = 0; k < n; k++) {
        const tt_word *w = &page->words[idx[k]];
        if (w->x < u->x0) u->x0 = w->x;
        if (w->y < u->y0) u->y0 = w->y;
        if (w->x + w->w > u->x1) u->x1 = w->x + w->w;
        if (w->y + w->h > u->y1) u->y1 = w->y + w->h;
        page->words[idx[k]].used = true;
    }
    widen_to_rules(page, u);
    ul->n += u->subject[0] != '\0';
}

/* Entries of a block printed subject first: the text rows above a time
 * row are its subject (a lone row number is not); text cut off from the
 * next rows by a rule is an untimed block of its own. */
static void subject_first_entries(tt_page *page, const heading *h, row *rows, int nr,
                                  tt_result *res, untimed_list *ul)
{
    int pending[TT_PIECE_WORDS], np = 0, py0 = 0, py1 = 0;
    for (int k = 0; k < nr && res->nentries < TT_MAX_ENTRIES; k++) {
        tt_time_range tr;
        if (row_time(page, &rows[k], &tr) < 0) {
            if (rows[k].n == 1 && is_row_number(page->words[rows[k].idx[0]].text))
                continue;
            if (np > 0 && rule_between(page, rows[k].idx, rows[k].n, py1, rows[k].y0))
                keep_untimed(page, pending, np, ul), np = 0;
            if (np == 0)
                py0 = rows[k].y0;
            for (int j = 0; j < rows[k].n && np < TT_PIECE_WORDS; j++)
                pending[np++] = rows[k].idx[j];
            py1 = rows[k].y1;
            continue;
        }
        tt_entry *e = &res->entries[res->nentries++];
        memset(e, 0, sizeof *e);
        e->day = h->day, e->start = tr.start, e->end = tr.end;
        e->y0 = np > 0 ? py0 : rows[k].y0, e->y1 = rows[k].y1;
        if (np > 0)
            tt_cell_fill(page, pending, np, e);
        for (int j = 0; j < rows[k].n; j++)
            e->disputed |= page->words[rows[k].idx[j]].disputed;
        for (int j = 0; j < np; j++)
            page->words[pending[j]].used = true;
        for (int j = 0; j < rows[k].n; j++)
            page->words[rows[k].idx[j]].used = true;
        res->ev.slots++;
        np = 0;
    }
    keep_untimed(page, pending, np, ul);
}

/* Each untimed block, for every day whose column it crosses, between the
 * entries printed above and below it: its times are theirs (the end of
 * the one above, the start of the one below), not read — guessed. */
static void place_untimed(const heading *hd, int nh, const untimed_list *ul, tt_result *res)
{
    int n = res->nentries;
    for (int q = 0; q < ul->n; q++) {
        const untimed *u = &ul->u[q];
        for (int m = 0; m < nh; m++) {
            const heading *h = &hd[m];
            int lo = u->x0 > h->xmin ? u->x0 : h->xmin, hi = u->x1 < h->xmax ? u->x1 : h->xmax;
            if ((hi - lo) * 10 < (h->xmax - h->xmin) * 3 || u->y0 < h->y1 || u->y1 > h->ymax)
                continue;
            for (int d = 0; d < TT_MAX_DAYS; d++) {
                if (!(h->days & (1u << d)))
                    continue;
                const tt_entry *above = NULL, *below = NULL;
                for (int k = 0; k < n; k++) {
                    const tt_entry *e = &res->entries[k];
                    if (e->day != d || e->y1 == 0)
                        continue;
                    if (e->y1 <= u->y0 && (!above || e->y1 > above->y1)) above = e;
                    if (e->y0 >= u->y1 && (!below || e->y0 < below->y0)) below = e;
                }
                if (!above || !below || above->end < 0 || below->start <= above->end ||
                    res->nentries == TT_MAX_ENTRIES)
                    continue;
                tt_entry *e = &res->entries[res->nentries++];
                memset(e, 0, sizeof *e);
                e->day = d, e->start = above->end, e->end = below->start, e->guessed = true;
                e->word_conf = 90.0;
                memcpy(e->subject, u->subject, sizeof e->subject);
            }
        }
    }
}

/* Where a block's times start over (a start half an hour before the one
 * above it, back within an hour of the block's first): a new day whose
 * heading OCR lost ("TUE" white on a dark bar) begins there. */
static bool starts_over(const int *starts, int k)
{
    return k > 0 && starts[k] >= 0 && starts[k] + 30 < starts[k - 1] && starts[k] <= starts[0] + 60;
}

static void block_entries(tt_page *page, const heading *h, unsigned *named, tt_result *res,
                          untimed_list *ul)
{
    row rows[64];
    int nr = block_rows(page, h, rows, 64);
    int first = res->nentries;
    bool open = false; /* the last entry still needs its subject */
    for (int k = 0; k < nr; k++) {
        xs_page = page;
        qsort(rows[k].idx, (size_t)rows[k].n, sizeof *rows[k].idx, cmp_x);
    }
    bool above = subject_first(page, rows, nr);
    if (above) {
        subject_first_entries(page, h, rows, nr, res, ul);
        res->ev.unproven = true;
    }
    for (int k = 0; k < nr && !above; k++) {
        drop_row_number(page, &rows[k]);
        char text[TT_TEXT];
        tt_words_text(page, rows[k].idx, rows[k].n, text, sizeof text);
        tt_time_range tr;
        int at = tt_find_time_range(text, &tr);
        if (at >= 0 && at <= 2 && res->nentries < TT_MAX_ENTRIES) {
            tt_entry *e = &res->entries[res->nentries++];
            memset(e, 0, sizeof *e);
            e->day = h->day, e->start = tr.start, e->end = tr.end;
            int rest[64], n = after_time(page, &rows[k], tr.chars_used, rest);
            if (n > 0)
                tt_cell_fill(page, rest, n, e);
            open = n == 0;
            res->ev.slots++;
            for (int j = 0; j < rows[k].n; j++)
                e->disputed |= page->words[rows[k].idx[j]].disputed;
            for (int j = 0; j < rows[k].n; j++)
                page->words[rows[k].idx[j]].used = true;
        } else if (open) {
            tt_cell_fill(page, rows[k].idx, rows[k].n, &res->entries[res->nentries - 1]);
            for (int j = 0; j < rows[k].n; j++)
                page->words[rows[k].idx[j]].used = true;
            open = false;
        } else if (k > 0 && res->nentries > first && continues(&rows[k - 1], &rows[k], text)) {
            tt_entry *e = &res->entries[res->nentries - 1];
            size_t len = strlen(e->subject), tl = strlen(text);
            if (len + 1 + tl < sizeof e->subject) {
                e->subject[len] = ' ';
                memcpy(e->subject + len + 1, text, tl + 1);
            }
            for (int j = 0; j < rows[k].n; j++)
                page->words[rows[k].idx[j]].used = true;
        }
    }
    int n = res->nentries - first;
    int starts[TT_MAX_ENTRIES], ends[TT_MAX_ENTRIES];
    for (int k = 0; k < n; k++)
        starts[k] = res->entries[first + k].start, ends[k] = res->entries[first + k].end;
    tt_resolve_12h(starts, ends, NULL, NULL, n);
    /* A single day's block whose times start over runs on into the next
     * day when no heading names it. */
    bool single = h->days == 1u << h->day;
    int day = h->day;
    for (int k = 0; k < n; k++) {
        tt_entry *e = &res->entries[first + k];
        bool over = starts_over(starts, k);
        if (over && single && day + 1 < TT_MAX_DAYS && !(*named & (1u << (day + 1)))) {
            *named |= 1u << ++day;
            res->ev.days_inferred++;
        }
        e->day = day;
        e->start = starts[k];
        e->end = ends[k] >= 0 ? ends[k] : (k + 1 < n && !starts_over(starts, k + 1) ? starts[k + 1] : -1);
        if (e->end < 0)
            res->ev.slots_unparsed++;
        if (k > 0 && e->start < starts[k - 1] && !(over && day != h->day))
            res->ev.times_increasing = false;
    }
    copy_to_group(h, first, res);
}

int tt_build_list(tt_page *page, tt_result *res)
{
    heading hd[32];
    int n = find_headings(page, hd, 32);
    bool seen[TT_MAX_DAYS] = {false};
    int distinct = 0, named = 0, top = page->height;
    for (int k = 0; k < n; k++) {
        for (int d = 0; d < TT_MAX_DAYS; d++)
            if (hd[k].days & (1u << d)) {
                named++;
                distinct += !seen[d];
                seen[d] = true;
            }
        if (hd[k].y0 < top)
            top = hd[k].y0;
    }
    if (distinct < 2)
        return -1;
    res->nentries = 0;
    res->ev.times_increasing = true;
    for (int k = 0; k < n; k++)
        page->words[page->order[page->lines[hd[k].line].first]].used = true;
    tt_figure *f = tt_figure_open(page);
    untimed_list *ul = calloc(1, sizeof *ul);
    if (!ul)
        return -1;
    unsigned named_days = 0;
    for (int d = 0; d < TT_MAX_DAYS; d++)
        named_days |= seen[d] ? 1u << d : 0;
    for (int k = 0; k < n; k++) {
        res->ev.unproven |= hd[k].letter;
        block_entries(page, &hd[k], &named_days, res, ul);
        tt_figure_box(f, hd[k].x0, hd[k].y0, hd[k].x1, hd[k].y1, 0xff8c00, 2);
        tt_figure_box(f, hd[k].xmin, hd[k].y1, hd[k].xmax,
                      hd[k].ymax < page->height ? hd[k].ymax : page->height - 1, 0x1e64ff, 2);
    }
    tt_figure_close(f);
    place_untimed(hd, n, ul, res);
    free(ul);
    for (int d = 0; d < TT_MAX_DAYS; d++) /* days a block ran on into */
        if ((named_days & (1u << d)) && !seen[d])
            seen[d] = true, distinct++, named++;
    res->ev.days_found = distinct;
    res->ev.days_in_order = distinct == named; /* no day twice */
    int lo = 7, hi = -1;
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (seen[d]) {
            if (d < lo) lo = d;
            hi = d;
        }
    res->ev.days_consecutive = hi - lo + 1 == distinct;
    res->layout = "list";
    tt_set_title(page, res, top);
    return res->nentries > 0 ? 0 : -1;
}
