/*
 * runs.c — opening a 1 bpp image with a line (1 x len or len x 1) by its
 * runs of ink, for the rule masks (rules.c).
 *
 * An opening with a horizontal line of length len keeps exactly the pixels
 * of horizontal runs of ink len or more long (the union of the line's
 * placements that fit inside the ink); the same along columns for a
 * vertical line. Leptonica's pixOpenBrick computes it with 2 x len
 * full-page rasterops (a rule brick of three text heights is about 180 of
 * them), which was a twentieth of a document's CPU; finding the runs costs
 * one pass over the words of the image that hold ink, and words without
 * ink (most of a page) are skipped whole. The result is pixel for pixel
 * that of pixOpenBrick with leptonica's default (asymmetric) boundary
 * condition, under which ink stops at the image's edge
 * (tests/unit/test_timetable.c compares the two).
 *
 * Invariant: the output has the input's size, 1 bpp; NULL on bad input or
 * out of memory.
 */
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "tt.h"

/* Sets bits x0..x1-1 of a row of 32-bit words, MSB first (leptonica's). */
static void set_span(l_uint32 *row, int x0, int x1)
{
    for (int x = x0; x < x1;) {
        int bit = x & 31;
        int n = 32 - bit < x1 - x ? 32 - bit : x1 - x;
        l_uint32 mask = n == 32 ? 0xffffffffu : ((1u << n) - 1) << (32 - bit - n);
        row[x >> 5] |= mask;
        x += n;
    }
}

static void open_rows(const l_uint32 *src, l_uint32 *dst, int w, int h, int wpl, int len)
{
    for (int y = 0; y < h; y++) {
        const l_uint32 *s = src + (size_t)y * wpl;
        int start = -1; /* where the current run began, -1 outside ink */
        for (int k = 0; k < wpl; k++) {
            l_uint32 word = s[k];
            if ((start < 0 && word == 0) || (start >= 0 && word == 0xffffffffu))
                continue; /* no run starts or ends in this word */
            for (int b = 0; b < 32; b++) {
                int x = k * 32 + b;
                bool on = x < w && (word >> (31 - b) & 1u);
                if (on && start < 0) {
                    start = x;
                } else if (!on && start >= 0) {
                    if (x - start >= len)
                        set_span(dst + (size_t)y * wpl, start, x);
                    start = -1;
                }
            }
        }
        if (start >= 0 && w - start >= len)
            set_span(dst + (size_t)y * wpl, start, w);
    }
}

/* Columns: each column's current run length is carried from row to row;
 * a word whose pixels and the previous row's are all off is skipped. */
static int open_columns(const l_uint32 *src, l_uint32 *dst, int w, int h, int wpl, int len)
{
    int *run = calloc((size_t)w, sizeof *run);
    if (!run)
        return -1;
    for (int y = 0; y <= h; y++) {
        for (int k = 0; k < wpl; k++) {
            l_uint32 word = y < h ? src[(size_t)y * wpl + k] : 0;
            l_uint32 prev = y > 0 ? src[(size_t)(y - 1) * wpl + k] : 0;
            if ((word | prev) == 0)
                continue;
            for (int b = 0; b < 32 && k * 32 + b < w; b++) {
                int x = k * 32 + b;
                if (word >> (31 - b) & 1u) {
                    run[x]++;
                } else if (run[x] > 0) {
                    if (run[x] >= len)
                        for (int r = y - run[x]; r < y; r++)
                            dst[(size_t)r * wpl + k] |= 1u << (31 - b);
                    run[x] = 0;
                }
            }
        }
    }
    free(run);
    return 0;
}

PIX *tt_open_runs(PIX *bin, int len, bool vertical)
{
    if (!bin || pixGetDepth(bin) != 1 || len < 1)
        return NULL;
    PIX *out = pixCreateTemplate(bin); /* all off */
    if (!out)
        return NULL;
    int w = (int)pixGetWidth(bin), h = (int)pixGetHeight(bin), wpl = pixGetWpl(bin);
    const l_uint32 *src = pixGetData(bin);
    l_uint32 *dst = pixGetData(out);
    if (!vertical)
        open_rows(src, dst, w, h, wpl, len);
    else if (open_columns(src, dst, w, h, wpl, len) != 0)
        pixDestroy(&out);
    return out;
}
