/*
 * plugin.c — plugin:timetable, from OCR words to a weekly timetable.
 *
 * Input:  {"ocr": WORDS FORMAT, "document": {...}} (the words alone are
 *         accepted too, for tools). Output: a timetable per
 *         timetable.schema.json: title, layout, confidence, warnings and
 *         entries (day, start, end, subject, kind, room, class, confidence);
 *         and "evidence", the checks behind the confidence (confidence.c).
 * Errors: Document.NotATimetable only when the page shows no timetable
 *         structure at all (prose, a photo without text, a blank page): a
 *         page with aligned times, day labels or a ruled grid that no
 *         reading could turn into entries is an empty draft at confidence
 *         0, for review (structure.c). States.Runtime when memory runs out.
 *
 * A grid is tried first (days as rows or as columns, with a time header);
 * when there is none, a list (a block per day). The builder keeps no state
 * between tasks.
 */
#include <stdlib.h>
#include <string.h>

#include "tt.h"

static json_t *entry_json(const tt_entry *e)
{
    char t0[6], t1[6];
    tt_format_time(e->start, t0);
    tt_format_time(e->end, t1);
    /* The entry's own doubt, for the review screen: its subject words'
     * OCR confidence, less when its times were placed by proportion, a
     * word of it was read two ways or only in part. */
    double conf = e->word_conf / 100.0 * (e->guessed ? 0.6 : 1.0) * (e->disputed ? 0.6 : 1.0) *
                  (e->clipped ? 0.6 : 1.0);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f}", "day", tt_day_name(e->day), "start",
                          t0, "end", t1, "subject", e->subject, "kind", tt_kind_of(e->subject),
                          "confidence", conf < 0 ? 0.0 : conf > 1 ? 1.0 : conf);
    if (!o)
        return NULL;
    json_object_set_new(o, "room", e->room[0] ? json_string(e->room) : json_null());
    json_object_set_new(o, "class", e->klass[0] ? json_string(e->klass) : json_null());
    if (e->notes[0])
        json_object_set_new(o, "notes", json_string(e->notes));
    return o;
}

/* The evidence behind the confidence, for reviewers and for calibration. */
static json_t *evidence_core(const tt_evidence *ev)
{
    return json_pack("{s:i, s:b, s:b, s:i, s:i, s:i, s:b, s:b, s:f, s:i, s:i, s:i, s:i, s:f, s:f,"
                     " s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
                     "days_found", ev->days_found, "days_in_order", ev->days_in_order,
                     "days_consecutive", ev->days_consecutive, "days_inferred", ev->days_inferred,
                     "time_slots", ev->slots, "slots_unparsed", ev->slots_unparsed,
                     "times_increasing", ev->times_increasing, "ruled", ev->ruled,
                     "rule_agreement", ev->rule_agreement, "cells_ambiguous", ev->cells_ambiguous,
                     "cells_crowded", ev->cells_crowded, "empty_days", ev->empty_days,
                     "low_conf_entries", ev->low_conf_entries, "min_word_conf", ev->min_word_conf,
                     "mean_word_conf", ev->mean_word_conf, "problems", ev->warnings,
                     "page_words", ev->page_words, "page_words_used", ev->page_words_used,
                     "stray_words", ev->stray_words, "subjects_with_times", ev->subjects_with_times,
                     "wide_bands", ev->wide_bands, "text_across_rules", ev->text_across_rules,
                     "partial_breaks", ev->partial_breaks);
}

static void evidence_more(json_t *o, const tt_evidence *ev)
{
    json_object_set_new(o, "guessed_times", json_integer(ev->guessed_times));
    json_object_set_new(o, "disputed_words", json_integer(ev->disputed_words));
    json_object_set_new(o, "clipped_words", json_integer(ev->clipped_words));
    json_object_set_new(o, "missed_cells", json_integer(ev->missed_cells));
    json_object_set_new(o, "short_days", json_integer(ev->short_days));
    json_object_set_new(o, "untiled_days", json_integer(ev->untiled_days));
    json_object_set_new(o, "odd_times", json_integer(ev->odd_times));
    json_object_set_new(o, "subjects_with_codes", json_integer(ev->subjects_with_codes));
    json_object_set_new(o, "breaks_missing", json_integer(ev->breaks_missing));
    json_object_set_new(o, "shared_gaps", json_integer(ev->shared_gaps));
    json_object_set_new(o, "days_unread", json_boolean(ev->days_unread));
    json_object_set_new(o, "unproven_reader", json_boolean(ev->unproven));
    json_object_set_new(o, "unread", json_boolean(ev->unread));
}

static json_t *evidence_json(const tt_evidence *ev)
{
    json_t *o = evidence_core(ev);
    if (o)
        evidence_more(o, ev);
    return o;
}

static json_t *result_json(const tt_result *res)
{
    json_t *entries = json_array();
    for (int k = 0; k < res->nentries; k++) {
        const tt_entry *e = &res->entries[k];
        if (e->start < 0 || e->end < 0)
            continue;
        json_array_append_new(entries, entry_json(e));
    }
    double c = res->confidence;
    return json_pack("{s:o, s:s, s:f, s:O, s:o, s:o}", "title",
                     res->title[0] ? json_string(res->title) : json_null(), "layout", res->layout,
                     "confidence", (double)((int)(c * 10000 + 0.5)) / 10000.0, "warnings",
                     res->warnings, "evidence", evidence_json(&res->ev), "entries", entries);
}

/* Words left over: inside the box of the words used by the table (headers
 * and cells, not the title) they are text the builder failed to place. */
static void count_unused(const tt_page *page, tt_evidence *ev)
{
    int x0 = page->width, y0 = page->height, x1 = 0, y1 = 0;
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *w = &page->words[i];
        ev->page_words_used += w->used;
        if (!w->used || w->title)
            continue;
        if (w->x < x0) x0 = w->x;
        if (w->y < y0) y0 = w->y;
        if (w->x + w->w > x1) x1 = w->x + w->w;
        if (w->y + w->h > y1) y1 = w->y + w->h;
    }
    for (int i = 0; i < page->nwords; i++) {
        const tt_word *w = &page->words[i];
        int cx = w->x + w->w / 2, cy = w->y + w->h / 2;
        if (!w->used && cx > x0 && cx < x1 && cy > y0 && cy < y1)
            ev->stray_words++;
    }
}

/* Another reading of the page built on the side, the page left as it
 * was: true when it finds more than `than` entries (then the caller builds
 * it for real). Used where two readings compete: a grid whose body holds
 * about as many times as its header (a list read wrongly, or times printed
 * in cells), and cells printing their own times against a list. */
static bool reads_more(tt_page *page, int (*builder)(tt_page *, tt_result *), int than)
{
    tt_result *alt = calloc(1, sizeof *alt);
    bool *used = malloc(sizeof *used * (size_t)(page->nwords + 1));
    bool more = false;
    if (alt && used) {
        for (int i = 0; i < page->nwords; i++)
            used[i] = page->words[i].used, page->words[i].used = false;
        alt->warnings = json_array();
        more = builder(page, alt) == 0 && alt->nentries > than;
        json_decref(alt->warnings);
        for (int i = 0; i < page->nwords; i++)
            page->words[i].used = used[i];
    }
    free(used);
    free(alt);
    return more;
}

/* No reading gave an entry. A page that still shows a timetable (times
 * in a row, day labels, a ruled grid: structure.c) becomes an empty draft
 * at confidence 0, so that a person types it in the review screen instead
 * of being told it is no timetable; any other page is not one. */
static int unread_draft(const tt_page *page, tt_result *res, size_t warnings, yogi_error *err)
{
    char why[128], msg[256];
    if (!tt_page_structure(page, why, sizeof why))
        return yogi_fail(err, "Document.NotATimetable",
                         "no timetable found: no times, day names or ruled grid on the page"),
               -1;
    while (json_array_size(res->warnings) > warnings) /* the failed readings' */
        json_array_remove(res->warnings, warnings);
    snprintf(msg, sizeof msg, "the page looks like a timetable (%s) but no entry could be read", why);
    json_array_append_new(res->warnings, json_string(msg));
    tt_evidence keep = {.pdf_text = page->pdf_text, .page_words = page->nwords, .unread = true};
    res->ev = keep;
    res->nentries = 0;
    res->layout = "unread";
    res->title[0] = '\0';
    res->confidence = 0.0;
    return 0;
}

/* Build from words; 0 with res filled, -1 with err. */
static int build(const json_t *words, tt_result *res, yogi_error *err)
{
    tt_page page;
    if (tt_page_load(&page, words, err) < 0)
        return -1;
    if (page.nwords == 0) {
        tt_page_free(&page);
        return yogi_fail(err, "Document.NotATimetable", "no text found on the page"), -1;
    }
    res->ev.pdf_text = page.pdf_text;
    res->ev.page_words = page.nwords;
    size_t warnings = json_array_size(res->warnings);
    int rc = tt_build_grid(&page, res);
    if (rc < 0 || res->nentries == 0 || res->ev.list_like || res->ev.days_unread) {
        /* A grid whose days were not read but taken in order is a guess;
         * a list reading whose day headings were read beats it with half
         * its entries (the grid counts a list's subjects and codes as
         * days of their own). */
        int than = res->ev.days_unread ? res->nentries / 2 : res->nentries;
        if (rc == 0 && res->nentries > 0 && !reads_more(&page, tt_build_list, than))
            goto built;
        tt_evidence keep = {.pdf_text = page.pdf_text, .page_words = page.nwords};
        res->ev = keep;
        res->nentries = 0;
        for (int i = 0; i < page.nwords; i++)
            page.words[i].used = false;
        rc = tt_build_list(&page, res);
        if (reads_more(&page, tt_build_timed_cells, rc == 0 ? res->nentries : 0)) {
            res->ev = keep;
            res->nentries = 0;
            for (int i = 0; i < page.nwords; i++)
                page.words[i].used = false;
            rc = tt_build_timed_cells(&page, res);
        }
    }
built:
    count_unused(&page, &res->ev);
    if (rc < 0 || res->nentries == 0) {
        rc = unread_draft(&page, res, warnings, err);
        tt_page_free(&page);
        return rc;
    }
    tt_page_free(&page);
    tt_check_entries(res);
    res->confidence = tt_confidence(&res->ev, res->nentries);
    return 0;
}

static int timetable_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                            yogi_error *err)
{
    (void)state, (void)call;
    const json_t *words = json_object_get(input, "ocr");
    if (!words && json_object_get(input, "pages"))
        words = input;
    if (!json_is_object(words))
        return yogi_fail(err, "Document.NotATimetable", "the input has no OCR words (\"ocr\")");
    tt_result *res = calloc(1, sizeof *res);
    if (!res)
        return yogi_fail(err, "States.Runtime", "out of memory");
    res->warnings = json_array();
    if (json_array_size(json_object_get(words, "pages")) > 1)
        json_array_append_new(res->warnings, json_string("only the first page was read"));
    int rc = build(words, res, err);
    if (rc == 0) {
        *output = result_json(res);
        if (!*output)
            rc = yogi_fail(err, "States.Runtime", "could not build the output");
    }
    json_decref(res->warnings);
    free(res);
    return rc == 0 ? YOGI_OK : YOGI_FAILED;
}

YOGI_PLUGIN(timetable, NULL, timetable_invoke, NULL)
