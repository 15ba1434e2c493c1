# plugin:timetable reads ruling lines from the page image with leptonica.
PLUGIN_PKGS_timetable := lept

# tests/unit/test_timetable.c tests the builder's parts (time and day
# parsing) directly: it links the plugin's objects but plugin.c, which need
# leptonica too. The default goal is kept around these rules, which are read
# before the Makefile's `all`.
tt_saved_goal := $(.DEFAULT_GOAL)
TT_TEST_OBJ := $(patsubst %.c,$(BUILD)/%.pic.o,$(filter-out states/timetable/plugin.c,$(wildcard states/timetable/*.c)))
$(BUILD)/tests/test_timetable: $(TT_TEST_OBJ)
$(BUILD)/tests/test_timetable: PKG_LIBS += $(shell pkg-config --libs lept)
.DEFAULT_GOAL := $(tt_saved_goal)
