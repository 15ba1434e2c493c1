# tests/pipeline.mk — the pipeline plugin tests generate their fixtures with
# leptonica and cairo (PNG, JPEG, TIFF, WebP, BMP, PDF written in the test).
PIPELINE_TEST_PKGS := lept cairo
$(BUILD)/tests/unit/test_pipeline_plugins.o: ALL_CFLAGS += $(shell pkg-config --cflags $(PIPELINE_TEST_PKGS))
$(BUILD)/tests/test_pipeline_plugins: PKG_LIBS += $(shell pkg-config --libs $(PIPELINE_TEST_PKGS))
