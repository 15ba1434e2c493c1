/*
 * check.c — is the model's timetable well-formed, sensible, and believable?
 *
 * Three questions, answered without trusting the model:
 *
 *   schema      the rules of timetable.schema.json, written out in C (types,
 *               required keys, enums, the HH:MM pattern, [0,1] ranges);
 *               a reply that breaks them is a bad response.
 *   sense       what the schema cannot say: start < end, no two entries
 *               of one day overlapping, times within a school day
 *               (06:00-20:00), at least one entry; a reply that breaks
 *               them goes to a person.
 *   confidence  evidence from outside the model: the share of subjects
 *               found among the OCR words (letters and digits compared
 *               with spacing and case removed, so "B R E A K" still
 *               matches "Break"), the share of times found among the times
 *               printed on the page (12-hour readings included), the
 *               share placed under their day on the page (place.c), and
 *               the agreement with the extractor's draft. Components with no
 *               evidence (no times printed, no draft) drop out of the mean
 *               instead of counting as failures. Losing a day the draft had
 *               scales the result down: a model that silently drops Friday
 *               should not pass.
 *
 * Every problem is a short "where: what" string appended to a JSON array,
 * bounded by MAX_PROBLEMS so a hostile reply cannot grow it without end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

#define MAX_PROBLEMS 40
#define MINUTES_PER_DAY (24 * 60)
#define SCHOOL_DAY_START (6 * 60) /* the validate step's bounds too */
#define SCHOOL_DAY_END (20 * 60)

static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};
static const char *const kinds[] = {"lesson", "break", "lunch", "registration", "other"};

static int problem(json_t *problems, const char *where, const char *what)
{
    if (json_array_size(problems) >= MAX_PROBLEMS) return 1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s: %s", where, what);
    json_array_append_new(problems, json_string(buf));
    return 1;
}

static int day_index(const char *day)
{
    for (int i = 0; day && i < 7; i++)
        if (!strcmp(day, days[i])) return i;
    return -1;
}

int llm_minutes(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && !isdigit((unsigned char)s[i])) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

static int check_nullable_string(json_t *obj, const char *key, const char *where, json_t *problems)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v) || json_is_string(v)) return 0;
    char at[96];
    snprintf(at, sizeof at, "%s.%s", where, key);
    return problem(problems, at, "must be a string or null");
}

static int check_unit(json_t *obj, const char *key, const char *where, json_t *problems)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return 0;
    double d = json_number_value(v);
    if (json_is_number(v) && d >= 0 && d <= 1) return 0;
    char at[96];
    snprintf(at, sizeof at, "%s.%s", where, key);
    return problem(problems, at, "must be a number between 0 and 1");
}

static int check_entry(json_t *e, size_t i, json_t *problems)
{
    char at[48];
    snprintf(at, sizeof at, "entries[%zu]", i);
    if (!json_is_object(e)) return problem(problems, at, "must be an object");
    int n = 0;
    const char *day = json_string_value(json_object_get(e, "day"));
    if (day_index(day) < 0) n += problem(problems, at, "day must be an English day name");
    if (llm_minutes(json_string_value(json_object_get(e, "start"))) < 0)
        n += problem(problems, at, "start must be HH:MM (24-hour)");
    if (llm_minutes(json_string_value(json_object_get(e, "end"))) < 0)
        n += problem(problems, at, "end must be HH:MM (24-hour)");
    const char *subject = json_string_value(json_object_get(e, "subject"));
    if (!subject || !*subject) n += problem(problems, at, "subject must be a non-empty string");
    json_t *kind = json_object_get(e, "kind");
    if (kind) {
        bool known = false;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            known |= json_is_string(kind) && !strcmp(json_string_value(kind), kinds[k]);
        if (!known)
            n += problem(problems, at, "kind must be lesson, break, lunch, registration or other");
    }
    static const char *const optional[] = {"room", "class", "teacher", "notes"};
    for (size_t k = 0; k < 4; k++) n += check_nullable_string(e, optional[k], at, problems);
    n += check_unit(e, "confidence", at, problems);
    return n;
}

int llm_schema_problems(json_t *tt, json_t *problems)
{
    if (!json_is_object(tt)) return problem(problems, "timetable", "must be an object");
    int n = 0;
    json_t *v = json_object_get(tt, "document_id");
    if (v && !json_is_string(v)) n += problem(problems, "document_id", "must be a string");
    static const char *const strings[] = {"title", "teacher", "class", "term"};
    for (size_t k = 0; k < 4; k++)
        n += check_nullable_string(tt, strings[k], "timetable", problems);
    v = json_object_get(tt, "layout");
    if (v && !json_is_string(v)) n += problem(problems, "layout", "must be a string");
    if (!json_object_get(tt, "confidence")) n += problem(problems, "confidence", "is required");
    else n += check_unit(tt, "confidence", "timetable", problems);
    v = json_object_get(tt, "warnings");
    size_t i;
    json_t *item;
    if (v && !json_is_array(v)) n += problem(problems, "warnings", "must be an array");
    json_array_foreach(v, i, item) if (!json_is_string(item))
        n += problem(problems, "warnings", "must hold strings only");
    v = json_object_get(tt, "entries");
    if (!json_is_array(v)) return n + problem(problems, "entries", "must be an array");
    json_array_foreach(v, i, item) n += check_entry(item, i, problems);
    return n;
}

/* ---- sense ------------------------------------------------------------ */

typedef struct span {
    int day, start, end;
    size_t index;
} span;

static int by_day_then_start(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->day != y->day) return x->day - y->day;
    if (x->start != y->start) return x->start - y->start;
    return x->end - y->end;
}

int llm_sense_problems(json_t *tt, json_t *problems)
{
    json_t *entries = json_object_get(tt, "entries");
    size_t n = json_array_size(entries), used = 0, i;
    if (n == 0) return problem(problems, "entries", "the timetable has no entries");
    span *spans = calloc(n, sizeof *spans);
    if (!spans) return problem(problems, "entries", "out of memory");
    int found = 0;
    json_t *e;
    json_array_foreach(entries, i, e) {
        span s = {day_index(json_string_value(json_object_get(e, "day"))),
                  llm_minutes(json_string_value(json_object_get(e, "start"))),
                  llm_minutes(json_string_value(json_object_get(e, "end"))), i};
        if (s.day < 0 || s.start < 0 || s.end < 0) continue; /* the schema check reports it */
        char at[48];
        snprintf(at, sizeof at, "entries[%zu]", i);
        if (s.start >= s.end) found += problem(problems, at, "start is not before end");
        else spans[used++] = s;
        if (s.start < SCHOOL_DAY_START || s.end > SCHOOL_DAY_END)
            found += problem(problems, at, "outside the school day (06:00-20:00)");
    }
    qsort(spans, used, sizeof *spans, by_day_then_start);
    for (size_t k = 1; k < used; k++) {
        if (spans[k].day != spans[k - 1].day || spans[k].start >= spans[k - 1].end) continue;
        char at[64];
        snprintf(at, sizeof at, "entries[%zu] and [%zu]", spans[k - 1].index, spans[k].index);
        found += problem(problems, at, "overlap on the same day");
    }
    free(spans);
    return found;
}

/* ---- confidence ------------------------------------------------------- */

/* Lower-case letters and digits only, appended to out (NUL-terminated). */
static size_t squeeze(const char *s, char *out, size_t at, size_t size)
{
    for (; s && *s && at + 1 < size; s++)
        if (isalnum((unsigned char)*s)) out[at++] = (char)tolower((unsigned char)*s);
    if (size) out[at < size ? at : size - 1] = '\0';
    return at;
}

/* Every time printed in a word ("9:00", "09.00", "8:50-9:50", "1:15pm"):
 * marks seen[minutes], and the afternoon reading of 1:00–11:59 too. */
static void mark_times(const char *w, bool *seen)
{
    for (const char *p = w; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > w && isdigit((unsigned char)p[-1]))) continue;
        const char *q = p;
        int h = 0;
        while (isdigit((unsigned char)*q) && q - p < 3) h = h * 10 + (*q++ - '0');
        if (q - p > 2 || (*q != ':' && *q != '.') || !isdigit((unsigned char)q[1]) ||
            !isdigit((unsigned char)q[2]) || isdigit((unsigned char)q[3]))
            continue;
        int m = (q[1] - '0') * 10 + (q[2] - '0');
        if (h > 23 || m > 59) continue;
        seen[h * 60 + m] = true;
        if (h >= 1 && h < 12) seen[(h + 12) * 60 + m] = true;
    }
}

typedef struct evidence {
    char *text;                   /* all OCR words, squeezed */
    bool times[MINUTES_PER_DAY];  /* times printed on the page */
    bool any_time;
} evidence;

static bool gather(json_t *ocr, evidence *ev)
{
    size_t cap = 1, at = 0, i, j;
    json_t *page, *w;
    json_array_foreach(json_object_get(ocr, "pages"), i, page)
        json_array_foreach(json_object_get(page, "words"), j, w) {
            const char *s = json_string_value(json_object_get(w, "text"));
            if (s) cap += strlen(s);
        }
    ev->text = malloc(cap);
    if (!ev->text) return false;
    ev->text[0] = '\0';
    json_array_foreach(json_object_get(ocr, "pages"), i, page)
        json_array_foreach(json_object_get(page, "words"), j, w) {
            const char *s = json_string_value(json_object_get(w, "text"));
            if (!s) continue;
            at = squeeze(s, ev->text, at, cap);
            mark_times(s, ev->times);
        }
    for (int m = 0; m < MINUTES_PER_DAY; m++) ev->any_time |= ev->times[m];
    return true;
}

static bool same_entry(json_t *a, json_t *b)
{
    static const char *const keys[] = {"day", "start", "end"};
    for (int k = 0; k < 3; k++) {
        const char *x = json_string_value(json_object_get(a, keys[k]));
        const char *y = json_string_value(json_object_get(b, keys[k]));
        if (!x || !y || strcmp(x, y) != 0) return false;
    }
    char sa[256], sb[256];
    squeeze(json_string_value(json_object_get(a, "subject")), sa, 0, sizeof sa);
    squeeze(json_string_value(json_object_get(b, "subject")), sb, 0, sizeof sb);
    return !strcmp(sa, sb);
}

/* Share of the draft's days that the answer still has; 1 without a draft. */
static double day_coverage(json_t *entries, json_t *draft_entries)
{
    bool in_draft[7] = {0}, in_answer[7] = {0};
    size_t i;
    json_t *e;
    json_array_foreach(draft_entries, i, e) {
        int d = day_index(json_string_value(json_object_get(e, "day")));
        if (d >= 0) in_draft[d] = true;
    }
    json_array_foreach(entries, i, e) {
        int d = day_index(json_string_value(json_object_get(e, "day")));
        if (d >= 0) in_answer[d] = true;
    }
    int had = 0, kept = 0;
    for (int d = 0; d < 7; d++) had += in_draft[d], kept += in_draft[d] && in_answer[d];
    return had ? (double)kept / had : 1.0;
}

double llm_confidence(json_t *tt, json_t *ocr, json_t *draft)
{
    json_t *entries = json_object_get(tt, "entries");
    json_t *draft_entries = json_object_get(draft, "entries");
    size_t n = json_array_size(entries), i, j;
    if (n == 0) return 0.0;
    evidence *ev = calloc(1, sizeof *ev);
    if (!ev || !gather(ocr, ev)) {
        free(ev);
        return 0.0;
    }
    size_t subjects = 0, times = 0, agreed = 0;
    json_t *e, *d;
    json_array_foreach(entries, i, e) {
        char s[256];
        squeeze(json_string_value(json_object_get(e, "subject")), s, 0, sizeof s);
        subjects += s[0] && strstr(ev->text, s) != NULL;
        int a = llm_minutes(json_string_value(json_object_get(e, "start")));
        int b = llm_minutes(json_string_value(json_object_get(e, "end")));
        times += (a >= 0 && ev->times[a]) + (b >= 0 && ev->times[b]);
        json_array_foreach(draft_entries, j, d) if (same_entry(e, d)) {
            agreed++;
            break;
        }
    }
    double sum = 0.35 * subjects / n, weight = 0.35, placed = llm_placement(tt, ocr);
    if (ev->any_time) sum += 0.30 * times / (2.0 * n), weight += 0.30;
    if (placed >= 0) sum += 0.20 * placed, weight += 0.20;
    if (json_array_size(draft_entries) > 0) sum += 0.15 * agreed / n, weight += 0.15;
    double c = sum / weight * day_coverage(entries, draft_entries);
    free(ev->text);
    free(ev);
    return c < 0 ? 0 : c > 1 ? 1 : c;
}
