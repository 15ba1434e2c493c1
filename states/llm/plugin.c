/*
 * plugin.c — the llm state plugin: a language model reviews a draft
 * timetable the extractor was not sure of.
 *
 * Input (the workflow's state at LlmReview):
 *   {"ocr": WORDS, "timetable": DRAFT, "document": {"id": ...}}
 * where WORDS is the OCR step's output ({"source", "pages": [{"page",
 * "width", "height", "image", "words": [...]}]}) and DRAFT the timetable
 * builder's output. Output:
 *   {"timetable": T, "passed": bool, "confidence": c, "problems": [...],
 *    "usage": {"input_tokens", "output_tokens", "cost"}, "model": "..."}
 * T follows timetable.schema.json; "passed" says the workflow may go on to
 * ValidateData without a person (schema and sense rules hold and the
 * confidence reaches llm.pass_confidence).
 *
 * One invocation is one request: retries belong to the workflow (Retry on
 * Llm.RateLimited and Llm.Unavailable), which is durable and visible in the
 * history, not to a loop hidden in here. The request never outlives the
 * task: its timeout is the smaller of llm.timeout_seconds and what is left
 * before the task's deadline.
 *
 * Tokens are recorded with the document (host call "documents.update",
 * {"id", "llm_tokens": input + output, "llm_cost": price}) and added to the
 * day's spend (host call "llm.spend", budget.c) as soon as the provider
 * reports them, also when the answer then turns out bad: they were spent
 * either way. A failed host call is logged, never fatal: the review matters
 * more than the tally.
 *
 * An answer that fits the schema is compared with the draft (compare.c):
 * the output's "review_draft" is the model's timetable with each entry's
 * "source" and "disagree", for a person to check, and the slots the model
 * changed are recorded per document (host call "llm.changes").
 *
 * The gate: input {"gate": true, "timetable": DRAFT} asks no model. It
 * answers {"ask": bool, "reason": null | "Llm.NotConfigured" |
 * "Llm.BudgetSpent", "notice": text | null, "draft": DRAFT with every entry
 * marked "source": "extractor"}, and the workflow's Choice on "ask" decides
 * whether the model is called (workflows/document_processing.yaml). With no
 * llm.provider at all the reason is null: no model is the ordinary case,
 * not a fault. A spent budget is checked again before each request, since
 * another worker may have spent it after the gate (Llm.BudgetSpent).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "llm.h"

typedef struct llm_state {
    const yogi_host *host;
    llm_http *http;
    bool configured;
    bool provider_set; /* llm.provider given: a failed load is a fault */
    llm_config cfg;
    yogi_error config_err; /* why not configured */
} llm_state;

static const yogi_host *the_host; /* for the config lookup, which takes no user data */

static const char *host_config(const char *key)
{
    return the_host && the_host->config ? the_host->config(key) : NULL;
}

static int llm_init(const yogi_host *host, void **state, yogi_error *err)
{
    llm_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "Llm.Unavailable", "out of memory");
    st->host = the_host = host;
    st->http = llm_http_new();
    if (!st->http) {
        free(st);
        return yogi_fail(err, "Llm.Unavailable", "libcurl could not be initialised");
    }
    /* A missing configuration fails each task with Llm.NotConfigured (the
     * workflow sends those documents to a person), not the worker. */
    st->configured = llm_config_load(host_config, &st->cfg, &st->config_err) == YOGI_OK;
    const char *provider = host_config("llm.provider");
    st->provider_set = provider && *provider;
    if (!st->configured && host->log)
        host->log(YOGI_LOG_WARN, "llm: not configured: %s", st->config_err.cause);
    *state = st;
    return YOGI_OK;
}

static void llm_destroy(void *state)
{
    llm_state *st = state;
    if (!st) return;
    llm_http_free(st->http);
    memset(&st->cfg, 0, sizeof st->cfg); /* the key */
    free(st);
}

/* Unix ms: the task's deadline_ms is on the engine's wall clock (engine/clock.h);
 * a plugin does not link the engine, so it reads the same clock itself. */
static int64_t wall_clock_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Base64 PNGs of the first pages that carry an image; *n of them. */
static int page_images(const llm_config *cfg, json_t *ocr, char ***images, size_t *n,
                       yogi_error *err)
{
    json_t *pages = json_object_get(ocr, "pages"), *page;
    size_t i;
    int side = cfg->provider == LLM_ANTHROPIC ? LLM_ANTHROPIC_MAX_SIDE : LLM_OPENAI_MAX_SIDE;
    *n = 0;
    *images = calloc((size_t)cfg->max_pages, sizeof **images);
    if (!*images) return yogi_fail(err, "Llm.Unavailable", "out of memory");
    json_array_foreach(pages, i, page) {
        const char *path = json_string_value(json_object_get(page, "image"));
        if (!path || *n == (size_t)cfg->max_pages) continue;
        if (llm_image_base64(path, side, cfg->max_image_bytes, &(*images)[*n], err))
            return YOGI_FAILED;
        (*n)++;
    }
    return YOGI_OK;
}

static void free_images(char **images, size_t n)
{
    for (size_t i = 0; i < n; i++) free(images[i]);
    free(images);
}

/* The request body as text. */
static int build_request(const llm_config *cfg, json_t *input, char **body, yogi_error *err)
{
    char **images = NULL;
    size_t n = 0;
    if (page_images(cfg, json_object_get(input, "ocr"), &images, &n, err)) {
        free_images(images, n);
        return YOGI_FAILED;
    }
    char *prompt =
        llm_prompt_text(json_object_get(input, "ocr"), json_object_get(input, "timetable"));
    json_t *req = prompt ? llm_request_body(cfg, prompt, (const char *const *)images, n) : NULL;
    *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    free(prompt);
    free_images(images, n);
    if (!*body) return yogi_fail(err, "Llm.Unavailable", "out of memory building the request");
    return YOGI_OK;
}

static json_t *usage_json(const llm_config *cfg, const llm_usage *u)
{
    json_t *cost = json_null();
    if (cfg->price_input_per_mtok >= 0 || cfg->price_output_per_mtok >= 0) {
        double pi = cfg->price_input_per_mtok > 0 ? cfg->price_input_per_mtok : 0;
        double po = cfg->price_output_per_mtok > 0 ? cfg->price_output_per_mtok : 0;
        cost = json_real((u->input_tokens * pi + u->output_tokens * po) / 1e6);
    }
    return json_pack("{s:I, s:I, s:o}", "input_tokens", (json_int_t)u->input_tokens,
                     "output_tokens", (json_int_t)u->output_tokens, "cost", cost);
}

/* Add one call's tokens and cost to the day's spend. */
static void record_spend(llm_state *st, long tokens, double cost)
{
    json_t *add = json_pack("{s:I, s:f, s:i}", "tokens", (json_int_t)tokens, "cost", cost,
                            "calls", 1), *today = NULL;
    yogi_error err;
    bool known;
    memset(&err, 0, sizeof err);
    if (llm_budget_spend(st->host, &st->cfg, add, &today, &known, &err) != YOGI_OK &&
        st->host->log)
        st->host->log(YOGI_LOG_WARN, "llm: the day's spend not recorded: %s: %s", err.name,
                      err.cause);
    json_decref(today);
    json_decref(add);
}

/* Is the day's budget spent? Counts the refusal and fills notice if so;
 * -1 when the spend cannot be read (err). */
static int budget_refuses(llm_state *st, char *notice, size_t size, yogi_error *err)
{
    json_t *today = NULL;
    bool known;
    if (llm_budget_spend(st->host, &st->cfg, NULL, &today, &known, err) != YOGI_OK) return -1;
    bool spent = known && llm_budget_spent(&st->cfg, today, notice, size);
    json_decref(today);
    if (!spent) return 0;
    json_t *add = json_pack("{s:i}", "refused", 1);
    yogi_error ignored;
    if (llm_budget_spend(st->host, &st->cfg, add, &today, &known, &ignored) == YOGI_OK)
        json_decref(today);
    json_decref(add);
    if (st->host->log) st->host->log(YOGI_LOG_WARN, "llm: %s", notice);
    return 1;
}

static int update_document(llm_state *st, json_t *args, yogi_error *err)
{
    json_t *result = NULL;
    int rc = st->host->call("documents.update", args, &result, err);
    json_decref(result);
    return rc;
}

/* Save the tokens (input + output) and, when prices are configured, the
 * cost with the document. A store that predates llm_cost answers
 * InvalidInput; it still gets the tokens. */
static void record_usage(llm_state *st, json_t *input, const llm_usage *u)
{
    const char *id = json_string_value(json_object_get(json_object_get(input, "document"), "id"));
    if (u->input_tokens == 0 && u->output_tokens == 0) return;
    if (!YOGI_HAS(st->host, call) || !st->host->call) return;
    json_t *usage = usage_json(&st->cfg, u), *cost = json_object_get(usage, "cost");
    record_spend(st, u->input_tokens + u->output_tokens, json_number_value(cost));
    if (!id) {
        json_decref(usage);
        return;
    }
    json_t *args = json_pack("{s:s, s:I}", "id", id, "llm_tokens",
                             (json_int_t)u->input_tokens + u->output_tokens);
    if (json_is_number(cost)) json_object_set(args, "llm_cost", cost);
    yogi_error err;
    memset(&err, 0, sizeof err);
    int rc = update_document(st, args, &err);
    if (rc != YOGI_OK && !strcmp(err.name, "InvalidInput") && json_object_get(args, "llm_cost")) {
        json_object_del(args, "llm_cost");
        rc = update_document(st, args, &err);
    }
    json_decref(args);
    json_decref(usage);
    if (rc != YOGI_OK && st->host->log)
        st->host->log(YOGI_LOG_WARN, "llm: tokens of document %s not recorded: %s: %s", id,
                      err.name, err.cause);
}

/* Ask the model; *answer is its object. Usage is filled whenever known. */
static int ask(llm_state *st, const yogi_call *call, json_t *input, json_t **answer,
               llm_usage *usage, yogi_error *err)
{
    char url[700], *body = NULL, *reply = NULL;
    size_t reply_len = 0;
    long timeout_ms = st->cfg.timeout_seconds * 1000;
    if (YOGI_HAS(call, deadline_ms) && call->deadline_ms > 0) {
        int64_t left = call->deadline_ms - wall_clock_ms() - 500; /* leave time to answer */
        if (left <= 0)
            return yogi_fail(err, "Llm.Unavailable", "no time left before the task deadline");
        if (left < timeout_ms) timeout_ms = (long)left;
    }
    if (llm_endpoint(&st->cfg, url, sizeof url) != 0)
        return yogi_fail(err, "Llm.NotConfigured", "llm.base_url is too long");
    if (build_request(&st->cfg, input, &body, err)) return YOGI_FAILED;
    if (YOGI_HAS(st->host, heartbeat) && st->host->heartbeat) {
        st->host->heartbeat();
        llm_http_set_heartbeat(st->http, st->host->heartbeat);
    }
    if (YOGI_HAS(st->host, retry_after) && st->host->retry_after)
        llm_http_set_retry_after(st->http, st->host->retry_after);
    int rc = llm_http_post(st->http, &st->cfg, url, body, timeout_ms, &reply, &reply_len, err);
    free(body);
    if (rc == YOGI_OK) {
        rc = llm_parse_reply(st->cfg.provider, reply, reply_len, answer, usage, err);
        record_usage(st, input, usage);
    }
    free(reply);
    return rc;
}

static const char *const entry_keys[] = {"day", "start", "end", "subject", "kind",
                                         "room", "class", "teacher", "notes"};

/* Forgive spelling that carries no doubt: "9:05" and "09.05" are "09:05",
 * "monday" and "MONDAY" are "Monday". Anything else is left for the schema
 * check. */
static void tidy_entry(json_t *e)
{
    static const char *const times[] = {"start", "end"};
    for (int k = 0; k < 2; k++) {
        const char *t = json_string_value(json_object_get(e, times[k]));
        size_t n = t ? strlen(t) : 0;
        if (n != 4 && n != 5) continue;
        char hhmm[6] = {'0', '0', ':', '0', '0', '\0'};
        memcpy(hhmm + 5 - n, t, n); /* right-aligned: "9:05" → "09:05" */
        if (hhmm[2] == '.') hhmm[2] = ':';
        if (strcmp(hhmm, t) != 0 && llm_minutes(hhmm) >= 0)
            json_object_set_new(e, times[k], json_string(hhmm));
    }
    const char *day = json_string_value(json_object_get(e, "day"));
    static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
    for (int d = 0; day && d < 7; d++)
        if (strcmp(day, days[d]) != 0 && !strcasecmp(day, days[d])) {
            json_object_set_new(e, "day", json_string(days[d]));
            break;
        }
}

/* The timetable from the model's answer: known keys only, nulls dropped. */
static json_t *timetable_from(json_t *answer, json_t *input)
{
    json_t *tt = json_object(), *entries, *e;
    json_t *doc = json_object_get(input, "document"), *draft = json_object_get(input, "timetable");
    const char *doc_id = json_string_value(json_object_get(doc, "id"));
    const char *layout = json_string_value(json_object_get(draft, "layout"));
    if (doc_id) json_object_set_new(tt, "document_id", json_string(doc_id));
    static const char *const top[] = {"title", "teacher", "class", "term"};
    for (size_t k = 0; k < 4; k++) {
        json_t *v = json_object_get(answer, top[k]);
        json_object_set(tt, top[k], v ? v : json_null());
    }
    if (layout) json_object_set_new(tt, "layout", json_string(layout));
    json_object_set_new(tt, "confidence", json_real(0));
    json_t *src = json_object_get(answer, "entries");
    if (!json_is_array(src)) {
        if (src) json_object_set(tt, "entries", src); /* for the schema check to name */
        return tt;
    }
    size_t i;
    entries = json_array();
    json_array_foreach(src, i, e) {
        if (!json_is_object(e)) {
            json_array_append(entries, e);
            continue;
        }
        json_t *copy = json_object();
        for (size_t k = 0; k < sizeof entry_keys / sizeof *entry_keys; k++) {
            json_t *v = json_object_get(e, entry_keys[k]);
            if (v && !json_is_null(v)) json_object_set(copy, entry_keys[k], v);
        }
        tidy_entry(copy);
        json_array_append_new(entries, copy);
    }
    json_object_set_new(tt, "entries", entries);
    return tt;
}

static int schema_failure(json_t *problems, yogi_error *err)
{
    char list[1024] = "";
    size_t used = 0, i;
    json_t *p;
    json_array_foreach(problems, i, p) {
        if (i == 5) break;
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? "; " : "",
                         json_string_value(p));
        if (w < 0 || (size_t)w >= sizeof list - used) break;
        used += (size_t)w;
    }
    size_t n = json_array_size(problems);
    return yogi_fail(err, "Llm.BadResponse",
                     "the answer does not fit the timetable schema (%zu problem%s): %s", n,
                     n == 1 ? "" : "s", list);
}

static int check_input(json_t *input, yogi_error *err)
{
    json_t *ocr = json_object_get(input, "ocr"), *draft = json_object_get(input, "timetable");
    if (!json_is_object(input)) return yogi_fail(err, "Llm.BadInput", "the input is not an object");
    if (!json_is_object(ocr) || !json_is_array(json_object_get(ocr, "pages")))
        return yogi_fail(err, "Llm.BadInput",
                         "input.ocr must be the OCR words ({\"pages\": [...]})");
    if (draft && !json_is_object(draft) && !json_is_null(draft))
        return yogi_fail(err, "Llm.BadInput",
                         "input.timetable must be the draft timetable or null");
    return YOGI_OK;
}

/* Record with the document which slots the model changed (compare.c). */
static void record_changes(llm_state *st, json_t *input, const llm_comparison *cmp, bool passed)
{
    json_t *doc = json_object_get(input, "document"), *draft = json_object_get(input, "timetable");
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (!id || !YOGI_HAS(st->host, call) || !st->host->call) return;
    json_t *args = json_pack("{s:s, s:b, s:I, s:I, s:O}", "document_id", id, "passed", passed,
                             "compared", (json_int_t)cmp->compared, "changed",
                             (json_int_t)json_array_size(cmp->changes), "changes", cmp->changes);
    json_t *conf = json_object_get(draft, "confidence"), *result = NULL;
    if (json_is_number(conf)) json_object_set(args, "confidence", conf);
    yogi_error err;
    memset(&err, 0, sizeof err);
    if (st->host->call("llm.changes", args, &result, &err) != YOGI_OK && st->host->log &&
        strcmp(err.name, "Host.UnknownOperation") != 0 && strcmp(err.name, "Host.Unsupported"))
        st->host->log(YOGI_LOG_WARN, "llm: changes of document %s not recorded: %s: %s", id,
                      err.name, err.cause);
    json_decref(result);
    json_decref(args);
}

/* The comparison as the step's output carries it. */
static json_t *changes_json(const llm_comparison *cmp)
{
    size_t changed = json_array_size(cmp->changes);
    char summary[200];
    snprintf(summary, sizeof summary,
             "the model read %zu slot%s as the extractor did and %zu differently "
             "(changed, added or left out)",
             cmp->agreed, cmp->agreed == 1 ? "" : "s", changed);
    return json_pack("{s:I, s:I, s:s, s:O}", "compared", (json_int_t)cmp->compared, "changed",
                     (json_int_t)changed, "summary", summary, "entries", cmp->changes);
}

/* Answer → output document, or Llm.BadResponse. */
static int review(llm_state *st, json_t *input, json_t *answer, const llm_usage *usage,
                  json_t **output, yogi_error *err)
{
    json_t *tt = timetable_from(answer, input), *problems = json_array();
    if (llm_schema_problems(tt, problems) > 0) {
        int rc = schema_failure(problems, err);
        json_decref(problems);
        json_decref(tt);
        return rc;
    }
    int sense = llm_sense_problems(tt, problems);
    json_t *ocr = json_object_get(input, "ocr"), *draft = json_object_get(input, "timetable");
    double c = sense ? 0.0 : llm_confidence(tt, ocr, draft);
    json_object_set_new(tt, "confidence", json_real(c));
    if (json_array_size(problems) > 0) json_object_set(tt, "warnings", problems);
    bool passed = sense == 0 && c >= st->cfg.pass_confidence;
    if (st->host->log)
        st->host->log(YOGI_LOG_INFO,
                      "llm: %s answered %zu entries, confidence %.3f, %s (%ld+%ld tokens)",
                      st->cfg.model, json_array_size(json_object_get(tt, "entries")), c,
                      passed ? "passed" : "to review", usage->input_tokens, usage->output_tokens);
    llm_comparison cmp = {0};
    if (llm_compare(tt, draft, &cmp) != YOGI_OK) {
        json_decref(problems);
        json_decref(tt);
        return yogi_fail(err, "Llm.Unavailable", "out of memory comparing the answer");
    }
    record_changes(st, input, &cmp, passed);
    *output = json_pack("{s:o, s:b, s:f, s:o, s:o, s:s, s:o, s:o}", "timetable", tt, "passed",
                        passed, "confidence", c, "problems", problems, "usage",
                        usage_json(&st->cfg, usage), "model", st->cfg.model, "review_draft",
                        cmp.draft, "changes", changes_json(&cmp));
    json_decref(cmp.changes);
    return *output ? YOGI_OK : yogi_fail(err, "Llm.Unavailable", "out of memory");
}

/* {"gate": true}: may the workflow ask the model for this document? */
static int gate(llm_state *st, json_t *input, json_t **output, yogi_error *err)
{
    const char *reason = NULL;
    char notice[sizeof st->config_err.cause] = "";
    if (!st->configured && st->provider_set) {
        reason = "Llm.NotConfigured";
        snprintf(notice, sizeof notice, "%s", st->config_err.cause);
    } else if (st->configured) {
        int refused = budget_refuses(st, notice, sizeof notice, err);
        if (refused < 0) return YOGI_FAILED;
        if (refused) reason = "Llm.BudgetSpent";
    }
    *output = json_pack("{s:b, s:o, s:o, s:o}", "ask", st->configured && !reason, "reason",
                        reason ? json_string(reason) : json_null(), "notice",
                        notice[0] ? json_string(notice) : json_null(), "draft",
                        llm_extractor_draft(json_object_get(input, "timetable")));
    return *output ? YOGI_OK : yogi_fail(err, "Llm.Unavailable", "out of memory");
}

static int llm_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                      yogi_error *err)
{
    llm_state *st = state;
    if (json_is_true(json_object_get(input, "gate"))) return gate(st, input, output, err);
    if (!st->configured) {
        *err = st->config_err;
        return YOGI_FAILED;
    }
    if (check_input(input, err)) return YOGI_FAILED;
    char notice[512];
    int refused = budget_refuses(st, notice, sizeof notice, err);
    if (refused < 0) return YOGI_FAILED;
    if (refused) return yogi_fail(err, "Llm.BudgetSpent", "%s", notice);
    json_t *answer = NULL;
    llm_usage usage = {0, 0};
    int rc = ask(st, call, input, &answer, &usage, err);
    if (rc == YOGI_OK) rc = review(st, input, answer, &usage, output, err);
    json_decref(answer);
    if (rc != YOGI_OK) llm_redact(err->cause, sizeof err->cause, st->cfg.api_key);
    return rc;
}

YOGI_PLUGIN(llm, llm_init, llm_invoke, llm_destroy)
