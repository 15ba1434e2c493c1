/*
 * figure.c — the detected structure drawn over the page (a debugging aid).
 *
 * When YOGI_TIMETABLE_DRAW names a PNG file, the builder draws what it
 * found over the page image and writes it there: band edges, header boxes,
 * merged cells, list blocks. It explains a wrong extraction at a glance and
 * makes the figures of docs/timetable.md. Without the variable every call
 * here is a no-op on a NULL figure.
 */
#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "tt.h"

struct tt_figure {
    PIX *pix;          /* 32 bpp copy of the page image */
    double sx, sy;     /* image pixels per page pixel */
    const char *path;
};

tt_figure *tt_figure_open(const tt_page *page)
{
    const char *path = getenv("YOGI_TIMETABLE_DRAW");
    if (!path || !*path || !page->image[0] || page->width <= 0 || page->height <= 0)
        return NULL;
    PIX *src = pixRead(page->image);
    PIX *rgb = src ? pixConvertTo32(src) : NULL;
    pixDestroy(&src);
    tt_figure *f = rgb ? calloc(1, sizeof *f) : NULL;
    if (!f) {
        pixDestroy(&rgb);
        return NULL;
    }
    f->pix = rgb;
    f->sx = (double)pixGetWidth(rgb) / page->width;
    f->sy = (double)pixGetHeight(rgb) / page->height;
    f->path = path;
    return f;
}

void tt_figure_line(tt_figure *f, int x0, int y0, int x1, int y1, unsigned rgb, int width)
{
    if (f)
        pixRenderLineArb(f->pix, (int)(x0 * f->sx), (int)(y0 * f->sy), (int)(x1 * f->sx),
                         (int)(y1 * f->sy), width, (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255);
}

void tt_figure_box(tt_figure *f, int x0, int y0, int x1, int y1, unsigned rgb, int width)
{
    if (!f)
        return;
    BOX *b = boxCreate((int)(x0 * f->sx), (int)(y0 * f->sy), (int)((x1 - x0) * f->sx),
                       (int)((y1 - y0) * f->sy));
    if (b)
        pixRenderBoxArb(f->pix, b, width, (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255);
    boxDestroy(&b);
}

void tt_figure_close(tt_figure *f)
{
    if (!f)
        return;
    pixWrite(f->path, f->pix, IFF_PNG);
    pixDestroy(&f->pix);
    free(f);
}
