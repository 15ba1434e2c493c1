/*
 * test_pipeline_plugins.c — the document pipeline's plugins, loaded the way a
 * worker loads them (dlopen of build/states/NAME.so) and driven through the
 * plugin ABI with a fake host.
 *
 * Every fixture is made here: images of each format with leptonica, PDFs
 * with cairo (a text layer, a picture only, many pages), and hand-written
 * bytes for what no library will produce (a PNG header claiming 100000 x
 * 100000 pixels, an encrypted PDF, truncated streams). Each test runs in its
 * own temporary directory (tests/test.c), which is also the host's data_dir.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <leptonica/allheaders.h>

#include "test.h"
#include "yogi/plugin.h"

/* The HMAC vectors test the notify plugin's own SHA-256, compiled in here:
 * the plugin exports nothing but its entry point. */
#include "hash.h"

/* ---- a fake host ------------------------------------------------------ */

static char data_dir[PATH_MAX];
static json_t *config_values; /* key -> string */
static json_t *host_calls;    /* [{"op","args"}...] */

static void fake_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "# log %d: ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *fake_config(const char *key)
{
    return config_values ? json_string_value(json_object_get(config_values, key)) : NULL;
}

static int fake_call(const char *op, json_t *args, json_t **result, yogi_error *err)
{
    if (!host_calls) host_calls = json_array();
    json_array_append_new(host_calls, json_pack("{s:s, s:O}", "op", op, "args", args));
    *result = json_object();
    return YOGI_OK;
}

static void fake_heartbeat(void) {}

static yogi_host fake_host(void)
{
    if (!data_dir[0] && !getcwd(data_dir, sizeof data_dir)) snprintf(data_dir, 2, ".");
    yogi_host h = {YOGI_PLUGIN_ABI, sizeof(yogi_host), fake_log, fake_config, data_dir,
                   fake_call, fake_heartbeat, NULL};
    return h;
}

static void set_config(const char *key, const char *value)
{
    if (!config_values) config_values = json_object();
    json_object_set_new(config_values, key, json_string(value));
}

/* ---- loading and invoking a plugin ------------------------------------ */

typedef struct loaded_plugin {
    void *dl;
    const yogi_plugin *p;
    void *state;
    yogi_host host;
} loaded_plugin;

static bool plugin_load(loaded_plugin *lp, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/states/%s.so", test_build_dir(), name);
    memset(lp, 0, sizeof *lp);
    lp->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lp->dl) {
        test_fail_(__FILE__, __LINE__, "dlopen %s: %s", path, dlerror());
        return false;
    }
    const yogi_plugin *(*entry)(void) =
        (const yogi_plugin *(*)(void))dlsym(lp->dl, YOGI_PLUGIN_ENTRY_SYMBOL);
    lp->p = entry ? entry() : NULL;
    if (!lp->p || strcmp(lp->p->name, name) != 0) {
        test_fail_(__FILE__, __LINE__, "%s: bad entry point", name);
        return false;
    }
    lp->host = fake_host();
    yogi_error err = {0};
    if (lp->p->init && lp->p->init(&lp->host, &lp->state, &err) != YOGI_OK) {
        test_fail_(__FILE__, __LINE__, "%s init: %s: %s", name, err.name, err.cause);
        return false;
    }
    return true;
}

static void plugin_unload(loaded_plugin *lp)
{
    if (lp->p && lp->p->destroy) lp->p->destroy(lp->state);
    /* Not dlclosed: glib and tesseract do not unload cleanly, as in a worker. */
}

/* Invoke; returns the output (new reference) or NULL with *err filled. */
static json_t *plugin_run(loaded_plugin *lp, json_t *input, const char *token, yogi_error *err)
{
    yogi_call call = {sizeof(yogi_call), "exec-1", "test", "State", "plugin:x", token, NULL,
                      0, 0};
    json_t *out = NULL;
    memset(err, 0, sizeof *err);
    if (lp->p->invoke(lp->state, &call, input, &out, err) != YOGI_OK) {
        json_decref(out);
        return NULL;
    }
    return out ? out : json_null();
}

/* ---- fixtures ---------------------------------------------------------- */

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) test_fail_(__FILE__, __LINE__, "write %s", path);
    if (f) fclose(f);
}

static char *abs_path(const char *name)
{
    static char buf[PATH_MAX + 256];
    if (!data_dir[0] && !getcwd(data_dir, sizeof data_dir)) return NULL;
    snprintf(buf, sizeof buf, "%s/%s", data_dir, name);
    return buf;
}

/* A grey page with dark bars where lines of text would be. */
static PIX *make_page(int w, int h)
{
    PIX *pix = pixCreate(w, h, 8);
    pixSetAll(pix);
    for (int y = h / 8; h >= 64 && y + h / 20 < h - h / 8; y += h / 8) {
        BOX *box = boxCreate(w / 10, y, w * 6 / 10, h / 20);
        pixClearInRect(pix, box);
        boxDestroy(&box);
    }
    return pix;
}

static void write_image(const char *name, int format, int w, int h)
{
    PIX *pix = make_page(w, h);
    l_uint8 *data = NULL;
    size_t size = 0;
    if (pixWriteMem(&data, &size, pix, format) != 0)
        test_fail_(__FILE__, __LINE__, "encode %s", name);
    else
        write_bytes(name, data, size);
    free(data);
    pixDestroy(&pix);
}

static void write_pdf(const char *name, int pages, bool with_text)
{
    cairo_surface_t *s = cairo_pdf_surface_create(name, 595, 842);
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < pages; i++) {
        if (with_text) {
            cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_NORMAL);
            cairo_set_font_size(cr, 14);
            const char *rows[] = {"Day 9:00-10:00 10:00-11:00", "Monday Maths English",
                                  "Tuesday Science History"};
            for (int r = 0; r < 3; r++) {
                cairo_move_to(cr, 60, 100 + 30 * r);
                cairo_show_text(cr, rows[r]);
            }
        } else {
            cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 200, 100);
            cairo_t *ic = cairo_create(img);
            cairo_set_source_rgb(ic, 1, 1, 1);
            cairo_paint(ic);
            cairo_set_source_rgb(ic, 0, 0, 0);
            cairo_rectangle(ic, 20, 20, 150, 10);
            cairo_fill(ic);
            cairo_destroy(ic);
            cairo_set_source_surface(cr, img, 50, 50);
            cairo_paint(cr);
            cairo_surface_destroy(img);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
}

/* A PDF whose standard security handler wants a user password: no library
 * here writes one, and poppler needs only the /Encrypt dictionary to refuse. */
static void write_encrypted_pdf(const char *name)
{
    const char *pdf =
        "%PDF-1.4\n"
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
        "4 0 obj << /Filter /Standard /V 1 /R 2 /P -44 "
        "/O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> "
        "/U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> >> endobj\n"
        "trailer << /Root 1 0 R /Size 5 /Encrypt 4 0 R "
        "/ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>] >>\n"
        "%%EOF\n";
    write_bytes(name, pdf, strlen(pdf));
}

/* A PNG signature and IHDR chunk only, claiming the given size. */
static void write_png_header(const char *name, uint32_t w, uint32_t h)
{
    unsigned char png[33] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                             'I', 'H', 'D', 'R'};
    for (int i = 0; i < 4; i++) {
        png[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        png[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    png[24] = 8; /* bit depth */
    png[25] = 0; /* grey */
    write_bytes(name, png, sizeof png);
}

static void truncate_copy(const char *from, const char *to, double keep)
{
    FILE *f = fopen(from, "rb");
    if (!f) {
        test_fail_(__FILE__, __LINE__, "open %s", from);
        return;
    }
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_bytes(to, buf, (size_t)(n * keep));
}

/* ---- classify ---------------------------------------------------------- */

static json_t *run_plugin(const char *plugin, json_t *input, yogi_error *err);

static json_t *classify(const char *name, yogi_error *err)
{
    loaded_plugin lp;
    if (!plugin_load(&lp, "classify")) return NULL;
    json_t *in = json_pack("{s:s}", "path", abs_path(name));
    json_t *out = plugin_run(&lp, in, NULL, err);
    json_decref(in);
    plugin_unload(&lp);
    return out;
}

static void expect_type(const char *name, const char *type, const char *format, int pages)
{
    yogi_error err;
    json_t *out = classify(name, &err);
    if (!out) {
        test_fail_(__FILE__, __LINE__, "%s: %s: %s", name, err.name, err.cause);
        return;
    }
    CHECK_STR(json_string_value(json_object_get(out, "type")), type);
    CHECK_STR(json_string_value(json_object_get(out, "format")), format);
    CHECK_INT(json_integer_value(json_object_get(out, "pages")), pages);
    json_decref(out);
}

static void expect_error(const char *name, const char *error)
{
    yogi_error err;
    json_t *out = classify(name, &err);
    if (out) {
        char *s = json_dumps(out, 0);
        test_fail_(__FILE__, __LINE__, "%s: expected %s, got %s", name, error, s);
        free(s);
        json_decref(out);
        return;
    }
    if (strcmp(err.name, error) != 0)
        test_fail_(__FILE__, __LINE__, "%s: expected %s, got %s (%s)", name, error, err.name,
                   err.cause);
    CHECK(err.cause[0] != '\0');
}

static void test_classify_images(void)
{
    write_image("a.png", IFF_PNG, 400, 300);
    write_image("a.jpg", IFF_JFIF_JPEG, 400, 300);
    write_image("a.tif", IFF_TIFF_ZIP, 400, 300);
    write_image("a.webp", IFF_WEBP, 400, 300);
    write_image("a.bmp", IFF_BMP, 400, 300);
    expect_type("a.png", "image", "png", 1);
    expect_type("a.jpg", "image", "jpeg", 1);
    expect_type("a.tif", "image", "tiff", 1);
    expect_type("a.webp", "image", "webp", 1);
    expect_type("a.bmp", "image", "bmp", 1);
    yogi_error err;
    json_t *out = classify("a.png", &err);
    CHECK_INT(json_integer_value(json_object_get(out, "width")), 400);
    CHECK_INT(json_integer_value(json_object_get(out, "height")), 300);
    json_decref(out);
}

/* A TIFF holds pages: each is classified, counted and preprocessed. */
static void test_multipage_tiff(void)
{
    PIX *pix = make_page(400, 300);
    pixWriteTiff("two.tif", pix, IFF_TIFF_ZIP, "w");
    pixWriteTiff("two.tif", pix, IFF_TIFF_ZIP, "a");
    pixDestroy(&pix);
    expect_type("two.tif", "image", "tiff", 2);
    yogi_error err;
    json_t *cls = classify("two.tif", &err);
    json_t *in = json_pack("{s:s, s:o}", "path", abs_path("two.tif"), "classification", cls);
    json_t *out = run_plugin("preprocess", in, &err);
    CHECK_INT(json_array_size(json_object_get(out, "pages")), 2);
    json_decref(out);
    json_decref(in);
}

static void test_classify_ignores_file_name(void)
{
    write_image("really-a-jpeg.png", IFF_JFIF_JPEG, 400, 300);
    expect_type("really-a-jpeg.png", "image", "jpeg", 1);
    write_image("really-a-png.pdf", IFF_PNG, 400, 300);
    expect_type("really-a-png.pdf", "image", "png", 1);
}

static void test_classify_pdfs(void)
{
    write_pdf("text.pdf", 1, true);
    write_pdf("scan.pdf", 2, false);
    expect_type("text.pdf", "pdf-text", "pdf", 1);
    expect_type("scan.pdf", "pdf-scanned", "pdf", 2);
}

static void test_classify_bad_input(void)
{
    write_bytes("empty.png", "", 0);
    expect_error("empty.png", "Document.Empty");
    unsigned char noise[4096];
    srand(42);
    for (size_t i = 0; i < sizeof noise; i++) noise[i] = (unsigned char)rand();
    noise[0] = 'x'; /* no accidental magic */
    write_bytes("noise.png", noise, sizeof noise);
    expect_error("noise.png", "Document.Unsupported");
    write_bytes("gif.gif", "GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);
    expect_error("gif.gif", "Document.Unsupported");
    write_image("whole.png", IFF_PNG, 400, 300);
    truncate_copy("whole.png", "cut.png", 0.5);
    expect_error("cut.png", "Document.Corrupt");
    write_image("whole.jpg", IFF_JFIF_JPEG, 400, 300);
    truncate_copy("whole.jpg", "cut.jpg", 0.6);
    expect_error("cut.jpg", "Document.Corrupt");
    write_png_header("huge.png", 100000, 100000);
    expect_error("huge.png", "Document.TooLarge");
    write_image("tiny.png", IFF_PNG, 1, 1);
    expect_error("tiny.png", "Document.TooSmall");
}

static void test_classify_bad_pdfs(void)
{
    write_bytes("malformed.pdf", "%PDF-1.4\nthis is not a pdf at all\n", 34);
    expect_error("malformed.pdf", "Document.Corrupt");
    write_encrypted_pdf("locked.pdf");
    expect_error("locked.pdf", "Document.Encrypted");
    write_pdf("long.pdf", 50, true);
    expect_error("long.pdf", "Document.TooManyPages");
    set_config("document.max_pages", "60");
    expect_type("long.pdf", "pdf-text", "pdf", 50);
    write_pdf("whole.pdf", 1, true);
    truncate_copy("whole.pdf", "cut.pdf", 0.3);
    expect_error("cut.pdf", "Document.Corrupt");
}

/* ---- preprocess, ocr, pdftext ------------------------------------------ */

/* A PNG of real text, drawn with cairo, for the OCR to read. */
static void write_text_png(const char *name)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 900, 300);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 36);
    cairo_move_to(cr, 40, 90);
    cairo_show_text(cr, "Monday 9:00 Maths");
    cairo_move_to(cr, 40, 200);
    cairo_show_text(cr, "Tuesday 10:00 English");
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, name);
    cairo_surface_destroy(s);
}

static json_t *run_plugin(const char *plugin, json_t *input, yogi_error *err)
{
    loaded_plugin lp;
    if (!plugin_load(&lp, plugin)) {
        snprintf(err->name, sizeof err->name, "load");
        return NULL;
    }
    json_t *out = plugin_run(&lp, input, NULL, err);
    plugin_unload(&lp);
    return out;
}

static json_t *preprocess(const char *name, yogi_error *err)
{
    json_t *cls = classify(name, err);
    if (!cls) return NULL;
    json_t *in = json_pack("{s:s, s:o}", "path", abs_path(name), "classification", cls);
    json_t *out = run_plugin("preprocess", in, err);
    json_decref(in);
    return out;
}

/* The word `text` of a words format, or NULL. */
static json_t *word_named(json_t *words_format, const char *text)
{
    size_t i, k;
    json_t *page, *w;
    json_array_foreach(json_object_get(words_format, "pages"), i, page)
        json_array_foreach(json_object_get(page, "words"), k, w)
            if (!strcmp(json_string_value(json_object_get(w, "text")), text)) return w;
    return NULL;
}

static bool has_word(json_t *words_format, const char *text)
{
    return word_named(words_format, text) != NULL;
}

/* Every box lies inside its page image. */
static void check_boxes(json_t *words_format)
{
    size_t i, k;
    json_t *page, *w;
    json_array_foreach(json_object_get(words_format, "pages"), i, page) {
        json_int_t W = json_integer_value(json_object_get(page, "width"));
        json_int_t H = json_integer_value(json_object_get(page, "height"));
        CHECK(access(json_string_value(json_object_get(page, "image")), R_OK) == 0);
        json_array_foreach(json_object_get(page, "words"), k, w) {
            json_int_t x = json_integer_value(json_object_get(w, "x"));
            json_int_t y = json_integer_value(json_object_get(w, "y"));
            CHECK(x >= 0 && y >= 0 && x + json_integer_value(json_object_get(w, "w")) <= W &&
                  y + json_integer_value(json_object_get(w, "h")) <= H);
            CHECK(json_integer_value(json_object_get(w, "line")) >= 1);
        }
    }
}

static void test_preprocess_writes_pages(void)
{
    write_image("page.png", IFF_PNG, 800, 600);
    yogi_error err;
    json_t *out = preprocess("page.png", &err);
    if (!out) {
        test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
        return;
    }
    json_t *page = json_array_get(json_object_get(out, "pages"), 0);
    const char *path = json_string_value(json_object_get(page, "path"));
    CHECK(path && strstr(path, "/work/exec-1/page-1.tif") != NULL);
    CHECK(path && access(path, R_OK) == 0);
    CHECK(json_integer_value(json_object_get(page, "dpi")) > 0);
    CHECK(json_number_value(json_object_get(page, "scale")) > 0);
    json_decref(out);
}

static void test_preprocess_refuses_before_decoding(void)
{
    loaded_plugin lp;
    if (!plugin_load(&lp, "preprocess")) return;
    write_png_header("huge.png", 100000, 100000);
    write_image("tiny.png", IFF_PNG, 8, 8);
    write_image("whole.png", IFF_PNG, 400, 300);
    truncate_copy("whole.png", "cut.png", 0.5);
    const char *names[] = {"huge.png", "tiny.png", "cut.png"};
    const char *errors[] = {"Document.TooLarge", "Document.TooSmall", "Document.Corrupt"};
    for (int i = 0; i < 3; i++) {
        json_t *in = json_pack("{s:s, s:{s:s, s:s, s:i}}", "path", abs_path(names[i]),
                               "classification", "type", "image", "format", "png", "pages", 1);
        yogi_error err;
        json_t *out = plugin_run(&lp, in, NULL, &err);
        CHECK(out == NULL);
        if (strcmp(err.name, errors[i]) != 0)
            test_fail_(__FILE__, __LINE__, "%s: expected %s, got %s", names[i], errors[i],
                       err.name);
        json_decref(out);
        json_decref(in);
    }
    plugin_unload(&lp);
}

static void test_ocr_reads_words(void)
{
    write_text_png("text.png");
    yogi_error err;
    json_t *pages = preprocess("text.png", &err);
    if (!pages) {
        test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
        return;
    }
    loaded_plugin lp;
    if (!plugin_load(&lp, "ocr")) return;
    json_t *out = plugin_run(&lp, pages, NULL, &err);
    if (!out) {
        test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
    } else {
        CHECK_STR(json_string_value(json_object_get(out, "source")), "ocr");
        CHECK(has_word(out, "Monday"));
        CHECK(has_word(out, "Tuesday"));
        CHECK(has_word(out, "Maths"));
        check_boxes(out);
    }
    json_decref(out);
    /* The same engine reads a second page: it is reused, not reinitialised. */
    out = plugin_run(&lp, pages, NULL, &err);
    CHECK(out && has_word(out, "English"));
    json_decref(out);
    json_decref(pages);
    plugin_unload(&lp);
}

/* The image preprocessed and read by OCR: each of the n words expected
 * must be among the words read. */
static void expect_ocr_words(const char *name, const char *const *expected, int n)
{
    yogi_error err;
    json_t *pages = preprocess(name, &err);
    json_t *out = pages ? run_plugin("ocr", pages, &err) : NULL;
    if (!out)
        test_fail_(__FILE__, __LINE__, "%s: %s: %s", name, err.name, err.cause);
    for (int k = 0; out && k < n; k++)
        if (!has_word(out, expected[k]))
            test_fail_(__FILE__, __LINE__, "%s: \"%s\" not read", name, expected[k]);
    json_decref(out);
    json_decref(pages);
}

/* A scanned grid whose light cell fills cover most of the page, greyed by
 * the scanner: paper 235, fills 200 (under a global threshold's cut), text
 * 60 inside the fills. */
static void write_filled_scan_png(const char *name)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1200, 800);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 235 / 255.0, 235 / 255.0, 235 / 255.0);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 200 / 255.0, 200 / 255.0, 200 / 255.0);
    cairo_rectangle(cr, 60, 60, 1080, 680);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 60 / 255.0, 60 / 255.0, 60 / 255.0);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 30);
    const char *cells[] = {"Psychology", "Sociology", "Geography", "Chemistry"};
    for (int i = 0; i < 4; i++) {
        cairo_move_to(cr, 120 + 520 * (i % 2), 250 + 300 * (i / 2));
        cairo_show_text(cr, cells[i]);
    }
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, name);
    cairo_surface_destroy(s);
}

/* The fills must become background, not ink: the words inside are read. */
static void test_ocr_reads_text_on_scanned_fills(void)
{
    write_filled_scan_png("fills.png");
    static const char *const cells[] = {"Psychology", "Sociology", "Geography", "Chemistry"};
    expect_ocr_words("fills.png", cells, 4);
}

/* A scanned list on grainy paper: rows alternately on a light grey fill
 * (212 on paper 238; the fills a small share of the page, so the page
 * itself is not normalised), text 70, and the scanner's grain, +-7 grey
 * levels from a fixed generator, over all of it. */
static const char *const grainy_rows[] = {"Chemistry", "Psychology", "Geography",
                                          "Sociology", "Economics", "Literature"};

static void write_grainy_scan_png(const char *name)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1400, 1600);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 238 / 255.0, 238 / 255.0, 238 / 255.0);
    cairo_paint(cr);
    cairo_select_font_face(cr, "DejaVu Serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 24);
    for (int i = 0; i < 6; i++) {
        double g = i % 2 ? 238 / 255.0 : 212 / 255.0;
        cairo_set_source_rgb(cr, g, g, g);
        cairo_rectangle(cr, 80, 100 + 50 * i, 1240, 50);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 70 / 255.0, 70 / 255.0, 70 / 255.0);
        cairo_move_to(cr, 140, 134 + 50 * i);
        cairo_show_text(cr, "8:45 - 9:40");
        cairo_move_to(cr, 420, 134 + 50 * i);
        cairo_show_text(cr, grainy_rows[i]);
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t seed = 12345;
    for (int y = 0; y < 1600; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < 1400; x++) {
            seed = seed * 1664525u + 1013904223u;
            int v = (int)(row[x] & 0xff) + (int)(seed >> 24) % 15 - 7;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            row[x] = (uint32_t)v << 16 | (uint32_t)v << 8 | (uint32_t)v;
        }
    }
    cairo_surface_mark_dirty(s);
    cairo_surface_write_to_png(s, name);
    cairo_surface_destroy(s);
}

/* Grain on fills: tesseract gets a normalised copy of the page
 * ("ocr_path") and reads every row; the page the structure is found on
 * keeps its fills. A clean page gets no copy. */
static void test_ocr_reads_rows_on_grainy_scan(void)
{
    write_grainy_scan_png("grainy.png");
    yogi_error err;
    json_t *out = preprocess("grainy.png", &err);
    json_t *page = json_array_get(json_object_get(out, "pages"), 0);
    const char *own = json_string_value(json_object_get(page, "ocr_path"));
    CHECK(own && access(own, R_OK) == 0);
    PIX *kept = pixRead(json_string_value(json_object_get(page, "path")));
    double scale = json_number_value(json_object_get(page, "scale"));
    l_uint32 fill = 255;
    if (kept) { /* the first fill band's middle, left of its text */
        BOX *b = boxCreate((l_int32)(90 * scale), (l_int32)(115 * scale), (l_int32)(20 * scale),
                           (l_int32)(20 * scale));
        PIX *part = b ? pixClipRectangle(kept, b, NULL) : NULL;
        l_float32 mean = 255;
        if (part) pixGetAverageMasked(part, NULL, 0, 0, 1, L_MEAN_ABSVAL, &mean);
        fill = (l_uint32)mean;
        pixDestroy(&part);
        boxDestroy(&b);
    }
    CHECK(fill < 225);
    pixDestroy(&kept);
    json_decref(out);
    expect_ocr_words("grainy.png", grainy_rows, 6);

    write_text_png("clean.png");
    out = preprocess("clean.png", &err);
    page = json_array_get(json_object_get(out, "pages"), 0);
    CHECK(page && !json_object_get(page, "ocr_path"));
    json_decref(out);
}

/* Two dark header cells naming day groups in white ("M, Tu, W, Th" and
 * "F"), over rows of dark text on white. */
static void write_day_group_header_png(const char *name)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1400, 600);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.45, 0.05, 0.12);
    cairo_rectangle(cr, 40, 60, 1320, 70);
    cairo_fill(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 26);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, 260, 105);
    cairo_show_text(cr, "M, Tu, W, Th");
    cairo_move_to(cr, 1020, 105);
    cairo_show_text(cr, "F");
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const char *rows[] = {"8:30 - 8:45 Registration", "8:45 - 9:40 Geography",
                          "9:40 - 10:40 History", "10:40 - 11:35 Spanish"};
    for (int i = 0; i < 4; i++) {
        cairo_move_to(cr, 60, 200 + 90 * i);
        cairo_show_text(cr, rows[i]);
        cairo_move_to(cr, 760, 200 + 90 * i);
        cairo_show_text(cr, rows[i]);
    }
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, name);
    cairo_surface_destroy(s);
}

/* The day letters of a group, each closed by a comma, are read on the dark
 * fill as the words they are: the comma does not make them noise. */
static void test_ocr_reads_day_group_on_dark_header(void)
{
    write_day_group_header_png("groups.png");
    static const char *const days[] = {"M,", "Tu,", "W,", "Th", "F"};
    expect_ocr_words("groups.png", days, 5);
}

/* Day names spelled one bold capital per line down a narrow label column,
 * the cells parted by short thin rules (under three text heights, which
 * the rule opening leaves: what a photographed grid's broken rules leave)
 * closer to the letters than a line, a body of words right of a vertical
 * rule. */
static void write_stacked_days_png(const char *name)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1000, 1100);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 30);
    const char *days[] = {"MON", "TUE", "WED", "THU", "FRI"};
    cairo_set_line_width(cr, 2);
    for (int d = 0; d < 5; d++) {
        int top = 60 + d * 200;
        for (int k = 0; k < 3; k++) {
            char one[2] = {days[d][k], '\0'};
            cairo_move_to(cr, 60, top + 50 + k * 42);
            cairo_show_text(cr, one);
        }
        cairo_move_to(cr, 45, top + 154); /* a short rule under the letters */
        cairo_line_to(cr, 110, top + 154);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, 130, 40);
    cairo_line_to(cr, 130, 1060);
    cairo_stroke(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 26);
    for (int d = 0; d < 5; d++) {
        cairo_move_to(cr, 200, 60 + d * 200 + 100);
        cairo_show_text(cr, "Psychology 8:45am-9:45am English");
    }
    cairo_destroy(cr);
    cairo_surface_write_to_png(s, name);
    cairo_surface_destroy(s);
}

/* Every letter of the column is read, the rules beside them
 * notwithstanding. */
static void test_ocr_reads_stacked_day_letters(void)
{
    write_stacked_days_png("stacked.png");
    static const char *const letters[] = {"M", "N", "T", "U", "E", "W", "D", "H", "F", "R"};
    expect_ocr_words("stacked.png", letters, 10);
}

/* plugin:pdftext's output for the file `name` (new reference), or NULL
 * with the failure reported. */
static json_t *pdftext_of(const char *name)
{
    json_t *in = json_pack("{s:s}", "path", abs_path(name));
    yogi_error err;
    json_t *out = run_plugin("pdftext", in, &err);
    json_decref(in);
    if (!out)
        test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
    return out;
}

static void test_pdftext_words_and_image(void)
{
    write_pdf("text.pdf", 2, true);
    json_t *out = pdftext_of("text.pdf");
    if (!out)
        return;
    json_t *ocr = json_object_get(out, "ocr");
    CHECK_STR(json_string_value(json_object_get(ocr, "source")), "pdf-text");
    CHECK_INT(json_array_size(json_object_get(ocr, "pages")), 2);
    CHECK_INT(json_array_size(json_object_get(out, "pages")), 2);
    CHECK(has_word(ocr, "Monday"));
    CHECK(has_word(ocr, "9:00-10:00"));
    check_boxes(ocr);
    json_decref(out);
}

/* Labels turned a quarter in a PDF's text layer ("Playtime" written up a
 * merged column, "Lunch" down one) come glyph by glyph, each above or
 * below the last: each is one word, read in order, taller than wide and
 * marked vertical; two words up one column ("Tutor Time") are one, in
 * reading order. Upright letters stacked one per line stay letters. */
static void test_pdftext_turned_words(void)
{
    cairo_surface_t *s = cairo_pdf_surface_create("turned.pdf", 595, 842);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "DejaVu Serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, 60, 100);
    cairo_show_text(cr, "Day 9:00-10:00 10:00-11:00");
    const char *letters[] = {"M", "O", "N"};
    for (int k = 0; k < 3; k++) {
        cairo_move_to(cr, 60, 140 + 15 * k);
        cairo_show_text(cr, letters[k]);
    }
    cairo_save(cr);
    cairo_move_to(cr, 200, 300);
    cairo_rotate(cr, -1.5707963267948966); /* a quarter turn: text up the page */
    cairo_show_text(cr, "Playtime");
    cairo_restore(cr);
    cairo_save(cr);
    cairo_move_to(cr, 400, 300);
    cairo_rotate(cr, -1.5707963267948966);
    cairo_show_text(cr, "Tutor Time"); /* two words up one column: one, in order */
    cairo_restore(cr);
    cairo_save(cr);
    cairo_move_to(cr, 300, 200);
    cairo_rotate(cr, 1.5707963267948966); /* down the page */
    cairo_show_text(cr, "Lunch");
    cairo_restore(cr);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
    json_t *out = pdftext_of("turned.pdf");
    if (!out)
        return;
    json_t *ocr = json_object_get(out, "ocr");
    const char *turned[] = {"Playtime", "Lunch", "Tutor Time"};
    for (int k = 0; k < 3; k++) {
        json_t *w = word_named(ocr, turned[k]);
        CHECK(w != NULL);
        if (!w)
            continue;
        CHECK(json_is_true(json_object_get(w, "vertical")));
        CHECK(json_integer_value(json_object_get(w, "h")) > json_integer_value(json_object_get(w, "w")));
    }
    CHECK(has_word(ocr, "M") && has_word(ocr, "O") && has_word(ocr, "N"));
    CHECK(json_object_get(word_named(ocr, "Day"), "vertical") == NULL);
    check_boxes(ocr);
    json_decref(out);
}

static void test_scanned_pdf_is_rendered(void)
{
    write_pdf("scan.pdf", 1, false);
    yogi_error err;
    json_t *out = preprocess("scan.pdf", &err);
    if (!out) {
        test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
        return;
    }
    json_t *page = json_array_get(json_object_get(out, "pages"), 0);
    CHECK(access(json_string_value(json_object_get(page, "path")), R_OK) == 0);
    CHECK(json_integer_value(json_object_get(page, "width")) >= 595); /* A4 at >= 72 dpi */
    json_decref(out);
}

/* ---- review, save --------------------------------------------------------- */

static json_t *call_args(size_t i, const char *op)
{
    json_t *c = json_array_get(host_calls, i);
    if (!c || strcmp(json_string_value(json_object_get(c, "op")), op) != 0) return NULL;
    return json_object_get(c, "args");
}

static void test_review_marks_document(void)
{
    json_t *in = json_pack("{s:s, s:s, s:{s:f}}", "token", "tok", "document_id", "d1", "draft",
                           "confidence", 0.5);
    yogi_error err;
    json_t *out = run_plugin("review", in, &err);
    CHECK(out != NULL);
    json_t *args = call_args(0, "documents.update");
    CHECK_STR(json_string_value(json_object_get(args, "status")), "needs_review");
    CHECK(json_real_value(json_object_get(args, "confidence")) == 0.5);
    json_decref(out);
    json_object_del(in, "token"); /* no .waitForTaskToken: refused, not skipped */
    out = run_plugin("review", in, &err);
    CHECK(out == NULL);
    json_decref(in);
}

static void test_save_records_timetable(void)
{
    json_t *in = json_pack("{s:s, s:s, s:{s:f, s:[]}}", "document_id", "d1", "route", "review",
                           "timetable", "confidence", 0.9, "entries");
    yogi_error err;
    json_t *out = run_plugin("save", in, &err);
    CHECK(out != NULL);
    json_t *a0 = call_args(0, "documents.save_timetable"), *a1 = call_args(1, "documents.update");
    CHECK_STR(json_string_value(json_object_get(a0, "source")), "reviewed");
    CHECK_STR(json_string_value(json_object_get(a1, "status")), "completed");
    json_decref(out);
    json_decref(in);
}

/* ---- hmac and notify ------------------------------------------------------ */

static void test_hmac_rfc4231(void)
{
    unsigned char k20[20], k25[25], k131[131], d50[50];
    char hex[65];
    memset(k20, 0x0b, sizeof k20);
    hmac_hex("SHA-256", k20, 20, "Hi There", 8, hex);
    CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    hmac_hex("SHA-256", "Jefe", 4, "what do ya want for nothing?", 28, hex);
    CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(k20, 0xaa, sizeof k20);
    memset(d50, 0xdd, sizeof d50);
    hmac_hex("SHA-256", k20, 20, d50, 50, hex);
    CHECK_STR(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (int i = 0; i < 25; i++) k25[i] = (unsigned char)(i + 1);
    memset(d50, 0xcd, sizeof d50);
    hmac_hex("SHA-256", k25, 25, d50, 50, hex);
    CHECK_STR(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    memset(k131, 0xaa, sizeof k131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_hex("SHA-256", k131, 131, m6, strlen(m6), hex);
    CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm.";
    hmac_hex("SHA-256", k131, 131, m7, strlen(m7), hex);
    CHECK_STR(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_sha256_long_input(void)
{
    /* one million 'a' (FIPS 180-2 appendix B.3), through the one-shot digest */
    size_t n = 1000000;
    char *a = malloc(n);
    if (!a) return;
    memset(a, 'a', n);
    char hex[2 * HASH_MAX_DIGEST + 1];
    CHECK(hash_hex("SHA-256", a, n, hex));
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* A one-shot HTTP server on 127.0.0.1 in a child process: it saves the
 * request to request.txt and answers with `status`. Returns the port. */
static int serve_once_on(bool v6, int status, pid_t *pid)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
    socklen_t len = v6 ? sizeof a6 : sizeof a;
    if (fd < 0 || bind(fd, sa, len) != 0 || listen(fd, 1) != 0 || getsockname(fd, sa, &len) != 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        alarm(20);
        int c = accept(fd, NULL, NULL);
        char buf[65536];
        size_t n = 0;
        ssize_t r;
        /* Read headers and body: stop once Content-Length bytes follow the blank line. */
        while (n < sizeof buf - 1 && (r = read(c, buf + n, sizeof buf - 1 - n)) > 0) {
            n += (size_t)r;
            buf[n] = '\0';
            char *body = strstr(buf, "\r\n\r\n"), *cl = strcasestr(buf, "Content-Length:");
            if (body && cl && (size_t)(buf + n - (body + 4)) >= strtoul(cl + 15, NULL, 10))
                break;
        }
        FILE *f = fopen("request.txt", "wb");
        if (f) fwrite(buf, 1, n, f), fclose(f);
        char resp[128];
        int m = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n"
                                            "Location: http://127.0.0.1:9/elsewhere\r\n"
                                            "Connection: close\r\n\r\n", status);
        if (write(c, resp, (size_t)m) < 0) _exit(1);
        close(c);
        _exit(0);
    }
    close(fd);
    return ntohs(v6 ? a6.sin6_port : a.sin_port);
}

static int serve_once(int status, pid_t *pid)
{
    return serve_once_on(false, status, pid);
}

static const char *notify_host = "127.0.0.1";

static json_t *notify_to(int port, yogi_error *err)
{
    char url[64];
    snprintf(url, sizeof url, "http://%s:%d/hook", notify_host, port);
    set_config("notify.webhook_url", url);
    json_t *in = json_pack("{s:s, s:s}", "document_id", "d1", "status", "completed");
    json_t *out = run_plugin("notify", in, err);
    json_decref(in);
    return out;
}

static void test_notify_without_url_succeeds(void)
{
    yogi_error err;
    json_t *in = json_object();
    json_t *out = run_plugin("notify", in, &err);
    json_decref(in);
    CHECK(out && json_is_false(json_object_get(out, "delivered")));
    json_decref(out);
}

static void test_notify_refuses_private_addresses(void)
{
    const char *urls[] = {"http://127.0.0.1:9/", "http://10.1.2.3/", "http://192.168.0.1/",
                          "http://169.254.169.254/latest", "http://[::1]:9/", "ftp://a.b/"};
    for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
        set_config("notify.webhook_url", urls[i]);
        yogi_error err;
        json_t *in = json_object();
        json_t *out = run_plugin("notify", in, &err);
        json_decref(in);
        CHECK(out == NULL);
        if (strcmp(err.name, "Notify.Rejected") != 0)
            test_fail_(__FILE__, __LINE__, "%s: %s (%s)", urls[i], err.name, err.cause);
    }
}

static void test_notify_posts_signed_body(void)
{
    set_config("notify.allow_private", "true");
    set_config("notify.secret", "s3cret");
    pid_t pid;
    int port = serve_once(200, &pid);
    yogi_error err;
    json_t *out = notify_to(port, &err);
    waitpid(pid, NULL, 0);
    if (!out) test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
    CHECK(out && json_is_true(json_object_get(out, "delivered")));
    json_decref(out);
    FILE *f = fopen("request.txt", "rb");
    static char req[65536];
    size_t n = f ? fread(req, 1, sizeof req - 1, f) : 0;
    if (f) fclose(f);
    req[n] = '\0';
    char *body = strstr(req, "\r\n\r\n");
    CHECK(strncmp(req, "POST /hook ", 11) == 0);
    CHECK(body != NULL);
    if (!body) return;
    body += 4;
    CHECK_STR(body, "{\"document_id\":\"d1\",\"status\":\"completed\"}");
    /* X-Yogi-Signature: t=<now>,v1=HMAC(secret, "<t>.<body>") */
    char *h = strstr(req, "X-Yogi-Signature: t=");
    CHECK(h != NULL);
    if (!h) return;
    long long t = strtoll(h + 20, NULL, 10);
    CHECK(llabs(t - (long long)time(NULL)) <= 5);
    char text[70000], hex[65], header[160];
    snprintf(text, sizeof text, "%lld.%s", t, body);
    hmac_hex("SHA-256", "s3cret", 6, text, strlen(text), hex);
    snprintf(header, sizeof header, "X-Yogi-Signature: t=%lld,v1=%s\r\n", t, hex);
    CHECK(strstr(req, header) != NULL);
    /* The bare body's HMAC (the old, replayable scheme) is not what is sent. */
    hmac_hex("SHA-256", "s3cret", 6, body, strlen(body), hex);
    CHECK(strstr(req, hex) == NULL);
}

/* An IPv6 literal URL is served (no DNS pin to get wrong). */
static void test_notify_ipv6_literal(void)
{
    set_config("notify.allow_private", "true");
    pid_t pid;
    int port = serve_once_on(true, 200, &pid);
    if (port < 0) {
        test_skip_("no IPv6 loopback");
        return;
    }
    notify_host = "[::1]";
    yogi_error err;
    json_t *out = notify_to(port, &err);
    notify_host = "127.0.0.1";
    waitpid(pid, NULL, 0);
    if (!out) test_fail_(__FILE__, __LINE__, "%s: %s", err.name, err.cause);
    CHECK(out && json_is_true(json_object_get(out, "delivered")));
    json_decref(out);
}

static void test_notify_error_names(void)
{
    set_config("notify.allow_private", "true");
    /* 4xx is final but 408 and 429; a redirect is never followed. */
    int statuses[] = {503, 429, 408, 404, 400, 302};
    const char *names[] = {"Notify.Unavailable", "Notify.Unavailable", "Notify.Unavailable",
                           "Notify.Rejected", "Notify.Rejected", "Notify.Rejected"};
    for (int i = 0; i < 6; i++) {
        pid_t pid;
        int port = serve_once(statuses[i], &pid);
        yogi_error err;
        json_t *out = notify_to(port, &err);
        waitpid(pid, NULL, 0);
        CHECK(out == NULL);
        if (strcmp(err.name, names[i]) != 0)
            test_fail_(__FILE__, __LINE__, "HTTP %d: %s", statuses[i], err.name);
    }
    /* Nobody listening: a connection failure, which the workflow retries. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    yogi_error err;
    json_t *out = notify_to(ntohs(a.sin_port), &err);
    CHECK(out == NULL);
    CHECK_STR(err.name, "Notify.Unavailable");
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_classify_images),
        TEST(test_classify_ignores_file_name),
        TEST(test_multipage_tiff),
        TEST(test_classify_pdfs),
        TEST(test_classify_bad_input),
        TEST(test_classify_bad_pdfs),
        TEST(test_preprocess_writes_pages),
        TEST(test_preprocess_refuses_before_decoding),
        TEST(test_ocr_reads_words),
        TEST(test_ocr_reads_text_on_scanned_fills),
        TEST(test_ocr_reads_rows_on_grainy_scan),
        TEST(test_ocr_reads_day_group_on_dark_header),
        TEST(test_ocr_reads_stacked_day_letters),
        TEST(test_pdftext_words_and_image),
        TEST(test_pdftext_turned_words),
        TEST(test_scanned_pdf_is_rendered),
        TEST(test_review_marks_document),
        TEST(test_save_records_timetable),
        TEST(test_hmac_rfc4231),
        TEST(test_sha256_long_input),
        TEST(test_notify_without_url_succeeds),
        TEST(test_notify_refuses_private_addresses),
        TEST(test_notify_posts_signed_body),
        TEST(test_notify_error_names),
        TEST(test_notify_ipv6_literal),
        {0},
    };
    return test_main(argc, argv, tests);
}
