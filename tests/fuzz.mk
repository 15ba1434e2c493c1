# tests/fuzz.mk — `make fuzz`: libFuzzer + ASan/UBSan on the JSONata parser and
# evaluator (fuzz/jsonata_fuzz.c), for FUZZ_SECONDS (default 60). The seed
# corpus is the reference suite's expressions when ../shared is present
# (copied into build-fuzz/, never into the tree).
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := build-fuzz
FUZZ_SRC     := fuzz/jsonata_fuzz.c $(wildcard engine/jsonata*.c) engine/hash.c engine/timestamp.c
.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_DIR)/jsonata_fuzz
$(FUZZ_DIR)/jsonata_fuzz: $(FUZZ_SRC) $(wildcard engine/jsonata*.h)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iengine -Iinclude \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    $(shell pkg-config --cflags jansson libpcre2-8) $(FUZZ_SRC) -o $@ \
	    $(shell pkg-config --libs jansson libpcre2-8) -lm -lpthread
fuzz: $(FUZZ_DIR)/jsonata_fuzz
	@mkdir -p $(FUZZ_DIR)/corpus
	@if [ -d ../shared/conformance/jsonata-suite/groups ]; then \
	    /usr/bin/python3 scripts/jsonata_seed_corpus.py ../shared/conformance/jsonata-suite $(FUZZ_DIR)/corpus; fi
	$(FUZZ_DIR)/jsonata_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -artifact_prefix=$(FUZZ_DIR)/ \
	    -rss_limit_mb=2048 $(FUZZ_DIR)/corpus
