/*
 * words.c — the input words and their grouping into phrases.
 *
 * The input is WORDS FORMAT (docs/timetable.md): pages of words with boxes
 * and confidences. Only the first page is read: a weekly timetable is one
 * page; more pages are reported as a warning by the caller.
 *
 * A "line" here is a phrase: words on the same baseline with no gap wider
 * than about one text height between neighbours. Table cells are separated
 * by wider gaps than words are, so a phrase never straddles two cells of a
 * borderless grid, while "8:50 to 9:50" or "Design Technology" stays whole.
 * Words are visited left to right and each joins the phrase whose last word
 * ends just before it on an overlapping band of y; this keeps the grouping
 * O(words x phrases) and independent of the OCR engine's own line numbers,
 * which differ between page segmentation modes. A vertical ruling line
 * between two words always separates them, however narrow the gap; so do
 * two sizes of type, and a letter stacked in a column of letters (a word
 * written down the page) joins no phrase across. A phrase of times only
 * (a header row whose cells no rule parts, as on a dark fill) is cut into
 * its times afterwards. Marks OCR read from a rule into a word ("[Form",
 * "CHTIME|Handwriting") are trimmed or part the word where the rule runs.
 *
 * Skew: the preprocess step deskews, but a photo's perspective can leave a
 * few degrees, enough to put a header a row off by the far end of the page.
 * The median slope of long phrases measures what is left; the words are
 * turned upright about the page centre (and rules.c turns the image by the
 * same angle), then grouped again.
 *
 * Letters spelled one per line join into their word; a letter OCR lost
 * inside such a word (a thin I) is bridged when its slot holds ink. A word
 * with ink right beside it that no word holds was read only in part
 * ("raphy" of "Geography"): it is marked clipped, for the confidence.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tt.h"

/* Skew worth turning the words for (0.4 degrees), and more than a page a
 * teacher photographs is ever turned (15 degrees): beyond, the slope is
 * more likely an artefact of the phrases than the page. */
#define MIN_SKEW_SLOPE 0.007
#define MAX_SKEW_SLOPE 0.27
/* Ink share beside a word that means unread letters: letters fill a fifth
 * to a third of their middle band; a box a few pixels short of its ink
 * leaves a few percent. */
#define CLIPPED_INK 0.12

static int json_int(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return (int)json_integer_value(v);
    if (json_is_real(v))
        return (int)json_real_value(v);
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int load_word(tt_page *page, const json_t *jw)
{
    const char *text = json_string_value(json_object_get(jw, "text"));
    if (!text)
        return 0;
    while (*text == ' ')
        text++;
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == ' ')
        len--;
    if (len == 0 || strspn(text, "|") == len)
        return 0; /* a vertical rule read as text */
    tt_word *w = &page->words[page->nwords];
    memset(w, 0, sizeof *w);
    if (len >= sizeof w->text)
        len = sizeof w->text - 1;
    memcpy(w->text, text, len);
    w->x = json_int(jw, "x");
    w->y = json_int(jw, "y");
    w->w = json_int(jw, "w");
    w->h = json_int(jw, "h");
    const json_t *c = json_object_get(jw, "conf");
    w->conf = json_is_number(c) ? json_number_value(c) : 0.0;
    w->disputed = json_is_true(json_object_get(jw, "reread")) &&
                  !json_is_true(json_object_get(jw, "agreed"));
    w->line = -1;
    if (w->w <= 0 || w->h <= 0 || w->x < -100000 || w->y < -100000 || w->x > 1000000 ||
        w->y > 1000000 || w->w > 1000000 || w->h > 1000000)
        return 0;
    page->nwords++;
    return 0;
}

static int median_height(const tt_page *page)
{
    if (page->nwords == 0)
        return 0;
    int *h = malloc(sizeof *h * (size_t)page->nwords);
    if (!h)
        return 0;
    for (int i = 0; i < page->nwords; i++)
        h[i] = page->words[i].h;
    qsort(h, (size_t)page->nwords, sizeof *h, cmp_int);
    int m = h[page->nwords / 2];
    free(h);
    return m;
}

static const tt_page *sort_page;
static int cmp_word_x(const void *a, const void *b)
{
    const tt_word *p = &sort_page->words[*(const int *)a], *q = &sort_page->words[*(const int *)b];
    return (p->x > q->x) - (p->x < q->x);
}

/* A word's type size from its box: the box spans the x-height, plus the
 * ascenders (capitals, digits, b d f h k l t) and the descenders (g j p q
 * y) it holds, each about 0.2 of the size; brackets span both. So
 * "Computer" and "Science" in one font measure the same, and a smaller
 * note under a subject measures smaller. A PDF's text layer gives every
 * word the font's whole height: that is the size. */
int tt_type_size(const tt_page *page, const tt_word *w)
{
    if (page->pdf_text)
        return w->h;
    bool up = false, down = false;
    for (const char *p = w->text; *p; p++) {
        up |= isupper((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("bdfhklt()/", *p);
        down |= strchr("gjpqy()", *p) != NULL;
    }
    return (int)(w->h * 10 / (5 + 2 * up + 2 * down));
}

/* Vertical overlap of a word with a phrase's band, as a share of the
 * smaller height. */
static double v_overlap(const tt_word *w, const tt_line *l)
{
    int top = w->y > l->y0 ? w->y : l->y0;
    int bot = w->y + w->h < l->y1 ? w->y + w->h : l->y1;
    int hmin = w->h < l->y1 - l->y0 ? w->h : l->y1 - l->y0;
    return hmin > 0 ? (double)(bot - top) / hmin : 0.0;
}

static bool is_dash(const char *t)
{
    return strcmp(t, "-") == 0 || strcmp(t, "\xe2\x80\x93") == 0 || strcmp(t, "\xe2\x80\x94") == 0 ||
           strcmp(t, "to") == 0;
}

/* A vertical rule between two words: they are in different cells. The rule
 * must run a text height beyond the words both ways: the dark gap between
 * two white letters in a dark header row looks like a rule as tall as the
 * row, but no taller. */
static bool across_rule(const tt_page *page, const tt_word *a, const tt_word *b)
{
    if (!page->rules)
        return false;
    int x0 = a->x + a->w < b->x ? a->x + a->w : b->x - 1;
    int y0 = a->y > b->y ? a->y : b->y;
    int y1 = a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h;
    int h = page->median_h;
    return y1 > y0 && tt_rules_vsep(page->rules, x0, b->x, y0 - h, y1 + h, NULL) >= 0.8;
}

static bool one_letter(const char *t);

/* Whether words a and b, each one letter, stand one right over the other
 * (same column, similar size, less than a line's height and a quarter
 * between): two letters of a word spelled one letter per line. */
static bool letters_stacked(const tt_word *a, const tt_word *b)
{
    if (a->y > b->y) {
        const tt_word *t = a;
        a = b, b = t;
    }
    int gap = b->y - (a->y + a->h), slack = (a->w > b->w ? a->w : b->w) / 2 + 2;
    return a->h * 2 >= b->h && b->h * 2 >= a->h && gap >= -a->h / 4 && gap * 4 <= a->h * 5 &&
           abs((a->x + a->w / 2) - (b->x + b->w / 2)) <= slack;
}

/* in_column[i]: word i is one letter with another stacked over or under
 * it, or letters already joined so (a stacked word). Such a word is
 * written down the page: it starts no phrase across it ("O" of M/O/N
 * beside a cell's "Food Technology"), and joins none. */
static void mark_letter_columns(const tt_page *page, bool *in_column)
{
    for (int i = 0; i < page->nwords; i++)
        in_column[i] = page->words[i].stacked;
    for (int i = 0; i < page->nwords; i++) {
        if (!one_letter(page->words[i].text))
            continue;
        for (int j = i + 1; j < page->nwords; j++)
            if (one_letter(page->words[j].text) &&
                letters_stacked(&page->words[i], &page->words[j]))
                in_column[i] = in_column[j] = true;
    }
}

/* Letters and digits in t. */
static int alnum_count(const char *t)
{
    int n = 0;
    for (; *t; t++)
        n += isalnum((unsigned char)*t) != 0;
    return n;
}

/* Whether two words' type sizes differ by more than a fifth (both words
 * of two letters or digits or more: the box of a letter alone or of
 * punctuation, "-—", says little of the size). */
static bool sizes_differ(const tt_page *page, const tt_word *a, const tt_word *b)
{
    if (alnum_count(a->text) < 2 || alnum_count(b->text) < 2)
        return false;
    int sa = tt_type_size(page, a), sb = tt_type_size(page, b);
    int lo = sa < sb ? sa : sb, hi = sa < sb ? sb : sa;
    return lo * 5 < hi * 4;
}

static int join_line(tt_page *page, int wi, int *last_of, int *ntemp, const bool *in_column)
{
    tt_word *w = &page->words[wi];
    int best = -1, best_gap = 0;
    for (int li = 0; li < *ntemp; li++) {
        tt_line *l = &page->lines[li];
        const tt_word *last = &page->words[last_of[li]];
        int gap = w->x - (last->x + last->w);
        /* The gap is measured in the shorter word's height: a word spelled
         * one letter per line ("REGISTRATION" down a merged column) is as
         * tall as the table, and "Tu" a text height left of it is a day
         * label, not the same phrase. */
        int h = w->h < last->h ? w->h : last->h;
        /* Two sizes of type side by side are two cells (a long subject
         * set smaller to fit beside its neighbour): the gap is measured
         * in the smaller one, not in the page's usual text height. */
        if (h < page->median_h && !sizes_differ(page, w, last))
            h = page->median_h;
        if (in_column[wi] != in_column[last_of[li]])
            continue;
        /* A dash's box is narrow and placed loosely: after one, the range
         * goes on across a wider gap. */
        int max_gap = is_dash(last->text) ? 2 * h : h * 11 / 10;
        if (gap > max_gap || v_overlap(w, l) < 0.5 || w->x <= last->x)
            continue;
        if (across_rule(page, last, w))
            continue;
        if (best < 0 || gap < best_gap)
            best = li, best_gap = gap;
    }
    if (best < 0) {
        best = (*ntemp)++;
        page->lines[best] = (tt_line){0, 0, w->x, w->y, w->x + w->w, w->y + w->h};
    }
    tt_line *l = &page->lines[best];
    l->count++;
    if (w->y < l->y0) l->y0 = w->y;
    if (w->y + w->h > l->y1) l->y1 = w->y + w->h;
    if (w->x + w->w > l->x1) l->x1 = w->x + w->w;
    last_of[best] = wi;
    w->line = best;
    return 0;
}

/* Whether text[a..b) joins its two clocks with a written separator (a
 * dash, "to"): "12:55 13:55" may be two starts whose dash OCR lost. */
static bool written_range(const char *text, int a, int b)
{
    char part[TT_TEXT];
    int n = b - a < (int)sizeof part - 1 ? b - a : (int)sizeof part - 1;
    memcpy(part, text + a, (size_t)n);
    part[n] = '\0';
    return strpbrk(part, "-~") || strstr(part, "\xe2\x80") || strstr(part, " to") ||
           strstr(part, "until") || strstr(part, "till");
}

/* Where a line's words run from one whole written range into another time
 * ("8:30 AM - 9:20 AM 9:20 AM - 10:05 AM", header cells set close together
 * in a narrow table): the index of the word the second starts at, 0 when
 * there is none. A range is one cell's text. */
static int range_run_split(const tt_page *page, const tt_line *l)
{
    char text[TT_TEXT * 2];
    int pos[TT_TEXT], used = 0, n = l->count < TT_TEXT ? l->count : TT_TEXT;
    for (int k = 0; k < n; k++) {
        const char *w = page->words[page->order[l->first + k]].text;
        int wl = (int)strlen(w);
        if (used + wl + 2 >= (int)sizeof text)
            return 0;
        pos[k] = used;
        memcpy(text + used, w, (size_t)wl);
        used += wl;
        text[used++] = ' ';
    }
    text[used] = '\0';
    tt_time_range tr;
    int at = tt_find_time_range(text, &tr);
    if (at < 0 || tr.end < 0 || !written_range(text, at, tr.chars_used))
        return 0;
    for (int k = 1; k < n; k++)
        if (pos[k] >= tr.chars_used) {
            tt_time_range next;
            return tt_find_time_range(text + pos[k], &next) == 0 ? k : 0;
        }
    return 0;
}

/* Splits every line at range_run_split, repeatedly: each range its own
 * phrase. The new lines take the words' tail in `order`, which stays
 * laid out line by line. */
static void split_range_runs(tt_page *page)
{
    for (int li = 0; li < page->nlines; li++) {
        tt_line *l = &page->lines[li];
        int k = range_run_split(page, l);
        if (k <= 0 || page->nlines >= page->nwords)
            continue;
        tt_line *m = &page->lines[page->nlines];
        *m = (tt_line){l->first + k, l->count - k, 0, 0, 0, 0};
        l->count = k;
        tt_line *parts[2] = {l, m};
        for (int q = 0; q < 2; q++) {
            tt_line *p = parts[q];
            const tt_word *w0 = &page->words[page->order[p->first]];
            p->x0 = w0->x, p->y0 = w0->y, p->x1 = w0->x + w0->w, p->y1 = w0->y + w0->h;
            for (int j = 0; j < p->count; j++) {
                tt_word *w = &page->words[page->order[p->first + j]];
                w->line = (int)(p - page->lines);
                if (w->x < p->x0) p->x0 = w->x;
                if (w->y < p->y0) p->y0 = w->y;
                if (w->x + w->w > p->x1) p->x1 = w->x + w->w;
                if (w->y + w->h > p->y1) p->y1 = w->y + w->h;
            }
        }
        page->nlines++;
        li--; /* the first part again: it holds one range now */
    }
}

static int group_lines(tt_page *page)
{
    int n = page->nwords;
    free(page->lines);
    free(page->order);
    page->lines = NULL, page->order = NULL;
    for (int i = 0; i < n; i++)
        page->words[i].line = -1;
    int *byx = malloc(sizeof *byx * (size_t)(n ? n : 1));
    int *last_of = malloc(sizeof *last_of * (size_t)(n ? n : 1));
    page->lines = calloc((size_t)(n ? n : 1), sizeof *page->lines);
    page->order = malloc(sizeof *page->order * (size_t)(n ? n : 1));
    if (!byx || !last_of || !page->lines || !page->order) {
        free(byx);
        free(last_of);
        return -1;
    }
    bool *in_column = malloc((size_t)(n ? n : 1));
    if (!in_column) {
        free(byx);
        free(last_of);
        return -1;
    }
    mark_letter_columns(page, in_column);
    for (int i = 0; i < n; i++)
        byx[i] = i;
    sort_page = page;
    qsort(byx, (size_t)n, sizeof *byx, cmp_word_x);
    int nlines = 0;
    for (int i = 0; i < n; i++)
        join_line(page, byx[i], last_of, &nlines, in_column);
    free(in_column);
    /* Lay the word indices out line by line, each line left to right. */
    int pos = 0;
    for (int li = 0; li < nlines; li++) {
        page->lines[li].first = pos;
        page->lines[li].count = 0;
        for (int i = 0; i < n; i++)
            if (page->words[byx[i]].line == li)
                page->order[pos++] = byx[i], page->lines[li].count++;
    }
    page->nlines = nlines;
    free(byx);
    free(last_of);
    split_range_runs(page);
    return 0;
}

/* Whether words idx[k..k+j) read as one time (a range or a clock); a
 * range of several words must have a written separator between its clocks
 * (clocks side by side are separate times here). */
static bool time_of_words(const tt_page *page, const int *idx, int k, int j, tt_time_range *tr)
{
    char text[TT_TEXT];
    tt_words_text(page, idx + k, j, text, sizeof text);
    if (tt_find_time_range(text, tr) != 0 || (j > 1 && tr->end < 0))
        return false;
    for (const char *p = text + tr->chars_used; *p; p++)
        if (isalnum((unsigned char)*p))
            return false; /* "1:40pm_": a smudge after the time is no word */
    for (int i = k; i < k + j && j > 1; i++) {
        tt_time_range one;
        if (!tt_parse_time_range(page->words[idx[i]].text, &one) || one.end >= 0)
            return true; /* a dash, "to", or "8:30am-": written */
    }
    return j == 1;
}

/* Cuts a phrase made only of times into its times: a dark header row has
 * no rule between its cells that the grouping can see, and an unruled
 * header packs ranges closer than a text height, so "8:30 - 8:50 8:50 -
 * 9:50 9:50 - 10:45" comes as one phrase. Two or more ranges, or three or
 * more lone clocks (a header of starts), are cut; two lone clocks may be
 * one range whose dash OCR lost, and stay. Returns pieces (1: not cut). */
static int time_pieces(const tt_page *page, const int *idx, int n, int *cut)
{
    int pieces = 0, ranges = 0;
    for (int k = 0; k < n;) {
        tt_time_range tr;
        int j = n - k < 5 ? n - k : 5;
        while (j > 0 && !time_of_words(page, idx, k, j, &tr))
            j--;
        if (j == 0)
            return 1;
        ranges += tr.end >= 0;
        cut[pieces++] = k;
        k += j;
    }
    return pieces >= 3 || (pieces == 2 && ranges == 2) ? pieces : 1;
}

static void line_bounds(tt_page *page, tt_line *l, int li)
{
    for (int i = 0; i < l->count; i++) {
        tt_word *w = &page->words[page->order[l->first + i]];
        w->line = li;
        if (i == 0 || w->x < l->x0) l->x0 = w->x;
        if (i == 0 || w->y < l->y0) l->y0 = w->y;
        if (i == 0 || w->x + w->w > l->x1) l->x1 = w->x + w->w;
        if (i == 0 || w->y + w->h > l->y1) l->y1 = w->y + w->h;
    }
}

/* Every phrase of times only is cut into its times (time_pieces). The
 * pieces stay contiguous in page->order; lines never outnumber words. */
static void split_time_phrases(tt_page *page)
{
    int nlines = page->nlines;
    for (int li = 0; li < nlines; li++) {
        tt_line *l = &page->lines[li];
        int cut[TT_TEXT], first = l->first, count = l->count;
        if (count < 2 || count > TT_TEXT)
            continue;
        int np = time_pieces(page, page->order + first, count, cut);
        for (int p = 0; p < np && np > 1; p++) {
            int li2 = p == 0 ? li : page->nlines++;
            tt_line *m = &page->lines[li2];
            m->first = first + cut[p];
            m->count = (p + 1 < np ? cut[p + 1] : count) - cut[p];
            line_bounds(page, m, li2);
        }
    }
}

static bool has_alnum(const char *s)
{
    for (; *s; s++)
        if (isalnum((unsigned char)*s))
            return true;
    return false;
}

/* OCR reads ruling lines and smudges as words: a box far wider than a
 * tenth of its height that is flatter than a third of a text line is a rule
 * ("————", "a" 330 px wide and 4 high); a box twice the text height
 * that tesseract gives no confidence at all is a smear across cells. */
static void drop_noise(tt_page *page)
{
    int kept = 0, mh = page->median_h;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *w = &page->words[i];
        bool rule = w->h * 3 < mh && w->w > 8 * w->h && w->w > mh;
        /* No letter is a fifth of a line high; a dash may be. */
        bool sliver = w->h * 5 < mh && strspn(w->text, "-.,_~") < strlen(w->text) &&
                      strncmp(w->text, "\xe2\x80", 2) != 0;
        bool smear = w->h > 2 * mh && w->conf < 20.0;
        if (!rule && !smear && !sliver)
            page->words[kept++] = *w;
    }
    page->nwords = kept;
}

/* OCR's lone-glyph pass reads ink the first pass's box cut off: "A"
 * flush against "AM", the tail of "AM" as "M", a sliver of "PM" as "D".
 * Words stand a space apart (over a third of their height); a single
 * letter closer than a sixth of its height to a longer word on its line,
 * or overlapping it, is that word's ink read twice, and is dropped. */
/* Whether t is letters only (a dot after them allowed: "Tue."). */
static bool letters_only(const char *t)
{
    size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    return n > 0 && (t[n] == '\0' || (t[n] == '.' && t[n + 1] == '\0'));
}

static void drop_glyph_echoes(tt_page *page)
{
    int kept = 0;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *g = &page->words[i];
        /* a doubtful digit flush before a word of letters ("7" before
         * "Tue": its T read twice) is an echo too; a sure one is text, and
         * one at or after the word's end ("Rm 7") is its number */
        bool digit = isdigit((unsigned char)g->text[0]) && g->conf < 80.0;
        bool echo = false;
        for (int j = 0; j < page->nwords && !echo &&
                        (isalpha((unsigned char)g->text[0]) || digit) && g->text[1] == '\0';
             j++) {
            const tt_word *w = &page->words[j];
            int gap_r = w->x - (g->x + g->w), gap_l = g->x - (w->x + w->w);
            int gap = gap_r > gap_l ? gap_r : gap_l, lo = g->y > w->y ? g->y : w->y;
            int hi = g->y + g->h < w->y + w->h ? g->y + g->h : w->y + w->h;
            echo = j != i && w->text[1] != '\0' && gap * 6 <= g->h && (hi - lo) * 3 >= g->h * 2 &&
                   (!digit || (letters_only(w->text) && g->x < w->x));
        }
        if (!echo)
            page->words[kept++] = *g;
    }
    page->nwords = kept;
}

/* A doubtful word lying on a horizontal rule is the rule misread ("eee",
 * "z" across a cell border): text sits between rules, not on them. A day
 * name with the rule along its box's top or bottom sixth is a heading
 * touching its underline (a photo's slant brings the rule into the box),
 * kept: a misread rule gives scraps, not a day's name. */
static void drop_on_rules(tt_page *page)
{
    if (!page->rules)
        return;
    int kept = 0;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *w = &page->words[i];
        int at = 0, edge = w->h / 6;
        bool on_rule = w->conf < 60.0 &&
                       tt_rules_hsep(page->rules, w->y, w->y + w->h, w->x, w->x + w->w, &at) >= 0.6;
        if (on_rule && (at <= w->y + edge || at >= w->y + w->h - edge))
            on_rule = tt_day_of(w->text) < 0;
        if (!on_rule)
            page->words[kept++] = *w;
    }
    page->nwords = kept;
}

/* Whether a vertical rule runs down word w's height within a glyph's
 * width of character k of its n (placed by proportion along the box). */
static bool rule_at_char(const tt_page *page, const tt_word *w, int k, int n)
{
    int glyph = w->w / n + 2, x = w->x + w->w * k / n;
    return tt_rules_vsep(page->rules, x - glyph, x + glyph, w->y, w->y + w->h, NULL) >= 0.9;
}

/* Keeps characters [a, b) of word w (its box cut by proportion). */
static void keep_chars(tt_word *w, int a, int b, int n)
{
    int x0 = w->x + w->w * a / n, x1 = w->x + w->w * b / n;
    memmove(w->text, w->text + a, (size_t)(b - a));
    w->text[b - a] = '\0';
    w->x = x0, w->w = x1 - x0 > 1 ? x1 - x0 : 1;
}

/* A vertical rule OCR read into a word: "[Form" or "|Maths" at a cell's
 * left border, "/2:05 PM" at a header's, "Technology|" at its right one,
 * "CHTIME|Handwriting" across the rule between two cells. A mark goes
 * when a rule runs down the word's height within a glyph's width of it
 * (the box may start past the rule's own ink) and a letter or digit
 * stands beside it (a bracket the word closes is its own); a "|" inside
 * parts the word in two. Words parted are appended. */
static void trim_rule_marks(tt_page *page)
{
    if (!page->rules)
        return;
    int n0 = page->nwords;
    for (int i = 0; i < n0; i++) {
        tt_word *w = &page->words[i];
        int n = (int)strlen(w->text);
        if (n >= 2 && strchr("|[/", w->text[0]) && isalnum((unsigned char)w->text[1]) &&
            !(w->text[0] == '[' && strchr(w->text, ']')) && rule_at_char(page, w, 0, n))
            keep_chars(w, 1, n, n), n--;
        while (n >= 2 && strchr("|]", w->text[n - 1]) &&
               !(w->text[n - 1] == ']' && strchr(w->text, '[')) && rule_at_char(page, w, n, n))
            keep_chars(w, 0, n - 1, n), n--;
        char *bar = strchr(w->text, '|');
        int k = bar ? (int)(bar - w->text) : 0;
        if (!bar || k == 0 || k + 1 >= n || !rule_at_char(page, w, k, n))
            continue;
        tt_word *more = realloc(page->words, sizeof *page->words * (size_t)(page->nwords + 1));
        if (!more)
            return;
        page->words = more, w = &page->words[i];
        tt_word *right = &page->words[page->nwords++];
        *right = *w;
        keep_chars(right, k + 1, n, n);
        keep_chars(w, 0, k, n);
        n0 = page->nwords; /* the right part, visited later, may hold another */
    }
}

/* The median slope of long phrases, from the centre of the first word to
 * that of the last of the same height (a descender moves a box's centre);
 * 0 with too few phrases to tell. */
static double phrase_slope(const tt_page *page)
{
    double slopes[512];
    int n = 0;
    for (int li = 0; li < page->nlines && n < 512; li++) {
        const tt_line *l = &page->lines[li];
        if (l->count < 2)
            continue;
        const tt_word *a = NULL, *b = NULL;
        for (int k = 0; k < l->count; k++) {
            const tt_word *w = &page->words[page->order[l->first + k]];
            if (!has_alnum(w->text) || w->h < page->median_h / 2)
                continue; /* a dash's box says nothing of the baseline */
            if (!a)
                a = w;
            else if (abs(w->h - a->h) <= 1 + a->h / 20)
                b = w; /* same height: same ascenders and descenders */
        }
        double dx = b ? (b->x + b->w / 2.0) - (a->x + a->w / 2.0) : 0.0;
        if (dx < 3.0 * page->median_h)
            continue;
        slopes[n++] = ((b->y + b->h / 2.0) - (a->y + a->h / 2.0)) / dx;
    }
    if (n < 5)
        return 0.0;
    for (int i = 1; i < n; i++) /* insertion sort: n is small */
        for (int j = i; j > 0 && slopes[j - 1] > slopes[j]; j--) {
            double t = slopes[j];
            slopes[j] = slopes[j - 1], slopes[j - 1] = t;
        }
    return slopes[n / 2];
}

/* Turn every word's centre by angle (clockwise, y down) about the page
 * centre; boxes keep their size. Phrases must be grouped again after. */
static void turn_words(tt_page *page, double angle)
{
    double c = cos(angle), s = sin(angle), mx = page->width / 2.0, my = page->height / 2.0;
    for (int i = 0; i < page->nwords; i++) {
        tt_word *w = &page->words[i];
        double x = w->x + w->w / 2.0 - mx, y = w->y + w->h / 2.0 - my;
        w->x = (int)lround(mx + x * c - y * s - w->w / 2.0);
        w->y = (int)lround(my + x * s + y * c - w->h / 2.0);
    }
    page->deskew = angle;
}

/* Whether the strip beside word i, along its middle band (x0..x1, `near`
 * the x where it touches the word) holds letters no word holds: some ink
 * over the strip and in its half next to the word (a fill's edge or a
 * rule's stub comes from the far side), but not solid (a fill). A strip
 * another word reaches into is not measured: it is the space between two
 * words read, where an upscaled page's boxes fall a few pixels short. */
static bool letters_beside(const tt_page *page, int i, int x0, int x1, int near)
{
    const tt_word *w = &page->words[i];
    int y0 = w->y + w->h / 4, y1 = w->y + w->h * 3 / 4;
    for (int k = 0; k < page->nwords; k++) {
        const tt_word *o = &page->words[k];
        if (k != i && o->y < y1 && o->y + o->h > y0 && o->x < x1 + w->h / 2 &&
            o->x + o->w > x0 - w->h / 2)
            return false;
    }
    double all = tt_rules_ink(page->rules, x0, y0, x1, y1);
    int mid = (x0 + x1) / 2;
    double half = near <= x0 ? tt_rules_ink(page->rules, x0, y0, mid, y1)
                             : tt_rules_ink(page->rules, mid, y0, x1, y1);
    return all > CLIPPED_INK && all < 0.7 && half > CLIPPED_INK;
}

/* A word read in part ("raphy" of "Geography", "D1" of "11D1"): letters on
 * its line right beside it, a letter wide, that no other word holds. OCR
 * boxes a word's ink tightly, and a cell's text stands clear of its rules
 * (the rules are not ink here), so unread letters are what sits there.
 * Words on a dark fill (their box mostly ink) are not judged; a PDF's
 * text layer is exact. */
static void mark_clipped(tt_page *page)
{
    if (!page->rules || page->pdf_text)
        return;
    for (int i = 0; i < page->nwords; i++) {
        tt_word *w = &page->words[i];
        int len = w->h * 3 / 5, gap = w->h / 8;
        if (strlen(w->text) < 2 || w->h > 2 * page->median_h ||
            tt_rules_ink(page->rules, w->x, w->y, w->x + w->w, w->y + w->h) > 0.6)
            continue;
        w->clipped = letters_beside(page, i, w->x - gap - len, w->x - gap, w->x - gap) ||
                     letters_beside(page, i, w->x + w->w + gap, w->x + w->w + gap + len,
                                    w->x + w->w + gap);
    }
}

/* One letter, or one letter repeated (case aside): OCR's model reads a
 * lone round glyph twice ("oO" for "O", "Ww" for "W"), or as the digit
 * ("0" for "O"). */
static bool one_letter(const char *t)
{
    size_t n = strlen(t), same = 1;
    if (strcmp(t, "0") == 0)
        return true;
    if (n == 0 || n > 3 || !isalpha((unsigned char)t[0]))
        return false;
    while (same < n && tolower((unsigned char)t[same]) == tolower((unsigned char)t[0]))
        same++;
    return same == n;
}

/* A letter alone on its phrase (first grouping), a candidate for a word
 * written one letter per line. */
static bool lone_letter(const tt_page *page, const tt_word *w)
{
    /* "Tl" in a box one glyph wide is one letter and a thin stroke of the
     * next: only the first letter of a word is ever taken. */
    bool thin_pair = isalpha((unsigned char)w->text[0]) && w->text[1] && w->text[2] == '\0' &&
                     strchr("lI|1", w->text[1]) && w->w * 4 < w->h * 3;
    return (one_letter(w->text) || thin_pair) && w->line >= 0 && w->line < page->nlines &&
           page->lines[w->line].count == 1;
}

/* The letter stacked right under word a (same column, less than a line's
 * height and a quarter between: letters spelled one per day down a row
 * label are further apart). */
static int letter_below(const tt_page *page, int a)
{
    const tt_word *w = &page->words[a];
    int best = -1, best_gap = 0, cx = w->x + w->w / 2;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *u = &page->words[i];
        if (i == a || !lone_letter(page, u) || u->h * 2 < w->h || w->h * 2 < u->h)
            continue;
        int gap = u->y - (w->y + w->h), ux = u->x + u->w / 2;
        int slack = (w->w > u->w ? w->w : u->w) / 2 + 2;
        if (gap < -w->h / 4 || gap * 4 > w->h * 5 || abs(ux - cx) > slack)
            continue;
        if (best < 0 || gap < best_gap)
            best = i, best_gap = gap;
    }
    return best;
}

/* The usual step down a chain of stacked letters (top to top). */
static int chain_pitch(const tt_page *page, const int *chain, int m)
{
    int steps[64], n = 0;
    for (int k = 1; k < m; k++)
        steps[n++] = page->words[chain[k]].y - page->words[chain[k - 1]].y;
    qsort(steps, (size_t)n, sizeof *steps, cmp_int);
    return n ? steps[(n - 1) / 2] : 0;
}

/* The lone letter in word a's column whose top is near y (a third of a
 * letter's height), or -1. */
static int letter_at(const tt_page *page, int a, int y)
{
    const tt_word *w = &page->words[a];
    int cx = w->x + w->w / 2;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *u = &page->words[i];
        int slack = (w->w > u->w ? w->w : u->w) / 2 + 2;
        if (i != a && lone_letter(page, u) && abs(u->y - y) * 3 <= w->h &&
            abs(u->x + u->w / 2 - cx) <= slack && u->h * 2 >= w->h && w->h * 2 >= u->h)
            return i;
    }
    return -1;
}

/* The ink of the slot a letter's height tall at y in the column centred
 * on cx: 0 blank, 1 a glyph, 2 one thin stroke (an I). */
static int slot_ink(const tt_page *page, int cx, int y, int h)
{
    int q = h / 4;
    if (tt_rules_ink(page->rules, cx - h / 2, y, cx + h / 2, y + h) < 0.03)
        return 0;
    double mid = tt_rules_ink(page->rules, cx - q / 2, y, cx + q / 2 + 1, y + h);
    double sides = tt_rules_ink(page->rules, cx - h / 2, y, cx - q, y + h) +
                   tt_rules_ink(page->rules, cx + q, y, cx + h / 2, y + h);
    return mid > 0.3 && sides < 0.02 ? 2 : 1;
}

/* The next letter of a stacked word once two letters give its step: one
 * step below the last (letters spaced a little over a line apart), or up
 * to three steps below when OCR lost the letters between (the thin "I" of
 * R E G I S T R A T I O N) and every slot between holds ink; a blank slot
 * is a space between two words and is not crossed. Returns the letter or
 * -1; *lost: the slots crossed, bit j of *bars: slot j is one stroke. */
static int letter_past_gap(const tt_page *page, const int *chain, int m, int *lost,
                           unsigned *bars)
{
    int pitch = m >= 2 ? chain_pitch(page, chain, m) : 0, a = chain[m - 1];
    const tt_word *w = &page->words[a];
    if (m < 2 || pitch <= w->h || pitch > 3 * w->h)
        return -1;
    int cx = w->x + w->w / 2;
    unsigned strokes = 0;
    for (int step = 1; step <= 3; step++) {
        int b = letter_at(page, a, w->y + step * pitch);
        if (b >= 0) {
            *lost = step - 1, *bars = strokes;
            return b;
        }
        int ink = slot_ink(page, cx, w->y + step * pitch, w->h);
        if (ink == 0)
            return -1;
        strokes |= (ink == 2) << (step - 1);
    }
    return -1;
}

/* Day names spelled one after another in text[p..n) ("montuewed"): each a
 * prefix of three letters or more of a day after `prev`. Fills cut[] with
 * where each starts; returns how many, 0 when text is not such a run. */
static int day_run(const char *text, int p, int n, int prev, int *cut, int depth)
{
    if (p == n)
        return depth >= 2 ? depth : 0;
    static const char *const names[] = {"monday", "tuesday", "wednesday", "thursday", "friday",
                                        "saturday", "sunday"};
    for (int d = prev + 1; d < 7 && depth < TT_MAX_DAYS; d++) {
        int len = (int)strlen(names[d]);
        for (int l = len; l >= 3; l--) {
            if (p + l > n || strncmp(text + p, names[d], (size_t)l) != 0)
                continue;
            cut[depth] = p;
            int got = day_run(text, p + l, n, d, cut, depth + 1);
            if (got)
                return got;
        }
        if (d > prev + 1)
            break; /* consecutive days only */
    }
    return 0;
}

/* Where a chain of stacked letters parts into words: day names spelled
 * down consecutive row labels with rows no further apart than letters
 * ("M O N T U E" is MON and TUE); else at gaps half as wide again as the
 * chain's usual one (a row's edge). Sets brk[k] when letter k starts a word. */
static void part_chain(const tt_page *page, const int *chain, const int *lost, int m, bool *brk)
{
    char text[64];
    int gaps[64], cut[TT_MAX_DAYS];
    for (int k = 0; k < m; k++) {
        text[k] = (char)tolower((unsigned char)page->words[chain[k]].text[0]);
        brk[k] = k == 0;
        if (k > 0) /* a lost letter's slot counts as letters do */
            gaps[k - 1] = lost[k] ? 0
                                  : page->words[chain[k]].y -
                                        (page->words[chain[k - 1]].y + page->words[chain[k - 1]].h);
    }
    text[m] = '\0';
    int nd = m >= 6 ? day_run(text, 0, m, -1, cut, 0) : 0;
    for (int k = 0; k < nd; k++)
        brk[cut[k]] = true;
    if (nd || m < 3)
        return;
    int sorted[64];
    memcpy(sorted, gaps, sizeof *gaps * (size_t)(m - 1));
    qsort(sorted, (size_t)(m - 1), sizeof *sorted, cmp_int);
    int usual = sorted[(m - 1) / 2] > 0 ? sorted[(m - 1) / 2] : 1;
    for (int k = 1; k < m; k++)
        brk[k] = !lost[k] && gaps[k - 1] * 2 > usual * 3;
}

/* A letter box wider than tall is a glyph turned a quarter. */
static bool turned_glyph(const tt_word *w)
{
    return w->w * 5 > w->h * 6;
}

/* Letters wider than tall are glyphs turned a quarter: text run up or down
 * the page, whose order (top down or bottom up) the boxes cannot tell. The
 * word is doubtful, as one read two ways. */
static void mark_turned(tt_word *word, int len, int wide)
{
    if (word && len >= 2 && wide * 2 > len)
        word->disputed = true;
    if (word && len >= 2)
        word->stacked = true;
}

/* "M" over "O" over "N": a word written one letter per line (a day name
 * down a narrow row label) is read as the word. Only letters alone on
 * their line and stacked without a line's gap between them join; letters
 * a row apart (B R E A K, one per day) stay for the cell reader. A chain
 * spelling several days (rows as close as letters) parts into them. */
static void join_stacked_letters(tt_page *page)
{
    int n = page->nwords;
    bool *gone = calloc((size_t)(n ? n : 1), 1);
    bool *has_above = calloc((size_t)(n ? n : 1), 1);
    if (!gone || !has_above)
        goto out;
    for (int i = 0; i < n; i++)
        if (lone_letter(page, &page->words[i])) {
            int b = letter_below(page, i);
            if (b >= 0)
                has_above[b] = true;
        }
    for (int i = 0; i < n; i++) {
        if (!lone_letter(page, &page->words[i]) || has_above[i] || gone[i])
            continue;
        int chain[64], m = 0;
        bool brk[64];
        int lost[64] = {0};
        unsigned bars[64] = {0};
        for (int b = i; b >= 0 && !gone[b] && m < 64;) {
            chain[m++] = b, gone[b] = true;
            b = letter_below(page, b);
            if (b < 0 && m < 64)
                b = letter_past_gap(page, chain, m, &lost[m], &bars[m]);
        }
        part_chain(page, chain, lost, m, brk);
        for (int k = 0; k < m && m >= 2; k++) { /* "oO" or "0" in a chain is "O" */
            char *t = page->words[chain[k]].text;
            t[0] = t[0] == '0' ? 'O' : t[0], t[1] = '\0';
        }
        tt_word *top = NULL;
        int len = 0, wide = 0;
        for (int k = 0; k < m; k++) {
            tt_word *u = &page->words[chain[k]];
            size_t tl = top ? strlen(top->text) : 0;
            if (brk[k] || !top || tl + 2 >= sizeof top->text) {
                mark_turned(top, len, wide);
                top = u, gone[chain[k]] = false;
                len = 1, wide = turned_glyph(u);
                continue;
            }
            len++, wide += turned_glyph(u);
            for (int j = 0; j < lost[k] && tl + 3 < sizeof top->text; j++) {
                top->disputed = true; /* a letter OCR lost: an I when its ink is one stroke */
                if (bars[k] >> j & 1)
                    top->text[tl++] = 'I';
            }
            top->text[tl] = u->text[0], top->text[tl + 1] = '\0';
            int x1 = top->x + top->w > u->x + u->w ? top->x + top->w : u->x + u->w;
            top->x = top->x < u->x ? top->x : u->x;
            top->w = x1 - top->x;
            top->h = u->y + u->h - top->y;
            if (u->conf < top->conf)
                top->conf = u->conf;
        }
        mark_turned(top, len, wide);
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (!gone[i])
            page->words[kept++] = page->words[i];
    page->nwords = kept;
out:
    free(gone);
    free(has_above);
}

int tt_page_load(tt_page *page, const json_t *words_json, yogi_error *err)
{
    memset(page, 0, sizeof *page);
    const json_t *pages = json_object_get(words_json, "pages");
    const json_t *p = json_array_get(pages, 0);
    if (!json_is_object(p)) {
        yogi_fail(err, "Document.NotATimetable", "the OCR output has no page");
        return -1;
    }
    const json_t *words = json_object_get(p, "words");
    size_t n = json_array_size(words);
    if (n > TT_MAX_WORDS) {
        yogi_fail(err, "Document.NotATimetable", "%zu words on the page: not a timetable", n);
        return -1;
    }
    page->words = calloc(n ? n : 1, sizeof *page->words);
    if (!page->words) {
        yogi_fail(err, "States.Runtime", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        load_word(page, json_array_get(words, i));
    page->width = json_int(p, "width");
    page->height = json_int(p, "height");
    const char *image = json_string_value(json_object_get(p, "image"));
    if (image)
        snprintf(page->image, sizeof page->image, "%s", image);
    const char *source = json_string_value(json_object_get(words_json, "source"));
    page->pdf_text = source && strcmp(source, "pdf-text") == 0;
    page->median_h = median_height(page);
    drop_noise(page);
    drop_glyph_echoes(page);
    if (group_lines(page) < 0)
        goto out_of_memory;
    /* Phrases now show the skew: turn the words upright and group again,
     * this time knowing the rules. */
    double slope = phrase_slope(page);
    if (!page->pdf_text && fabs(slope) > MIN_SKEW_SLOPE && fabs(slope) < MAX_SKEW_SLOPE)
        turn_words(page, -atan(slope));
    if (page->nwords > 0)
        page->rules = tt_rules_detect(page->image, page->width, page->height, page->median_h,
                                      page->deskew);
    drop_on_rules(page);
    trim_rule_marks(page);
    join_stacked_letters(page);
    if (group_lines(page) < 0)
        goto out_of_memory;
    split_time_phrases(page);
    mark_clipped(page);
    return 0;
out_of_memory:
    tt_page_free(page);
    yogi_fail(err, "States.Runtime", "out of memory");
    return -1;
}

void tt_page_free(tt_page *page)
{
    tt_rules_free(page->rules);
    free(page->words);
    free(page->order);
    free(page->lines);
    memset(page, 0, sizeof *page);
}

/* Join words with single spaces; a run of one-letter words ("B R E A K",
 * letter-spaced or vertical text) is joined without them. */
/* Letters spaced out along one row ("L U N C H   B R E A K"): the gap
 * after letter i is a space between words when it is twice the row's
 * smallest gap or more. No spaces for letters not on one row (spelled
 * down a column, one per cell). */
static void word_breaks(const tt_page *page, const int *idx, int n, bool *brk)
{
    int least = -1;
    for (int i = 0; i + 1 < n; i++) {
        const tt_word *a = &page->words[idx[i]], *b = &page->words[idx[i + 1]];
        int gap = b->x - (a->x + a->w);
        if (b->y >= a->y + a->h || a->y >= b->y + b->h || gap < 0)
            return; /* not one row left to right */
        if (least < 0 || gap < least)
            least = gap;
    }
    for (int i = 0; i + 1 < n; i++) {
        const tt_word *a = &page->words[idx[i]], *b = &page->words[idx[i + 1]];
        brk[i] = b->x - (a->x + a->w) >= 2 * (least > 1 ? least : 1);
    }
}

void tt_words_text(const tt_page *page, const int *idx, int n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    int singles = 0;
    for (int i = 0; i < n; i++)
        singles += strlen(page->words[idx[i]].text) == 1;
    bool spaced_letters = n >= 3 && singles == n;
    bool brk[TT_TEXT] = {false};
    if (spaced_letters && n <= TT_TEXT)
        word_breaks(page, idx, n, brk);
    for (int i = 0; i < n; i++) {
        const char *t = page->words[idx[i]].text;
        size_t tl = strlen(t);
        size_t sep = (len > 0 && (!spaced_letters || brk[i - 1])) ? 1 : 0;
        if (len + sep + tl + 1 > size)
            break;
        if (sep)
            buf[len++] = ' ';
        memcpy(buf + len, t, tl);
        len += tl;
        buf[len] = '\0';
    }
}

void tt_line_text(const tt_page *page, const tt_line *line, char *buf, size_t size)
{
    tt_words_text(page, page->order + line->first, line->count, buf, size);
}
