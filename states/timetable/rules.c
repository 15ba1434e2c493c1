/*
 * rules.c — ruling lines of a table, from the page image (leptonica).
 *
 * The page image is made grey, its background normalised (light cell fills
 * and uneven photo lighting become background), and binarised. A
 * morphological opening with a long horizontal brick (runs.c) keeps only horizontal
 * strokes longer than three text heights: rules, not letters. A vertical
 * brick a little taller than a line of text keeps vertical rules down to the
 * height of one table row. Solid fills (a dark header row) are removed
 * from both: a rule is thin. The two masks are kept.
 *
 * The grid finder does not ask "where are the lines" but "is there a
 * separator between these two cells": the share of a segment's length that
 * is backed by a rule, searched over a window of positions and with a small
 * slack for skew (the masks are thickened across by a few pixels). A merged cell (a double lesson, a break spanning every
 * day) is exactly a missing separator. Coordinates in queries are those of
 * the words; the masks may be of a different scale and are mapped.
 */
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "tt.h"

struct tt_rules {
    PIX *h;          /* horizontal rules, 1 bpp */
    PIX *v;          /* vertical rules, 1 bpp */
    PIX *ink;        /* everything dark but the rules, 1 bpp */
    double sx, sy;   /* image pixels per word-coordinate pixel */
};

static PIX *binarise(PIX *src)
{
    if (pixGetDepth(src) == 1)
        return pixClone(src);
    PIX *gray = pixConvertTo8(src, 0);
    if (!gray)
        return NULL;
    PIX *norm = pixBackgroundNormSimple(gray, NULL, NULL);
    PIX *bin = pixThresholdToBinary(norm ? norm : gray, 160);
    pixDestroy(&norm);
    pixDestroy(&gray);
    return bin;
}

/* Drop what is thicker than `thick` across the rule's direction: solid
 * fills (a dark header row) are not rules. Takes ownership of m. */
static PIX *thin_only(PIX *m, bool vertical, int thick)
{
    if (!m || thick < 3)
        return m;
    PIX *fat = tt_open_runs(m, thick, !vertical);
    if (fat) {
        pixSubtract(m, m, fat);
        pixDestroy(&fat);
    }
    return m;
}

tt_rules *tt_rules_detect(const char *image, int page_w, int page_h, int text_h, double angle)
{
    if (!image || !*image || page_w <= 0 || page_h <= 0)
        return NULL;
    setMsgSeverity(L_SEVERITY_NONE);
    PIX *src = pixRead(image);
    if (!src)
        return NULL;
    tt_rules *r = calloc(1, sizeof *r);
    PIX *bin = r ? binarise(src) : NULL;
    pixDestroy(&src);
    if (bin && angle != 0.0) {
        /* The words were turned by angle about the page centre: so is the
         * image (leptonica: clockwise positive, as y runs down). */
        PIX *turned = pixRotate(bin, (float)angle, L_ROTATE_SAMPLING, L_BRING_IN_WHITE, 0, 0);
        pixDestroy(&bin);
        bin = turned;
    }
    if (!bin) {
        free(r);
        return NULL;
    }
    r->sx = (double)pixGetWidth(bin) / page_w;
    r->sy = (double)pixGetHeight(bin) / page_h;
    int th = (int)(text_h * r->sy);
    if (th < 8)
        th = 8;
    /* Rules are opened out of the binary image, then thickened across by a
     * few pixels so that a slightly skewed rule still covers one position
     * over its whole length. */
    PIX *h = thin_only(tt_open_runs(bin, 3 * th, false), false, th / 2);
    PIX *v = thin_only(tt_open_runs(bin, th + th / 4, true), true, th / 2);
    r->h = h ? pixDilateBrick(NULL, h, 1, 7) : NULL;
    r->v = v ? pixDilateBrick(NULL, v, 7, 1) : NULL;
    pixDestroy(&h);
    pixDestroy(&v);
    if (getenv("TT_DEBUG_MASKS")) {
        pixWrite("/tmp/tt-bin.png", bin, IFF_PNG);
        pixWrite("/tmp/tt-h.png", r->h, IFF_PNG);
        pixWrite("/tmp/tt-v.png", r->v, IFF_PNG);
    }

    /* What is left once the rules are taken out is text (or a picture):
     * an empty cell has none. */
    r->ink = pixCopy(NULL, bin);
    if (r->ink && r->h && r->v) {
        pixSubtract(r->ink, r->ink, r->h);
        pixSubtract(r->ink, r->ink, r->v);
    }
    pixDestroy(&bin);
    if (!r->h || !r->v) {
        tt_rules_free(r);
        return NULL;
    }
    return r;
}

void tt_rules_free(tt_rules *r)
{
    if (!r)
        return;
    pixDestroy(&r->h);
    pixDestroy(&r->v);
    pixDestroy(&r->ink);
    free(r);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

double tt_rules_ink(const tt_rules *r, int x0, int y0, int x1, int y1)
{
    if (!r || !r->ink || x1 <= x0 || y1 <= y0)
        return 0.0;
    int W = (int)pixGetWidth(r->ink), H = (int)pixGetHeight(r->ink);
    int a = clampi((int)(x0 * r->sx), 0, W - 1), b = clampi((int)(x1 * r->sx), 0, W - 1);
    int c = clampi((int)(y0 * r->sy), 0, H - 1), d = clampi((int)(y1 * r->sy), 0, H - 1);
    if (b <= a || d <= c)
        return 0.0;
    BOX *box = boxCreate(a, c, b - a, d - c);
    l_int32 on = 0;
    PIX *part = box ? pixClipRectangle(r->ink, box, NULL) : NULL;
    if (part)
        pixCountPixels(part, &on, NULL);
    pixDestroy(&part);
    boxDestroy(&box);
    return (double)on / ((double)(b - a) * (d - c));
}


/* Best coverage, over positions a..b across the segment, of the segment
 * s0..s1 along it. `vertical`: positions are columns, the segment runs down. */
static double coverage(PIX *mask, bool vertical, int a, int b, int s0, int s1, int *at)
{
    int W = (int)pixGetWidth(mask), H = (int)pixGetHeight(mask);
    int across_max = vertical ? W - 1 : H - 1, along_max = vertical ? H - 1 : W - 1;
    a = clampi(a, 0, across_max), b = clampi(b, 0, across_max);
    s0 = clampi(s0, 0, along_max), s1 = clampi(s1, 0, along_max);
    int len = s1 - s0 + 1;
    if (len <= 0 || b < a)
        return 0.0;
    l_uint32 *data = pixGetData(mask);
    int wpl = pixGetWpl(mask);
    /* Ties (a rule running through a solid fill) resolve to the middle of
     * the best run of positions. */
    int best = 0, best_first = a, best_last = a;
    for (int p = a; p <= b; p++) {
        int hits = 0;
        for (int s = s0; s <= s1; s++) {
            int x = vertical ? p : s, y = vertical ? s : p;
            hits += GET_DATA_BIT(data + y * wpl, x) != 0;
        }
        if (hits > best)
            best = hits, best_first = best_last = p;
        else if (hits == best && best_last == p - 1)
            best_last = p;
    }
    *at = (best_first + best_last) / 2;
    return (double)best / len;
}

double tt_rules_vsep(const tt_rules *r, int xa, int xb, int y0, int y1, int *at)
{
    if (!r)
        return 0.0;
    int p = (int)(xa * r->sx);
    double c = coverage(r->v, true, (int)(xa * r->sx), (int)(xb * r->sx), (int)(y0 * r->sy),
                        (int)(y1 * r->sy), &p);
    if (at)
        *at = (int)(p / r->sx);
    return c;
}

double tt_rules_hsep(const tt_rules *r, int ya, int yb, int x0, int x1, int *at)
{
    if (!r)
        return 0.0;
    int p = (int)(ya * r->sy);
    double c = coverage(r->h, false, (int)(ya * r->sy), (int)(yb * r->sy), (int)(x0 * r->sx),
                        (int)(x1 * r->sx), &p);
    if (at)
        *at = (int)(p / r->sy);
    return c;
}
