/*
 * tls.c — HTTPS for `yogi serve --tls-cert FILE --tls-key FILE`.
 *
 * evhttp asks connections.c for each connection's bufferevent; with TLS on
 * that is an OpenSSL bufferevent in accepting state, made here, over the
 * socket evhttp then sets. TLS 1.2 is the floor (TLS 1.0/1.1 are refused in
 * the handshake), compression and renegotiation are off, and the server's
 * cipher order wins. A client speaking plain HTTP to the TLS port fails the
 * handshake and is closed; nothing it sent reaches the router.
 *
 * Only this file includes OpenSSL's headers (and event2/bufferevent_ssl.h).
 */
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "host_error.h"
#include "internal.h"

static int openssl_error(yogi_error *err, const char *what, const char *file)
{
    char detail[256] = "";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    return host_fail(err, "TLS.Config", "%s %s: %s", what, file ? file : "", detail);
}

int tls_setup(api *a, yogi_error *err)
{
    if (!a->opts.tls_cert && !a->opts.tls_key) return 0;
    if (!a->opts.tls_cert || !a->opts.tls_key)
        return host_fail(err, "TLS.Config", "--tls-cert and --tls-key go together");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return openssl_error(err, "SSL_CTX_new", NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, a->opts.tls_cert) != 1) {
        openssl_error(err, "cannot load the certificate", a->opts.tls_cert);
        SSL_CTX_free(ctx);
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, a->opts.tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        openssl_error(err, "cannot load the private key (or it does not match)", a->opts.tls_key);
        SSL_CTX_free(ctx);
        return -1;
    }
    a->tls = ctx;
    return 0;
}

void tls_teardown(api *a)
{
    if (a->tls) SSL_CTX_free(a->tls);
    a->tls = NULL;
}

struct bufferevent *tls_bufferevent_new(api *a, struct event_base *base)
{
    SSL *ssl = SSL_new(a->tls);
    if (!ssl) return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    /* A client that closes without close_notify is common and harmless for
     * HTTP (the length is framed); do not report it as an error. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}
