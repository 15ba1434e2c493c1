/*
 * web.c — serves the web app built into the binary (web_assets.h).
 *
 * Any GET outside the API that is not a known asset gets index.html, so the
 * app's own paths (/review, /executions/ID) survive a reload. Assets carry a
 * content ETag and a strict Content-Security-Policy: the app loads nothing
 * but itself (no CDN, no inline script).
 */
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "internal.h"
#include "web_assets.h"

static const web_asset *find_asset(const char *path)
{
    for (size_t i = 0; i < web_asset_count; i++)
        if (!strcmp(web_assets[i].path, path)) return &web_assets[i];
    return NULL;
}

void web_asset_h(api_request *r)
{
    const char *path = r->params[0];
    const web_asset *a = find_asset(path);
    if (!a && !strchr(path + 1, '.')) a = find_asset("/index.html");
    if (!a) {
        reply_error(r, 404, "NotFound", "no such file");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "ETag", a->etag);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' blob: data:; object-src 'self' blob:; "
                      "frame-src 'self' blob:; style-src 'self'; script-src 'self'; "
                      "frame-ancestors 'none'; base-uri 'none'");
    const char *inm = request_header(r, "If-None-Match");
    if (inm && !strcmp(inm, a->etag)) {
        r->a->stats.responses[3]++;
        evhttp_send_reply(r->req, 304, "Not Modified", NULL);
        return;
    }
    evhttp_add_header(h, "Content-Type", a->content_type);
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_reference(buf, a->data, a->len, NULL, NULL);
    r->a->stats.responses[2]++;
    evhttp_send_reply(r->req, 200, "OK", buf);
    evbuffer_free(buf);
}
