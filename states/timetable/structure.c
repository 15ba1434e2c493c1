/*
 * structure.c — does the page show a timetable at all?
 *
 * Asked only when no reading of the page gave an entry. A teacher who
 * uploads a timetable the builder cannot read must get a draft to fix, not
 * Document.NotATimetable: that error is for a page with no timetable
 * structure at all (a letter, a photo of a cat, a blank page). The
 * structure is looked for without reading any cell, from three kinds of
 * evidence, any one of which is enough:
 *
 *   times   three phrases that are each a time (or start with one, as list
 *           lines do) standing in one row or one column: a time header, or
 *           the times of a list;
 *   days    three different day names, each a phrase of its own (prose
 *           mentions days inside sentences), or four different day
 *           letters (M Tu W Th F) in one row or column;
 *   title   a heading (a phrase of at most eight words) naming a timetable
 *           or a schedule, on a page without prose (under a dozen words
 *           in phrases of seven or more): OCR may read nothing of a faint
 *           scan but its large title;
 *   grid    a ruled table: at least four rules across and four down, each
 *           backed by rule over at least half of the middle half of the page
 *           (a merged cell interrupts a rule; a table is rarely off-centre).
 *   table   short phrases standing in rows and columns: a dozen or more
 *           phrases of at most four words that each share a row with two
 *           others and a column with three, on a page without prose. A
 *           faint scan or an unruled table may give OCR nothing it can read
 *           as a time or a day, yet its cells still stand in a lattice; a
 *           letter's lines share one column, a photo's scraps no lattice.
 *           (A price list is a table too: it goes to review as an empty
 *           draft, the price of never refusing a timetable.)
 *
 * Invariant: reads the page, changes nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt.h"

#define MIN_ALIGNED_TIMES 3
#define MIN_DAY_NAMES 3
#define MIN_DAY_LETTERS 4
#define MIN_RULES 4
#define MIN_LATTICE_CELLS 12
#define MAX_CELL_WORDS 4
#define MIN_ROW_MATES 2
#define MIN_COLUMN_MATES 3
#define MIN_PROSE_WORDS 7 /* a phrase this long is a sentence */
#define MAX_PROSE 12      /* words in sentences a timetable page may carry */

/* Whether line b shares a band with line a: of y (a row) or of x (a
 * column). */
static bool aligned(const tt_line *a, const tt_line *b, bool row)
{
    return row ? a->y0 < b->y1 && b->y0 < a->y1 : a->x0 < b->x1 && b->x0 < a->x1;
}

/* The largest number of lines passing `keep` that share a row or a column
 * with one of them. */
static int most_aligned(const tt_page *page, const bool *keep)
{
    int best = 0;
    for (int a = 0; a < page->nlines; a++) {
        if (!keep[a])
            continue;
        for (int row = 0; row < 2; row++) {
            int n = 0;
            for (int b = 0; b < page->nlines; b++)
                n += keep[b] && aligned(&page->lines[a], &page->lines[b], row);
            if (n > best)
                best = n;
        }
    }
    return best;
}

/* Phrases that are a time, or start with one ("9:00 Maths"). */
static int aligned_times(const tt_page *page, bool *keep)
{
    for (int li = 0; li < page->nlines; li++) {
        char text[TT_TEXT];
        tt_time_range tr;
        tt_line_text(page, &page->lines[li], text, sizeof text);
        keep[li] = tt_line_is_time(page, li, &tr) || tt_find_time_range(text, &tr) == 0;
    }
    return most_aligned(page, keep);
}

static int bits(unsigned m)
{
    int n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

/* Distinct day names, each a phrase alone (or a group of them); and the
 * most distinct day letters in one row or column (T and S count once:
 * they may stand for two days). */
static void day_labels(const tt_page *page, int *letter, int *names, int *letters)
{
    unsigned seen = 0;
    for (int li = 0; li < page->nlines; li++) {
        char text[TT_TEXT];
        tt_line_text(page, &page->lines[li], text, sizeof text);
        int d = tt_day_of(text), l = tt_day_letter(text);
        seen |= d >= 0 ? 1u << d : tt_day_group(text);
        letter[li] = l < -1 ? TT_MAX_DAYS - 1 - l : l;
    }
    *names = bits(seen), *letters = 0;
    for (int a = 0; a < page->nlines; a++)
        for (int row = 0; row < 2 && letter[a] >= 0; row++) {
            unsigned m = 0;
            for (int b = 0; b < page->nlines; b++)
                if (letter[b] >= 0 && aligned(&page->lines[a], &page->lines[b], row))
                    m |= 1u << letter[b];
            if (bits(m) > *letters)
                *letters = bits(m);
        }
}

/* Words in sentences: phrases of MIN_PROSE_WORDS or more. */
static int prose_words(const tt_page *page)
{
    int prose = 0;
    for (int li = 0; li < page->nlines; li++)
        if (page->lines[li].count >= MIN_PROSE_WORDS)
            prose += page->lines[li].count;
    return prose;
}

/* A heading naming a timetable on a page that is not prose (under a
 * dozen words in sentences: a letter has sentences). */
static bool titled(const tt_page *page)
{
    if (prose_words(page) >= MAX_PROSE)
        return false;
    for (int li = 0; li < page->nlines; li++) {
        const tt_line *l = &page->lines[li];
        for (int k = 0; k < l->count && l->count < MIN_PROSE_WORDS; k++) {
            char low[16];
            const char *t = page->words[page->order[l->first + k]].text;
            size_t n = 0;
            for (; t[n] && n + 1 < sizeof low; n++)
                low[n] = (char)tolower((unsigned char)t[n]);
            low[n] = '\0';
            if (strncmp(low, "timetable", 9) == 0 || strncmp(low, "schedule", 8) == 0)
                return true;
        }
    }
    return false;
}

/* Phrases of a lattice: short, each sharing its row with MIN_ROW_MATES
 * other short phrases and its column with MIN_COLUMN_MATES. No word is read
 * for meaning: garbled cells count as well as clean ones. */
static int lattice_cells(const tt_page *page)
{
    if (prose_words(page) >= MAX_PROSE)
        return 0;
    int cells = 0;
    for (int a = 0; a < page->nlines; a++) {
        if (page->lines[a].count > MAX_CELL_WORDS)
            continue;
        int row = 0, column = 0;
        for (int b = 0; b < page->nlines; b++) {
            if (b == a || page->lines[b].count > MAX_CELL_WORDS)
                continue;
            row += aligned(&page->lines[a], &page->lines[b], true);
            column += aligned(&page->lines[a], &page->lines[b], false);
        }
        cells += row >= MIN_ROW_MATES && column >= MIN_COLUMN_MATES;
    }
    return cells;
}

/* Long rules across (or down) the page, each counted once: scanned in
 * steps of a text height over the middle half of the other axis. */
static int long_rules(const tt_page *page, bool across)
{
    int h = page->median_h > 4 ? page->median_h : 4, n = 0, last = -10 * h;
    int far = across ? page->height : page->width, span = across ? page->width : page->height;
    for (int p = 0; p + h <= far; p += h) {
        int at = 0;
        double cov = across ? tt_rules_hsep(page->rules, p, p + h, span / 4, span * 3 / 4, &at)
                            : tt_rules_vsep(page->rules, p, p + h, span / 4, span * 3 / 4, &at);
        if (cov >= 0.5 && at - last > h)
            n++, last = at;
    }
    return n;
}

bool tt_page_structure(const tt_page *page, char *why, size_t size)
{
    bool *keep = calloc((size_t)page->nlines + 1, sizeof *keep);
    int *letter = calloc((size_t)page->nlines + 1, sizeof *letter);
    int times = 0, names = 0, letters = 0, cells = 0;
    if (keep && letter) {
        times = aligned_times(page, keep);
        day_labels(page, letter, &names, &letters);
    }
    free(keep);
    free(letter);
    int across = page->rules ? long_rules(page, true) : 0;
    int down = page->rules ? long_rules(page, false) : 0;
    if (times >= MIN_ALIGNED_TIMES)
        snprintf(why, size, "%d times in a row or column", times);
    else if (names >= MIN_DAY_NAMES)
        snprintf(why, size, "%d day names", names);
    else if (letters >= MIN_DAY_LETTERS)
        snprintf(why, size, "%d day letters in a row or column", letters);
    else if (titled(page))
        snprintf(why, size, "a heading naming a timetable");
    else if (across >= MIN_RULES && down >= MIN_RULES)
        snprintf(why, size, "a ruled grid, %d rules across and %d down", across, down);
    else if ((cells = lattice_cells(page)) >= MIN_LATTICE_CELLS)
        snprintf(why, size, "%d short phrases in rows and columns", cells);
    else
        return false;
    return true;
}
