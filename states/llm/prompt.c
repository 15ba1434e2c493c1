/*
 * prompt.c — what the model is asked, in each provider's request shape.
 *
 * The model gets three views of the page: the image itself (what a person
 * would look at), the OCR words with their boxes (exact spellings and
 * positions the model can lean on instead of re-reading small print), and
 * the draft the extractor built (so that most of the work is checking, not
 * transcribing). Its answer is forced into llm_answer_schema() by the
 * provider itself: Anthropic through a forced tool call whose input_schema
 * is that schema, OpenAI-compatible servers through response_format
 * json_schema with strict: true. Temperature 0: the same page should get
 * the same answer.
 *
 * The answer schema is written for OpenAI's strict mode, the strictest of
 * the servers: every property is listed in "required", optional values are
 * nullable instead of absent, and no additional properties are allowed.
 * The document-level confidence is not asked of the model: it is computed
 * from evidence afterwards (check.c), since a model's own estimate is not
 * calibrated.
 *
 * Bounds: at most MAX_WORDS words and MAX_DRAFT_BYTES of draft go into the
 * text, so a pathological OCR result cannot make an unbounded request.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

#define MAX_WORDS 4000
#define MAX_WORD_BYTES 64
#define MAX_DRAFT_BYTES (64 * 1024)

#define HHMM "\"^([01][0-9]|2[0-3]):[0-5][0-9]$\""
#define NULLABLE_STRING "{\"type\": [\"string\", \"null\"]}"

static const char answer_schema_text[] =
    "{\"type\": \"object\","
    " \"properties\": {"
    "  \"title\": " NULLABLE_STRING ", \"teacher\": " NULLABLE_STRING ","
    "  \"class\": " NULLABLE_STRING ", \"term\": " NULLABLE_STRING ","
    "  \"entries\": {\"type\": \"array\", \"items\": {"
    "   \"type\": \"object\","
    "   \"properties\": {"
    "    \"day\": {\"type\": \"string\", \"enum\": [\"Monday\", \"Tuesday\", \"Wednesday\","
    "             \"Thursday\", \"Friday\", \"Saturday\", \"Sunday\"]},"
    "    \"start\": {\"type\": \"string\", \"pattern\": " HHMM "},"
    "    \"end\": {\"type\": \"string\", \"pattern\": " HHMM "},"
    "    \"subject\": {\"type\": \"string\"},"
    "    \"kind\": {\"type\": \"string\", \"enum\": [\"lesson\", \"break\", \"lunch\","
    "              \"registration\", \"other\"]},"
    "    \"room\": " NULLABLE_STRING ", \"class\": " NULLABLE_STRING ","
    "    \"teacher\": " NULLABLE_STRING ", \"notes\": " NULLABLE_STRING "},"
    "   \"required\": [\"day\", \"start\", \"end\", \"subject\", \"kind\", \"room\", \"class\","
    "                \"teacher\", \"notes\"],"
    "   \"additionalProperties\": false}}},"
    " \"required\": [\"title\", \"teacher\", \"class\", \"term\", \"entries\"],"
    " \"additionalProperties\": false}";

static const char instructions[] =
    "You transcribe school timetables from photographed, scanned or exported pages. "
    "You are given the page image, the words an OCR engine read on it with their pixel "
    "boxes, and a draft timetable built from those words automatically, which may hold "
    "mistakes: wrong or missing times, entries on the wrong day, misread subjects, merged "
    "cells split or lost. Return the complete weekly timetable as printed: one entry per "
    "lesson, break or other period on each day, with 24-hour HH:MM start and end times "
    "and English day names. A cell spanning several periods (a double lesson) is one "
    "entry covering the whole span; a break or lunch printed across every day is one entry "
    "per day. Times without am/pm that follow midday (1:15 after 12:30) are afternoon "
    "times. Keep subjects, rooms and class codes spelled as printed; use null for what the "
    "page does not show; leave free periods out; never invent entries.";

json_t *llm_answer_schema(void)
{
    return json_loads(answer_schema_text, 0, NULL);
}

/* ---- a growable string ---------------------------------------------- */

typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->s && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = true;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* A word as it may appear in the prompt: printable, bounded, no newlines. */
static void clean_word(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 1 < size; in++)
        out[o++] = (unsigned char)*in < 0x20 || *in == 0x7f ? ' ' : *in;
    out[o] = '\0';
}

static long num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? (long)json_number_value(v) : 0;
}

static void add_page_words(text *t, json_t *page, size_t *budget)
{
    json_t *words = json_object_get(page, "words");
    long cur_block = -1, cur_par = -1, cur_line = -1;
    size_t i;
    json_t *w;
    add(t, "\nPage %ld (%ld x %ld px). OCR words as text(x,y,w,h), one printed line per row:",
        num(page, "page"), num(page, "width"), num(page, "height"));
    json_array_foreach(words, i, w) {
        const char *s = json_string_value(json_object_get(w, "text"));
        if (!s || !*s) continue;
        if (*budget == 0) {
            add(t, "\n[further words omitted]");
            return;
        }
        (*budget)--;
        long b = num(w, "block"), p = num(w, "par"), l = num(w, "line");
        if (b != cur_block || p != cur_par || l != cur_line) add(t, "\n");
        else add(t, " ");
        cur_block = b, cur_par = p, cur_line = l;
        char word[MAX_WORD_BYTES];
        clean_word(s, word, sizeof word);
        add(t, "%s(%ld,%ld,%ld,%ld)", word, num(w, "x"), num(w, "y"), num(w, "w"), num(w, "h"));
    }
}

char *llm_prompt_text(json_t *ocr, json_t *draft)
{
    text t = {0};
    size_t budget = MAX_WORDS, i;
    json_t *page;
    const char *source = json_string_value(json_object_get(ocr, "source"));
    add(&t, "The OCR words (source: %s):", source ? source : "ocr");
    json_array_foreach(json_object_get(ocr, "pages"), i, page) add_page_words(&t, page, &budget);

    json_t *entries = json_object_get(draft, "entries");
    char *dump = entries ? json_dumps(entries, JSON_COMPACT) : NULL;
    add(&t, "\n\nThe draft timetable's entries (may be wrong or incomplete):\n");
    if (dump && strlen(dump) <= MAX_DRAFT_BYTES) add(&t, "%s", dump);
    else add(&t, "%s", dump ? "[draft too long, omitted]" : "[no draft]");
    free(dump);
    add(&t, "\n\nReturn the corrected, complete timetable.");
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    return t.s;
}

/* ---- request bodies --------------------------------------------------- */

static json_t *anthropic_body(const llm_config *cfg, const char *prompt,
                              const char *const *images, size_t n_images)
{
    json_t *content = json_array();
    for (size_t i = 0; i < n_images; i++)
        json_array_append_new(content, json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "image",
                                                 "source", "type", "base64", "media_type",
                                                 "image/png", "data", images[i]));
    json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", prompt));
    return json_pack("{s:s, s:i, s:f, s:s, s:[{s:s, s:s, s:o}], s:{s:s, s:s},"
                     " s:[{s:s, s:o}]}",
                     "model", cfg->model, "max_tokens", (json_int_t)cfg->max_tokens,
                     "temperature", 0.0, "system", instructions,
                     "tools", "name", LLM_TOOL_NAME, "description",
                     "Submit the corrected weekly timetable read from the page.",
                     "input_schema", llm_answer_schema(),
                     "tool_choice", "type", "tool", "name", LLM_TOOL_NAME,
                     "messages", "role", "user", "content", content);
}

static json_t *openai_body(const llm_config *cfg, const char *prompt, const char *const *images,
                           size_t n_images)
{
    json_t *content = json_array();
    json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", prompt));
    for (size_t i = 0; i < n_images; i++) {
        size_t n = strlen(images[i]) + sizeof "data:image/png;base64,";
        char *url = malloc(n);
        if (!url) {
            json_decref(content);
            return NULL;
        }
        snprintf(url, n, "data:image/png;base64,%s", images[i]);
        json_array_append_new(content, json_pack("{s:s, s:{s:s, s:s}}", "type", "image_url",
                                                 "image_url", "url", url, "detail", "high"));
        free(url);
    }
    return json_pack("{s:s, s:i, s:f, s:[{s:s, s:s}, {s:s, s:o}],"
                     " s:{s:s, s:{s:s, s:o, s:b}}}",
                     "model", cfg->model, "max_tokens", (json_int_t)cfg->max_tokens,
                     "temperature", 0.0,
                     "messages", "role", "system", "content", instructions,
                     "role", "user", "content", content,
                     "response_format", "type", "json_schema", "json_schema", "name",
                     "timetable", "schema", llm_answer_schema(), "strict", 1);
}

json_t *llm_request_body(const llm_config *cfg, const char *prompt, const char *const *images,
                         size_t n_images)
{
    if (cfg->provider == LLM_ANTHROPIC) return anthropic_body(cfg, prompt, images, n_images);
    return openai_body(cfg, prompt, images, n_images);
}

int llm_endpoint(const llm_config *cfg, char *buf, size_t len)
{
    const char *path = cfg->provider == LLM_ANTHROPIC ? "messages" : "chat/completions";
    size_t n = strlen(cfg->base_url);
    /* "https://host/v1" and "https://host" both mean the same server. */
    bool has_v1 = n >= 3 && !strcmp(cfg->base_url + n - 3, "/v1");
    int w = snprintf(buf, len, "%s%s/%s", cfg->base_url, has_v1 ? "" : "/v1", path);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}
