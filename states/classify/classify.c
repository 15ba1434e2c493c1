/*
 * classify.c — what kind of document is this? (plugin:classify)
 *
 * Input {"path": "/abs/file", "document_id"?}; when a document id is given,
 * its record's "type" is set through documents.update. Output
 *   {"type": "image"|"pdf-text"|"pdf-scanned", "format": "png"|"jpeg"|"tiff"|
 *    "webp"|"bmp"|"pdf", "pages": n, "width": w, "height": h, "bytes": n}
 * (for PDFs, width and height are the first page's size in points).
 *
 * The decision rests on the bytes alone, never on the file name or the
 * declared content type: a teacher's "timetable.png" may well be a JPEG. The
 * checks are cheap — magic bytes, the image header, the end-of-stream marker
 * for formats that have one — so that bad input fails here, by name, before
 * anything is decoded:
 *   Document.Empty        zero bytes
 *   Document.Unsupported  none of the formats above
 *   Document.Corrupt      a header that does not parse, a stream cut short
 *   Document.Encrypted    a PDF that needs a password to open
 *   Document.TooLarge     more bytes or pixels than the limits allow
 *   Document.TooSmall     an image under 32 pixels on a side
 *   Document.TooManyPages more pages than document.max_pages (default 20)
 * A PDF has a text layer when its pages carry extractable text; a PDF whose
 * pages are only pictures is "pdf-scanned" and goes to OCR like an image.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <leptonica/allheaders.h>
#include <poppler.h>

#include "yogi/plugin.h"

#include "../plugin_config.h"
#include "../pdf_open.h"

#define DEFAULT_MAX_BYTES (64L * 1024 * 1024)
#define DEFAULT_MAX_PIXELS 40000000L
#define DEFAULT_MAX_PAGES 20
#define MIN_SIDE 32
/* Alphanumeric characters a PDF must carry per page, on average, to count as
 * having a text layer (a scanned page has none, or a stray page number). */
#define TEXT_CHARS_PER_PAGE 16

typedef struct classify_state {
    const yogi_host *host;
    long max_bytes, max_pixels, max_pages;
} classify_state;

typedef struct document_bytes {
    unsigned char *data;
    size_t len;
} document_bytes;

static int classify_init(const yogi_host *host, void **state, yogi_error *err)
{
    classify_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "States.Runtime", "out of memory");
    st->host = host;
    st->max_bytes = config_long(host, "document.max_bytes", DEFAULT_MAX_BYTES);
    st->max_pixels = config_long(host, "document.max_pixels", DEFAULT_MAX_PIXELS);
    st->max_pages = config_long(host, "document.max_pages", DEFAULT_MAX_PAGES);
    setMsgSeverity(L_SEVERITY_NONE); /* leptonica reports through return values */
    *state = st;
    return YOGI_OK;
}

static void classify_destroy(void *state)
{
    free(state);
}

static int read_document(const char *path, long max_bytes, document_bytes *doc, yogi_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return yogi_fail(err, "Document.NotFound", "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return yogi_fail(err, "Document.NotFound", "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        fclose(f);
        return yogi_fail(err, "Document.Empty", "the file is empty (0 bytes)");
    }
    if (st.st_size > max_bytes) {
        fclose(f);
        return yogi_fail(err, "Document.TooLarge", "%lld bytes; the limit is %ld",
                         (long long)st.st_size, max_bytes);
    }
    doc->len = (size_t)st.st_size;
    doc->data = malloc(doc->len);
    if (!doc->data) {
        fclose(f);
        return yogi_fail(err, "States.Runtime", "out of memory for %zu bytes", doc->len);
    }
    size_t got = fread(doc->data, 1, doc->len, f);
    fclose(f);
    if (got != doc->len) {
        free(doc->data);
        return yogi_fail(err, "Document.Corrupt", "%s: short read", path);
    }
    return YOGI_OK;
}

static bool has_prefix(const document_bytes *d, const void *magic, size_t n)
{
    return d->len >= n && memcmp(d->data, magic, n) == 0;
}

/* Search for `needle` in the last `window` bytes. */
static bool tail_contains(const document_bytes *d, const void *needle, size_t n, size_t window)
{
    size_t from = d->len > window ? d->len - window : 0;
    return d->len >= n && memmem(d->data + from, d->len - from, needle, n) != NULL;
}

static bool is_pdf(const document_bytes *d)
{
    size_t window = d->len < 1024 ? d->len : 1024; /* junk before %PDF- is tolerated */
    return memmem(d->data, window, "%PDF-", 5) != NULL;
}

static const char *image_format(const document_bytes *d)
{
    if (has_prefix(d, "\x89PNG\r\n\x1a\n", 8)) return "png";
    if (has_prefix(d, "\xff\xd8\xff", 3)) return "jpeg";
    if (has_prefix(d, "II*\0", 4) || has_prefix(d, "MM\0*", 4)) return "tiff";
    if (d->len >= 12 && !memcmp(d->data, "RIFF", 4) && !memcmp(d->data + 8, "WEBP", 4))
        return "webp";
    if (has_prefix(d, "BM", 2) && d->len >= 26) return "bmp";
    return NULL;
}

static uint32_t read_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A stream cut short, for the formats that say where they end. */
static bool image_truncated(const document_bytes *d, const char *format)
{
    if (!strcmp(format, "png")) return !tail_contains(d, "IEND", 4, 64);
    if (!strcmp(format, "jpeg")) return !tail_contains(d, "\xff\xd9", 2, 64 * 1024);
    if (!strcmp(format, "webp")) return (size_t)read_le32(d->data + 4) + 8 > d->len;
    if (!strcmp(format, "bmp")) return read_le32(d->data + 10) >= d->len;
    return false; /* TIFF has no end marker; decoding will tell */
}

static int tiff_pages(const document_bytes *d)
{
    FILE *f = fmemopen(d->data, d->len, "rb");
    l_int32 n = 0;
    if (f) {
        if (tiffGetCount(f, &n) != 0) n = 0;
        fclose(f);
    }
    return n;
}

static int check_image_size(const classify_state *st, long w, long h, yogi_error *err)
{
    if (w > st->max_pixels / (h > 0 ? h : 1))
        return yogi_fail(err, "Document.TooLarge", "%ld x %ld pixels; the limit is %ld pixels",
                         w, h, st->max_pixels);
    if (w < MIN_SIDE || h < MIN_SIDE)
        return yogi_fail(err, "Document.TooSmall",
                         "%ld x %ld pixels; a readable timetable needs at least %d on a side",
                         w, h, MIN_SIDE);
    return YOGI_OK;
}

static uint32_t read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Width and height from the header alone. A PNG's IHDR sits at a fixed
 * offset; leptonica wants more of the file than that before it looks. */
static bool image_dimensions(const document_bytes *d, const char *format, long *w, long *h)
{
    if (!strcmp(format, "png") && d->len >= 24 && !memcmp(d->data + 12, "IHDR", 4)) {
        *w = read_be32(d->data + 16);
        *h = read_be32(d->data + 20);
        return *w > 0 && *h > 0;
    }
    l_int32 type, lw = 0, lh = 0, bps, spp, cmap;
    if (pixReadHeaderMem(d->data, d->len, &type, &lw, &lh, &bps, &spp, &cmap) != 0) return false;
    *w = lw;
    *h = lh;
    return lw > 0 && lh > 0;
}

static int classify_image(const classify_state *st, const document_bytes *d, const char *format,
                          json_t **out, yogi_error *err)
{
    long w = 0, h = 0;
    /* The header comes first: a header claiming 100000 x 100000 pixels is
     * "too large" even when the rest of the file is missing. */
    if (!image_dimensions(d, format, &w, &h))
        return yogi_fail(err, "Document.Corrupt", "the %s header cannot be read", format);
    if (check_image_size(st, w, h, err) != YOGI_OK) return YOGI_FAILED;
    if (image_truncated(d, format))
        return yogi_fail(err, "Document.Corrupt", "the %s data is truncated (%zu bytes)", format,
                         d->len);
    int pages = !strcmp(format, "tiff") ? tiff_pages(d) : 1;
    if (pages < 1) return yogi_fail(err, "Document.Corrupt", "the TIFF has no readable page");
    if (pages > st->max_pages)
        return yogi_fail(err, "Document.TooManyPages", "%d pages; the limit is %ld", pages,
                         st->max_pages);
    *out = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I}", "type", "image", "format", format,
                     "pages", pages, "width", (int)w, "height", (int)h, "bytes", (json_int_t)d->len);
    return YOGI_OK;
}

static size_t alnum_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        n += isalnum(*p) || *p >= 0x80;
    return n;
}

static int classify_pdf(const classify_state *st, const document_bytes *d, json_t **out,
                        yogi_error *err)
{
    PopplerDocument *pdf = pdf_open_bytes(d->data, d->len, err);
    if (!pdf) return YOGI_FAILED;
    int pages = poppler_document_get_n_pages(pdf);
    int rc = YOGI_FAILED;
    if (pages < 1) {
        yogi_fail(err, "Document.Corrupt", "the PDF has no pages");
        goto out_unref;
    }
    if (pages > st->max_pages) {
        yogi_fail(err, "Document.TooManyPages", "%d pages; the limit is %ld", pages,
                  st->max_pages);
        goto out_unref;
    }
    double width = 0, height = 0;
    size_t chars = 0;
    for (int i = 0; i < pages; i++) {
        PopplerPage *page = poppler_document_get_page(pdf, i);
        if (!page) continue;
        if (i == 0) poppler_page_get_size(page, &width, &height);
        char *text = poppler_page_get_text(page);
        chars += alnum_chars(text);
        g_free(text);
        g_object_unref(page);
    }
    if (width < 1 || height < 1) {
        yogi_fail(err, "Document.Corrupt", "the PDF's first page has no size");
        goto out_unref;
    }
    const char *type = chars >= (size_t)pages * TEXT_CHARS_PER_PAGE ? "pdf-text" : "pdf-scanned";
    *out = json_pack("{s:s, s:s, s:i, s:i, s:i, s:I}", "type", type, "format", "pdf", "pages",
                     pages, "width", (int)(width + 0.5), "height", (int)(height + 0.5), "bytes",
                     (json_int_t)d->len);
    rc = YOGI_OK;
out_unref:
    g_object_unref(pdf);
    return rc;
}

static int classify_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                           yogi_error *err)
{
    classify_state *st = state;
    const char *path = json_string_value(json_object_get(input, "path"));
    if (!path || path[0] != '/')
        return yogi_fail(err, "States.Runtime", "input needs \"path\", an absolute file path");
    document_bytes d = {0};
    if (read_document(path, st->max_bytes, &d, err) != YOGI_OK) return YOGI_FAILED;
    int rc;
    const char *format = image_format(&d);
    if (format)
        rc = classify_image(st, &d, format, output, err);
    else if (is_pdf(&d))
        rc = classify_pdf(st, &d, output, err);
    else
        rc = yogi_fail(err, "Document.Unsupported",
                       "not a PNG, JPEG, TIFF, WebP, BMP or PDF document");
    free(d.data);
    if (rc == YOGI_OK && !*output) rc = yogi_fail(err, "States.Runtime", "out of memory");
    const char *doc_id = json_string_value(json_object_get(input, "document_id"));
    const char *type = json_string_value(json_object_get(*output, "type"));
    if (rc == YOGI_OK && doc_id && type && st->host && st->host->call) {
        /* The document record shows what it is ("type"); bookkeeping, so a
         * failure here does not fail the classification. */
        json_t *args = json_pack("{s:s, s:s}", "id", doc_id, "type", type), *res = NULL;
        yogi_error ignored;
        st->host->call("documents.update", args, &res, &ignored);
        json_decref(args);
        json_decref(res);
    }
    return rc;
}

YOGI_PLUGIN(classify, classify_init, classify_invoke, classify_destroy)
