/*
 * test_llm.c — the llm plugin's pure parts: configuration, request bodies,
 * reply parsing, the timetable schema and sense checks, the confidence,
 * status mapping, base64, the image downscaling, the token totals the
 * documents store gives /metrics, the comparison of the model's answer with
 * the draft (provenance, changes), the budget, and the llm_spend and
 * llm_changes tables. The network half is
 * tested against tests/llm_server.py by tests/integration/llm.sh.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "../../states/llm/llm.h"
#include "documents.h"
#include "llm_store.h"
#include "store.h"
#include "test.h"

/* JSON written with single quotes, as tests read better: {'a': 1}. The
 * result lives until the next call. */
static const char *dq(const char *single_quoted)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s", single_quoted);
    for (char *c = buf; *c; c++)
        if (*c == '\'') *c = '"';
    return buf;
}

/* A timetable from "Day HH:MM HH:MM Subject; ..." (one-word subjects),
 * easier to read in a test than the JSON it stands for. */
static json_t *week(const char *spec)
{
    json_t *entries = json_array();
    for (const char *e = spec; *e;) {
        const char *semi = strchr(e, ';');
        size_t len = semi ? (size_t)(semi - e) : strlen(e);
        char item[128], day[16], start[8], end[8], subject[64];
        snprintf(item, sizeof item, "%.*s", (int)len, e);
        if (sscanf(item, "%15s %7s %7s %63s", day, start, end, subject) == 4)
            json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:s}", "day", day, "start",
                                                     start, "end", end, "subject", subject));
        else
            test_fail_(__FILE__, __LINE__, "bad fixture entry '%s'", item);
        e += len + (semi != NULL);
    }
    return json_pack("{s:f, s:n, s:o}", "confidence", 0.5, "title", "entries", entries);
}

static int sense_count_of(const char *spec)
{
    json_t *t = week(spec), *p = json_array();
    int n = llm_sense_problems(t, p);
    json_decref(t);
    json_decref(p);
    return n;
}

/* ---- a configuration table ------------------------------------------ */

static const char *const *table;

static const char *lookup(const char *key)
{
    for (const char *const *t = table; t && t[0]; t += 2)
        if (!strcmp(t[0], key)) return t[1];
    return NULL;
}

static int load(const char *const *t, llm_config *cfg, yogi_error *err)
{
    table = t;
    memset(err, 0, sizeof *err);
    return llm_config_load(lookup, cfg, err);
}

static void test_config_requires_provider_model_and_key(void)
{
    llm_config cfg;
    yogi_error err;
    unsetenv("ANTHROPIC_API_KEY");
    static const char *const none[] = {NULL};
    CHECK_INT(load(none, &cfg, &err), YOGI_FAILED);
    CHECK_STR(err.name, "Llm.NotConfigured");
    static const char *const bad[] = {"llm.provider", "gemini", "llm.model", "m", NULL};
    CHECK_INT(load(bad, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "anthropic or openai") != NULL);
    static const char *const nomodel[] = {"llm.provider", "openai", NULL};
    CHECK_INT(load(nomodel, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "llm.model") != NULL);
    static const char *const nokey[] = {"llm.provider", "anthropic", "llm.model", "claude", NULL};
    CHECK_INT(load(nokey, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "API key") != NULL);
    setenv("ANTHROPIC_API_KEY", "sk-ant-test-123", 1);
    CHECK_INT(load(nokey, &cfg, &err), YOGI_OK);
    CHECK_STR(cfg.api_key, "sk-ant-test-123");
    CHECK_STR(cfg.base_url, "https://api.anthropic.com");
    CHECK_INT(cfg.timeout_seconds, 120);
}

static void test_config_key_sources(void)
{
    llm_config cfg;
    yogi_error err;
    setenv("MY_LLM_KEY", "  key-from-env \n", 1);
    static const char *const env[] = {"llm.provider", "openai", "llm.model", "m",
                                      "llm.api_key_env", "MY_LLM_KEY", NULL};
    CHECK_INT(load(env, &cfg, &err), YOGI_OK);
    CHECK_STR(cfg.api_key, "key-from-env");
    static const char *const unset[] = {"llm.provider", "openai", "llm.model", "m",
                                        "llm.api_key_env", "NO_SUCH_VARIABLE_X", NULL};
    CHECK_INT(load(unset, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "NO_SUCH_VARIABLE_X") != NULL);

    FILE *f = fopen("key.txt", "w");
    fputs("file-key-456\n", f);
    fclose(f);
    static const char *const file[] = {"llm.provider", "anthropic", "llm.model", "m",
                                       "llm.api_key_file", "key.txt", NULL};
    CHECK_INT(load(file, &cfg, &err), YOGI_OK);
    CHECK_STR(cfg.api_key, "file-key-456");
    f = fopen("key.txt", "w");
    fputs("abc\r\nX-Injected: 1\n", f);
    fclose(f);
    CHECK_INT(load(file, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "control character") != NULL);
    CHECK(strstr(err.cause, "abc") == NULL);
    /* A local OpenAI-compatible server needs no key at all. */
    unsetenv("OPENAI_API_KEY");
    static const char *const local[] = {"llm.provider", "openai", "llm.model", "llama3.2-vision",
                                        "llm.base_url", "http://127.0.0.1:11434/",
                                        "llm.allow_http_loopback", "true", NULL};
    CHECK_INT(load(local, &cfg, &err), YOGI_OK);
    CHECK_STR(cfg.api_key, "");
    CHECK_STR(cfg.base_url, "http://127.0.0.1:11434");
}

static void test_config_http_only_to_loopback(void)
{
    llm_config cfg;
    yogi_error err;
    unsetenv("OPENAI_API_KEY");
    static const char *const remote[] = {"llm.provider", "openai", "llm.model", "m",
                                         "llm.base_url", "http://10.0.0.5:8080",
                                         "llm.allow_http_loopback", "true", NULL};
    CHECK_INT(load(remote, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "loopback") != NULL);
    static const char *const not_allowed[] = {"llm.provider", "openai", "llm.model", "m",
                                              "llm.base_url", "http://localhost:8080", NULL};
    CHECK_INT(load(not_allowed, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "allow_http_loopback") != NULL);
    static const char *const ftp[] = {"llm.provider", "openai", "llm.model", "m",
                                      "llm.base_url", "ftp://127.0.0.1", NULL};
    CHECK_INT(load(ftp, &cfg, &err), YOGI_FAILED);
    static const char *const userinfo[] = {"llm.provider", "openai", "llm.model", "m",
                                           "llm.base_url", "http://127.0.0.1@evil.example",
                                           "llm.allow_http_loopback", "true", NULL};
    CHECK_INT(load(userinfo, &cfg, &err), YOGI_FAILED);
    static const char *const badnum[] = {"llm.provider", "openai", "llm.model", "m",
                                         "llm.timeout_seconds", "12x", NULL};
    CHECK_INT(load(badnum, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "llm.timeout_seconds") != NULL);
    static const char *const badbool[] = {"llm.provider", "openai", "llm.model", "m",
                                          "llm.allow_http_loopback", "maybe", NULL};
    CHECK_INT(load(badbool, &cfg, &err), YOGI_FAILED);

    CHECK(llm_is_loopback_host("127.0.0.1"));
    CHECK(llm_is_loopback_host("127.8.9.10"));
    CHECK(llm_is_loopback_host("localhost"));
    CHECK(llm_is_loopback_host("[::1]"));
    CHECK(!llm_is_loopback_host("128.0.0.1"));
    CHECK(!llm_is_loopback_host("127.0.0.1.evil.example"));
    CHECK(!llm_is_loopback_host("127.0.0.256"));
    CHECK(!llm_is_loopback_host("example.com"));
    CHECK(!llm_is_loopback_host(""));
}

static void test_redact(void)
{
    char s[64] = "bad key sk-SECRET-1 and sk-SECRET-1 again";
    llm_redact(s, sizeof s, "sk-SECRET-1");
    CHECK_STR(s, "bad key [redacted] and [redacted] again");
    char t[16] = "xx dact yy";
    llm_redact(t, sizeof t, "dact"); /* the mark contains the secret: must end */
    CHECK(strstr(t, "[re") != NULL);
    char u[14] = "abcd12345678";
    llm_redact(u, sizeof u, "12345678"); /* no room for the whole mark */
    CHECK(strstr(u, "12345678") == NULL);
    CHECK(strlen(u) < sizeof u);
}

/* ---- requests --------------------------------------------------------- */

static llm_config test_cfg(llm_provider p)
{
    llm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = p;
    snprintf(cfg.base_url, sizeof cfg.base_url, "https://api.example");
    snprintf(cfg.model, sizeof cfg.model, "model-x");
    snprintf(cfg.api_key, sizeof cfg.api_key, "sk-never-in-body");
    cfg.max_tokens = 4096;
    return cfg;
}

static void test_endpoints(void)
{
    llm_config cfg = test_cfg(LLM_ANTHROPIC);
    char url[256];
    CHECK_INT(llm_endpoint(&cfg, url, sizeof url), 0);
    CHECK_STR(url, "https://api.example/v1/messages");
    cfg.provider = LLM_OPENAI;
    snprintf(cfg.base_url, sizeof cfg.base_url, "http://127.0.0.1:8080/v1");
    CHECK_INT(llm_endpoint(&cfg, url, sizeof url), 0);
    CHECK_STR(url, "http://127.0.0.1:8080/v1/chat/completions");
    CHECK_INT(llm_endpoint(&cfg, url, 10), -1);
}

static void check_strict(json_t *schema, const char *where)
{
    json_t *props = json_object_get(schema, "properties");
    if (!props) return;
    if (!json_is_false(json_object_get(schema, "additionalProperties")))
        test_fail_(__FILE__, __LINE__, "%s allows additional properties", where);
    if (json_array_size(json_object_get(schema, "required")) != json_object_size(props))
        test_fail_(__FILE__, __LINE__, "%s does not require every property", where);
    const char *k;
    json_t *v;
    json_object_foreach(props, k, v) {
        json_t *items = json_object_get(v, "items");
        check_strict(items ? items : v, k);
    }
}

static void test_answer_schema_is_strict(void)
{
    json_t *s = llm_answer_schema();
    CHECK(s != NULL);
    check_strict(s, "answer");
    json_t *entries = json_object_get(json_object_get(s, "properties"), "entries");
    json_t *item = json_object_get(json_object_get(entries, "items"), "properties");
    json_t *day = json_object_get(item, "day");
    CHECK_INT(json_array_size(json_object_get(day, "enum")), 7);
    json_decref(s);
}

static void test_request_anthropic(void)
{
    llm_config cfg = test_cfg(LLM_ANTHROPIC);
    const char *images[] = {"iVBORw0KGgo="};
    json_t *b = llm_request_body(&cfg, "the words", images, 1);
    CHECK(b != NULL);
    CHECK_STR(json_string_value(json_object_get(b, "model")), "model-x");
    CHECK(json_number_value(json_object_get(b, "temperature")) == 0.0);
    CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), 4096);
    json_t *tc = json_object_get(b, "tool_choice");
    CHECK_STR(json_string_value(json_object_get(tc, "type")), "tool");
    CHECK_STR(json_string_value(json_object_get(tc, "name")), LLM_TOOL_NAME);
    json_t *tool = json_array_get(json_object_get(b, "tools"), 0);
    CHECK_STR(json_string_value(json_object_get(tool, "name")), LLM_TOOL_NAME);
    CHECK(json_is_object(json_object_get(tool, "input_schema")));
    json_t *content = json_object_get(json_array_get(json_object_get(b, "messages"), 0), "content");
    json_t *img = json_array_get(content, 0);
    CHECK_STR(json_string_value(json_object_get(img, "type")), "image");
    json_t *source = json_object_get(img, "source");
    CHECK_STR(json_string_value(json_object_get(source, "media_type")), "image/png");
    CHECK_STR(json_string_value(json_object_get(source, "data")), images[0]);
    CHECK_STR(json_string_value(json_object_get(json_array_get(content, 1), "text")), "the words");
    char *dump = json_dumps(b, 0);
    CHECK(strstr(dump, cfg.api_key) == NULL);
    free(dump);
    json_decref(b);
}

static void test_request_openai(void)
{
    llm_config cfg = test_cfg(LLM_OPENAI);
    const char *images[] = {"AAAA", "BBBB"};
    json_t *b = llm_request_body(&cfg, "prompt", images, 2);
    CHECK(b != NULL);
    CHECK(json_number_value(json_object_get(b, "temperature")) == 0.0);
    json_t *rf = json_object_get(b, "response_format");
    CHECK_STR(json_string_value(json_object_get(rf, "type")), "json_schema");
    json_t *js = json_object_get(rf, "json_schema");
    CHECK(json_is_true(json_object_get(js, "strict")));
    CHECK(json_is_object(json_object_get(js, "schema")));
    CHECK(json_string_value(json_object_get(js, "name")) != NULL);
    json_t *msgs = json_object_get(b, "messages");
    CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "system");
    json_t *content = json_object_get(json_array_get(msgs, 1), "content");
    CHECK_INT(json_array_size(content), 3);
    json_t *url = json_object_get(json_object_get(json_array_get(content, 2), "image_url"), "url");
    CHECK_STR(json_string_value(url), "data:image/png;base64,BBBB");
    char *dump = json_dumps(b, 0);
    CHECK(strstr(dump, cfg.api_key) == NULL);
    free(dump);
    json_decref(b);
}

static void test_prompt_text_bounded_and_clean(void)
{
    json_t *ocr = json_loads(dq("{'source':'ocr','pages':[{'page':1,'width':800,'height':600,"
                                "'words':[{'text':'Mon\\nday','x':1,'y':2,'w':3,'h':4,"
                                "'block':1,'par':1,'line':1},"
                                "{'text':'Maths','x':50,'y':2,'w':30,'h':4,"
                                "'block':1,'par':1,'line':1}]}]}"), 0, NULL);
    json_t *draft = week("Monday 09:00 10:00 Maths");
    char *t = llm_prompt_text(ocr, draft);
    CHECK(t != NULL);
    CHECK(strstr(t, "Mon day(1,2,3,4) Maths(50,2,30,4)") != NULL);
    CHECK(strstr(t, "\"subject\":\"Maths\"") != NULL);
    CHECK(strstr(t, "800 x 600") != NULL);
    free(t);
    /* 20000 words: the text stays bounded. */
    json_t *words = json_object_get(json_array_get(json_object_get(ocr, "pages"), 0), "words");
    for (int i = 0; i < 20000; i++)
        json_array_append_new(words,
                              json_pack("{s:s, s:i, s:i}", "text", "word", "x", i, "line", i));
    t = llm_prompt_text(ocr, NULL);
    CHECK(t != NULL && strlen(t) < 200000);
    CHECK(strstr(t, "further words omitted") != NULL);
    CHECK(strstr(t, "[no draft]") != NULL);
    free(t);
    json_decref(ocr);
    json_decref(draft);
}

/* ---- replies ---------------------------------------------------------- */

static int parse(llm_provider p, const char *body, json_t **answer, llm_usage *u, yogi_error *err)
{
    memset(err, 0, sizeof *err);
    body = dq(body);
    return llm_parse_reply(p, body, strlen(body), answer, u, err);
}

static void test_parse_anthropic(void)
{
    json_t *a;
    llm_usage u;
    yogi_error err;
    CHECK_INT(parse(LLM_ANTHROPIC,
                    "{'content':[{'type':'text','text':'hi'},{'type':'tool_use',"
                    "'name':'submit_timetable','input':{'entries':[]}}],"
                    "'stop_reason':'tool_use','usage':{'input_tokens':10,'output_tokens':5}}",
                    &a, &u, &err), YOGI_OK);
    CHECK(json_is_array(json_object_get(a, "entries")));
    CHECK_INT(u.input_tokens, 10);
    CHECK_INT(u.output_tokens, 5);
    json_decref(a);
    CHECK_INT(parse(LLM_ANTHROPIC,
                    "{'content':[{'type':'tool_use','name':'submit_timetable',"
                    "'input':{}}],'stop_reason':'max_tokens','usage':{'input_tokens':7,"
                    "'output_tokens':8192}}", &a, &u, &err), YOGI_FAILED);
    CHECK_STR(err.name, "Llm.BadResponse");
    CHECK_INT(u.output_tokens, 8192); /* spent, so counted */
    CHECK_INT(parse(LLM_ANTHROPIC, "{'content':[{'type':'text','text':'no'}]}", &a, &u, &err),
              YOGI_FAILED);
    CHECK(strstr(err.cause, "no submit_timetable") != NULL);
    CHECK_INT(parse(LLM_ANTHROPIC, "<html>", &a, &u, &err), YOGI_FAILED);
    CHECK_STR(err.name, "Llm.BadResponse");
    CHECK_INT(parse(LLM_ANTHROPIC, "", &a, &u, &err), YOGI_FAILED);
    CHECK_INT(parse(LLM_ANTHROPIC, "[1,2]", &a, &u, &err), YOGI_FAILED);
}

static void test_parse_openai(void)
{
    json_t *a;
    llm_usage u;
    yogi_error err;
    CHECK_INT(parse(LLM_OPENAI,
                    "{\"choices\":[{\"message\":{\"content\":\"{\\\"entries\\\":[]}\"},"
                    "'finish_reason':'stop'}],'usage':{'prompt_tokens':3,'completion_tokens':4}}",
                    &a, &u, &err), YOGI_OK);
    CHECK(json_is_array(json_object_get(a, "entries")));
    CHECK_INT(u.input_tokens, 3);
    CHECK_INT(u.output_tokens, 4);
    json_decref(a);
    CHECK_INT(parse(LLM_OPENAI,
                    "{'choices':[{'message':{'content':"
                    "'```json\\n{\\\"entries\\\":[]}\\n```'}}]}",
                    &a, &u, &err), YOGI_OK);
    json_decref(a);
    CHECK_INT(parse(LLM_OPENAI, "{'choices':[{'message':{'content':'Sure!'}}]}", &a, &u, &err),
              YOGI_FAILED);
    CHECK(strstr(err.cause, "not JSON") != NULL);
    CHECK_INT(parse(LLM_OPENAI, "{\"choices\":[{\"message\":{\"content\":\"{\\\"a\\\":1\"},"
                                "'finish_reason':'length'}]}", &a, &u, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "cut off") != NULL);
    CHECK_INT(parse(LLM_OPENAI, "{'choices':[{'message':{'content':null,'refusal':'no'}}]}",
                    &a, &u, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "refused") != NULL);
    CHECK_INT(parse(LLM_OPENAI, "{'choices':[]}", &a, &u, &err), YOGI_FAILED);
    CHECK_INT(parse(LLM_OPENAI, "{'choices':[{'message':{'content':'[1]'}}]}", &a, &u, &err),
              YOGI_FAILED);
}

static void test_status_errors(void)
{
    yogi_error err;
    const char *body = dq("{'type':'error','error':{'type':'rate_limit_error','message':'slow'}}");
    llm_status_error(429, 7, body, strlen(body), &err);
    CHECK_STR(err.name, "Llm.RateLimited");
    CHECK(strstr(err.cause, "retry after 7 seconds") != NULL);
    CHECK(strstr(err.cause, "slow") != NULL);
    llm_status_error(529, -1, "", 0, &err);
    CHECK_STR(err.name, "Llm.RateLimited");
    llm_status_error(500, -1, "oops", 4, &err);
    CHECK_STR(err.name, "Llm.Unavailable");
    llm_status_error(503, -1, "", 0, &err);
    CHECK_STR(err.name, "Llm.Unavailable");
    llm_status_error(503, 30, "", 0, &err);
    CHECK_STR(err.name, "Llm.Unavailable");
    CHECK(strstr(err.cause, "retry after 30 seconds") != NULL);
    llm_status_error(401, -1, "", 0, &err);
    CHECK_STR(err.name, "Llm.NotConfigured");
    llm_status_error(404, -1, "{\"error\":\"model 'x' not found\"}", 31, &err);
    CHECK_STR(err.name, "Llm.NotConfigured");
    CHECK(strstr(err.cause, "not found") != NULL);
    llm_status_error(400, -1, "{\"error\":{\"message\":\"bad image\"}}", 33, &err);
    CHECK_STR(err.name, "Llm.Rejected");
    CHECK(strstr(err.cause, "bad image") != NULL);
    llm_status_error(302, -1, "", 0, &err);
    CHECK_STR(err.name, "Llm.NotConfigured");

    CHECK_INT(llm_parse_retry_after("7"), 7);
    CHECK_INT(llm_parse_retry_after(" 120 \r\n"), 120);
    CHECK_INT(llm_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* in the past */
    CHECK(llm_parse_retry_after("Fri, 31 Dec 2199 23:59:59 GMT") == 86400);
    CHECK_INT(llm_parse_retry_after("soon"), -1);
}

/* ---- checks ----------------------------------------------------------- */

static json_t *tt(const char *entries)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "{\"confidence\":0.5,\"title\":null,\"entries\":%s}", entries);
    json_t *t = json_loads(buf, 0, NULL);
    if (!t) test_fail_(__FILE__, __LINE__, "bad fixture %s", entries);
    return t;
}

static int schema_count(const char *entries)
{
    json_t *t = tt(dq(entries)), *p = json_array();
    int n = llm_schema_problems(t, p);
    CHECK_INT(json_array_size(p), n);
    json_decref(t);
    json_decref(p);
    return n;
}

static void test_schema_checks(void)
{
    CHECK_INT(schema_count("[{'day':'Monday','start':'09:00','end':'10:00','subject':'Art',"
                           "'kind':'lesson','room':'R1','class':null,'confidence':1}]"), 0);
    CHECK_INT(schema_count("[]"), 0);
    CHECK_INT(schema_count("[{'day':'Funday','start':'09:00','end':'10:00','subject':'A'}]"), 1);
    CHECK_INT(schema_count("[{'day':'monday','start':'09:00','end':'10:00','subject':'A'}]"), 1);
    CHECK_INT(schema_count("[{'day':'Monday','start':'9:00','end':'24:00','subject':'A'}]"), 2);
    CHECK_INT(schema_count("[{'day':'Monday','start':'09:60','end':'10:00','subject':''}]"), 2);
    CHECK_INT(schema_count("[{'day':'Monday','start':'09:00','end':'10:00','subject':'A',"
                           "'kind':'nap','room':12,'confidence':1.5}]"), 3);
    CHECK_INT(schema_count("[{'start':'09:00'}, 5]"), 4);
    json_t *p = json_array();
    json_t *bad = json_loads("{\"entries\":{}}", 0, NULL);
    CHECK_INT(llm_schema_problems(bad, p), 2); /* no confidence, entries not an array */
    json_decref(bad);
    bad = json_loads("[]", 0, NULL);
    CHECK_INT(llm_schema_problems(bad, p), 1);
    json_decref(bad);
    json_decref(p);
    CHECK_INT(llm_minutes("23:59"), 1439);
    CHECK_INT(llm_minutes("00:00"), 0);
    CHECK_INT(llm_minutes("7:00"), -1);
    CHECK_INT(llm_minutes(NULL), -1);
}

static void test_sense_checks(void)
{
    CHECK_INT(sense_count_of("Monday 09:00 10:00 A; Monday 10:00 11:00 B; "
                             "Tuesday 09:30 10:30 C"), 0);
    CHECK_INT(sense_count_of(""), 1);
    CHECK_INT(sense_count_of("Monday 03:00 04:00 A"), 1);
    CHECK_INT(sense_count_of("Monday 19:00 20:30 A"), 1);
    CHECK_INT(sense_count_of("Monday 10:00 10:00 A"), 1);
    CHECK_INT(sense_count_of("Monday 11:00 10:00 A"), 1);
    CHECK_INT(sense_count_of("Friday 09:00 10:30 A; Friday 10:00 11:00 B"), 1);
}

static json_t *ocr_of(const char *const *words)
{
    json_t *list = json_array();
    for (; *words; words++) json_array_append_new(list, json_pack("{s:s}", "text", *words));
    return json_pack("{s:[{s:o}]}", "pages", "words", list);
}

static void test_confidence(void)
{
    /* No day names among the words: placement has no evidence and drops
     * out here (it has tests of its own below). */
    static const char *const words[] = {"Week", "9:00", "10:00", "11.00", "Maths",
                                        "B", "R", "E", "A", "K", "1:15", NULL};
    json_t *ocr = ocr_of(words);
    json_t *good = week("Monday 09:00 10:00 Maths; Tuesday 10:00 11:00 Break; "
                        "Tuesday 11:00 13:15 maths");
    double c = llm_confidence(good, ocr, good);
    CHECK(c > 0.99);
    CHECK(llm_confidence(good, ocr, NULL) > 0.99); /* no draft: that part drops out */
    json_t *invented = week("Monday 09:00 10:00 Maths; Tuesday 14:00 15:00 Chess");
    double ci = llm_confidence(invented, ocr, good);
    CHECK(ci < 0.7);
    json_t *monday_only = week("Monday 09:00 10:00 Maths");
    CHECK(llm_confidence(monday_only, ocr, good) <= 0.5 + 1e-9); /* lost Tuesday */
    json_t *empty = tt("[]");
    CHECK(llm_confidence(empty, ocr, good) == 0.0);
    json_decref(ocr);
    json_decref(good);
    json_decref(invented);
    json_decref(monday_only);
    json_decref(empty);
}

/* ---- placement -------------------------------------------------------- */

static json_t *word(const char *text, int x, int y)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:i}", "text", text, "x", x, "y", y, "w", 80, "h", 20);
}

static json_t *page_of(json_t *words)
{
    return json_pack("{s:[{s:o}]}", "pages", "words", words);
}

static void test_placement_rows_columns_lists(void)
{
    /* Days as rows: headers down the left, lessons level with them. */
    json_t *rows = page_of(json_pack("[o,o,o,o,o]", word("Mon", 10, 100), word("Maths", 200, 100),
                                     word("Tue", 10, 200), word("Art", 200, 200),
                                     word("Thursday", 10, 300)));
    json_t *right = week("Monday 09:00 10:00 Maths; Tuesday 09:00 10:00 Art");
    json_t *swapped = week("Tuesday 09:00 10:00 Maths; Monday 09:00 10:00 Art");
    CHECK(llm_placement(right, rows) == 1.0);
    CHECK(llm_placement(swapped, rows) == 0.0);

    /* Days as columns: headers across the top. */
    json_t *cols = page_of(json_pack("[o,o,o,o]", word("MONDAY", 100, 10), word("TUESDAY", 400, 12),
                                     word("Maths", 110, 300), word("Art", 390, 300)));
    CHECK(llm_placement(right, cols) == 1.0);
    CHECK(llm_placement(swapped, cols) == 0.0);

    /* A list in two columns: Mon above Tue on the left, Wed on the right
     * standing higher than Tue. */
    json_t *list = page_of(json_pack("[o,o,o,o,o,o]", word("Mon", 10, 100), word("Maths", 40, 140),
                                     word("Tue", 10, 400), word("Art", 40, 440),
                                     word("Wed", 800, 120), word("Music", 830, 460)));
    json_t *three = week("Monday 09:00 10:00 Maths; Tuesday 09:00 10:00 Art; "
                         "Wednesday 09:00 10:00 Music");
    CHECK(llm_placement(three, list) == 1.0);
    CHECK(llm_placement(swapped, list) == 0.0);

    /* No evidence: one day header only, or no subject printed. */
    json_t *bare = page_of(json_pack("[o,o]", word("Mon", 10, 100), word("Maths", 200, 100)));
    CHECK(llm_placement(right, bare) < 0);
    json_t *ghost = week("Monday 09:00 10:00 Chess");
    CHECK(llm_placement(ghost, rows) < 0);
    json_decref(rows), json_decref(cols), json_decref(list), json_decref(bare);
    json_decref(right), json_decref(swapped), json_decref(three), json_decref(ghost);
}

static void test_placement_skips_periods_spanning_days(void)
{
    /* "Lunch" printed once, in Wednesday's row, for every day. */
    json_t *page = page_of(json_pack("[o,o,o,o,o,o]", word("Mon", 10, 100), word("Tue", 10, 200),
                                     word("Wed", 10, 300), word("Lunch", 300, 300),
                                     word("Maths", 200, 100), word("Art", 200, 200)));
    json_t *t = week("Monday 12:00 13:00 Lunch; Tuesday 12:00 13:00 Lunch; "
                     "Wednesday 12:00 13:00 Lunch; Monday 09:00 10:00 Maths; "
                     "Tuesday 09:00 10:00 Art");
    CHECK(llm_placement(t, page) == 1.0);
    json_decref(page);
    json_decref(t);
}

/* ---- tokens in the documents store (for /metrics) -------------------- */

/* A fresh store in the test's own directory, or NULL (the check failed). */
static store *test_store(yogi_error *err)
{
    memset(err, 0, sizeof *err);
    store_options o = {.path = "yogi.db"};
    store *s = store_open(&o, err);
    CHECK(s != NULL);
    return s;
}

static void test_documents_llm_usage(void)
{
    yogi_error err;
    store *s = test_store(&err);
    if (!s) return;
    CHECK_INT(documents_init(s, &err), 0);
    json_t *u = documents_llm_usage(s);
    CHECK_INT(json_integer_value(json_object_get(u, "documents")), 0);
    CHECK_INT(json_integer_value(json_object_get(u, "tokens")), 0);
    json_decref(u);
    char id[DOCUMENT_ID_MAX], path[4096];
    static const char *const bodies[] = {"first", "second", "third"};
    static const long tokens[] = {1801, 250, -1};
    for (int i = 0; i < 3; i++) {
        document_new doc = {bodies[i], strlen(bodies[i]), "t.png", NULL, NULL};
        CHECK_INT(documents_create(s, "data", &doc, id, path, sizeof path, &err), 0);
        if (tokens[i] < 0) continue; /* never reviewed by a model */
        json_t *f = json_pack("{s:I, s:f}", "llm_tokens", (json_int_t)tokens[i], "llm_cost",
                              tokens[i] / 1000.0);
        CHECK_INT(documents_update(s, id, f, &err), 0);
        json_decref(f);
    }
    u = documents_llm_usage(s);
    CHECK_INT(json_integer_value(json_object_get(u, "documents")), 2);
    CHECK_INT(json_integer_value(json_object_get(u, "tokens")), 2051);
    CHECK(fabs(json_number_value(json_object_get(u, "cost")) - 2.051) < 1e-9);
    json_decref(u);
    u = documents_get(s, id); /* the third: never reviewed */
    CHECK(json_is_null(json_object_get(u, "llm_cost")));
    json_decref(u);
    store_close(s);
}


/* ---- the answer against the draft (compare.c) ------------------------ */

static json_t *entry_at(json_t *tt, size_t i)
{
    return json_array_get(json_object_get(tt, "entries"), i);
}

static const char *field(json_t *e, const char *key)
{
    const char *v = json_string_value(json_object_get(e, key));
    return v ? v : "";
}

static void test_compare_provenance(void)
{
    /* The model: Maths agrees (spelled otherwise), Art replaces English,
     * Science moved by ten minutes, Music added on Wednesday. The draft also
     * has a Tuesday lesson the model left out, and one overlapping the
     * model's moved Science. */
    json_t *model = week("Monday 09:00 10:00 MATHS;Monday 10:00 11:00 Art;"
                         "Tuesday 09:10 10:00 Science;Wednesday 09:00 10:00 Music");
    json_t *draft = week("Monday 09:00 10:00 maths;Monday 10:00 11:00 English;"
                         "Tuesday 09:00 10:00 Science;Tuesday 13:00 14:00 History");
    llm_comparison c;
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    CHECK_INT((int)json_array_size(json_object_get(c.draft, "entries")), 5);
    json_t *e = entry_at(c.draft, 0);
    CHECK_STR(field(e, "source"), "both");
    CHECK(json_is_false(json_object_get(e, "disagree")));
    e = entry_at(c.draft, 1);
    CHECK_STR(field(e, "subject"), "Art");
    CHECK_STR(field(e, "source"), "model");
    CHECK(json_is_true(json_object_get(e, "disagree")));
    CHECK_STR(field(json_object_get(e, "extractor"), "subject"), "English");
    e = entry_at(c.draft, 2); /* overlapping, a different start: the same slot */
    CHECK_STR(field(e, "start"), "09:10");
    CHECK(json_is_true(json_object_get(e, "disagree")));
    e = entry_at(c.draft, 3); /* the extractor's alone, kept: it overlaps nothing */
    CHECK_STR(field(e, "subject"), "History");
    CHECK_STR(field(e, "source"), "extractor");
    e = entry_at(c.draft, 4);
    CHECK_STR(field(e, "subject"), "Music");
    CHECK_STR(field(e, "source"), "model");
    CHECK(json_is_false(json_object_get(e, "disagree")));
    CHECK_INT((int)c.agreed, 1);
    CHECK_INT((int)c.compared, 5);
    const char *kinds[] = {"subject", "time", "added", "removed"};
    CHECK_INT((int)json_array_size(c.changes), 4);
    for (size_t i = 0; i < 4; i++)
        CHECK_STR(field(json_array_get(c.changes, i), "change"), kinds[i]);
    /* The model's own timetable is untouched. */
    CHECK(json_object_get(entry_at(model, 0), "source") == NULL);
    json_decref(c.draft);
    json_decref(c.changes);
    json_decref(model);
    json_decref(draft);
}

static void test_compare_rooms_and_overlaps(void)
{
    json_t *model = week("Monday 09:00 11:00 Maths");
    json_t *draft = week("Monday 09:00 10:00 Maths;Monday 10:00 11:00 English");
    json_object_set_new(entry_at(model, 0), "room", json_string("B 12"));
    llm_comparison c;
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    /* English overlaps the model's double lesson: listed as removed, but
     * kept out of the draft, which would otherwise not make sense. */
    CHECK_INT((int)json_array_size(json_object_get(c.draft, "entries")), 1);
    CHECK_STR(field(json_array_get(c.changes, 0), "change"), "time");
    CHECK_STR(field(json_array_get(c.changes, 1), "change"), "removed");
    json_decref(c.draft);
    json_decref(c.changes);
    /* A room only one side read is no disagreement; two rooms that differ are. */
    json_decref(draft);
    draft = week("Monday 09:00 11:00 Maths");
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    CHECK_STR(field(entry_at(c.draft, 0), "source"), "both");
    json_decref(c.draft);
    json_decref(c.changes);
    json_object_set_new(entry_at(draft, 0), "room", json_string("b12"));
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    CHECK_STR(field(entry_at(c.draft, 0), "source"), "both");
    json_decref(c.draft);
    json_decref(c.changes);
    json_object_set_new(entry_at(draft, 0), "room", json_string("C3"));
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    CHECK_STR(field(json_array_get(c.changes, 0), "change"), "room");
    json_decref(c.draft);
    json_decref(c.changes);
    /* No draft at all: every entry the model's, every slot added. */
    CHECK_INT(llm_compare(model, NULL, &c), YOGI_OK);
    CHECK_STR(field(entry_at(c.draft, 0), "source"), "model");
    CHECK_INT((int)c.compared, 1);
    json_decref(c.draft);
    json_decref(c.changes);
    json_decref(model);
    json_decref(draft);
}

static void test_compare_junk(void)
{
    /* Entries that are not objects, times that are not times, entries that
     * are not an array: ignored or kept as they are, never a crash. */
    json_t *model = json_loads(dq("{'entries': [1, {'day': 'Monday'}, "
                                  "{'day': 'Monday', 'start': 'x', 'end': '25:99', 'subject': 'A'}]}"),
                               0, NULL);
    json_t *draft = json_loads(dq("{'entries': {'day': 'Monday'}}"), 0, NULL);
    llm_comparison c;
    CHECK_INT(llm_compare(model, draft, &c), YOGI_OK);
    CHECK_INT((int)json_array_size(json_object_get(c.draft, "entries")), 2);
    CHECK_INT((int)json_array_size(c.changes), 2); /* both "added": nothing to match */
    json_decref(c.draft);
    json_decref(c.changes);
    CHECK_INT(llm_compare(draft, model, &c), YOGI_OK); /* the other way round */
    CHECK_INT((int)json_array_size(json_object_get(c.draft, "entries")), 2);
    json_decref(c.draft);
    json_decref(c.changes);
    json_t *marked = llm_extractor_draft(model);
    CHECK(json_is_integer(json_array_get(json_object_get(marked, "entries"), 0)));
    json_decref(marked);
    json_decref(model);
    json_decref(draft);
}

static void test_extractor_draft_marked(void)
{
    json_t *draft = week("Monday 09:00 10:00 Maths;Tuesday 09:00 10:00 Art");
    json_t *marked = llm_extractor_draft(draft);
    CHECK_INT((int)json_array_size(json_object_get(marked, "entries")), 2);
    CHECK_STR(field(entry_at(marked, 1), "source"), "extractor");
    CHECK(json_is_false(json_object_get(entry_at(marked, 1), "disagree")));
    CHECK(fabs(json_number_value(json_object_get(marked, "confidence")) - 0.5) < 1e-9);
    CHECK(json_object_get(entry_at(draft, 1), "source") == NULL);
    json_decref(marked);
    marked = llm_extractor_draft(NULL); /* no draft: an empty one, not a crash */
    CHECK_INT((int)json_array_size(json_object_get(marked, "entries")), 0);
    json_decref(marked);
    json_decref(draft);
}

/* ---- the budget ------------------------------------------------------ */

static void test_budget_config_and_verdict(void)
{
    llm_config cfg;
    yogi_error err;
    static const char *const base[] = {"llm.provider", "openai", "llm.model", "m", NULL};
    setenv("OPENAI_API_KEY", "sk-openai-test", 1);
    CHECK_INT(load(base, &cfg, &err), YOGI_OK);
    CHECK(cfg.budget_tokens_per_day < 0 && cfg.budget_cost_per_day < 0);
    static const char *const nocost[] = {"llm.provider", "openai", "llm.model", "m",
                                         "llm.budget_cost_per_day", "2", NULL};
    CHECK_INT(load(nocost, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "llm.price_input_per_mtok") != NULL);
    static const char *const bad[] = {"llm.provider", "openai", "llm.model", "m",
                                      "llm.budget_tokens_per_day", "-5", NULL};
    CHECK_INT(load(bad, &cfg, &err), YOGI_FAILED);
    CHECK(strstr(err.cause, "llm.budget_tokens_per_day") != NULL);
    static const char *const both[] = {"llm.provider", "openai", "llm.model", "m",
                                       "llm.price_input_per_mtok", "3",
                                       "llm.budget_tokens_per_day", "1000",
                                       "llm.budget_cost_per_day", "0.5", NULL};
    CHECK_INT(load(both, &cfg, &err), YOGI_OK);
    char notice[300] = "";
    json_t *today = json_pack("{s:s, s:i, s:f}", "day", "2026-12-03", "tokens", 999, "cost", 0.4);
    CHECK(!llm_budget_spent(&cfg, today, notice, sizeof notice));
    json_object_set_new(today, "tokens", json_integer(1000));
    CHECK(llm_budget_spent(&cfg, today, notice, sizeof notice));
    CHECK(strstr(notice, "1000 of 1000 tokens") != NULL);
    json_object_set_new(today, "tokens", json_integer(10));
    json_object_set_new(today, "cost", json_real(0.5));
    CHECK(llm_budget_spent(&cfg, today, notice, sizeof notice));
    CHECK(strstr(notice, "cost 0.5000 of 0.5000") != NULL);
    json_decref(today);
}

/* ---- llm_spend and llm_changes in the store ------------------------- */

static void test_store_spend_and_changes(void)
{
    yogi_error err;
    store *s = test_store(&err);
    if (!s) return;
    CHECK_INT(llm_store_init(s, &err), 0);
    CHECK_INT(llm_store_init(s, &err), 0); /* idempotent */
    json_t *t = llm_store_today(s);
    CHECK_INT(json_integer_value(json_object_get(t, "tokens")), 0);
    CHECK(json_is_null(json_object_get(t, "budget_tokens")));
    CHECK_INT((int)strlen(json_string_value(json_object_get(t, "day"))), 10);
    json_decref(t);
    json_t *c = llm_store_changes_summary(s);
    CHECK_INT(json_integer_value(json_object_get(c, "entries")), 0);
    json_decref(c);
    CHECK(llm_store_document_changes(s, "nobody") == NULL);
    store_close(s);
}

/* ---- base64 and images ------------------------------------------------ */

static void test_base64_vectors(void)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *b = llm_base64((const unsigned char *)in[i], strlen(in[i]));
        CHECK_STR(b, out[i]);
        free(b);
    }
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    char *b = llm_base64(all, sizeof all);
    CHECK_INT(strlen(b), 344);
    CHECK(strncmp(b, "AAECAwQF", 8) == 0);
    CHECK(strcmp(b + 340, "/w==") == 0);
    free(b);
}

static int b64_value(char c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(a, c);
    return p && c ? (int)(p - a) : -1;
}

/* Width and height from the IHDR of a base64 PNG. */
static void png_dims(const char *b64, int *w, int *h)
{
    unsigned char raw[24];
    for (int i = 0, o = 0; o < 24; i += 4) {
        unsigned v = 0;
        for (int k = 0; k < 4; k++) v = v << 6 | (unsigned)b64_value(b64[i + k]);
        raw[o++] = (unsigned char)(v >> 16);
        raw[o++] = (unsigned char)(v >> 8);
        raw[o++] = (unsigned char)v;
    }
    CHECK(memcmp(raw, "\x89PNG\r\n\x1a\n", 8) == 0);
    *w = raw[16] << 24 | raw[17] << 16 | raw[18] << 8 | raw[19];
    *h = raw[20] << 24 | raw[21] << 16 | raw[22] << 8 | raw[23];
}

static void test_image_downscaled(void)
{
    PIX *pix = pixCreate(3000, 2000, 8);
    pixSetAllArbitrary(pix, 255);
    for (int y = 0; y < 2000; y += 40) pixRenderLine(pix, 0, y, 2999, y, 3, L_SET_PIXELS);
    pixWrite("page.png", pix, IFF_PNG);
    pixDestroy(&pix);
    char *b64 = NULL;
    yogi_error err;
    CHECK_INT(llm_image_base64("page.png", LLM_ANTHROPIC_MAX_SIDE, 4L << 20, &b64, &err), YOGI_OK);
    int w = 0, h = 0;
    png_dims(b64, &w, &h);
    CHECK_INT(w, 1568);
    CHECK(h >= 1044 && h <= 1046);
    free(b64);
    /* Noise does not compress: a byte budget far below its PNG's size
     * (about 1 MB) shrinks it below the side limit. */
    pix = pixCreate(1200, 900, 8);
    srand(7);
    for (int y = 0; y < 900; y++)
        for (int x = 0; x < 1200; x++) pixSetPixel(pix, x, y, (l_uint32)(rand() & 255));
    pixWrite("noise.png", pix, IFF_PNG);
    pixDestroy(&pix);
    CHECK_INT(llm_image_base64("noise.png", LLM_OPENAI_MAX_SIDE, 65536, &b64, &err), YOGI_OK);
    CHECK(strlen(b64) * 3 / 4 <= 65536);
    png_dims(b64, &w, &h);
    CHECK(w < 1200 && w > 64);
    CHECK(h < 900);
    free(b64);
}

static void test_image_bad_input(void)
{
    char *b64 = NULL;
    yogi_error err;
    FILE *f = fopen("junk.png", "wb");
    fputs("not an image at all", f);
    fclose(f);
    CHECK_INT(llm_image_base64("junk.png", 1568, 1 << 20, &b64, &err), YOGI_FAILED);
    CHECK_STR(err.name, "Llm.BadInput");
    CHECK_INT(llm_image_base64("missing.png", 1568, 1 << 20, &b64, &err), YOGI_FAILED);
    /* A PNG header claiming 100000 x 100000 pixels: refused before decoding. */
    static const unsigned char huge[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                         'I', 'H', 'D', 'R', 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0,
                                         8, 0, 0, 0, 0, 0x2f, 0x5d, 0x18, 0x7c};
    f = fopen("huge.png", "wb");
    fwrite(huge, 1, sizeof huge, f);
    fclose(f);
    CHECK_INT(llm_image_base64("huge.png", 1568, 1 << 20, &b64, &err), YOGI_FAILED);
    CHECK_STR(err.name, "Llm.BadInput");
    CHECK(strstr(err.cause, "too large") != NULL || strstr(err.cause, "not a readable") != NULL);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_config_requires_provider_model_and_key),
        TEST(test_config_key_sources),
        TEST(test_config_http_only_to_loopback),
        TEST(test_redact),
        TEST(test_endpoints),
        TEST(test_answer_schema_is_strict),
        TEST(test_request_anthropic),
        TEST(test_request_openai),
        TEST(test_prompt_text_bounded_and_clean),
        TEST(test_parse_anthropic),
        TEST(test_parse_openai),
        TEST(test_status_errors),
        TEST(test_schema_checks),
        TEST(test_sense_checks),
        TEST(test_confidence),
        TEST(test_placement_rows_columns_lists),
        TEST(test_placement_skips_periods_spanning_days),
        TEST(test_documents_llm_usage),
        TEST(test_compare_provenance),
        TEST(test_compare_rooms_and_overlaps),
        TEST(test_compare_junk),
        TEST(test_extractor_draft_marked),
        TEST(test_budget_config_and_verdict),
        TEST(test_store_spend_and_changes),
        TEST(test_base64_vectors),
        TEST(test_image_downscaled),
        TEST(test_image_bad_input),
        {0},
    };
    return test_main(argc, argv, tests);
}
