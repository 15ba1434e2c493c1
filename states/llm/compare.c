/*
 * compare.c — the model's timetable against the extractor's draft: the
 * review draft with per-entry provenance, and the list of what the model
 * changed.
 *
 * Entries are matched per day by their time slot: a model entry takes the
 * extractor entry of the same day with the same start, or else the first
 * unmatched one of that day whose time range overlaps it. Each extractor
 * entry is matched at most once. Then:
 *
 *   matched, same reading   source "both",      disagree false
 *   matched, readings differ source "model",    disagree true, "extractor"
 *                            holds the extractor's reading of the slot
 *   model only              source "model",     disagree false (nothing to
 *                            disagree with; the change list says "added")
 *   extractor only          source "extractor", disagree false, kept in the
 *                            review draft only when it overlaps no model
 *                            entry of its day (an overlap would make the
 *                            draft unsound; the reviewer still has the whole
 *                            extractor draft to switch to)
 *
 * Two readings are the same when start and end are equal, the subjects are
 * equal ignoring case, spaces and punctuation, and the rooms are equal the
 * same way when both sides read one (an extractor that reads no rooms does
 * not make every entry a disagreement).
 *
 * Invariant: the inputs are borrowed and never modified; every output is a
 * new object. Entries that are not objects or lack a day are ignored (the
 * schema check has refused such answers before this runs).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

static const char *str(json_t *e, const char *key)
{
    const char *s = json_string_value(json_object_get(e, key));
    return s ? s : "";
}

/* Equal ignoring case, spaces and punctuation ("Eng lish" = "english"). */
static bool same_text(const char *a, const char *b)
{
    for (;;) {
        while (*a && !isalnum((unsigned char)*a)) a++;
        while (*b && !isalnum((unsigned char)*b)) b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        a++, b++;
    }
}

static bool overlaps(json_t *a, json_t *b)
{
    int as = llm_minutes(str(a, "start")), ae = llm_minutes(str(a, "end"));
    int bs = llm_minutes(str(b, "start")), be = llm_minutes(str(b, "end"));
    if (as < 0 || ae < 0 || bs < 0 || be < 0) return false;
    return as < be && bs < ae;
}

static bool same_day(json_t *a, json_t *b)
{
    return *str(a, "day") && !strcmp(str(a, "day"), str(b, "day"));
}

/* The index of the extractor entry that reads m's slot, or -1. */
static int match(json_t *m, json_t *xs, const bool *taken)
{
    size_t i;
    json_t *x;
    json_array_foreach(xs, i, x)
        if (!taken[i] && same_day(m, x) && !strcmp(str(m, "start"), str(x, "start")))
            return (int)i;
    json_array_foreach(xs, i, x)
        if (!taken[i] && same_day(m, x) && overlaps(m, x)) return (int)i;
    return -1;
}

/* What differs between two readings of one slot, as "time", "subject",
 * "room" (comma-separated into buf); "" when they agree. */
static void differences(json_t *m, json_t *x, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    const char *what[3];
    int n = 0;
    if (strcmp(str(m, "start"), str(x, "start")) || strcmp(str(m, "end"), str(x, "end")))
        what[n++] = "time";
    if (!same_text(str(m, "subject"), str(x, "subject"))) what[n++] = "subject";
    if (*str(m, "room") && *str(x, "room") && !same_text(str(m, "room"), str(x, "room")))
        what[n++] = "room";
    for (int k = 0; k < n; k++) {
        int w = snprintf(buf + used, size - used, "%s%s", k ? "," : "", what[k]);
        if (w < 0 || (size_t)w >= size - used) break;
        used += (size_t)w;
    }
}

/* The reading of a slot as the change list and the review screen show it. */
static json_t *reading(json_t *e)
{
    json_t *r = json_object();
    static const char *const keys[] = {"day", "start", "end", "subject", "room"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        json_t *v = json_object_get(e, keys[k]);
        if (json_is_string(v)) json_object_set(r, keys[k], v);
    }
    return r;
}

static json_t *annotated(json_t *e, const char *source, bool disagree)
{
    json_t *copy = json_deep_copy(e);
    json_object_set_new(copy, "source", json_string(source));
    json_object_set_new(copy, "disagree", json_boolean(disagree));
    return copy;
}

static void add_change(json_t *changes, const char *what, json_t *model, json_t *extractor)
{
    json_t *c = json_pack("{s:s}", "change", what);
    if (model) json_object_set_new(c, "model", reading(model));
    if (extractor) json_object_set_new(c, "extractor", reading(extractor));
    json_array_append_new(changes, c);
}

/* Model entries annotated, their changes listed; taken[] marks the
 * extractor entries they matched. Returns how many agreed. */
static size_t annotate_model(json_t *ms, json_t *xs, bool *taken, json_t *out, json_t *changes)
{
    size_t i, agreed = 0;
    json_t *m;
    json_array_foreach(ms, i, m) {
        if (!json_is_object(m)) continue;
        int j = match(m, xs, taken);
        if (j < 0) {
            json_array_append_new(out, annotated(m, "model", false));
            add_change(changes, "added", m, NULL);
            continue;
        }
        taken[j] = true;
        json_t *x = json_array_get(xs, (size_t)j);
        char diff[32];
        differences(m, x, diff, sizeof diff);
        if (!diff[0]) {
            json_array_append_new(out, annotated(m, "both", false));
            agreed++;
            continue;
        }
        json_t *e = annotated(m, "model", true);
        json_object_set_new(e, "extractor", reading(x));
        json_array_append_new(out, e);
        add_change(changes, diff, m, x);
    }
    return agreed;
}

static bool overlaps_any(json_t *x, json_t *ms)
{
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
        if (json_is_object(m) && same_day(m, x) && overlaps(m, x)) return true;
    return false;
}

static int day_index(const char *day)
{
    static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
    for (int d = 0; d < 7; d++)
        if (!strcmp(day, days[d])) return d;
    return 7;
}

static int by_day_and_start(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int dx = day_index(str(x, "day")), dy = day_index(str(y, "day"));
    if (dx != dy) return dx - dy;
    return llm_minutes(str(x, "start")) - llm_minutes(str(y, "start"));
}

/* The entries in day and time order (qsort is not stable; ties keep no
 * meaning here since two entries of one day never share a start). */
static json_t *sorted(json_t *entries)
{
    size_t n = json_array_size(entries);
    json_t **v = calloc(n ? n : 1, sizeof *v), *out = json_array();
    for (size_t i = 0; v && i < n; i++) v[i] = json_array_get(entries, i);
    if (v) qsort(v, n, sizeof *v, by_day_and_start);
    for (size_t i = 0; v && i < n; i++) json_array_append(out, v[i]);
    free(v);
    return out;
}

int llm_compare(json_t *model_tt, json_t *draft, llm_comparison *out)
{
    json_t *ms = json_object_get(model_tt, "entries");
    json_t *xs = json_object_get(draft, "entries");
    size_t nx = json_array_size(xs);
    bool *taken = calloc(nx ? nx : 1, sizeof *taken);
    json_t *entries = json_array(), *changes = json_array();
    if (!taken || !entries || !changes) goto out_free;
    size_t agreed = annotate_model(ms, xs, taken, entries, changes);
    size_t i;
    json_t *x;
    json_array_foreach(xs, i, x) {
        if (taken[i] || !json_is_object(x)) continue;
        add_change(changes, "removed", NULL, x);
        if (!overlaps_any(x, ms)) json_array_append_new(entries, annotated(x, "extractor", false));
    }
    out->draft = json_deep_copy(model_tt);
    json_object_set_new(out->draft, "entries", sorted(entries));
    out->changes = changes;
    out->agreed = agreed;
    out->compared = agreed + json_array_size(changes);
    json_decref(entries);
    free(taken);
    return YOGI_OK;
out_free:
    free(taken);
    json_decref(entries);
    json_decref(changes);
    return YOGI_FAILED;
}

json_t *llm_extractor_draft(json_t *draft)
{
    json_t *copy = json_is_object(draft) ? json_deep_copy(draft) : json_object();
    json_t *entries = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(draft, "entries"), i, e)
        json_array_append_new(entries, json_is_object(e) ? annotated(e, "extractor", false)
                                                         : json_incref(e));
    json_object_set_new(copy, "entries", entries);
    return copy;
}
