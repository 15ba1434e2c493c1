/*
 * perspective.c — undo the perspective of a phone photo of a ruled table.
 *
 * A photo taken at an angle turns the table's rectangle into a general
 * quadrilateral: rows slope by different amounts, columns converge, and
 * neither deskew (one rotation) nor cell finding (horizontal and vertical
 * rules) copes. The table's outer frame is the evidence: in a ruled table
 * all rules touch it, so the frame and the grid are one connected component
 * of dark pixels, the largest thin one on the page. Its four corners are
 * the component's extreme points along the diagonals (min and max of x+y
 * and x-y), which holds for any quadrilateral turned by less than 45
 * degrees. The quadrilateral is accepted only when each of its four sides
 * runs along the component for most of its length (a blob, a photo of a
 * cat, or a list without rules has no such sides); the page is then mapped
 * by the projective transform that sends those corners to an upright
 * rectangle of the same mean side lengths about the same centre.
 *
 * The outline is looked for on a copy reduced to at most REDUCED_SIDE px by
 * taking the darkest pixel of each block (thin rules survive the
 * reduction), binarised at PAPER_MARGIN below the paper's level (light grey
 * rules count). perspective_apply warps with grey interpolation; the caller
 * applies it to the page already enlarged for OCR, where interpolation
 * blurs strokes least.
 * Invariants: the input is 8 bpp and is never modified; the output has the
 * input's size; when nothing is found, or the quadrilateral is a rectangle
 * (turned or not) within max(MIN_SHIFT_PX, MIN_SHAPE_CHANGE of its
 * diagonal), the result is a clone of the input: a scan's plain skew is
 * deskew's, which measures it more precisely than four corners do.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "perspective.h"

#define REDUCED_SIDE 1000
#define DARK_THRESHOLD 150 /* the lowest threshold: rules at least this dark */
#define PAPER_MARGIN 40    /* rules: this much darker than the paper */
#define MIN_COVER 0.12    /* the frame's bounding box, share of the page */
#define MAX_FILL 0.45     /* dark share inside it: rules and text, not a solid blob */
#define SIDE_SAMPLES 60
#define MIN_SIDE_HITS 0.85 /* share of samples along a side that lie on the component */
#define MIN_SHIFT_PX 4.0  /* full-resolution corner movement worth a resampling */
#define MIN_SHAPE_CHANGE 0.004 /* of the diagonal: less is a rotation, left to deskew */

typedef struct quad {
    double x[4], y[4]; /* top-left, top-right, bottom-right, bottom-left */
} quad;

static void extreme_corners(PIX *comp, int ox, int oy, quad *q);
static bool sides_are_rules(PIX *comp, int ox, int oy, const quad *q);

/* Components ordered by bounding-box area, largest first (at most
 * MAX_CANDIDATES): the frame is usually the largest, but a desk or a dark
 * page border around a photographed sheet can be larger. */
#define MAX_CANDIDATES 4

static int by_area_desc(BOXA *boxa, int *order)
{
    int n = boxaGetCount(boxa), k = 0;
    long areas[MAX_CANDIDATES];
    for (int i = 0; i < n; i++) {
        l_int32 w, h;
        boxaGetBoxGeometry(boxa, i, NULL, NULL, &w, &h);
        long a = (long)w * h;
        if (k == MAX_CANDIDATES && a <= areas[k - 1]) continue;
        int j = k < MAX_CANDIDATES ? k++ : k - 1; /* a new slot, or the smallest one's */
        for (; j > 0 && areas[j - 1] < a; j--) areas[j] = areas[j - 1], order[j] = order[j - 1];
        areas[j] = a, order[j] = i;
    }
    return k;
}

/* A frame is big, thin (rules and text, not a solid region) and not the
 * background: the background reaches two or more edges of the picture. */
static bool frame_shaped(PIX *comp, BOX *box, int sw, int sh)
{
    l_int32 bx, by, bw, bh, count = 0;
    boxGetGeometry(box, &bx, &by, &bw, &bh);
    pixCountPixels(comp, &count, NULL);
    int edges = (bx <= 1) + (by <= 1) + (bx + bw >= sw - 1) + (by + bh >= sh - 1);
    bool big = (double)bw * bh >= MIN_COVER * sw * sh && bw >= sw / 4 && bh >= sh / 6;
    return big && edges < 2 && count <= MAX_FILL * (double)bw * bh;
}

/* The first candidate component whose corners are joined by rules. */
static bool frame_corners(PIX *bin, quad *q)
{
    PIXA *pixa = NULL;
    BOXA *boxa = pixConnComp(bin, &pixa, 8);
    int order[MAX_CANDIDATES], n = boxa ? by_area_desc(boxa, order) : 0;
    bool found = false;
    for (int c = 0; c < n && !found; c++) {
        PIX *comp = pixaGetPix(pixa, order[c], L_CLONE);
        BOX *box = boxaGetBox(boxa, order[c], L_CLONE);
        if (comp && box && frame_shaped(comp, box, pixGetWidth(bin), pixGetHeight(bin))) {
            l_int32 bx, by;
            boxGetGeometry(box, &bx, &by, NULL, NULL);
            extreme_corners(comp, bx, by, q);
            found = sides_are_rules(comp, bx, by, q);
        }
        boxDestroy(&box);
        pixDestroy(&comp);
    }
    pixaDestroy(&pixa);
    boxaDestroy(&boxa);
    return found;
}

/* Corners as the extremes of x+y and x-y over the component's pixels. */
static void extreme_corners(PIX *comp, int ox, int oy, quad *q)
{
    int w = pixGetWidth(comp), h = pixGetHeight(comp), wpl = pixGetWpl(comp);
    l_uint32 *line = pixGetData(comp);
    double smin = 1e18, smax = -1e18, dmin = 1e18, dmax = -1e18;
    for (int y = 0; y < h; y++, line += wpl) {
        for (int x = 0; x < w; x++) {
            if (!GET_DATA_BIT(line, x)) continue;
            double s = x + y, d = x - y;
            if (s < smin) smin = s, q->x[0] = x + ox, q->y[0] = y + oy;
            if (d > dmax) dmax = d, q->x[1] = x + ox, q->y[1] = y + oy;
            if (s > smax) smax = s, q->x[2] = x + ox, q->y[2] = y + oy;
            if (d < dmin) dmin = d, q->x[3] = x + ox, q->y[3] = y + oy;
        }
    }
}

/* True when some component pixel lies within 2 px of (x, y). */
static bool near_component(PIX *comp, int ox, int oy, double x, double y)
{
    int w = pixGetWidth(comp), h = pixGetHeight(comp);
    for (int dy = -2; dy <= 2; dy++) {
        for (int dx = -2; dx <= 2; dx++) {
            int px = (int)lround(x) - ox + dx, py = (int)lround(y) - oy + dy;
            if (px < 0 || py < 0 || px >= w || py >= h) continue;
            l_uint32 v = 0;
            pixGetPixel(comp, px, py, &v);
            if (v) return true;
        }
    }
    return false;
}

/* Each side of q runs along the component for most of its length. */
static bool sides_are_rules(PIX *comp, int ox, int oy, const quad *q)
{
    for (int s = 0; s < 4; s++) {
        int a = s, b = (s + 1) % 4, hits = 0;
        for (int k = 0; k < SIDE_SAMPLES; k++) {
            double t = (k + 0.5) / SIDE_SAMPLES;
            double x = q->x[a] + t * (q->x[b] - q->x[a]), y = q->y[a] + t * (q->y[b] - q->y[a]);
            hits += near_component(comp, ox, oy, x, y);
        }
        if (hits < MIN_SIDE_HITS * SIDE_SAMPLES) return false;
    }
    return true;
}

/* Rules are darker than the paper, not necessarily dark: light grey rules
 * on a normalised photo sit near 180. The paper's level is the median of
 * the page (most of a page is paper). */
static int dark_threshold(PIX *small)
{
    NUMA *hist = pixGetGrayHistogram(small, 2);
    if (!hist) return DARK_THRESHOLD;
    float total = 0, seen = 0, v;
    for (int i = 0; i < 256; i++) numaGetFValue(hist, i, &v), total += v;
    int median = 255;
    for (int i = 0; i < 256; i++) {
        numaGetFValue(hist, i, &v);
        seen += v;
        if (seen >= total / 2) {
            median = i;
            break;
        }
    }
    numaDestroy(&hist);
    int t = median - PAPER_MARGIN;
    return t < DARK_THRESHOLD ? DARK_THRESHOLD : t > 215 ? 215 : t;
}

/* The table frame's corners in full-resolution pixels; false if none. */
static bool find_frame(PIX *grey, quad *q)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int f = (int)ceil((double)(w > h ? w : h) / REDUCED_SIDE);
    if (f < 1) f = 1;
    PIX *small = f > 1 ? pixScaleGrayMinMax(grey, f, f, L_CHOOSE_MIN) : pixClone(grey);
    PIX *bin = small ? pixConvertTo1(small, dark_threshold(small)) : NULL;
    PIX *closed = bin ? pixCloseBrick(NULL, bin, 3, 3) : NULL;
    bool found = closed && frame_corners(closed, q);
    if (found) {
        for (int i = 0; i < 4; i++) q->x[i] = (q->x[i] + 0.5) * f, q->y[i] = (q->y[i] + 0.5) * f;
    }
    pixDestroy(&closed);
    pixDestroy(&bin);
    pixDestroy(&small);
    return found;
}

static double dist(double x0, double y0, double x1, double y1)
{
    return hypot(x1 - x0, y1 - y0);
}

/* The upright rectangle q should become: mean side lengths, same centre,
 * shrunk if need be to stay inside the page. */
static void target_rectangle(const quad *q, int w, int h, quad *r)
{
    double tw = (dist(q->x[0], q->y[0], q->x[1], q->y[1]) + dist(q->x[3], q->y[3], q->x[2], q->y[2])) / 2;
    double th = (dist(q->x[0], q->y[0], q->x[3], q->y[3]) + dist(q->x[1], q->y[1], q->x[2], q->y[2])) / 2;
    double cx = (q->x[0] + q->x[1] + q->x[2] + q->x[3]) / 4;
    double cy = (q->y[0] + q->y[1] + q->y[2] + q->y[3]) / 4;
    double k = 1;
    if (tw > w - 2) k = fmin(k, (w - 2) / tw);
    if (th > h - 2) k = fmin(k, (h - 2) / th);
    tw *= k, th *= k;
    if (cx - tw / 2 < 1) cx = 1 + tw / 2;
    if (cx + tw / 2 > w - 1) cx = w - 1 - tw / 2;
    if (cy - th / 2 < 1) cy = 1 + th / 2;
    if (cy + th / 2 > h - 1) cy = h - 1 - th / 2;
    double xs[4] = {cx - tw / 2, cx + tw / 2, cx + tw / 2, cx - tw / 2};
    double ys[4] = {cy - th / 2, cy - th / 2, cy + th / 2, cy + th / 2};
    for (int i = 0; i < 4; i++) r->x[i] = xs[i], r->y[i] = ys[i];
}

/* How far q is from a rectangle turned by the mean angle of its top and
 * bottom sides: what a rotation (deskew, which measures more precisely)
 * cannot undo. */
static double beyond_rotation(const quad *q, const quad *r)
{
    double a = (atan2(q->y[1] - q->y[0], q->x[1] - q->x[0]) +
                atan2(q->y[2] - q->y[3], q->x[2] - q->x[3])) / 2;
    double cx = (r->x[0] + r->x[2]) / 2, cy = (r->y[0] + r->y[2]) / 2, c = cos(a), s = sin(a);
    double worst = 0;
    for (int i = 0; i < 4; i++) {
        double x = r->x[i] - cx, y = r->y[i] - cy;
        worst = fmax(worst, dist(q->x[i], q->y[i], cx + x * c - y * s, cy + x * s + y * c));
    }
    return worst;
}

bool perspective_find(PIX *grey, perspective *p)
{
    quad q, r;
    p->shift_px = 0;
    if (!grey || pixGetDepth(grey) != 8 || !find_frame(grey, &q)) return false;
    target_rectangle(&q, pixGetWidth(grey), pixGetHeight(grey), &r);
    double diag = dist(r.x[0], r.y[0], r.x[2], r.y[2]);
    if (beyond_rotation(&q, &r) < fmax(MIN_SHIFT_PX, MIN_SHAPE_CHANGE * diag)) return false;
    for (int i = 0; i < 4; i++) {
        p->from_x[i] = q.x[i], p->from_y[i] = q.y[i], p->to_x[i] = r.x[i], p->to_y[i] = r.y[i];
        p->shift_px = fmax(p->shift_px, dist(q.x[i], q.y[i], r.x[i], r.y[i]));
    }
    return true;
}

PIX *perspective_apply(PIX *pix, const perspective *p, double scale)
{
    PTA *src = ptaCreate(4), *dst = ptaCreate(4);
    for (int i = 0; i < 4; i++) {
        ptaAddPt(src, (float)(p->from_x[i] * scale), (float)(p->from_y[i] * scale));
        ptaAddPt(dst, (float)(p->to_x[i] * scale), (float)(p->to_y[i] * scale));
    }
    PIX *out = src && dst ? pixProjectivePta(pix, dst, src, L_BRING_IN_WHITE) : NULL;
    ptaDestroy(&src);
    ptaDestroy(&dst);
    return out;
}
