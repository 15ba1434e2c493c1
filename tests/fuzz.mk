# tests/fuzz.mk — libFuzzer harnesses (clang): every fuzz/fuzz_NAME.c becomes
# build-fuzz/fuzz_NAME, linked with ASan, UBSan and every engine object
# (compiled again with clang for coverage), plus FUZZ_SRC_NAME sources and
# FUZZ_PKGS_NAME pkg-config packages when a harness needs more. A harness
# dropped into fuzz/ needs no line here if the engine is all it calls.
# Its seed corpus is fuzz/corpus/NAME/ (committed).
#
#   make fuzz               each harness for FUZZ_SECONDS (30) on a scratch copy of its corpus
#   make fuzz-corpus        each harness once over its committed corpus (make test does this
#                           through tests/integration/fuzz_corpus.sh)

FUZZ_CC      ?= clang
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -Iinclude -Iengine -Iapi $(PKG_CFLAGS)
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_NAMES:%=$(BUILD_FUZZ)/fuzz_%)
FUZZ_ENGINE_OBJ := $(patsubst %.c,$(BUILD_FUZZ)/obj/%.o,$(wildcard engine/*.c))

FUZZ_SRC_multipart   = api/multipart.c
FUZZ_SRC_http_head   = api/framing.c
FUZZ_SRC_export      = api/ics.c api/csv.c api/export.c api/strbuf.c
FUZZ_PKGS_image_sniff = lept poppler-glib

$(BUILD_FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

define FUZZ_template
$(BUILD_FUZZ)/fuzz_$(1): fuzz/fuzz_$(1).c $(FUZZ_ENGINE_OBJ) $(patsubst %.c,$(BUILD_FUZZ)/obj/%.o,$(FUZZ_SRC_$(1)))
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer $(if $(FUZZ_PKGS_$(1)),$$(shell pkg-config --cflags $(FUZZ_PKGS_$(1)))) \
	    -o $$@ $$^ $$(PKG_LIBS) $(if $(FUZZ_PKGS_$(1)),$$(shell pkg-config --libs $(FUZZ_PKGS_$(1)))) -ldl -lm
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_template,$(n))))

.PHONY: fuzz fuzz-build fuzz-corpus
fuzz-build: $(FUZZ_BIN)

# The JSONata harness also starts from the reference suite's expressions when
# ../shared is present (copied into build-fuzz/, never into the tree).
fuzz: fuzz-build
	@if [ -d ../shared/conformance/jsonata-suite/groups ]; then mkdir -p $(BUILD_FUZZ)/corpus-jsonata; \
	    /usr/bin/python3 scripts/jsonata_seed_corpus.py ../shared/conformance/jsonata-suite \
	        $(BUILD_FUZZ)/corpus-jsonata; fi
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p $(BUILD_FUZZ)/corpus-$$n; \
	    echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
	    $(BUILD_FUZZ)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	        -artifact_prefix=$(BUILD_FUZZ)/crash-$$n- $(BUILD_FUZZ)/corpus-$$n fuzz/corpus/$$n \
	        2>$(BUILD_FUZZ)/fuzz_$$n.log || { tail -30 $(BUILD_FUZZ)/fuzz_$$n.log; exit 1; }; \
	done

fuzz-corpus: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	    $(BUILD_FUZZ)/fuzz_$$n -runs=0 fuzz/corpus/$$n 2>$(BUILD_FUZZ)/corpus_$$n.log \
	        || { tail -30 $(BUILD_FUZZ)/corpus_$$n.log; exit 1; }; \
	done
