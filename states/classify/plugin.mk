# classify: sniff the document's format from its bytes (leptonica for image
# headers, poppler-glib for PDFs).
PLUGIN_PKGS_classify = lept poppler-glib
