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
 * Text turned on its side (a label written up a merged column, a header
 * turned to fit a narrow column) is read by a second, smaller pass: the
 * ink the first pass did not read confidently is closed along y, and tall
 * narrow blobs are cut out, turned upright (90 degrees clockwise: text
 * running bottom to top, as word processors write it), stacked on one
 * canvas and read in one go. Each line read becomes one word with
 * "vertical": true, its box on the page; the doubtful scraps the first
 * pass made of it are dropped. Pages without such blobs cost nothing more.
 * Glyphs standing alone (a day letter, letters spelled one per line) are
 * read one character each; light text on dark fills (white day letters on
 * a navy header), which sparse reading drops when short, is cut out of the
 * inverted page and read word by word. Both passes add words only where no
 * sure word was read.
 *
 * Page segmentation mode: ocr.psm, default 11 (sparse text). Timetables are
 * grids of short, scattered cells; on the development set psm 11 finds more
 * of them than 6 (one uniform block) or 3 (automatic), and is no slower
 * (docs/pipeline.md has the figures).
 */
#include <ctype.h>
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
    int psm;
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
    st->psm = parse_psm(config_str(host, "ocr.psm", "11"));
    st->t.TessBaseAPISetPageSegMode(st->api, (TessPageSegMode)st->psm);
    /* tesseract's diagnostics ("Estimating resolution...") are not ours to print. */
    st->t.TessBaseAPISetVariable(st->api, "debug_file", "/dev/null");
    *state = st;
    return YOGI_OK;
out_fail:
    ocr_destroy(st);
    return YOGI_FAILED;
}

/* ---- second readings of doubtful numbers ---------------------------- */

#define MAX_REREAD 40 /* doubtful words read again per page */
#define SHORT_WORD_SURE 97.0 /* short words surer than this are not read again */
/* A word of the WORDS FORMAT: its box and confidence. */
typedef struct word_box {
    int x, y, w, h;
    double conf;
} word_box;

static word_box box_of(const json_t *word)
{
    return (word_box){(int)json_integer_value(json_object_get(word, "x")),
                      (int)json_integer_value(json_object_get(word, "y")),
                      (int)json_integer_value(json_object_get(word, "w")),
                      (int)json_integer_value(json_object_get(word, "h")),
                      json_real_value(json_object_get(word, "conf"))};
}


/* The text and mean confidence of what the API just recognised, as one
 * line; -1 when nothing was read. */
static double read_line(const ocr_state *st, char *out, size_t size)
{
    out[0] = '\0';
    TessResultIterator *it = st->t.TessBaseAPIGetIterator(st->api);
    if (!it)
        return -1.0;
    double sum = 0.0;
    int n = 0;
    size_t len = 0;
    do {
        char *text = st->t.TessResultIteratorGetUTF8Text(it, RIL_WORD);
        if (text && text[0]) {
            size_t tl = strlen(text);
            if (len + tl + 2 < size) {
                if (len)
                    out[len++] = ' ';
                memcpy(out + len, text, tl + 1);
                len += tl;
            }
            sum += st->t.TessResultIteratorConfidence(it, RIL_WORD);
            n++;
        }
        if (text) st->t.TessDeleteText(text);
    } while (st->t.TessResultIteratorNext(it, RIL_WORD));
    st->t.TessResultIteratorDelete(it);
    return n ? sum / n : -1.0;
}

/* A cell's rule caught beside a word reads as a bracket or a bar. */
static void trim_rule_marks(char *s)
{
    size_t n = strlen(s), a = 0;
    while (n > 0 && strchr("[]|{}()", s[n - 1]))
        s[--n] = '\0';
    while (a < n && strchr("[]|{}()", s[a]))
        a++;
    memmove(s, s + a, n - a + 1);
}

/* One reading of a word's crop enlarged scale times, in the page
 * segmentation mode already set; the reading's mean confidence, or -1. */
static double read_scaled(ocr_state *st, PIX *crop, int dpi, int scale, char *out, size_t size)
{
    out[0] = '\0';
    PIX *img = scale == 1 ? pixClone(crop) : pixScale(crop, (float)scale, (float)scale);
    if (!img)
        return -1.0;
    st->t.TessBaseAPISetImage2(st->api, img);
    st->t.TessBaseAPISetSourceResolution(st->api, dpi * scale);
    double c = st->t.TessBaseAPIRecognize(st->api, NULL) == 0 ? read_line(st, out, size) : -1.0;
    st->t.TessBaseAPIClear(st->api);
    pixDestroy(&img);
    trim_rule_marks(out);
    return c;
}

/* One word's crop read as a single line at its own size and, when that
 * differs from the first pass, at twice: tesseract's reading of a tight
 * "11" changes with scale. The surer reading goes to best; returns
 * whether the readings agreed with text. */
static bool read_twice(ocr_state *st, PIX *crop, int dpi, const char *text, char *best,
                       size_t size, double *best_conf)
{
    bool agreed = true;
    char again[256];
    *best_conf = -1.0;
    best[0] = '\0';
    for (int scale = 1; scale <= 2; scale++) {
        double c = read_scaled(st, crop, dpi, scale, again, sizeof again);
        agreed = agreed && c >= 0 && strcmp(again, text) == 0;
        if (c > *best_conf && again[0] && !strchr(again, ' ') && strlen(again) < size) {
            *best_conf = c;
            memcpy(best, again, strlen(again) + 1);
        }
        if (agreed)
            break; /* two readings agree: no need of a third */
    }
    return agreed;
}

/* A word of two or three letters ("PE", "RE", "DT"): one glyph misread
 * makes another real subject, which no structural check can see, and
 * tesseract's first pass is as sure of "RE" as of a right word (90 and
 * more on a clean page). Read again alone, as one word at twice its size
 * (read as a line at its own size, tesseract repeats its misread). */
static bool short_word(const char *t)
{
    size_t n = strlen(t);
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)t[i]))
            return false;
    return true;
}

/* A short word read again as one word at twice its size: whether that
 * reading's letters agree; its letters and confidence into best. Only
 * another word of as many letters disagrees ("PE" and "RE": one glyph
 * read two ways); a reading longer or shorter has taken in a neighbour's
 * stroke or lost a letter to the crop's edge, which says nothing of the
 * word. */
static bool read_short_word(ocr_state *st, PIX *crop, int dpi, const char *text, char *best,
                            size_t size, double *best_conf)
{
    st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_WORD);
    *best_conf = read_scaled(st, crop, dpi, 2, best, size);
    st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_LINE);
    size_t n = 0;
    for (const char *c = best; *c; c++)
        if (isalnum((unsigned char)*c))
            best[n++] = *c;
    best[n] = '\0';
    return *best_conf < 0 || strlen(best) != strlen(text) || strcmp(best, text) == 0;
}

/* A digit, then ':' or '.', then a digit: a clock, perhaps misread. */
static bool clock_like(const char *t)
{
    for (; t[0] && t[1] && t[2]; t++)
        if (isdigit((unsigned char)t[0]) && (t[1] == ':' || t[1] == '.') &&
            isdigit((unsigned char)t[2]))
            return true;
    return false;
}

/* Times and numbers the first pass doubts ("1:20-1:35" at 0 for
 * "11:20-11:35") and words of two or three letters not read for certain
 * (short_word) are read again alone, a little wider than their box
 * (which may cut a digit off); a reading surer by ten points wins. Each
 * such word records "reread" and whether the readings "agreed", for the
 * timetable's confidence. */
static void reread_doubtful(ocr_state *st, PIX *pix, json_t *words, int dpi)
{
    PIX *gray = pixConvertTo8(pix, 0);
    int done = 0, W = (int)pixGetWidth(pix), H = (int)pixGetHeight(pix);
    size_t i;
    json_t *w;
    st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_LINE);
    json_array_foreach(words, i, w) {
        const char *text = json_string_value(json_object_get(w, "text"));
        double conf = json_real_value(json_object_get(w, "conf"));
        bool time_doubt = text && conf < 60.0 && clock_like(text);
        bool short_doubt = text && conf < SHORT_WORD_SURE && short_word(text);
        if (!gray || done >= MAX_REREAD || !(time_doubt || short_doubt))
            continue;
        word_box b0 = box_of(w);
        int x = b0.x, y = b0.y, ww = b0.w, wh = b0.h;
        int px = wh / 2, py = wh / 4;
        int x0 = x > px ? x - px : 0, y0 = y > py ? y - py : 0;
        int x1 = x + ww + px < W ? x + ww + px : W, y1 = y + wh + py < H ? y + wh + py : H;
        BOX *b = boxCreate(x0, y0, x1 - x0, y1 - y0);
        PIX *crop = b ? pixClipRectangle(gray, b, NULL) : NULL;
        boxDestroy(&b);
        if (!crop)
            continue;
        done++;
        char best[96];
        double best_conf;
        bool agreed = time_doubt ? read_twice(st, crop, dpi, text, best, sizeof best, &best_conf)
                                 : read_short_word(st, crop, dpi, text, best, sizeof best, &best_conf);
        pixDestroy(&crop);
        json_object_set_new(w, "reread", json_true());
        json_object_set_new(w, "agreed", json_boolean(agreed));
        if (best_conf > conf + 10.0) {
            json_object_set_new(w, "text", json_string(best));
            json_object_set_new(w, "conf", json_real(round(best_conf * 10) / 10));
        }
    }
    st->t.TessBaseAPISetPageSegMode(st->api, (TessPageSegMode)st->psm);
    pixDestroy(&gray);
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

#define MAX_TURNED 48 /* blobs of turned text read per page */

typedef struct turned {
    int x, y, w, h; /* the blob on the page */
    int canvas_y;   /* where its upright copy sits on the canvas */
} turned;

/* Median height of the words read confidently: the page's text size. */
static int confident_height(const json_t *words)
{
    int hs[512], n = 0;
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        if (n < 512 && json_real_value(json_object_get(w, "conf")) >= 80.0)
            hs[n++] = (int)json_integer_value(json_object_get(w, "h"));
    }
    for (int a = 1; a < n; a++) /* insertion sort: a page's words at most */
        for (int b = a; b > 0 && hs[b - 1] > hs[b]; b--) {
            int t = hs[b];
            hs[b] = hs[b - 1], hs[b - 1] = t;
        }
    return n >= 3 ? hs[n / 2] : 0;
}

/* Dark ink that the first pass did not read well, without ruling lines. */
static PIX *unread_ink(PIX *pix, const json_t *words, int th)
{
    PIX *gray = pixConvertTo8(pix, 0);
    PIX *norm = gray ? pixBackgroundNormSimple(gray, NULL, NULL) : NULL;
    PIX *bin = pixThresholdToBinary(norm ? norm : gray, 160);
    pixDestroy(&norm);
    pixDestroy(&gray);
    if (!bin)
        return NULL;
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        if (json_real_value(json_object_get(w, "conf")) < 60.0)
            continue;
        word_box wb = box_of(w);
        BOX *b = boxCreate(wb.x, wb.y, wb.w, wb.h);
        if (b)
            pixClearInRect(bin, b);
        boxDestroy(&b);
    }
    /* Rules: strokes three text heights long. Composite bricks (two
     * factors, e.g. 9 x 10 for 90) cost about 20 rasterops instead of 90:
     * with plain bricks this opening was a tenth of the worker's time. */
    for (int k = 0; k < 2; k++) {
        PIX *line = k ? pixOpenCompBrick(NULL, bin, 1, 3 * th)
                      : pixOpenCompBrick(NULL, bin, 3 * th, 1);
        if (line)
            pixSubtract(bin, bin, line);
        pixDestroy(&line);
    }
    return bin;
}

/* Tall narrow blobs of unread ink: lines of text turned on their side. */
#define MAX_LONE 48 /* lone letters read per page (a day column spelled M/O/N... is 15) */

/* A tall blob that is upright letters one per line (M over O over N, a day
 * spelled down its row label), not a line of turned text: its rows of ink
 * (part, the blob's pixels) fall into bands a text height tall with blank
 * rows between them, a fifth of a text height or more (turned text's
 * letters nearly touch). Read by rows, not by connected pieces, so that a
 * blurred letter broken in two is still one band. Each band then goes to
 * lone[]. */
static bool stacked_letters(PIX *part, int x, int y, int th, turned *lone, int *nlone)
{
    NUMA *rows = part ? pixCountPixelsByRow(part, NULL) : NULL;
    int h = rows ? numaGetCount(rows) : 0, w = part ? (int)pixGetWidth(part) : 0;
    int band0[16], band1[16], nb = 0, start = -1;
    bool ok = h > 0;
    for (int r = 0; ok && r <= h; r++) {
        l_int32 v = 0;
        if (r < h)
            numaGetIValue(rows, r, &v);
        if (v > 0 && start < 0) {
            ok = nb == 0 || r - band1[nb - 1] >= th / 5;
            start = r;
        } else if (v == 0 && start >= 0) {
            /* A sliver a quarter of a text height tall above or below the
             * letters is what is left of a rule, not a letter. */
            bool sliver = (r - start) * 4 < th && (nb == 0 || r == h);
            ok = sliver || (nb < 16 && (r - start) * 10 >= th * 5 && (r - start) * 10 <= th * 16);
            if (ok && !sliver)
                band0[nb] = start, band1[nb++] = r;
            start = -1;
        }
    }
    numaDestroy(&rows);
    if (!ok || nb < 2)
        return false;
    for (int k = 0; k < nb && *nlone < MAX_LONE; k++)
        lone[(*nlone)++] = (turned){x, y + band0[k], w, band1[k] - band0[k], 0};
    return true;
}

static bool glyph_sized(const BOX *a, int th)
{
    return a->h * 10 >= th * 6 && a->h * 10 <= th * 16 && a->w * 5 >= th && a->w * 10 <= th * 20;
}

/* Whether glyph a stands alone on its line among pieces cc: no other piece
 * a third of a text height tall beside it within half a text height (a
 * letter of a word has neighbours). */
static bool alone_on_line(const BOXA *cc, int k, int th)
{
    const BOX *a = cc->box[k];
    for (int j = 0; j < cc->n; j++) {
        const BOX *b = cc->box[j];
        int gap = b->x > a->x ? b->x - (a->x + a->w) : a->x - (b->x + b->w);
        if (j != k && b->h * 3 >= th && b->y < a->y + a->h && a->y < b->y + b->h && gap <= th / 2)
            return false;
    }
    return true;
}

/* Glyphs spelled one per line inside a tangle (a scan's broken rules
 * closed up with the letters beside them): a glyph-sized piece alone on its
 * line with another such piece right above or below it goes to lone[]. */
static void isolated_glyphs(PIX *ink, int x, int y, int w, int h, int th, turned *lone,
                            int *nlone)
{
    BOX *bb = boxCreate(x, y, w, h);
    PIX *part = bb ? pixClipRectangle(ink, bb, NULL) : NULL;
    BOXA *cc = part ? pixConnComp(part, NULL, 8) : NULL;
    int m = cc ? boxaGetCount(cc) : 0;
    bool *ok = m ? calloc((size_t)m, sizeof *ok) : NULL;
    for (int k = 0; ok && k < m; k++)
        ok[k] = glyph_sized(cc->box[k], th) && alone_on_line(cc, k, th);
    for (int k = 0; ok && k < m && *nlone < MAX_LONE; k++) {
        const BOX *a = cc->box[k];
        bool stacked = false;
        for (int j = 0; ok[k] && j < m && !stacked; j++) {
            const BOX *b = cc->box[j];
            int gap = b->y > a->y ? b->y - (a->y + a->h) : a->y - (b->y + b->h);
            stacked = j != k && ok[j] && b->x < a->x + a->w && a->x < b->x + b->w && gap >= 0 &&
                      gap < th * 3 / 2;
        }
        if (stacked)
            lone[(*nlone)++] = (turned){x + a->x, y + a->y, a->w, a->h, 0};
    }
    free(ok);
    boxaDestroy(&cc);
    pixDestroy(&part);
    boxDestroy(&bb);
}

/* Rule pieces the opening left (a broken or thin rule, a short segment
 * between two cells of a day column): long, under a sixth of a text
 * height thick. Closed up with the letters beside them, they make one
 * blob of a column of stacked day letters and the grid around it. */
static void drop_rule_pieces(PIX *ink, int th)
{
    PIXA *pixa = NULL;
    BOXA *cc = pixConnComp(ink, &pixa, 8);
    for (int k = 0; cc && pixa && k < boxaGetCount(cc); k++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(cc, k, &x, &y, &w, &h);
        bool longish = w >= 2 * th || h >= 2 * th;
        bool thin = (w < h ? w : h) * 6 < th;
        if (!longish || !thin)
            continue;
        PIX *piece = pixaGetPix(pixa, k, L_CLONE);
        if (piece)
            pixRasterop(ink, x, y, w, h, PIX_SUBTRACT, piece, 0, 0);
        pixDestroy(&piece);
    }
    boxaDestroy(&cc);
    pixaDestroy(&pixa);
}

/* Tall narrow blobs of unread ink: lines of text turned on their side;
 * and (into lone, *nlone) glyph-sized blobs standing alone: a single
 * letter ("M", "W", "F" of a day column) that sparse-text reading drops. */
static int find_turned(PIX *pix, const json_t *words, int th, turned *out, turned *lone,
                       int *nlone)
{
    PIX *ink = unread_ink(pix, words, th);
    if (ink)
        drop_rule_pieces(ink, th);
    PIX *closed = ink ? pixCloseCompBrick(NULL, ink, th / 3 > 1 ? th / 3 : 1, th) : NULL;
    BOXA *boxa = closed ? pixConnComp(closed, NULL, 8) : NULL;
    int n = 0, W = (int)pixGetWidth(pix), H = (int)pixGetHeight(pix);
    *nlone = 0;
    for (int k = 0; boxa && k < boxaGetCount(boxa) && n < MAX_TURNED; k++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(boxa, k, &x, &y, &w, &h);
        /* Glyphs from a narrow I to a bold W. */
        bool glyph = h * 10 >= th * 6 && h * 10 <= th * 16 && w * 5 >= th && w * 10 <= th * 20;
        if (!glyph && (h * 5 < th * 6 || h * 5 < w * 6 || w < th / 2 || w > 5 * th)) {
            if (w > 2 * th && h > 2 * th)
                isolated_glyphs(ink, x, y, w, h, th, lone, nlone);
            continue;
        }
        BOX *bb = boxCreate(x, y, w, h);
        l_int32 on = 0, glyphs = 0;
        bool stacked = false;
        PIX *part = bb ? pixClipRectangle(ink, bb, NULL) : NULL;
        if (part) {
            pixCountPixels(part, &on, NULL);
            BOXA *cc = pixConnComp(part, NULL, 8);
            glyphs = cc ? boxaGetCount(cc) : 0;
            stacked = !glyph && w * 10 <= th * 20 && stacked_letters(part, x, y, th, lone, nlone);
            boxaDestroy(&cc);
        }
        pixDestroy(&part);
        boxDestroy(&bb);
        if (stacked)
            continue;
        /* Text is a quarter ink or more; a photo's grain and shadows, closed
         * up, are a few percent. */
        if (glyph) {
            if (on * 10 >= (l_int32)w * h && glyphs <= 2 && *nlone < MAX_LONE)
                lone[(*nlone)++] = (turned){x, y, w, h, 0};
            continue;
        }
        if (on * 10 < (l_int32)w * h || glyphs < 2)
            continue;
        int pad = th / 3;
        x = x > pad ? x - pad : 0, y = y > pad ? y - pad : 0;
        w = x + w + 2 * pad < W ? w + 2 * pad : W - x;
        h = y + h + 2 * pad < H ? h + 2 * pad : H - y;
        out[n++] = (turned){x, y, w, h, 0};
    }
    boxaDestroy(&boxa);
    pixDestroy(&closed);
    pixDestroy(&ink);
    return n;
}

/* The blobs turned upright, one under another on a white canvas. */
static PIX *turned_canvas(PIX *pix, turned *t, int n, int gap)
{
    int cw = 0, ch = gap;
    for (int k = 0; k < n; k++) {
        if (t[k].h + 2 * gap > cw) cw = t[k].h + 2 * gap;
        t[k].canvas_y = ch;
        ch += t[k].w + gap;
    }
    PIX *canvas = pixCreate(cw, ch, 8);
    if (!canvas)
        return NULL;
    pixSetAll(canvas);
    PIX *gray = pixConvertTo8(pix, 0);
    for (int k = 0; gray && k < n; k++) {
        BOX *b = boxCreate(t[k].x, t[k].y, t[k].w, t[k].h);
        PIX *crop = b ? pixClipRectangle(gray, b, NULL) : NULL;
        PIX *up = crop ? pixRotateOrth(crop, 1) : NULL;
        if (up)
            pixRasterop(canvas, gap, t[k].canvas_y, t[k].h, t[k].w, PIX_SRC, up, 0, 0);
        pixDestroy(&up);
        pixDestroy(&crop);
        boxDestroy(&b);
    }
    pixDestroy(&gray);
    return canvas;
}

/* One line read on the canvas, gathered word by word. */
typedef struct turned_line {
    int blob;
    int l, t, r, b; /* on the canvas */
    double conf_sum;
    int words;
    char text[256];
} turned_line;

/* Rules and smudges read on their side come back as "|", "ae", "lwo":
 * a line is kept when it is mostly letters and digits and read surely
 * (very surely when short); a time ("12 - 1pm") may be read less surely. */
static bool looks_like_text(const turned_line *ln)
{
    if (ln->words == 0)
        return false;
    int alnum = 0, digits = 0, len = 0;
    for (const unsigned char *p = (const unsigned char *)ln->text; *p; p++) {
        alnum += isalnum(*p) != 0;
        digits += isdigit(*p) != 0;
        len += *p != ' ' && (*p & 0xc0) != 0x80; /* characters, not UTF-8 bytes */
    }
    double conf = ln->conf_sum / ln->words;
    if (alnum < 2 || alnum * 10 < len * 6)
        return false;
    if (digits >= 3)
        return conf >= 25.0;
    if (digits >= 2)
        return conf >= 60.0;
    return conf >= (alnum < 4 ? 90.0 : 60.0);
}

static void add_turned_line(json_t *words, const turned *t, const turned_line *ln, int gap)
{
    if (!looks_like_text(ln))
        return;
    /* Upright (xr, yr) in the blob's copy is (x, y) = (yr, H - 1 - xr). */
    const turned *bl = &t[ln->blob];
    int t0 = ln->t - bl->canvas_y, b0 = ln->b - bl->canvas_y;
    int l0 = ln->l - gap, r0 = ln->r - gap;
    int x = bl->x + t0, y = bl->y + bl->h - 1 - r0;
    json_array_append_new(words, json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i, s:b, s:i}",
                                           "text", ln->text, "x", x, "y", y, "w", b0 - t0,
                                           "h", r0 - l0, "conf",
                                           round(ln->conf_sum / ln->words * 10) / 10, "block", 0,
                                           "par", 0, "line", 0, "vertical", 1, "blob", ln->blob));
}

static void collect_turned(const ocr_state *st, const turned *t, int n, int gap, json_t *out)
{
    TessResultIterator *it = st->t.TessBaseAPIGetIterator(st->api);
    if (!it)
        return;
    TessPageIterator *pit = st->t.TessResultIteratorGetPageIterator(it);
    turned_line ln = {.blob = -1};
    do {
        int l, tp, r, b;
        char *text = st->t.TessResultIteratorGetUTF8Text(it, RIL_WORD);
        bool box = st->t.TessPageIteratorBoundingBox(pit, RIL_WORD, &l, &tp, &r, &b);
        bool new_line = st->t.TessPageIteratorIsAtBeginningOf(pit, RIL_TEXTLINE);
        int blob = -1;
        for (int k = 0; box && k < n; k++)
            if ((tp + b) / 2 >= t[k].canvas_y && (tp + b) / 2 < t[k].canvas_y + t[k].w)
                blob = k;
        if (text && text[0] && blob >= 0) {
            if (new_line || blob != ln.blob) {
                add_turned_line(out, t, &ln, gap);
                ln = (turned_line){blob, l, tp, r, b, 0.0, 0, ""};
            }
            size_t len = strlen(ln.text), tl = strlen(text);
            if (len + tl + 2 < sizeof ln.text) {
                if (len)
                    ln.text[len++] = ' ';
                memcpy(ln.text + len, text, tl + 1);
            }
            if (l < ln.l) ln.l = l;
            if (tp < ln.t) ln.t = tp;
            if (r > ln.r) ln.r = r;
            if (b > ln.b) ln.b = b;
            ln.conf_sum += st->t.TessResultIteratorConfidence(it, RIL_WORD);
            ln.words++;
        }
        if (text) st->t.TessDeleteText(text);
    } while (st->t.TessResultIteratorNext(it, RIL_WORD));
    add_turned_line(out, t, &ln, gap);
    st->t.TessResultIteratorDelete(it);
}

/* Drops what the first pass made of turned text: its words lying mostly
 * inside a blob that the second pass read, or doubtful and centred on one. */
static void drop_scraps(json_t *words, const turned *t, int n, const bool *read)
{
    for (size_t i = json_array_size(words); i-- > 0;) {
        json_t *w = json_array_get(words, i);
        word_box b = box_of(w);
        int x = b.x, y = b.y, ww = b.w, wh = b.h;
        for (int k = 0; k < n && ww > 0 && wh > 0; k++) {
            int ox = (x + ww < t[k].x + t[k].w ? x + ww : t[k].x + t[k].w) - (x > t[k].x ? x : t[k].x);
            int oy = (y + wh < t[k].y + t[k].h ? y + wh : t[k].y + t[k].h) - (y > t[k].y ? y : t[k].y);
            bool centre = x + ww / 2 >= t[k].x && x + ww / 2 < t[k].x + t[k].w &&
                          y + wh / 2 >= t[k].y && y + wh / 2 < t[k].y + t[k].h;
            bool doubtful = json_real_value(json_object_get(w, "conf")) < 70.0;
            bool inside = ox > 0 && oy > 0 && (long)ox * oy * 10 >= (long)ww * wh * 6;
            if (read[k] && ((centre && doubtful) || inside)) {
                json_array_remove(words, i);
                break;
            }
        }
    }
}

/* The mean confidence of the first pass's words centred on each blob, -1
 * when there are none. */
static void first_reading(const json_t *words, const turned *t, int n, double *mean)
{
    double sum[MAX_TURNED] = {0};
    int count[MAX_TURNED] = {0};
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        word_box b = box_of(w);
        int cx = b.x + b.w / 2, cy = b.y + b.h / 2;
        for (int k = 0; k < n; k++)
            if (cx >= t[k].x && cx < t[k].x + t[k].w && cy >= t[k].y && cy < t[k].y + t[k].h)
                sum[k] += b.conf, count[k]++;
    }
    for (int k = 0; k < n; k++)
        mean[k] = count[k] ? sum[k] / count[k] : -1.0;
}

/* The second pass: turned text, appended to words. */
/* A lone glyph in line with another (a column of day letters, a row of
 * them) or with a word (in_line_with_word): worth reading; a glyph alone
 * on its line and column is likely a mark. */
static bool aligned(const turned *g, int n, int k)
{
    for (int j = 0; j < n; j++)
        if (j != k && ((g[j].x < g[k].x + g[k].w && g[k].x < g[j].x + g[j].w) ||
                       (g[j].y < g[k].y + g[k].h && g[k].y < g[j].y + g[j].h)))
            return true;
    return false;
}

/* Whether a word read surely shares rows with glyph g, at its size: a
 * lone day letter in a header row beside a day group ("M, Tu, W, Th" ...
 * "F") is in line with text, not a mark. Any shared row counts: across a
 * photographed page a line drifts by a text height. */
static bool in_line_with_word(const json_t *words, const turned *g)
{
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        word_box b = box_of(w);
        if (b.conf >= 60.0 && g->y < b.y + b.h && b.y < g->y + g->h && b.h * 10 >= g->h * 6 &&
            b.h * 10 <= g->h * 16)
            return true;
    }
    return false;
}

/* Whether (x, y) lies in the box of a word already read. */
static bool on_a_word(const json_t *words, int x, int y)
{
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w) {
        word_box b = box_of(w);
        if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h)
            return true;
    }
    return false;
}

/* Whether another glyph stands right above or below glyph k (a word
 * spelled one letter per line). */
static bool stacked_with(const turned *g, int n, int k, int th)
{
    for (int j = 0; j < n; j++) {
        int gap = g[j].y > g[k].y ? g[j].y - (g[k].y + g[k].h) : g[k].y - (g[j].y + g[j].h);
        if (j != k && g[j].x < g[k].x + g[k].w && g[k].x < g[j].x + g[j].w && gap >= 0 &&
            gap < th * 3 / 2)
            return true;
    }
    return false;
}

/* tesseract's model reads a lone "W" as "Ww" or "WwW": a letter repeated
 * (case aside) is that letter, made upper case. Returns whether it was. */
static bool repeated_letter(char *t)
{
    size_t n = strlen(t);
    bool repeated = n >= 2 && isalpha((unsigned char)t[0]);
    for (size_t i = 1; i < n && repeated; i++)
        repeated = tolower((unsigned char)t[i]) == tolower((unsigned char)t[0]);
    if (repeated)
        t[0] = (char)toupper((unsigned char)t[0]), t[1] = '\0';
    return repeated;
}

/* The glyph or word at g on the grey page read alone (psm set by the
 * caller), cut out with pad pixels around, inverted when light on dark:
 * its text into text, its confidence returned (-1 when unread). */
static double read_cut(ocr_state *st, PIX *gray, const turned *g, int pad, bool invert, int dpi,
                       char *text, size_t size)
{
    int W = (int)pixGetWidth(gray), H = (int)pixGetHeight(gray);
    int x0 = g->x > pad ? g->x - pad : 0, y0 = g->y > pad ? g->y - pad : 0;
    int x1 = g->x + g->w + pad < W ? g->x + g->w + pad : W;
    int y1 = g->y + g->h + pad < H ? g->y + g->h + pad : H;
    BOX *b = boxCreate(x0, y0, x1 - x0, y1 - y0);
    PIX *crop = b ? pixClipRectangle(gray, b, NULL) : NULL;
    boxDestroy(&b);
    text[0] = '\0';
    if (!crop || (invert && !pixInvert(crop, crop))) {
        pixDestroy(&crop);
        return -1.0;
    }
    st->t.TessBaseAPISetImage2(st->api, crop);
    st->t.TessBaseAPISetSourceResolution(st->api, dpi);
    double c = st->t.TessBaseAPIRecognize(st->api, NULL) == 0 ? read_line(st, text, size) : -1.0;
    st->t.TessBaseAPIClear(st->api);
    pixDestroy(&crop);
    return c;
}

static void append_word(json_t *words, const char *text, const turned *g, double conf)
{
    json_array_append_new(words, json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i}", "text",
                                           text, "x", g->x, "y", g->y, "w", g->w, "h", g->h,
                                           "conf", round(conf * 10) / 10, "block", 0, "par", 0,
                                           "line", 0));
}

/* A lone glyph's reading, mended where tesseract's model is known to
 * stumble on a single character: a lone "W" comes back "Ww" or "WwW" (and
 * less surely: the repetition is the tell), a stacked "I" comes back "|".
 * Returns the confidence the reading must reach. */
static double mend_lone(char *text, const turned *g, int n, int k, int th)
{
    if (repeated_letter(text))
        return 25.0;
    if (strcmp(text, "|") == 0 && stacked_with(g, n, k, th))
        text[0] = 'I';
    return 60.0;
}

/* Lone glyph k read as one character: its
 * confidence when it is a sure letter or digit, else -1. When tesseract
 * finds no character at all (a lone bold "M" can do that), the glyph is
 * read as a raw line, which must then be surer. */
static double read_lone_cut(ocr_state *st, PIX *gray, const turned *g, int n, int k, int th,
                            int dpi, char *text, size_t size)
{
    double c = read_cut(st, gray, &g[k], th / 2, false, dpi, text, size);
    double extra = 0;
    if (!text[0]) {
        st->t.TessBaseAPISetPageSegMode(st->api, PSM_RAW_LINE);
        c = read_cut(st, gray, &g[k], th / 2, false, dpi, text, size);
        st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_CHAR);
        extra = 20.0;
    }
    double need = mend_lone(text, g, n, k, th) + extra;
    size_t len = strlen(text);
    bool alnum = len >= 1 && len <= 2 && isalnum((unsigned char)text[0]) &&
                 (len == 1 || isalnum((unsigned char)text[1]));
    return c >= need && alnum ? c : -1.0;
}

/* Each lone glyph read alone as one character; letters and digits read
 * surely become words. */
static void read_lone(ocr_state *st, PIX *pix, const turned *g, int n, int th, int dpi,
                      json_t *words)
{
    PIX *gray = pixConvertTo8(pix, 0);
    st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_CHAR);
    for (int k = 0; gray && k < n; k++) {
        if ((!aligned(g, n, k) && !in_line_with_word(words, &g[k])) ||
            on_a_word(words, g[k].x + g[k].w / 2, g[k].y + g[k].h / 2))
            continue; /* read already, if doubtfully: the second readings' business */
        char text[64];
        double c = read_lone_cut(st, gray, g, n, k, th, dpi, text, sizeof text);
        if (c >= 0)
            append_word(words, text, &g[k], c);
    }
    st->t.TessBaseAPISetPageSegMode(st->api, (TessPageSegMode)st->psm);
    pixDestroy(&gray);
}

/* ---- light text on dark fills ------------------------------------ */

#define MAX_DARK 32 /* light words on dark fills read per page */
#define DARK_LEVEL 110 /* grey below this is a dark fill (headers: 30..60) */

/* The light glyphs inside dark fills (a dark header row or day column):
 * the fills are the dark mask closed over their letters (no letter stroke
 * holds a text-height brick) and opened by a brick larger than any stroke
 * or rule; their light pixels are the letters. Letters a third of a text
 * height apart join into one word ("Tu", "Th"). NULL without dark fills. */
static PIX *dark_fill_letters(PIX *gray, int th)
{
    PIX *dark = pixThresholdToBinary(gray, DARK_LEVEL);
    PIX *fill = dark ? pixCloseCompBrick(NULL, dark, th, th) : NULL;
    PIX *solid = fill ? pixOpenCompBrick(NULL, fill, th * 3 / 2, th * 3 / 2) : NULL;
    l_int32 on = 0;
    if (solid)
        pixCountPixels(solid, &on, NULL);
    PIX *letters = NULL;
    if (on > 0) {
        letters = pixSubtract(NULL, solid, dark);
        /* The fill's own border, eaten by the opening's corners, is no letter. */
        PIX *inner = letters ? pixErodeCompBrick(NULL, solid, 5, 5) : NULL;
        if (inner)
            pixAnd(letters, letters, inner);
        pixDestroy(&inner);
    }
    pixDestroy(&solid);
    pixDestroy(&fill);
    pixDestroy(&dark);
    return letters;
}

/* Whether box (x, y, w, h) touches a word read surely. */
static bool on_sure_word(const json_t *words, int x, int y, int w, int h)
{
    size_t i;
    json_t *v;
    json_array_foreach(words, i, v) {
        word_box b = box_of(v);
        if (b.conf >= 60.0 && b.x < x + w && x < b.x + b.w && b.y < y + h && y < b.y + b.h)
            return true;
    }
    return false;
}

/* Letters a third of a text height apart, as boxes, join into words: the
 * gap is measured between boxes, not ink rows, since a letter's overhang
 * ("T" over "u") leaves no row where both have ink that near. Boxes join
 * only when their rows overlap, so lines stay apart. */
static BOXA *dark_word_boxes(BOXA *cc, int th)
{
    int pad = th / 6 > 1 ? th / 6 : 1;
    BOXA *wide = boxaAdjustSides(cc, -pad, pad, 0, 0);
    BOXA *joined = wide ? boxaCombineOverlaps(wide, NULL) : NULL;
    BOXA *words = joined ? boxaAdjustSides(joined, pad, -pad, 0, 0) : NULL;
    boxaDestroy(&joined);
    boxaDestroy(&wide);
    return words;
}

/* Word-sized blobs of light letters on dark fills that no sure word
 * touches: a word's box is tight, and the ink of its letters' edges left
 * beside it is no word of its own. */
static int find_dark_words(PIX *letters, const json_t *words, int th, turned *out, turned *core,
                           int max)
{
    BOXA *cc = pixConnComp(letters, NULL, 8);
    BOXA *boxa = cc ? dark_word_boxes(cc, th) : NULL;
    int n = 0;
    for (int k = 0; boxa && k < boxaGetCount(boxa) && n < max; k++) {
        l_int32 x, y, bw, bh;
        boxaGetBoxGeometry(boxa, k, &x, &y, &bw, &bh);
        if (bh * 10 < th * 5 || bh * 10 > th * 16 || bw * 10 < th * 2 || bw > 8 * th ||
            on_sure_word(words, x, y, bw, bh))
            continue;
        /* canvas_y holds the glyph count: one glyph is read as a character.
         * The core is the word without a closing mark under half a text
         * height (a list's comma, a full stop); w 0 when there is none. */
        int glyphs = 0, marks = 0, core_r = x, mark_l = x + bw;
        for (int j = 0; j < boxaGetCount(cc); j++) {
            l_int32 gx, gy, gw, gh;
            boxaGetBoxGeometry(cc, j, &gx, &gy, &gw, &gh);
            if (gx < x || gx + gw > x + bw || gy < y || gy + gh > y + bh)
                continue;
            glyphs++;
            if (gh * 2 < th && gx > x)
                marks++, mark_l = gx < mark_l ? gx : mark_l;
            else if (gx + gw > core_r)
                core_r = gx + gw;
        }
        out[n] = (turned){x, y, bw, bh, glyphs};
        bool closing = marks > 0 && mark_l >= core_r && glyphs > marks;
        core[n++] = (turned){x, y, closing ? core_r - x : 0, bh, glyphs - marks};
    }
    boxaDestroy(&boxa);
    boxaDestroy(&cc);
    return n;
}

/* Removes the doubtful first-pass words centred on box g: a better
 * reading of the same place replaces them. */
static void drop_doubtful_on(json_t *words, const turned *g)
{
    for (size_t i = json_array_size(words); i-- > 0;) {
        word_box b = box_of(json_array_get(words, i));
        int cx = b.x + b.w / 2, cy = b.y + b.h / 2;
        if (cx >= g->x && cx < g->x + g->w && cy >= g->y && cy < g->y + g->h && b.conf < 60.0)
            json_array_remove(words, i);
    }
}

/* Mostly letters and digits, at most a word's length; a comma, full stop
 * or colon closing it is a list's or an abbreviation's ("M," "Tu," "Wed.")
 * and does not count against it. */
static bool short_alnum(const char *t)
{
    size_t n = strlen(t), alnum = 0;
    if (n >= 2 && strchr(",.:;", t[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++)
        alnum += isalnum((unsigned char)t[i]) != 0;
    return n >= 1 && n <= 12 && alnum * 10 >= n * 7;
}

/* Letters that touch ("Th" in a bold header) are one glyph to the ink
 * but several characters: a one-glyph reading of several characters
 * stands when the blob read as a word gives the same text. */
static bool same_as_word(ocr_state *st, PIX *gray, const turned *g, int pad, int dpi,
                         const char *text)
{
    char again[64];
    st->t.TessBaseAPISetPageSegMode(st->api, PSM_SINGLE_WORD);
    double c = read_cut(st, gray, g, pad, true, dpi, again, sizeof again);
    return c >= 60.0 && strcmp(again, text) == 0;
}

/* Light text on a dark header (white day letters on a navy column):
 * sparse reading finds the longer words there, but drops short ones. Each
 * unread blob of light letters on a dark fill is cut out of the inverted
 * page and read as one word; a sure reading (60) becomes a word. */
/* Blob g read as one word, inverted: its confidence, or -1 when the
 * reading is no word. A lone "W" read as a word comes back "WwW"; one
 * glyph is one character, and any other reading of several is no reading
 * unless the blob read as a word agrees. */
static double read_dark_word(ocr_state *st, PIX *gray, const turned *g, int th, int dpi,
                             char *text, size_t size)
{
    st->t.TessBaseAPISetPageSegMode(st->api, g->canvas_y == 1 ? PSM_SINGLE_CHAR : PSM_SINGLE_WORD);
    double c = read_cut(st, gray, g, th / 3, true, dpi, text, size);
    if (c < 60.0 || !short_alnum(text) ||
        (g->canvas_y == 1 && strlen(text) > 1 && !repeated_letter(text) &&
         !same_as_word(st, gray, g, th / 3, dpi, text)))
        return -1.0;
    return c;
}

static void read_dark_fills(ocr_state *st, PIX *pix, json_t *words, int dpi)
{
    int th = confident_height(words);
    PIX *gray = th >= 8 ? pixConvertTo8(pix, 0) : NULL;
    PIX *letters = gray ? dark_fill_letters(gray, th) : NULL;
    turned g[MAX_DARK], core[MAX_DARK];
    int n = letters ? find_dark_words(letters, words, th, g, core, MAX_DARK) : 0;
    pixDestroy(&letters);
    for (int k = 0; k < n; k++) {
        char text[64];
        double c = read_dark_word(st, gray, &g[k], th, dpi, text, sizeof text);
        /* A closing comma can spoil a short word's reading ("W," as
         * "Ww,"): the word without it. */
        if (c < 0 && core[k].w > 0)
            c = read_dark_word(st, gray, &core[k], th, dpi, text, sizeof text);
        if (c < 0)
            continue;
        drop_doubtful_on(words, &g[k]);
        append_word(words, text, &g[k], c);
    }
    st->t.TessBaseAPISetPageSegMode(st->api, (TessPageSegMode)st->psm);
    pixDestroy(&gray);
}

static void read_turned(ocr_state *st, PIX *pix, json_t *words, int dpi)
{
    int th = confident_height(words);
    turned t[MAX_TURNED], lone[MAX_LONE];
    int nlone = 0;
    int n = th >= 8 ? find_turned(pix, words, th, t, lone, &nlone) : 0;
    if (nlone > 0)
        read_lone(st, pix, lone, nlone, th, dpi, words);
    if (n == 0)
        return;
    int gap = th;
    PIX *canvas = turned_canvas(pix, t, n, gap);
    if (!canvas)
        return;
    json_t *found = json_array();
    st->t.TessBaseAPISetImage2(st->api, canvas);
    st->t.TessBaseAPISetSourceResolution(st->api, dpi);
    if (st->t.TessBaseAPIRecognize(st->api, NULL) == 0)
        collect_turned(st, t, n, gap, found);
    st->t.TessBaseAPIClear(st->api);
    pixDestroy(&canvas);
    double first[MAX_TURNED];
    first_reading(words, t, n, first);
    bool read[MAX_TURNED] = {false};
    for (size_t i = json_array_size(found); i-- > 0;) {
        json_t *v = json_array_get(found, i);
        int b = (int)json_integer_value(json_object_get(v, "blob"));
        /* Upright text read sideways (a column of row numbers) reads
         * worse turned than as it was: keep the first reading. */
        if (b < 0 || b >= n || first[b] >= json_real_value(json_object_get(v, "conf")) - 5.0) {
            json_array_remove(found, i);
            continue;
        }
        read[b] = true;
        json_object_del(v, "blob");
    }
    drop_scraps(words, t, n, read);
    json_array_extend(words, found);
    json_decref(found);
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
    /* preprocess may give the first pass its own copy ("ocr_path", same
     * size: background-normalised on grainy scans); the passes after it and
     * the boxes stay on the page. */
    const char *own = json_string_value(json_object_get(page, "ocr_path"));
    PIX *first = own ? pixRead(own) : NULL;
    if (first && (pixGetWidth(first) != pixGetWidth(pix) || pixGetHeight(first) != pixGetHeight(pix)))
        pixDestroy(&first);
    st->t.TessBaseAPISetImage2(st->api, first ? first : pix);
    st->t.TessBaseAPISetSourceResolution(st->api, dpi >= 70 && dpi <= 2400 ? (int)dpi : 300);
    json_t *out = NULL;
    if (st->t.TessBaseAPIRecognize(st->api, NULL) != 0) {
        yogi_fail(err, "OCR.Failed", "tesseract could not read %s", path);
    } else {
        json_int_t number = json_integer_value(json_object_get(page, "page"));
        json_t *words = collect_words(st);
        st->t.TessBaseAPIClear(st->api);
        pixDestroy(&first); /* not held through the passes after */
        read_dark_fills(st, pix, words, dpi >= 70 && dpi <= 2400 ? (int)dpi : 300);
        read_turned(st, pix, words, dpi >= 70 && dpi <= 2400 ? (int)dpi : 300);
        reread_doubtful(st, pix, words, dpi >= 70 && dpi <= 2400 ? (int)dpi : 300);
        out = json_pack("{s:I, s:i, s:i, s:I, s:s, s:o}", "page", number ? number : 1, "width",
                        pixGetWidth(pix), "height", pixGetHeight(pix), "dpi", dpi, "image",
                        path, "words", words);
    }
    st->t.TessBaseAPIClear(st->api); /* keeps the model, drops the page */
    pixDestroy(&first);
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
