# ocr: tesseract is loaded at run time (dlopen), after OMP_THREAD_LIMIT is
# set — see ocr.c — so it is not linked; its soname comes from pkg-config.
PLUGIN_PKGS_ocr = lept
PLUGIN_LIBS_ocr = -ldl -lm
OCR_TESSERACT_MAJOR := $(firstword $(subst ., ,$(shell pkg-config --modversion tesseract 2>/dev/null)))
$(BUILD)/states/ocr/ocr.pic.o: ALL_CFLAGS += -DTESSERACT_SONAME='"libtesseract.so.$(or $(OCR_TESSERACT_MAJOR),5)"'
