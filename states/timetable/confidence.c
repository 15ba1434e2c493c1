/*
 * confidence.c — sense checks on the entries, and the document confidence.
 *
 * OCR word confidences are not probabilities: tesseract gives 90-96 to
 * clean text and sometimes 95 to a wrong word. The document confidence is
 * instead built from evidence that the structure was understood, each piece
 * a factor that lowers a perfect score when it fails:
 *
 *   days        found in order, consecutive, at least five, none inferred
 *   times       every header parsed; starts increase; each end after its start
 *   rules       the headers' cell edges agree with the ruling lines; no text
 *               crosses a separator read; no break beside empty days
 *   bands       no time band far wider than the others (a lost header)
 *   cells       no cell holding two phrases side by side (a lost header or
 *               rule), no merged cell guessed without rules, no stray word
 *               inside the table, no subject holding a time or a room or
 *               class code, no empty day
 *   words       no doubtful subject word (under 80; under 60 per entry)
 *   complete    no grid cell empty where most days have an entry, no day with
 *               far fewer entries or far less time covered than the others,
 *               no break one day has where another day has a hole, no gap
 *               every day of a list shares
 *   read        no time placed by proportion, no word read two ways by OCR,
 *               no subject word with unread ink beside it (read in part),
 *               no block far longer than the rest, no day ending far later
 *   sense       no overlapping entries, none outside 06:00-20:00
 *
 * The factors and the gate value were set on the development set (see
 * docs/confidence.md for the figures): a document reaches 0.98 only when
 * every check holds.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tt.h"

static int cmp_entry(const void *a, const void *b)
{
    const tt_entry *p = a, *q = b;
    if (p->day != q->day)
        return p->day - q->day;
    return (p->start > q->start) - (p->start < q->start);
}

static void warn(tt_result *res, const char *problem, const tt_entry *e)
{
    char t0[6], t1[6], msg[TT_TEXT + 128];
    tt_format_time(e->start, t0);
    tt_format_time(e->end, t1);
    /* The wording of plugin:validate, which skips warnings already given. */
    snprintf(msg, sizeof msg, "%s %s-%s: %s", tt_day_name(e->day), t0, t1, problem);
    json_array_append_new(res->warnings, json_string(msg));
    res->ev.warnings++;
}

/* Whether some entry of day d overlaps a..b. */
static bool day_has(const tt_result *res, int d, int a, int b)
{
    for (int k = 0; k < res->nentries; k++) {
        const tt_entry *e = &res->entries[k];
        if (e->day == d && e->start < b && e->end > a)
            return true;
    }
    return false;
}

/* Gaps inside day d (entries sorted) longer than ten minutes that at
 * least half the other days fill: times that do not tile, a block lost. */
static int untiled_gaps(const tt_result *res, int d, const int *count, const int *first)
{
    int gaps = 0, others = 0;
    for (int o = 0; o < TT_MAX_DAYS; o++)
        others += o != d && count[o] > 0;
    for (int k = first[d]; k + 1 < first[d] + count[d]; k++) {
        int a = res->entries[k].end, b = res->entries[k + 1].start, filled = 0;
        if (b - a <= 10)
            continue;
        for (int o = 0; o < TT_MAX_DAYS; o++)
            filled += o != d && count[o] > 0 && day_has(res, o, a + 5, b - 5);
        gaps += others >= 2 && filled * 2 >= others;
    }
    return gaps;
}

/* A break, lunch or registration: a block every day has, merged down all
 * days on most grids ("P L A Y T I M E" may come back as "play time").
 * Assembly and tutor time are left out: schools hold them on some days. */
static bool is_break(const tt_entry *e)
{
    static const char *const words[] = {"break", "playtime", "recess", "lunch", "regist"};
    char t[TT_TEXT];
    size_t n = 0;
    for (const char *p = e->subject; *p && n + 1 < sizeof t; p++)
        if (*p != ' ')
            t[n++] = (char)tolower((unsigned char)*p);
    t[n] = '\0';
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strstr(t, words[k]))
            return true;
    return false;
}

/* Whether day d has entries before a and after b: a..b lies inside it. */
static bool day_spans(const tt_result *res, int d, int a, int b)
{
    bool before = false, after = false;
    for (int k = 0; k < res->nentries; k++) {
        const tt_entry *e = &res->entries[k];
        before |= e->day == d && e->end <= a;
        after |= e->day == d && e->start >= b;
    }
    return before && after;
}

/* Breaks some days have while another day, which has entries, has
 * nothing at that time: a block merged down the days read in one day
 * only, the others lost. In a list a day differs by choice more often
 * (it ends early, it starts later), so there the hole must lie inside
 * the lacking day. Counted once per break time. */
static int breaks_missing(const tt_result *res, const int *count)
{
    int n = 0;
    for (int k = 0; k < res->nentries; k++) {
        const tt_entry *e = &res->entries[k];
        bool lacking = false, seen = false;
        if (!is_break(e))
            continue;
        for (int j = 0; j < k && !seen; j++) /* this break's time counted already */
            seen = is_break(&res->entries[j]) && res->entries[j].start == e->start &&
                   res->entries[j].end == e->end;
        for (int o = 0; o < TT_MAX_DAYS && !seen; o++)
            lacking |= o != e->day && count[o] > 0 && !day_has(res, o, e->start + 2, e->end - 2) &&
                       (res->ev.grid || day_spans(res, o, e->start, e->end));
        n += lacking;
    }
    return n;
}

/* Lists: gaps of over ten minutes that every day shares (entries
 * sorted), a block printed once for all days and lost. Changeover gaps
 * are shorter. Counted once, on the first day. A grid's shared gap is
 * either a column whose cells hold ink (count_missed_cells sees it) or
 * one that is blank or not in the header at all: a real free time. */
static int shared_gaps(const tt_result *res, const int *count, const int *first)
{
    int d = 0, days = 0, n = 0;
    for (int o = TT_MAX_DAYS - 1; o >= 0; o--)
        if (count[o] > 0)
            d = o, days++;
    for (int k = first[d]; days >= 3 && k + 1 < first[d] + count[d]; k++) {
        int a = res->entries[k].end, b = res->entries[k + 1].start;
        bool shared = b - a > 10;
        for (int o = 0; o < TT_MAX_DAYS && shared; o++)
            shared = o == d || count[o] == 0 || (!day_has(res, o, a + 2, b - 2) && day_spans(res, o, a, b));
        n += shared;
    }
    return n;
}

/* Whether the subject holds a room or class code as a word of its own
 * ("Chemistry Rm18 12X3"): a word starting with a digit and holding a
 * letter (12X3, 7A2), or "Rm"/"Lab" with digits. The cell reader puts
 * codes in room and class; one left in the subject means a row was not
 * split as printed, and the reading is in doubt. "KS2", "Year 6" pass. */
static bool subject_has_code(const char *subject)
{
    for (const char *p = subject; *p;) {
        size_t n = strcspn(p, " ");
        bool digit_first = isdigit((unsigned char)p[0]), letter = false;
        for (size_t i = 0; i < n; i++)
            letter |= isalpha((unsigned char)p[i]) != 0;
        bool room = (n > 2 && strncasecmp(p, "rm", 2) == 0 && isdigit((unsigned char)p[2])) ||
                    (n > 3 && strncasecmp(p, "lab", 3) == 0 && isdigit((unsigned char)p[3]));
        if ((digit_first && letter) || room)
            return true;
        p += n;
        while (*p == ' ')
            p++;
    }
    return false;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Times no other entry resembles: a block over twice the median length
 * and over two hours, or a day ending an hour after the median day ends
 * (a misread "19.15" for "15.15" passes every range check). */
static int odd_times(const tt_result *res)
{
    int n = res->nentries, lens[TT_MAX_ENTRIES], ends[TT_MAX_DAYS], nd = 0, odd = 0;
    if (n < 4)
        return 0;
    for (int k = 0; k < n; k++)
        lens[k] = res->entries[k].end - res->entries[k].start;
    qsort(lens, (size_t)n, sizeof *lens, cmp_int);
    int median = lens[n / 2];
    for (int k = 0; k < n; k++) {
        const tt_entry *e = &res->entries[k];
        odd += e->end - e->start > 120 && e->end - e->start > 2 * median;
        if (k + 1 == n || res->entries[k + 1].day != e->day)
            ends[nd++] = e->end; /* sorted by day and start: the day's last */
    }
    int sorted[TT_MAX_DAYS];
    memcpy(sorted, ends, sizeof *ends * (size_t)nd);
    qsort(sorted, (size_t)nd, sizeof *sorted, cmp_int);
    for (int d = 0; d < nd && nd >= 3; d++)
        odd += ends[d] > sorted[nd / 2] + 60;
    return odd;
}

/* Days compared with each other: one with far fewer entries than the
 * median day (a row lost), or with a gap the other days fill. */
static void check_days(tt_result *res)
{
    int count[TT_MAX_DAYS] = {0}, first[TT_MAX_DAYS] = {0};
    for (int k = res->nentries - 1; k >= 0; k--)
        count[res->entries[k].day]++, first[res->entries[k].day] = k;
    int sorted[TT_MAX_DAYS], n = 0;
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (count[d])
            sorted[n++] = count[d];
    for (int a = 1; a < n; a++) /* insertion sort: seven at most */
        for (int b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            int t = sorted[b];
            sorted[b] = sorted[b - 1], sorted[b - 1] = t;
        }
    for (int d = 0; d < TT_MAX_DAYS && n >= 3; d++) {
        if (!count[d])
            continue;
        res->ev.short_days += count[d] * 10 < sorted[n / 2] * 6;
        if (!res->ev.grid)
            res->ev.untiled_days += untiled_gaps(res, d, count, first) > 0;
    }
    res->ev.odd_times = odd_times(res);
    res->ev.breaks_missing = n >= 2 ? breaks_missing(res, count) : 0;
    res->ev.shared_gaps = n >= 3 && !res->ev.grid ? shared_gaps(res, count, first) : 0;
    for (int k = 0; k < res->nentries; k++) {
        res->ev.guessed_times += res->entries[k].guessed;
        res->ev.disputed_words += res->entries[k].disputed;
        res->ev.clipped_words += res->entries[k].clipped;
    }
}

void tt_check_entries(tt_result *res)
{
    qsort(res->entries, (size_t)res->nentries, sizeof *res->entries, cmp_entry);
    bool has_day[TT_MAX_DAYS] = {false};
    double sum = 0.0;
    res->ev.min_word_conf = 100.0;
    for (int k = 0; k < res->nentries; k++) {
        const tt_entry *e = &res->entries[k];
        has_day[e->day] = true;
        sum += e->word_conf;
        if (e->word_conf < res->ev.min_word_conf)
            res->ev.min_word_conf = e->word_conf;
        if (e->word_conf < 60.0)
            res->ev.low_conf_entries++;
        tt_time_range tr;
        if (tt_find_time_range(e->subject, &tr) >= 0)
            res->ev.subjects_with_times++;
        res->ev.subjects_with_codes += subject_has_code(e->subject);
        if (e->start < 0 || e->end < 0 || e->end <= e->start)
            warn(res, "ends before it starts", e);
        else if (e->start < 6 * 60 || e->end > 20 * 60)
            warn(res, "outside a school day (06:00-20:00)", e);
        if (k > 0 && e->day == e[-1].day && e->start < e[-1].end)
            warn(res, "overlaps the entry before it", e);
    }
    res->ev.mean_word_conf = res->nentries ? sum / res->nentries : 0.0;
    check_days(res);
    int lo = TT_MAX_DAYS, hi = -1;
    for (int d = 0; d < TT_MAX_DAYS; d++)
        if (has_day[d]) {
            if (d < lo) lo = d;
            hi = d;
        }
    for (int d = lo; d <= hi; d++)
        res->ev.empty_days += !has_day[d];
}

static double pow_int(double f, int n)
{
    double r = 1.0;
    for (int i = 0; i < n && i < 50; i++)
        r *= f;
    return r;
}

/* Each failed check multiplies the confidence by its factor (per
 * occurrence where it can occur more than once). A document with every
 * check passing scores 1; one failure is enough to fall below the 0.98 gate,
 * because on the development set no single failed check was safe. */
double tt_confidence(const tt_evidence *ev, int nentries)
{
    if (nentries == 0)
        return 0.0;
    double c = 1.0;
    /* Structure: the headers. */
    if (!ev->days_in_order) c *= 0.5;
    if (!ev->days_consecutive) c *= 0.6;
    if (ev->days_found < 5) c *= 0.9;
    c *= pow_int(0.9, ev->days_inferred);
    if (!ev->times_increasing) c *= 0.6;
    c *= pow_int(0.9, ev->slots_unparsed);
    if (ev->ruled && ev->rule_agreement < 1.0) c *= 0.97;
    c *= pow_int(0.8, ev->wide_bands);
    c *= pow_int(0.7, ev->text_across_rules);
    c *= pow_int(0.8, ev->partial_breaks);
    /* Assignment: every word in its place. */
    c *= pow_int(0.7, ev->cells_crowded);
    c *= pow_int(0.95, ev->cells_ambiguous);
    c *= pow_int(0.95, ev->stray_words);
    c *= pow_int(0.8, ev->subjects_with_times);
    c *= pow_int(0.9, ev->subjects_with_codes);
    c *= pow_int(0.85, ev->empty_days);
    /* Reading: a subject word tesseract doubts is often wrong. */
    if (!ev->pdf_text && ev->min_word_conf < 80.0) c *= 0.95;
    c *= pow_int(0.9, ev->low_conf_entries);
    /* Completeness and reading: cells most days fill but one lacks, days
     * far emptier or shorter than the others, times placed by proportion,
     * words OCR read two ways. */
    c *= pow_int(0.9, ev->missed_cells);
    c *= pow_int(0.85, ev->short_days);
    c *= pow_int(0.85, ev->untiled_days);
    c *= pow_int(0.9, ev->guessed_times);
    c *= pow_int(0.9, ev->disputed_words);
    c *= pow_int(0.9, ev->clipped_words);
    c *= pow_int(0.8, ev->odd_times);
    c *= pow_int(0.8, ev->breaks_missing);
    c *= pow_int(0.9, ev->shared_gaps);
    if (ev->days_unread) c *= 0.3;
    /* Cells printing their own times, subject-first lists and letter
     * headings were added without a development set to validate the gate
     * on: their readings go to review until one exists. */
    if (ev->unproven) c *= 0.97;
    if (ev->days_unread) c *= 1.0; /* a draft: which row is which day is a guess */
    /* Sense: what plugin:validate would warn about. */
    c *= pow_int(0.8, ev->warnings);
    return c;
}
