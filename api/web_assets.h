/*
 * web_assets.h — the web app's files, built into the binary.
 *
 * The table is generated at build time (build/api/web_assets.c, by the
 * api/web/embed.c tool from the files in api/web/) so the service needs no files on disk
 * and serves exactly the app it was built with.
 */
#ifndef YOGI_WEB_ASSETS_H
#define YOGI_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *path;          /* "/app.js" */
    const char *content_type;  /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t len;
    const char *etag;          /* quoted, from the content */
} web_asset;

extern const web_asset web_assets[];
extern const size_t web_asset_count;

#endif
