# tests/jsonata.mk — the JSONata reference-suite runner (tests/integration/jsonata_suite.sh).
JSONATA_RUNNER := $(BUILD)/tests/jsonata_suite_runner
all: $(JSONATA_RUNNER)
$(JSONATA_RUNNER): $(BUILD)/tests/tools/jsonata_suite.o $(BUILD)/tests/tools/dirlist.o $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -ldl -lm

# bench/jsonata.sh's C side
JSONATA_BENCH := $(BUILD)/tests/jsonata_bench
all: $(JSONATA_BENCH)
$(JSONATA_BENCH): $(BUILD)/bench/jsonata_bench.o $(BUILD)/tests/tools/dirlist.o $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -ldl -lm
