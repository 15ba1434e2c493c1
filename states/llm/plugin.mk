# states/llm — the language-model review step (libcurl for HTTPS, leptonica
# to downscale the page image).
PLUGIN_PKGS_llm = libcurl lept

# tests/unit/test_llm.c tests the plugin's pure parts (request building,
# reply parsing, schema and sense checks, base64): it links the plugin's
# objects, which need these libraries too. The rules below are read before
# the Makefile's `all`, so the default goal is saved and restored around them.
llm_saved_goal := $(.DEFAULT_GOAL)
LLM_TEST_OBJ := $(patsubst %.c,$(BUILD)/%.pic.o,$(filter-out states/llm/plugin.c,$(wildcard states/llm/*.c)))
$(BUILD)/tests/test_llm: $(LLM_TEST_OBJ)
$(BUILD)/tests/test_llm: PKG_LIBS += $(shell pkg-config --libs libcurl lept)
.DEFAULT_GOAL := $(llm_saved_goal)
