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
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <leptonica/allheaders.h>

#include "test.h"
#include "yogi/plugin.h"

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
                   fake_call, fake_heartbeat};
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
    snprintf(buf, sizeof buf, "%s/%s", data_dir[0] ? data_dir : ".", name);
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

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_classify_images),
        TEST(test_classify_ignores_file_name),
        TEST(test_classify_pdfs),
        TEST(test_classify_bad_input),
        TEST(test_classify_bad_pdfs),
        {0},
    };
    return test_main(argc, argv, tests);
}
