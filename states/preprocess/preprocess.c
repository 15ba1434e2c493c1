/*
 * preprocess.c — page images that tesseract reads well (plugin:preprocess).
 *
 * Input {"path": "/abs/file", "classification": <classify's output>}; output
 *   {"pages": [{"page": n, "path": "/abs/page-n.tif", "width", "height",
 *               "dpi", "scale", "skew_degrees", "background_normalised",
 *               "perspective_px", "ocr_path"?}]}
 * with the images under DATA_DIR/work/<execution_id>/ (the work directory of
 * the execution; a retry overwrites the same files).
 *
 * Each page goes through the same steps, in this order:
 *   1. limits: the header is read before any decoding, and an image over
 *      document.max_pixels (default 40 Mpx) is refused (Document.TooLarge);
 *      under 32 px on a side is Document.TooSmall. A scanned PDF page that
 *      is one picture is taken at the picture's own resolution; any other
 *      is rendered at 300 dpi (poppler-glib + cairo), capped by the same limit.
 *   2. grey (8 bpp): alpha blended over white, colour by luminance.
 *   3. background normalisation, only when the background is uneven (phone
 *      photos: a lamp on one side, a shadow on the other) — measured as the
 *      spread of a coarse background map; on even pages it only costs time —
 *      or when a global threshold would take light cell fills for ink (a
 *      scan greys them: over a third of the page falls on the dark side).
 *   4. perspective: a phone photo's ruled table is mapped back to an upright
 *      rectangle from its outline (perspective.c), when one is found; the
 *      warp (which also removes the turn) replaces step 5 and is applied
 *      after step 6, on the finer grid.
 *   5. deskew: the skew is measured (up to 7 degrees) and the page rotated
 *      when the measure is confident enough.
 *   6. scale, so that the median glyph height is preprocess.text_height px
 *      (default 30): tesseract's LSTM reads small text badly (100-dpi images
 *      are upscaled 2-3x) and spends time for nothing on huge text.
 *   7. on grainy paper (a scan), a background-normalised copy for tesseract
 *      alone ("ocr_path"; ocr_image() says why).
 * Binarisation is left to tesseract (its Otsu on a normalised background):
 * on the development set a Sauvola-binarised input lost a tenth of the times
 * (docs/pipeline.md has the figures).
 *
 * The glyph height is estimated from connected components of a binarised
 * copy: components of plausible glyph shape, median height.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>
#include <leptonica/allheaders.h>
#include <poppler.h>

#include "yogi/plugin.h"

#include "perspective.h"
#include "../plugin_config.h"
#include "../workdir.h"
#include "../pdf_open.h"

#define DEFAULT_MAX_PIXELS 40000000L
#define DEFAULT_TEXT_HEIGHT 30
#define MIN_SIDE 32
#define PDF_DPI 300
#define MAX_PAGES 100 /* classify enforces document.max_pages; this is a backstop */

typedef struct preprocess_state {
    const yogi_host *host;
    long max_pixels;
    double text_height;   /* target median glyph height, px */
    bool normalise;       /* preprocess.background: "auto" (default) or "never" */
} preprocess_state;

/* One page's provenance and what was done to it. */
typedef struct page_info {
    int number;       /* 1-based */
    int source_dpi;   /* from the file or the renderer; 0 if unknown */
    double scale;
    double skew_degrees;
    double glyph_height; /* median glyph height after scaling, px; 0 if unknown */
    double perspective_px; /* largest corner movement undoing perspective; 0 if none */
    bool normalised;
    bool grainy;      /* paper_grainy: tesseract reads a normalised copy */
} page_info;

static int preprocess_init(const yogi_host *host, void **state, yogi_error *err)
{
    preprocess_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "States.Runtime", "out of memory");
    st->host = host;
    st->max_pixels = config_long(host, "document.max_pixels", DEFAULT_MAX_PIXELS);
    st->text_height = (double)config_long(host, "preprocess.text_height", DEFAULT_TEXT_HEIGHT);
    const char *bg = host && host->config ? host->config("preprocess.background") : NULL;
    st->normalise = !(bg && !strcmp(bg, "never"));
    setMsgSeverity(L_SEVERITY_NONE);
    *state = st;
    return YOGI_OK;
}

static void preprocess_destroy(void *state)
{
    free(state);
}

static int check_size(const preprocess_state *st, long w, long h, yogi_error *err)
{
    if (w <= 0 || h <= 0) return yogi_fail(err, "Document.Corrupt", "the image has no size");
    if (w > st->max_pixels / h)
        return yogi_fail(err, "Document.TooLarge", "%ld x %ld pixels; the limit is %ld pixels",
                         w, h, st->max_pixels);
    if (w < MIN_SIDE || h < MIN_SIDE)
        return yogi_fail(err, "Document.TooSmall", "%ld x %ld pixels; at least %d on a side", w,
                         h, MIN_SIDE);
    return YOGI_OK;
}

/* ---- loading: image files --------------------------------------------- */

static PIX *to_grey(PIX *pix)
{
    PIX *flat = pixGetSpp(pix) == 4 ? pixRemoveAlpha(pix) : pixClone(pix);
    PIX *grey = flat ? pixConvertTo8(flat, FALSE) : NULL;
    pixDestroy(&flat);
    return grey;
}

/* Width and height from the header alone. A PNG's IHDR sits at a fixed
 * offset, and leptonica wants more of the file than that before it looks. */
static bool header_size(const char *path, long *w, long *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(b, 1, sizeof b, f) : 0;
    if (f) fclose(f);
    if (n == sizeof b && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4)) {
        *w = (long)b[16] << 24 | (long)b[17] << 16 | (long)b[18] << 8 | b[19];
        *h = (long)b[20] << 24 | (long)b[21] << 16 | (long)b[22] << 8 | b[23];
        return true;
    }
    l_int32 type, lw = 0, lh = 0, bps, spp, cmap;
    if (pixReadHeader(path, &type, &lw, &lh, &bps, &spp, &cmap) != 0) return false;
    *w = lw, *h = lh;
    return true;
}

static PIX *load_image_page(const preprocess_state *st, const char *path, const char *format,
                            page_info *info, yogi_error *err)
{
    long w = 0, h = 0;
    if (!header_size(path, &w, &h)) {
        yogi_fail(err, "Document.Corrupt", "the image header cannot be read");
        return NULL;
    }
    if (check_size(st, w, h, err) != YOGI_OK) return NULL;
    PIX *pix = format && !strcmp(format, "tiff") ? pixReadTiff(path, info->number - 1)
                                                 : pixRead(path);
    if (!pix) {
        yogi_fail(err, "Document.Corrupt", "page %d cannot be decoded", info->number);
        return NULL;
    }
    if (check_size(st, pixGetWidth(pix), pixGetHeight(pix), err) != YOGI_OK) {
        pixDestroy(&pix);
        return NULL;
    }
    int xres = pixGetXRes(pix);
    info->source_dpi = xres >= 50 && xres <= 1200 ? xres : 0;
    PIX *grey = to_grey(pix);
    pixDestroy(&pix);
    if (!grey) yogi_fail(err, "Document.Corrupt", "page %d has no usable pixels", info->number);
    return grey;
}

/* ---- loading: scanned PDF pages --------------------------------------- */

/* Cairo's RGB24 pixels are native-endian 0x00RRGGBB words; luminance into an
 * 8 bpp leptonica image. */
static PIX *surface_to_grey(cairo_surface_t *surface)
{
    int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
    int stride = cairo_image_surface_get_stride(surface);
    const unsigned char *data = cairo_image_surface_get_data(surface);
    PIX *grey = pixCreate(w, h, 8);
    if (!grey) return NULL;
    l_uint32 *line = pixGetData(grey);
    int wpl = pixGetWpl(grey);
    for (int y = 0; y < h; y++, line += wpl) {
        const uint32_t *src = (const uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < w; x++) {
            uint32_t p = src[x];
            unsigned r = p >> 16 & 0xff, g = p >> 8 & 0xff, b = p & 0xff;
            SET_DATA_BYTE(line, x, (r * 77 + g * 150 + b * 29) >> 8);
        }
    }
    return grey;
}

/* A scanned page is usually one picture covering the page: its pixels, at
 * the scanner's own resolution, are the best input there is — rendering at
 * a fixed dpi would only resample them (up for a 100-dpi scan, down for a
 * 600-dpi one) before scale_for_ocr resamples again. Used when one image
 * covers at least 90 % of the page with the page's proportions, at
 * MIN_NATIVE_DPI or more (a picture placed turned or as strips is rendered
 * instead). */
#define PAGE_IMAGE_COVER 0.9
/* Below this a picture is rendered at PDF_DPI instead: scale_for_ocr caps its
 * enlargement at 4x, and a 90-dpi fax needs more than that to reach the
 * text height tesseract reads best. */
#define MIN_NATIVE_DPI 150

static PIX *native_page_image(const preprocess_state *st, PopplerPage *page, double pw,
                              double ph, page_info *info)
{
    GList *maps = poppler_page_get_image_mapping(page);
    PIX *grey = NULL;
    if (!maps || maps->next) goto out; /* none, or several pictures */
    PopplerImageMapping *m = maps->data;
    double aw = m->area.x2 - m->area.x1, ah = m->area.y2 - m->area.y1;
    if (aw * ah < PAGE_IMAGE_COVER * pw * ph) goto out;
    cairo_surface_t *img = poppler_page_get_image(page, m->image_id);
    if (!img) goto out;
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    cairo_format_t fmt = cairo_image_surface_get_format(img);
    bool upright = w > 0 && h > 0 && fabs((double)w / h - aw / ah) < 0.02 * aw / ah;
    bool usable = fmt == CAIRO_FORMAT_RGB24 || fmt == CAIRO_FORMAT_ARGB32;
    yogi_error ignored = {0};
    double dpi = w / (aw / 72);
    if (upright && usable && dpi >= MIN_NATIVE_DPI && check_size(st, w, h, &ignored) == YOGI_OK) {
        grey = surface_to_grey(img);
        info->source_dpi = (int)lround(dpi);
    }
    cairo_surface_destroy(img);
out:
    if (maps) poppler_page_free_image_mapping(maps);
    return grey;
}

static PIX *render_pdf_page(const preprocess_state *st, PopplerDocument *pdf, page_info *info,
                            yogi_error *err)
{
    PopplerPage *page = poppler_document_get_page(pdf, info->number - 1);
    if (!page) {
        yogi_fail(err, "Document.Corrupt", "PDF page %d cannot be read", info->number);
        return NULL;
    }
    double pw, ph, dpi = PDF_DPI;
    poppler_page_get_size(page, &pw, &ph);
    PIX *grey = native_page_image(st, page, pw, ph, info);
    if (grey) goto out_unref;
    /* An outsized page is rendered at a lower resolution, not refused. */
    double px = pw * ph * (dpi / 72) * (dpi / 72);
    if (px > (double)st->max_pixels) dpi *= sqrt((double)st->max_pixels / px);
    /* Rounded down: a page scaled to the limit must not round up past it. */
    long w = (long)floor(pw * dpi / 72), h = (long)floor(ph * dpi / 72);
    if (check_size(st, w, h, err) != YOGI_OK) goto out_unref;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, dpi / 72, dpi / 72);
    poppler_page_render_for_printing(page, cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) grey = surface_to_grey(surface);
    cairo_surface_destroy(surface);
    if (!grey) yogi_fail(err, "States.Runtime", "PDF page %d could not be rendered", info->number);
    info->source_dpi = (int)lround(dpi);
out_unref:
    g_object_unref(page);
    return grey;
}

/* ---- the steps --------------------------------------------------------- */

/* Median height of glyph-shaped connected components of a binarised copy, or
 * 0 when there are too few to tell. */
static double glyph_height(PIX *grey)
{
    PIX *bin = pixConvertTo1(grey, 160);
    BOXA *boxes = bin ? pixConnCompBB(bin, 8) : NULL;
    NUMA *heights = numaCreate(0);
    int n = boxes ? boxaGetCount(boxes) : 0;
    int max_h = pixGetHeight(grey) / 4;
    for (int i = 0; i < n; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
        if (h >= 6 && h <= max_h && w >= 2 && w <= 2 * h) numaAddNumber(heights, (float)h);
    }
    float median = 0;
    if (numaGetCount(heights) >= 10) numaGetMedian(heights, &median);
    numaDestroy(&heights);
    boxaDestroy(&boxes);
    pixDestroy(&bin);
    return median;
}

/* True when the page's background varies enough to defeat a global
 * threshold: the spread of a coarse background map. */
static bool background_uneven(PIX *grey)
{
    PIX *map = NULL;
    if (pixGetBackgroundGrayMap(grey, NULL, 64, 64, 100, 40, &map) != 0 || !map) return false;
    l_int32 lo = 0, hi = 0;
    bool uneven = pixGetRangeValues(map, 1, L_SELECT_RED, &lo, &hi) == 0 && hi - lo > 40;
    pixDestroy(&map);
    return uneven;
}

/* True when a global (Otsu) threshold would take light cell fills for ink:
 * its dark side holds over a third of the page, or over a tenth with a
 * light mean. Ink is a small, dark share of any page; a scan greys the
 * fills under the cut, and their text is lost in them. Normalising makes
 * the fills background. A dark header band is dark and well under a third. */
#define MAX_DARK_SHARE 0.33f
#define FILL_SHARE 0.10f
#define FILL_MEAN 150.0f

static bool fills_defeat_threshold(PIX *grey)
{
    NUMA *hist = pixGetGrayHistogram(grey, 2);
    if (!hist) return false;
    l_int32 split = 0;
    l_float32 mean = 0;
    bool dark = false;
    if (numaSplitDistribution(hist, 0.0f, &split, &mean, NULL, NULL, NULL, NULL) == 0) {
        l_float32 below = 0, total = 0;
        numaGetSumOnInterval(hist, 0, split, &below);
        numaGetSum(hist, &total);
        float share = total > 0 ? below / total : 0;
        dark = share > MAX_DARK_SHARE || (share > FILL_SHARE && mean > FILL_MEAN);
    }
    numaDestroy(&hist);
    return dark;
}

static PIX *normalise_background(PIX *grey, page_info *info)
{
    if (!background_uneven(grey) && !fills_defeat_threshold(grey)) return pixClone(grey);
    PIX *norm = pixBackgroundNorm(grey, NULL, NULL, 64, 64, 100, 40, 230, 2, 2);
    if (!norm) return pixClone(grey);
    info->normalised = true;
    /* Normalised photos keep grey text on a light background; stretching
     * [45, 225] to [0, 255] restored the header times tesseract split or
     * missed on the development set's photos (times found 0.95 -> 1.00). */
    pixGammaTRC(norm, norm, 1.0f, 45, 225);
    return norm;
}

/* Paper grain: the share of neighbouring light pixels (both over 150, on
 * every fourth row) that differ by GRAIN_STEP grey levels or more. Flat
 * paper, rendered or resized, differs only at the edges of strokes (under
 * 4 % on the development set); a phone photo's JPEG smoothing keeps it
 * under 14 %; a scanner's noise makes it 23 % and more (most over 50 %). */
#define GRAIN_STEP 3
#define GRAINY_SHARE 0.2

static bool paper_grainy(PIX *grey)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey);
    const l_uint32 *data = pixGetData(grey);
    long steps = 0, pairs = 0;
    for (int y = 0; y < h; y += 4) {
        const l_uint32 *line = data + (size_t)y * wpl;
        int prev = GET_DATA_BYTE(line, 0);
        for (int x = 1; x < w; x++) {
            int v = GET_DATA_BYTE(line, x);
            if (v > 150 && prev > 150) pairs++, steps += abs(v - prev) >= GRAIN_STEP;
            prev = v;
        }
    }
    return pairs > 0 && (double)steps / pairs > GRAINY_SHARE;
}

/* Skew is measured on a binarised copy (leptonica's line-sum search) and
 * corrected by rotation when the measure is at least somewhat confident.
 * pixFindSkewAndDeskew's own bar (confidence 3) leaves phone photos of a few
 * degrees uncorrected, and those are the pages that need it most; below
 * MIN_SKEW_CONF the "angle" is noise. */
#define MIN_SKEW_CONF 2.0f
#define MAX_SKEW_DEGREES 7.0f

static PIX *deskew(PIX *grey, page_info *info)
{
    PIX *bin = pixConvertTo1(grey, info->normalised ? 160 : 130);
    l_float32 angle = 0, conf = 0;
    bool found = bin && pixFindSkewSweepAndSearch(bin, &angle, &conf, 2, 2, MAX_SKEW_DEGREES,
                                                  1.0f, 0.01f) == 0;
    pixDestroy(&bin);
    if (!found || conf < MIN_SKEW_CONF || fabsf(angle) < 0.1f) return pixClone(grey);
    PIX *straight = pixRotate(grey, angle * (float)M_PI / 180, L_ROTATE_AREA_MAP,
                              L_BRING_IN_WHITE, 0, 0);
    if (!straight) return pixClone(grey);
    info->skew_degrees = angle;
    return straight;
}

static PIX *scale_for_ocr(const preprocess_state *st, PIX *grey, page_info *info)
{
    double h = glyph_height(grey);
    double scale = h > 0 ? st->text_height / h : 1;
    if (scale > 4) scale = 4;
    if (scale < 0.5) scale = 0.5;
    /* Never grow a page past the pixel limit the input itself had to meet. */
    double area = (double)pixGetWidth(grey) * pixGetHeight(grey) * scale * scale;
    if (area > (double)st->max_pixels) scale = sqrt((double)st->max_pixels / area) * scale;
    if (scale > 0.85 && scale < 1.2) scale = 1; /* resampling would cost more than it gains */
    info->scale = scale;
    info->glyph_height = h * scale;
    if (scale == 1) return pixClone(grey);
    return scale > 1 ? pixScaleGrayLI(grey, (float)scale, (float)scale)
                     : pixScaleAreaMap(grey, (float)scale, (float)scale);
}

static PIX *prepare(const preprocess_state *st, PIX *grey, page_info *info)
{
    PIX *norm = st->normalise ? normalise_background(grey, info) : pixClone(grey);
    info->grainy = st->normalise && !info->normalised && paper_grainy(grey);
    perspective persp;
    bool warp = perspective_find(norm, &persp);
    PIX *straight = warp ? pixClone(norm) : deskew(norm, info);
    PIX *scaled = scale_for_ocr(st, straight, info);
    PIX *ready = scaled;
    /* The warp is applied after scaling: interpolating on the finer grid
     * keeps strokes sharper than warping first and enlarging after. */
    if (warp && scaled) {
        ready = perspective_apply(scaled, &persp, info->scale);
        info->perspective_px = ready ? persp.shift_px * info->scale : 0;
        if (ready) pixDestroy(&scaled);
        else ready = scaled;
    }
    pixDestroy(&norm);
    pixDestroy(&straight);
    return ready;
}

/* The image tesseract's first pass reads, when it is not the page itself:
 * on grainy paper (a scan) a global threshold turns the grain on light cell
 * fills into speckle, and tesseract's layout then drops the text inside as
 * noise (development scans lost whole columns of subjects). The background
 * normalised, fills and paper both go white and the speckle with them. The
 * page the structure is found on keeps its fills: an unruled grid is found
 * from them. Pixels darker than 160 count as ink when the background is
 * estimated, so that mid-grey coloured text is not taken for background
 * and washed out. NULL when the page itself is the best input. */
static PIX *ocr_image(PIX *ready, const page_info *info)
{
    if (!info->grainy || info->normalised) return NULL;
    return pixBackgroundNorm(ready, NULL, NULL, 64, 64, 160, 40, 230, 2, 2);
}

/* The page's resolution as tesseract should assume it: body text of about
 * 10 pt is glyph_height px high at 300 dpi once scaled, whatever the file's
 * metadata claims (phone photos say 72). */
static int effective_dpi(const preprocess_state *st, const page_info *info)
{
    if (info->glyph_height > 0) return (int)lround(300.0 * info->glyph_height / st->text_height);
    if (info->source_dpi > 0) return (int)lround(info->source_dpi * info->scale);
    return 300;
}

static json_t *write_page(const preprocess_state *st, PIX *pix, const char *dir,
                          const page_info *info, yogi_error *err)
{
    char path[4200];
    /* Uncompressed TIFF: the OCR and the timetable builder each read the
     * page once, soon, on this machine. PNG (even zlib level 1, which
     * libpng still filters row by row) cost 25-135 ms to write and
     * 13-70 ms per read on the dev pages, TIFF 3-6 and 2-4 ms: a tenth of
     * a document's CPU. The file is 10-15 times larger, and temporary. */
    snprintf(path, sizeof path, "%s/page-%d.tif", dir, info->number);
    if (pixWrite(path, pix, IFF_TIFF) != 0) {
        yogi_fail(err, "States.Runtime", "cannot write %s", path);
        return NULL;
    }
    /* Without its own image (none needed, or none written) tesseract reads
     * the page: a worse reading, not a failure. */
    PIX *for_ocr = ocr_image(pix, info);
    char ocr_path[4200] = "";
    if (for_ocr) {
        snprintf(ocr_path, sizeof ocr_path, "%s/page-%d-ocr.tif", dir, info->number);
        pixSetSpecial(for_ocr, 10 + 1);
        if (pixWrite(ocr_path, for_ocr, IFF_TIFF) != 0) ocr_path[0] = '\0';
        pixDestroy(&for_ocr);
    }
    json_t *out = json_pack("{s:i, s:s, s:i, s:i, s:i, s:f, s:f, s:b, s:f}", "page",
                            info->number, "path", path, "width", pixGetWidth(pix), "height",
                            pixGetHeight(pix), "dpi", effective_dpi(st, info), "scale",
                            round(info->scale * 1000) / 1000, "skew_degrees",
                            round(info->skew_degrees * 100) / 100, "background_normalised",
                            info->normalised, "perspective_px",
                            round(info->perspective_px * 10) / 10);
    if (out && ocr_path[0]) json_object_set_new(out, "ocr_path", json_string(ocr_path));
    return out;
}

/* ---- invoke ------------------------------------------------------------- */

static int process_pages(const preprocess_state *st, const char *path, const json_t *cls,
                         const char *dir, json_t *pages, yogi_error *err)
{
    const char *type = json_string_value(json_object_get(cls, "type"));
    const char *format = json_string_value(json_object_get(cls, "format"));
    json_int_t count = json_integer_value(json_object_get(cls, "pages"));
    if (count < 1) count = 1;
    if (count > MAX_PAGES)
        return yogi_fail(err, "Document.TooManyPages", "%lld pages", (long long)count);
    bool is_pdf = type && !strcmp(type, "pdf-scanned");
    PopplerDocument *pdf = is_pdf ? pdf_open_file(path, err) : NULL;
    if (is_pdf && !pdf) return YOGI_FAILED;
    int rc = YOGI_OK;
    for (int i = 1; i <= count && rc == YOGI_OK; i++) {
        page_info info = {.number = i, .scale = 1};
        PIX *grey = pdf ? render_pdf_page(st, pdf, &info, err)
                        : load_image_page(st, path, format, &info, err);
        PIX *ready = grey ? prepare(st, grey, &info) : NULL;
        json_t *page = ready ? write_page(st, ready, dir, &info, err) : NULL;
        if (grey && !ready) yogi_fail(err, "States.Runtime", "page %d: preprocessing failed", i);
        if (page) json_array_append_new(pages, page);
        else rc = YOGI_FAILED;
        pixDestroy(&ready);
        pixDestroy(&grey);
        if (st->host && st->host->heartbeat) st->host->heartbeat();
    }
    if (pdf) g_object_unref(pdf);
    return rc;
}

static int preprocess_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                             yogi_error *err)
{
    preprocess_state *st = state;
    const char *path = json_string_value(json_object_get(input, "path"));
    json_t *cls = json_object_get(input, "classification");
    if (!path || path[0] != '/' || !json_is_object(cls))
        return yogi_fail(err, "States.Runtime",
                         "input needs \"path\" (absolute) and \"classification\"");
    char dir[4096];
    const char *data_dir = st->host && st->host->data_dir ? st->host->data_dir : ".";
    if (workdir_make(data_dir, call ? call->execution_id : NULL, dir, sizeof dir, err) != YOGI_OK)
        return YOGI_FAILED;
    json_t *pages = json_array();
    if (process_pages(st, path, cls, dir, pages, err) != YOGI_OK) {
        json_decref(pages);
        return YOGI_FAILED;
    }
    *output = json_pack("{s:o}", "pages", pages);
    return YOGI_OK;
}

YOGI_PLUGIN(preprocess, preprocess_init, preprocess_invoke, preprocess_destroy)
