/*
 * image.c — the page image as the model sees it: a PNG within the
 * provider's limits, base64-encoded.
 *
 * Providers bill images by pixels and refuse them past a byte size, and a
 * larger image than the model's own working size buys nothing: Claude
 * downscales above 1568 px on the long side. So the image is scaled once to
 * the provider's side limit, then, if its PNG is still above
 * llm.max_image_bytes, shrunk again in proportion to the excess until it
 * fits (a bounded number of rounds). The header is read before the pixels,
 * so a page claiming a huge size is refused without decoding it.
 *
 * Low-depth and colour-mapped pages are widened to 8 bpp first: scaling a
 * 1 bpp page by sampling would drop thin strokes, while 8 bpp scaling
 * averages them into readable grey.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leptonica/allheaders.h>

#include "llm.h"

#define MAX_SOURCE_PIXELS (120L * 1000 * 1000)
#define SHRINK_ROUNDS 8

static PIX *widen(PIX *pix)
{
    int d = pixGetDepth(pix);
    if (pixGetColormap(pix)) return pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
    if (d < 8 || d == 16) return pixConvertTo8(pix, 0);
    return pixClone(pix);
}

/* The PNG of pix scaled by s (lept_free it); 0, or -1 on failure. */
static int encode_scaled(PIX *pix, double s, l_uint8 **png, size_t *size)
{
    PIX *scaled = s < 1.0 ? pixScale(pix, (l_float32)s, (l_float32)s) : pixClone(pix);
    if (!scaled) return -1;
    *png = NULL;
    int rc = pixWriteMem(png, size, scaled, IFF_PNG);
    pixDestroy(&scaled);
    return rc == 0 && *png ? 0 : -1;
}

static int read_page(const char *path, PIX **out, yogi_error *err)
{
    l_int32 format, w, h, bps, spp, cmap;
    if (access(path, R_OK) != 0)
        return yogi_fail(err, "Llm.BadInput", "page image %s: %s", path, strerror(errno));
    if (pixReadHeader(path, &format, &w, &h, &bps, &spp, &cmap) != 0)
        return yogi_fail(err, "Llm.BadInput", "page image %s is not a readable image", path);
    if (w <= 0 || h <= 0 || (long)w * h > MAX_SOURCE_PIXELS)
        return yogi_fail(err, "Llm.BadInput", "page image %s is %dx%d pixels, too large", path,
                         w, h);
    PIX *raw = pixRead(path);
    if (!raw) return yogi_fail(err, "Llm.BadInput", "page image %s cannot be decoded", path);
    *out = widen(raw);
    pixDestroy(&raw);
    if (!*out) return yogi_fail(err, "Llm.BadInput", "page image %s cannot be converted", path);
    return YOGI_OK;
}

int llm_image_base64(const char *path, int max_side, long max_bytes, char **b64_out,
                     yogi_error *err)
{
    static bool quiet;
    if (!quiet) {
        setMsgSeverity(L_SEVERITY_NONE); /* errors are reported as named errors instead */
        quiet = true;
    }
    PIX *pix;
    if (read_page(path, &pix, err)) return YOGI_FAILED;

    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    int longest = w > h ? w : h;
    double s = longest > max_side ? (double)max_side / longest : 1.0;
    l_uint8 *png = NULL;
    size_t size = 0;
    int rounds = 0;
    for (;;) {
        if (encode_scaled(pix, s, &png, &size) != 0) {
            pixDestroy(&pix);
            return yogi_fail(err, "Llm.BadInput", "page image %s cannot be encoded", path);
        }
        if ((long)size <= max_bytes) break;
        if (++rounds == SHRINK_ROUNDS || s * longest < 64) {
            lept_free(png);
            pixDestroy(&pix);
            return yogi_fail(err, "Llm.BadInput",
                             "page image %s does not fit in llm.max_image_bytes (%ld)", path,
                             max_bytes);
        }
        /* PNG size grows roughly with the pixel count, hence the square root. */
        s *= 0.95 * sqrt((double)max_bytes / (double)size);
        lept_free(png);
    }
    pixDestroy(&pix);
    *b64_out = llm_base64(png, size);
    lept_free(png);
    if (!*b64_out) return yogi_fail(err, "Llm.BadInput", "out of memory encoding %s", path);
    return YOGI_OK;
}

char *llm_base64(const unsigned char *data, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3) return NULL;
    size_t out_len = (n + 2) / 3 * 4;
    char *out = malloc(out_len + 1);
    if (!out) return NULL;
    char *o = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}
