# pdftext: the text layer of digital PDFs, with poppler-glib (GPL-2.0-or-later)
# and cairo to render each page.
PLUGIN_PKGS_pdftext = poppler-glib cairo
PLUGIN_LIBS_pdftext = -lm
