/*
 * ocr.c — words with boxes and confidences, by tesseract (plugin:ocr).
 *
 * Input {"pages": [{"page", "path", "width", "height", "dpi"}...]} (the
 * preprocess plugin's output); output the WORDS FORMAT of docs/pipeline.md:
 *   {"source": "ocr", "pages": [{"page", "width", "height", "dpi", "image",
 *     "words": [{"text", "x", "y", "w", "h", "conf", "block", "par", "line"}]}]}
 * Boxes are in pixels of "image"; conf is tesseract's 0-100; block, par and
 * line number tesseract's layout elements in reading order, from 1.
 *
 * This is the only file in Yogi that knows tesseract. One TessBaseAPI per
 * worker, initialised in init (LSTM engine, ocr.lang, default "eng") and
 * reused for every task: loading the model costs far more than a page.
 *
 * Threads: tesseract parallelises with OpenMP, which on a shared machine
 * makes it several times slower (threads spin while others hold the cores);
 * each worker is one process with one thread and the pool gives parallelism.
 * libgomp reads OMP_THREAD_LIMIT once, when it is loaded — which happens
 * when libtesseract is loaded. So this plugin does not link libtesseract:
 * init sets OMP_THREAD_LIMIT=1 (unless the operator set it) and only then
 * dlopens the library and resolves the C API (tesseract/capi.h) by name.
 *
 * Page segmentation mode: ocr.psm, default 11 (sparse text). Timetables are
 * grids of short, scattered cells; on the development set psm 11 finds more
 * of them than 6 (one uniform block) or 3 (automatic), and is no slower
 * (docs/pipeline.md has the figures).
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "yogi/plugin.h"

#ifndef TESSERACT_SONAME
#define TESSERACT_SONAME "libtesseract.so.5"
#endif
#define DEFAULT_PSM 11
#define MAX_WORDS_PER_PAGE 20000 /* a page of noise must not become megabytes of JSON */

/* The part of tesseract's C API this plugin uses, resolved at init. */
#define TESS_FUNCTIONS(X)                                                             \
    X(TessBaseAPICreate) X(TessBaseAPIDelete) X(TessBaseAPIInit2) X(TessBaseAPIEnd)  \
    X(TessBaseAPISetPageSegMode) X(TessBaseAPISetVariable) X(TessBaseAPISetImage2)    \
    X(TessBaseAPISetSourceResolution) X(TessBaseAPIRecognize) X(TessBaseAPIClear)     \
    X(TessBaseAPIGetIterator) X(TessResultIteratorGetPageIterator)                    \
    X(TessPageIteratorIsAtBeginningOf) X(TessPageIteratorBoundingBox)                 \
    X(TessResultIteratorGetUTF8Text) X(TessResultIteratorConfidence)                  \
    X(TessResultIteratorNext) X(TessResultIteratorDelete) X(TessDeleteText) X(TessVersion)

typedef struct tess_api {
#define DECLARE(f) __typeof__(f) *f;
    TESS_FUNCTIONS(DECLARE)
#undef DECLARE
} tess_api;

typedef struct ocr_state {
    const yogi_host *host;
    void *lib;
    tess_api t;
    TessBaseAPI *api;
} ocr_state;

static const char *config_str(const yogi_host *host, const char *key, const char *fallback)
{
    const char *v = host && host->config ? host->config(key) : NULL;
    return v && *v ? v : fallback;
}

static int load_tesseract(ocr_state *st, yogi_error *err)
{
    if (dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD) && st->host && st->host->log)
        st->host->log(YOGI_LOG_WARN, "libgomp was loaded before the OCR plugin; "
                                     "OMP_THREAD_LIMIT=1 may not take effect");
    setenv("OMP_THREAD_LIMIT", "1", 0);
    st->lib = dlopen(TESSERACT_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!st->lib)
        return yogi_fail(err, "OCR.Unavailable", "cannot load %s: %s", TESSERACT_SONAME,
                         dlerror());
#define RESOLVE(f)                                                                     \
    st->t.f = (__typeof__(f) *)dlsym(st->lib, #f);                                      \
    if (!st->t.f) return yogi_fail(err, "OCR.Unavailable", "%s lacks %s", TESSERACT_SONAME, #f);
    TESS_FUNCTIONS(RESOLVE)
#undef RESOLVE
    return YOGI_OK;
}

static int parse_psm(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    return errno || *end || n < 0 || n > 13 ? DEFAULT_PSM : (int)n;
}

static void ocr_destroy(void *state)
{
    ocr_state *st = state;
    if (!st) return;
    if (st->api) {
        st->t.TessBaseAPIEnd(st->api);
        st->t.TessBaseAPIDelete(st->api);
    }
    /* The library stays loaded: tesseract and OpenMP keep static state. */
    free(st);
}

static int ocr_init(const yogi_host *host, void **state, yogi_error *err)
{
    ocr_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "States.Runtime", "out of memory");
    st->host = host;
    if (load_tesseract(st, err) != YOGI_OK) goto out_fail;
    setMsgSeverity(L_SEVERITY_NONE);
    st->api = st->t.TessBaseAPICreate();
    const char *datapath = config_str(host, "ocr.tessdata", NULL);
    const char *lang = config_str(host, "ocr.lang", "eng");
    if (!st->api || st->t.TessBaseAPIInit2(st->api, datapath, lang, OEM_LSTM_ONLY) != 0) {
        yogi_fail(err, "OCR.Unavailable", "tesseract %s could not load language \"%s\"%s%s",
                  st->t.TessVersion(), lang, datapath ? " from " : "", datapath ? datapath : "");
        goto out_fail;
    }
    int psm = parse_psm(config_str(host, "ocr.psm", "11"));
    st->t.TessBaseAPISetPageSegMode(st->api, (TessPageSegMode)psm);
    /* tesseract's diagnostics ("Estimating resolution...") are not ours to print. */
    st->t.TessBaseAPISetVariable(st->api, "debug_file", "/dev/null");
    *state = st;
    return YOGI_OK;
out_fail:
    ocr_destroy(st);
    return YOGI_FAILED;
}

/* Layout counters: each element's number within the page, from 1. */
typedef struct layout_ids {
    int block, par, line;
} layout_ids;

static void advance_layout(const ocr_state *st, const TessPageIterator *pit, layout_ids *ids)
{
    if (st->t.TessPageIteratorIsAtBeginningOf(pit, RIL_BLOCK)) ids->block++;
    if (st->t.TessPageIteratorIsAtBeginningOf(pit, RIL_PARA)) ids->par++;
    if (st->t.TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE)) ids->line++;
}

static json_t *collect_words(const ocr_state *st)
{
    json_t *words = json_array();
    TessResultIterator *it = st->t.TessBaseAPIGetIterator(st->api);
    if (!it) return words; /* an empty page */
    TessPageIterator *pit = st->t.TessResultIteratorGetPageIterator(it);
    layout_ids ids = {0, 0, 0};
    do {
        advance_layout(st, pit, &ids);
        int left, top, right, bottom;
        char *text = st->t.TessResultIteratorGetUTF8Text(it, RIL_WORD);
        bool has_box = st->t.TessPageIteratorBoundingBox(pit, RIL_WORD, &left, &top, &right,
                                                         &bottom);
        if (text && text[0] && has_box && json_array_size(words) < MAX_WORDS_PER_PAGE) {
            double conf = st->t.TessResultIteratorConfidence(it, RIL_WORD);
            json_array_append_new(
                words, json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i}", "text", text,
                                 "x", left, "y", top, "w", right - left, "h", bottom - top,
                                 "conf", round(conf * 10) / 10, "block", ids.block, "par",
                                 ids.par, "line", ids.line));
        }
        if (text) st->t.TessDeleteText(text);
    } while (st->t.TessResultIteratorNext(it, RIL_WORD));
    st->t.TessResultIteratorDelete(it);
    return words;
}

static json_t *read_page(ocr_state *st, const json_t *page, yogi_error *err)
{
    const char *path = json_string_value(json_object_get(page, "path"));
    if (!path) {
        yogi_fail(err, "States.Runtime", "each page needs a \"path\"");
        return NULL;
    }
    PIX *pix = pixRead(path);
    if (!pix) {
        yogi_fail(err, "Document.Corrupt", "%s cannot be read", path);
        return NULL;
    }
    json_int_t dpi = json_integer_value(json_object_get(page, "dpi"));
    st->t.TessBaseAPISetImage2(st->api, pix);
    st->t.TessBaseAPISetSourceResolution(st->api, dpi >= 70 && dpi <= 2400 ? (int)dpi : 300);
    json_t *out = NULL;
    if (st->t.TessBaseAPIRecognize(st->api, NULL) != 0) {
        yogi_fail(err, "OCR.Failed", "tesseract could not read %s", path);
    } else {
        json_int_t number = json_integer_value(json_object_get(page, "page"));
        out = json_pack("{s:I, s:i, s:i, s:I, s:s, s:o}", "page", number ? number : 1, "width",
                        pixGetWidth(pix), "height", pixGetHeight(pix), "dpi", dpi, "image",
                        path, "words", collect_words(st));
    }
    st->t.TessBaseAPIClear(st->api); /* keeps the model, drops the page */
    pixDestroy(&pix);
    return out;
}

static int ocr_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                      yogi_error *err)
{
    ocr_state *st = state;
    json_t *pages = json_object_get(input, "pages");
    if (!json_is_array(pages) || json_array_size(pages) == 0)
        return yogi_fail(err, "States.Runtime", "input needs \"pages\", a non-empty array");
    json_t *out_pages = json_array();
    size_t i;
    json_t *page;
    json_array_foreach(pages, i, page) {
        json_t *read = read_page(st, page, err);
        if (!read) {
            json_decref(out_pages);
            return YOGI_FAILED;
        }
        json_array_append_new(out_pages, read);
        if (st->host && st->host->heartbeat) st->host->heartbeat();
    }
    *output = json_pack("{s:s, s:o}", "source", "ocr", "pages", out_pages);
    return YOGI_OK;
}

YOGI_PLUGIN(ocr, ocr_init, ocr_invoke, ocr_destroy)
