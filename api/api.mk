# api/api.mk — the web app's assets, built into the binary, and the API's
# unit test. Included by the Makefile.
#
# api/web/embed.c is a build tool (compiled for the build machine, never
# linked into yogi): it turns api/web/*.{html,js,css,svg,png,webmanifest} into a C table.

# This fragment is included before the Makefiles first rule: keep "all" the default.
.DEFAULT_GOAL := all

WEB_FILES := $(sort $(wildcard api/web/*.html api/web/*.js api/web/*.css api/web/*.svg \
                             api/web/*.png api/web/*.webmanifest))

$(BUILD)/api/web/embed: api/web/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -o $@ $<

$(BUILD)/api/web_assets.c: $(BUILD)/api/web/embed $(WEB_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/api/web/embed $(WEB_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/api/web_assets.o: $(BUILD)/api/web_assets.c api/web_assets.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

GEN_OBJ += $(BUILD)/api/web_assets.o

# The pure parts of api/ (no libevent) are unit-tested on their own.
API_UNIT_OBJ := $(addprefix $(BUILD)/api/,multipart.o ics.o csv.o export.o strbuf.o)
$(BUILD)/tests/test_api_units: $(API_UNIT_OBJ)

# Password hashing (api/password.c, the only includer of sodium.h).
PKG_LIBS += $(shell pkg-config --libs libsodium)
$(BUILD)/tests/test_api_units: $(BUILD)/api/password.o
# HTTPS (api/tls.c): libevent's OpenSSL bufferevents.
PKG_LIBS += $(shell pkg-config --libs libevent_openssl openssl 2>/dev/null)
