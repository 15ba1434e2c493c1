/*
 * pdftext.c — the words of a digital PDF, read from its text layer
 * (plugin:pdftext). No OCR: the PDF says what each glyph is and where.
 *
 * Input {"path": "/abs/file.pdf", "classification": <classify's output>};
 * output
 *   {"ocr":   <WORDS FORMAT, "source": "pdf-text">,
 *    "pages": [{"page", "path", "width", "height", "dpi", "scale": 1,
 *               "skew_degrees": 0}]}
 * — the same two things the image branch produces (OCR words and page
 * images), so that the timetable builder sees one shape whatever the
 * document was. Each page is rendered at pdftext.dpi (default 200) to
 * DATA_DIR/work/<execution_id>/page-N.png: the timetable builder finds ruling
 * lines in it, and word boxes are given in that image's pixels.
 *
 * Words: poppler_page_get_text() gives the page's text in reading order and
 * poppler_page_get_text_layout() one rectangle per character of it. A word is
 * a run of non-space characters, also split where the gap between two glyphs
 * is wider than half their height (cells whose text the PDF does not separate
 * with a space). Text turned a quarter (a label written up a merged
 * column) comes glyph by glyph, each stacked on the one before: glyphs
 * whose boxes are not taller than wide (a turned glyph's box is the line's
 * height wide) that follow each other down or up one column are one word,
 * in the text layer's reading order, marked "vertical", spaces between its
 * words included ("Tutor Time": two words stacked would be read top down,
 * the wrong way round for text running up). Lines are made from geometry, not from poppler's text order
 * (which jumps between table cells): words that share a baseline band and
 * follow each other within twice their height form a line, numbered in
 * reading order. block and par are 1 — the text layer has no layout analysis.
 * conf is 100.
 *
 * Library: poppler-glib (GPL-2.0-or-later), rendering through cairo.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <poppler.h>

#include "yogi/plugin.h"
#include "../workdir.h"
#include "../pdf_open.h"

#define DEFAULT_DPI 200
#define MAX_PAGES 100 /* classify enforces document.max_pages; a backstop */
#define MAX_RENDER_PIXELS 40e6 /* as document.max_pixels' default */

typedef struct pdftext_state {
    const yogi_host *host;
    double dpi;
} pdftext_state;

static int pdftext_init(const yogi_host *host, void **state, yogi_error *err)
{
    pdftext_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "States.Runtime", "out of memory");
    st->host = host;
    st->dpi = DEFAULT_DPI;
    const char *v = host && host->config ? host->config("pdftext.dpi") : NULL;
    if (v) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (!errno && !*end && n >= 72 && n <= 600) st->dpi = (double)n;
    }
    *state = st;
    return YOGI_OK;
}

static void pdftext_destroy(void *state)
{
    free(state);
}

/* ---- grouping glyphs into words ----------------------------------------- */

/* A word being built: its UTF-8 text and the union of its glyph boxes. */
typedef struct word_acc {
    char text[512];
    size_t len;
    double x1, y1, x2, y2; /* points */
    int line;
    int glyphs;
    int dir; /* text turned a quarter: -1 running up the page, 1 down; 0 across */
} word_acc;

static void word_flush(word_acc *w, double px_per_pt, json_t *words)
{
    while (w->len > 0 && w->text[w->len - 1] == ' ')
        w->len--; /* a turned word's trailing space */
    if (w->len == 0) return;
    w->text[w->len] = '\0';
    long x = lround(w->x1 * px_per_pt), y = lround(w->y1 * px_per_pt);
    long wd = lround((w->x2 - w->x1) * px_per_pt), ht = lround((w->y2 - w->y1) * px_per_pt);
    json_t *word = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:i, s:i, s:i}", "text", w->text,
                             "x", (json_int_t)x, "y", (json_int_t)y, "w", (json_int_t)wd, "h",
                             (json_int_t)ht, "conf", 100.0, "block", 1, "par", 1, "line",
                             w->line);
    if (w->dir)
        json_object_set_new(word, "vertical", json_true());
    json_array_append_new(words, word);
    w->len = 0, w->glyphs = 0, w->dir = 0;
}

/* ---- lines ------------------------------------------------------------- */

static double num(const json_t *word, const char *key)
{
    return (double)json_integer_value(json_object_get(word, key));
}

/* True when b continues the line that ends with word a. */
static bool continues_line(const json_t *a, const json_t *b)
{
    double ay = num(a, "y"), ah = num(a, "h"), by = num(b, "y"), bh = num(b, "h");
    double overlap = fmin(ay + ah, by + bh) - fmax(ay, by);
    double gap = num(b, "x") - (num(a, "x") + num(a, "w"));
    return overlap > 0.5 * fmin(ah, bh) && gap > -0.5 * ah && gap < 2 * fmax(ah, bh);
}

static int by_top_then_left(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    double ya = num(a, "y") + num(a, "h") / 2, yb = num(b, "y") + num(b, "h") / 2;
    double tol = fmin(num(a, "h"), num(b, "h")) / 2;
    if (fabs(ya - yb) > tol) return ya < yb ? -1 : 1;
    return num(a, "x") < num(b, "x") ? -1 : num(a, "x") > num(b, "x");
}

/* Sort the words into reading order and number their lines. */
static json_t *number_lines(json_t *words)
{
    size_t n = json_array_size(words);
    json_t **v = n ? malloc(n * sizeof *v) : NULL;
    if (!v) return words;
    for (size_t i = 0; i < n; i++) v[i] = json_array_get(words, i);
    qsort(v, n, sizeof *v, by_top_then_left);
    json_t *sorted = json_array();
    int lines = 0;
    json_t **last = calloc(n, sizeof *last); /* the last word of each line so far */
    for (size_t i = 0; last && i < n; i++) {
        int line = 0;
        for (int l = lines; l-- > 0 && !line;)
            if (continues_line(last[l], v[i])) line = l + 1;
        if (!line) line = ++lines;
        last[line - 1] = v[i];
        json_object_set_new(v[i], "line", json_integer(line));
        json_array_append(sorted, v[i]);
    }
    free(last);
    free(v);
    json_decref(words);
    return sorted;
}

/* True when glyph r starts far enough right of the word to be a new one. */
static bool wide_gap(const word_acc *w, const PopplerRectangle *r)
{
    double height = fmax(w->y2 - w->y1, r->y2 - r->y1);
    bool same_line = r->y1 < w->y2 && r->y2 > w->y1;
    return !same_line || r->x1 - w->x2 > height * 0.5 || r->x1 < w->x1;
}

/* A glyph turned a quarter: its box is as wide as the line is tall and as
 * tall as the glyph's advance, which is never much more than the line's
 * height. An upright glyph's box is the line's height tall, and taller
 * than wide (even an M or a W by a tenth). */
static bool turned_box(const PopplerRectangle *r)
{
    return r->y2 - r->y1 <= (r->x2 - r->x1) * 1.1;
}

/* Whether glyph r continues word w down the page (1) or up it (-1): text
 * turned a quarter ("Playtime" written up a merged column), whose glyphs
 * the text layer gives in reading order, each stacked on the one before
 * (same column, at most half a line's height between, a whole one after
 * a space). 0 when not. */
static int stacked_dir(const word_acc *w, const PopplerRectangle *r, bool space)
{
    double ww = w->x2 - w->x1, rw = r->x2 - r->x1;
    double overlap = fmin(w->x2, r->x2) - fmax(w->x1, r->x1);
    if (!turned_box(r) || overlap < 0.8 * fmin(ww, rw) || fabs(ww - rw) > 0.25 * fmax(ww, rw))
        return 0;
    if (w->glyphs == 1 && w->y2 - w->y1 > ww * 1.1)
        return 0; /* the word so far is one upright glyph */
    double slack = (space ? 1.0 : 0.5) * rw; /* a space's advance more */
    if (w->dir >= 0 && r->y1 >= w->y2 - slack / 2 && r->y1 - w->y2 <= slack)
        return 1;
    if (w->dir <= 0 && r->y2 <= w->y1 + slack / 2 && w->y1 - r->y2 <= slack)
        return -1;
    return 0;
}

static void word_add(word_acc *w, const char *ch, size_t n, const PopplerRectangle *r)
{
    w->glyphs++;
    if (w->len + n >= sizeof w->text) return; /* absurdly long: keep the box, cut the text */
    if (w->len == 0) {
        w->x1 = r->x1, w->y1 = r->y1, w->x2 = r->x2, w->y2 = r->y2;
    } else {
        w->x1 = fmin(w->x1, r->x1), w->y1 = fmin(w->y1, r->y1);
        w->x2 = fmax(w->x2, r->x2), w->y2 = fmax(w->y2, r->y2);
    }
    memcpy(w->text + w->len, ch, n);
    w->len += n;
}

static json_t *page_words(PopplerPage *page, double px_per_pt)
{
    json_t *words = json_array();
    char *text = poppler_page_get_text(page);
    PopplerRectangle *rects = NULL;
    guint n_rects = 0;
    if (!text || !poppler_page_get_text_layout(page, &rects, &n_rects)) goto out_free;
    word_acc w = {.line = 0};
    guint i = 0;
    bool space = false; /* a space seen inside a turned word */
    for (const char *p = text; *p && i < n_rects; p = g_utf8_next_char(p), i++) {
        gunichar c = g_utf8_get_char(p);
        size_t n = (size_t)(g_utf8_next_char(p) - p);
        if (g_unichar_isspace(c)) {
            /* A space in turned text ("Tutor Time" up a column) may go on
             * in the same column: then its words are one, read in order. */
            if (c == ' ' && w.dir && !space)
                space = true;
            else
                word_flush(&w, px_per_pt, words), space = false;
        } else {
            int dir = w.len > 0 && (w.dir || w.glyphs == 1) ? stacked_dir(&w, &rects[i], space) : 0;
            if (dir)
                w.dir = dir;
            else if (w.len > 0 && (w.dir || wide_gap(&w, &rects[i])))
                word_flush(&w, px_per_pt, words);
            if (dir && space)
                word_add(&w, " ", 1, &rects[i]);
            space = false;
            word_add(&w, p, n, &rects[i]);
        }
    }
    word_flush(&w, px_per_pt, words);
    words = number_lines(words);
out_free:
    g_free(rects);
    g_free(text);
    return words;
}

/* ---- rendering ---------------------------------------------------------- */

static int render_page(PopplerPage *page, long w, long h, double px_per_pt, const char *path,
                       yogi_error *err)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, px_per_pt, px_per_pt);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_status_t status = cairo_surface_status(surface);
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_write_to_png(surface, path);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS)
        return yogi_fail(err, "States.Runtime", "cannot render %s: %s", path,
                         cairo_status_to_string(status));
    return YOGI_OK;
}

/* One page: its words (for "ocr") and its rendered image (for "pages"). */
static int read_page(const pdftext_state *st, PopplerDocument *pdf, int number, const char *dir,
                     json_t *ocr_pages, json_t *image_pages, yogi_error *err)
{
    PopplerPage *page = poppler_document_get_page(pdf, number - 1);
    if (!page) return yogi_fail(err, "Document.Corrupt", "PDF page %d cannot be read", number);
    double pw = 0, ph = 0, dpi_used = st->dpi;
    poppler_page_get_size(page, &pw, &ph);
    /* A poster-sized page is rendered at a lower resolution, not refused. */
    double px = pw * ph * (dpi_used / 72) * (dpi_used / 72);
    if (px > MAX_RENDER_PIXELS) dpi_used *= sqrt(MAX_RENDER_PIXELS / px);
    double px_per_pt = dpi_used / 72;
    long w = lround(pw * px_per_pt), h = lround(ph * px_per_pt);
    char path[4200];
    snprintf(path, sizeof path, "%s/page-%d.png", dir, number);
    int rc = YOGI_FAILED;
    if (w < 1 || h < 1 || w > 32767 || h > 32767) { /* cairo's limit */
        yogi_fail(err, "Document.Corrupt", "PDF page %d has an unusable size", number);
        goto out_unref;
    }
    if (render_page(page, w, h, px_per_pt, path, err) != YOGI_OK) goto out_unref;
    int dpi = (int)lround(dpi_used);
    json_array_append_new(ocr_pages,
                          json_pack("{s:i, s:I, s:I, s:i, s:s, s:o}", "page", number, "width",
                                    (json_int_t)w, "height", (json_int_t)h, "dpi", dpi, "image",
                                    path, "words", page_words(page, px_per_pt)));
    json_array_append_new(image_pages,
                          json_pack("{s:i, s:s, s:I, s:I, s:i, s:f, s:f}", "page", number,
                                    "path", path, "width", (json_int_t)w, "height",
                                    (json_int_t)h, "dpi", dpi, "scale", 1.0, "skew_degrees",
                                    0.0));
    rc = YOGI_OK;
out_unref:
    g_object_unref(page);
    return rc;
}

static int pdftext_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                          yogi_error *err)
{
    pdftext_state *st = state;
    const char *path = json_string_value(json_object_get(input, "path"));
    if (!path || path[0] != '/')
        return yogi_fail(err, "States.Runtime", "input needs \"path\", an absolute file path");
    char dir[4096];
    const char *data_dir = st->host && st->host->data_dir ? st->host->data_dir : ".";
    if (workdir_make(data_dir, call ? call->execution_id : NULL, dir, sizeof dir, err) != YOGI_OK)
        return YOGI_FAILED;
    PopplerDocument *pdf = pdf_open_file(path, err);
    if (!pdf) return YOGI_FAILED;
    int pages = poppler_document_get_n_pages(pdf), rc = YOGI_OK;
    if (pages < 1 || pages > MAX_PAGES)
        rc = yogi_fail(err, pages < 1 ? "Document.Corrupt" : "Document.TooManyPages",
                       "the PDF has %d pages", pages);
    json_t *ocr_pages = json_array(), *image_pages = json_array();
    for (int i = 1; i <= pages && rc == YOGI_OK; i++) {
        rc = read_page(st, pdf, i, dir, ocr_pages, image_pages, err);
        if (st->host && st->host->heartbeat) st->host->heartbeat();
    }
    g_object_unref(pdf);
    if (rc != YOGI_OK) {
        json_decref(ocr_pages);
        json_decref(image_pages);
        return YOGI_FAILED;
    }
    *output = json_pack("{s:{s:s, s:o}, s:o}", "ocr", "source", "pdf-text", "pages", ocr_pages,
                        "pages", image_pages);
    return YOGI_OK;
}

YOGI_PLUGIN(pdftext, pdftext_init, pdftext_invoke, pdftext_destroy)
