/*
 * llm.h — the pieces of the llm plugin (states/llm), internal to it.
 *
 * The plugin asks a language model to correct a draft timetable that the
 * extractor was not sure of. It is split so that everything but the network
 * and the image codec is pure and unit-tested (tests/unit/test_llm.c):
 *
 *   config.c  llm.* configuration keys → llm_config; the API key loaded
 *   image.c   page image → downscaled PNG → base64 (leptonica)
 *   prompt.c  the request body for each provider (Anthropic Messages,
 *             OpenAI-compatible chat completions) and the answer schema
 *   answer.c  the provider's reply → the model's timetable and token usage
 *   check.c   the timetable schema, the sense rules and the confidence
 *   place.c   whether entries sit under their day on the page
 *   compare.c the model's answer against the draft: provenance, changes
 *   budget.c  the per-day token and cost budget (host call "llm.spend")
 *   http.c    one POST over libcurl, status codes → named errors
 *   plugin.c  the plugin entry: input → request → answer → output
 *
 * Error names (stable; the workflow's Retry/Catch match them):
 *   Llm.NotConfigured  no provider/model/key, bad URL, refused key (401/403)
 *   Llm.RateLimited    429/529; cause carries "retry after N seconds"
 *   Llm.Unavailable    5xx, connection failed/cut, timeout
 *   Llm.BadResponse    not JSON, no answer, answer not in the schema
 *   Llm.Rejected       any other 4xx (the provider refused the request)
 *   Llm.BadInput       the task input is not what the workflow promises
 *   Llm.BudgetSpent    the day's token or cost budget is spent (no request made)
 *
 * Secrets: the API key lives only in llm_config.api_key and in the request
 * header list; it is never put in a body, a log line or an error cause
 * (llm_redact() scrubs causes built from provider replies, in case a server
 * echoes the header back).
 */
#ifndef YOGI_STATES_LLM_H
#define YOGI_STATES_LLM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "yogi/plugin.h"

typedef enum llm_provider { LLM_ANTHROPIC, LLM_OPENAI } llm_provider;

/* Longest side of the page image sent to each provider: Claude downscales
 * anything above 1568 px itself (so larger only costs tokens); OpenAI's
 * high-detail mode fits images in 2048 px. */
#define LLM_ANTHROPIC_MAX_SIDE 1568
#define LLM_OPENAI_MAX_SIDE 2048

#define LLM_TOOL_NAME "submit_timetable"
#define LLM_ANTHROPIC_VERSION "2023-06-01"

typedef struct llm_config {
    llm_provider provider;
    char base_url[512];          /* no trailing slash */
    char model[256];
    char api_key[512];           /* "" when none (local servers need none) */
    long timeout_seconds;        /* whole request, default 120 */
    long max_image_bytes;        /* PNG bytes before base64, default 3.75 MB */
    long max_tokens;             /* answer budget, default 8192 */
    int max_pages;               /* page images sent, default 2 */
    bool allow_http_loopback;    /* plain http:// to 127.0.0.0/8 or ::1 */
    double price_input_per_mtok; /* currency units per million tokens; <0: unset */
    double price_output_per_mtok;
    double pass_confidence;      /* answers scoring below go to review; default 0.85 */
    long budget_tokens_per_day;  /* input + output tokens a UTC day; <0: no limit */
    double budget_cost_per_day;  /* in the prices' currency a UTC day; <0: no limit */
} llm_config;

/* A configuration lookup: "llm.model" → value or NULL (yogi_host.config). */
typedef const char *(*llm_config_fn)(const char *key);

/* Read every llm.* key; on failure Llm.NotConfigured names the key at fault.
 * Loads the API key from the variable named by llm.api_key_env or the file
 * llm.api_key_file. */
int llm_config_load(llm_config_fn get, llm_config *cfg, yogi_error *err);

/* Is `url` acceptable for cfg: https, or http to a loopback host when
 * allowed? Writes "is_http" for the transport's address check. */
int llm_check_url(const llm_config *cfg, const char *url, bool *is_http, yogi_error *err);

/* True for 127.0.0.0/8, ::1 and "localhost" (host part of a URL, no port). */
bool llm_is_loopback_host(const char *host);

/* Replace every occurrence of secret in s (in place) with "[redacted]". */
void llm_redact(char *s, size_t size, const char *secret);

/* ---- image.c ---------------------------------------------------------- */

/* Read the page image at path, scale it so that its longest side is at most
 * max_side and its PNG encoding at most max_bytes, and return the PNG in
 * base64 (malloc'd, NUL-terminated). Llm.BadInput when it cannot be read. */
int llm_image_base64(const char *path, int max_side, long max_bytes, char **b64_out,
                     yogi_error *err);

/* Base64 (RFC 4648, padded) of n bytes; malloc'd, NUL-terminated; NULL on OOM. */
char *llm_base64(const unsigned char *data, size_t n);

/* ---- prompt.c --------------------------------------------------------- */

/* The JSON schema the model must answer in (a strict subset of
 * timetable.schema.json: every property required, nullable where the
 * timetable allows it, no additional properties). New reference. */
json_t *llm_answer_schema(void);

/* The text part of the prompt: the OCR words with their boxes, line by
 * line, and the draft timetable. malloc'd. */
char *llm_prompt_text(json_t *ocr, json_t *draft);

/* The request body for cfg's provider; images are base64 PNGs (borrowed,
 * n_images of them). New reference. */
json_t *llm_request_body(const llm_config *cfg, const char *text, const char *const *images,
                         size_t n_images);

/* The endpoint for cfg: {base}/v1/messages or {base}/v1/chat/completions. */
int llm_endpoint(const llm_config *cfg, char *buf, size_t len);

/* ---- answer.c --------------------------------------------------------- */

typedef struct llm_usage {
    long input_tokens, output_tokens;
} llm_usage;

/* Parse a 200 reply of cfg's provider: *answer (new reference) is the
 * model's object, usage what the provider counted (0 when absent; filled
 * even when the answer is bad, since the tokens were spent).
 * Llm.BadResponse when it is not JSON or holds no answer. */
int llm_parse_reply(llm_provider provider, const char *body, size_t len, json_t **answer,
                    llm_usage *usage, yogi_error *err);

/* The provider's own error message from an error reply, into buf ("" if none). */
void llm_reply_error_message(const char *body, size_t len, char *buf, size_t size);

/* ---- check.c ---------------------------------------------------------- */

/* Check a timetable against timetable.schema.json (types, required keys,
 * enums, the HH:MM pattern, ranges). Problems are appended to `problems`
 * (a JSON array of strings) as "entries[3].start: ..."; returns how many. */
int llm_schema_problems(json_t *timetable, json_t *problems);

/* The sense rules: start < end, no two entries of a day overlapping, times
 * within 06:00-20:00, at least one entry. Appends to problems; returns how
 * many. */
int llm_sense_problems(json_t *timetable, json_t *problems);

/* The answer's own confidence in [0,1], from evidence independent of the
 * model: how many subjects appear in the OCR words, how many times appear
 * among the printed times, how many entries sit under their day on the
 * page, and agreement with the draft. */
double llm_confidence(json_t *timetable, json_t *ocr, json_t *draft);

/* The share of entries (whose subject is printed) printed inside their
 * day's region of the page, from the OCR words' positions; -1 when the
 * page gives no evidence (fewer than two day headers). (place.c) */
double llm_placement(json_t *timetable, json_t *ocr);

/* "HH:MM" → minutes since midnight, or -1. */
int llm_minutes(const char *hhmm);

/* ---- compare.c -------------------------------------------------------- */

typedef struct llm_comparison {
    json_t *draft;   /* the model's timetable, entries annotated (new ref) */
    json_t *changes; /* [{"change": "added"|"removed"|"time,subject"...,
                        "model": reading, "extractor": reading}] (new ref) */
    size_t agreed;   /* slots both read alike */
    size_t compared; /* slots either read: agreed + changes */
} llm_comparison;

/* Compare the model's timetable with the extractor's draft (both borrowed):
 * the review draft with "source" ("model" | "extractor" | "both") and
 * "disagree" on every entry, and what the model changed. */
int llm_compare(json_t *model_tt, json_t *draft, llm_comparison *out);

/* The extractor's draft with every entry marked "source": "extractor",
 * "disagree": false (new reference). */
json_t *llm_extractor_draft(json_t *draft);

/* ---- budget.c --------------------------------------------------------- */

/* Today's (UTC) spend as the store has it, after adding `add` (tokens,
 * cost, calls, refused; NULL adds nothing) and recording cfg's budget.
 * *known is false when this process has no store (yogi invoke, yogi run):
 * the budget cannot be counted there. */
int llm_budget_spend(const yogi_host *host, const llm_config *cfg, json_t *add, json_t **today,
                     bool *known, yogi_error *err);

/* Is the day's budget spent? Fills notice (for the reviewer) when it is. */
bool llm_budget_spent(const llm_config *cfg, json_t *today, char *notice, size_t size);

/* ---- http.c ----------------------------------------------------------- */

typedef struct llm_http llm_http;

llm_http *llm_http_new(void);
void llm_http_free(llm_http *h);

/* Call heartbeat (yogi_host.heartbeat) every few seconds while a request
 * is in flight; NULL for none. */
void llm_http_set_heartbeat(llm_http *h, void (*heartbeat)(void));
/* Called with the server's Retry-After seconds before a 429/5xx fails. */
void llm_http_set_retry_after(llm_http *h, void (*hint)(double seconds));

/* POST body (JSON) to url with cfg's auth headers, within timeout_ms.
 * On YOGI_OK: *reply (malloc'd, NUL-terminated, reply_len bytes) holds a
 * 200 reply. Failures carry the named errors above. */
int llm_http_post(llm_http *h, const llm_config *cfg, const char *url, const char *body,
                  long timeout_ms, char **reply, size_t *reply_len, yogi_error *err);

/* Map an HTTP status and the reply to a named error (never 200). Exposed
 * for the unit tests. retry_after: seconds from Retry-After, or -1. */
int llm_status_error(long status, long retry_after, const char *body, size_t len,
                     yogi_error *err);

/* Retry-After value: delta-seconds or an HTTP date, → seconds, or -1. */
long llm_parse_retry_after(const char *value);

#endif
