# notify: webhooks over libcurl; the signature's SHA-256 is our own (hmac.c).
PLUGIN_PKGS_notify = libcurl
