# Developer tools under tests/tools/: built with `make`, never installed.
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
all: $(TOOLS)
$(BUILD)/tools/%: tests/tools/%.c include/yogi/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS) -ldl
