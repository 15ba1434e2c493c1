# The engine benchmark program (bench/engine_bench.c), linked with the engine.
ENGINE_BENCH := $(BUILD)/bench/engine_bench
$(ENGINE_BENCH): $(BUILD)/bench/engine_bench.o $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -ldl -lm
bench: $(ENGINE_BENCH)
