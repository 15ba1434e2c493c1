# preprocess: leptonica for the image work; poppler-glib and cairo to render
# the pages of scanned PDFs.
PLUGIN_PKGS_preprocess = lept poppler-glib cairo
PLUGIN_LIBS_preprocess = -lm
