# notify: webhooks over libcurl; the signature is HMAC-SHA256 from the
# engine's one digest implementation (engine/hash.c, compiled in).
PLUGIN_PKGS_notify = libcurl
PLUGIN_ENGINE_SRC_notify = engine/hash.c
