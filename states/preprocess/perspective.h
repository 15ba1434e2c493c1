/*
 * perspective.h — undoing a photo's perspective from the table's ruled
 * outline (perspective.c has the method and its limits).
 */
#ifndef YOGI_PREPROCESS_PERSPECTIVE_H
#define YOGI_PREPROCESS_PERSPECTIVE_H

#include <stdbool.h>

#include <leptonica/allheaders.h>

/* The four corners of the table's outline and where they belong. */
typedef struct perspective {
    double from_x[4], from_y[4]; /* top-left, top-right, bottom-right, bottom-left */
    double to_x[4], to_y[4];     /* an upright rectangle */
    double shift_px;             /* the largest corner movement */
} perspective;

/* True when grey (8 bpp) shows a ruled table whose outline is more than
 * turned: *p then says how to make it upright. */
bool perspective_find(PIX *grey, perspective *p);

/* pix (the image perspective_find saw, scaled by scale) with the outline
 * made upright: a new image of pix's size, or NULL when out of memory. */
PIX *perspective_apply(PIX *pix, const perspective *p, double scale);

#endif
