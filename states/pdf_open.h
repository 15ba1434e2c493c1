/*
 * pdf_open.h — opening a PDF with poppler-glib, and naming why it failed,
 * for the plugins that read PDFs (classify, pdftext, preprocess):
 * header-only, like workdir.h, since each plugin is its own shared object
 * and the Makefile builds one .so per states/NAME directory.
 *
 * A PDF that poppler refuses is Document.Encrypted when it is locked by a
 * password and Document.Corrupt otherwise, whichever plugin meets it first;
 * the caller owns the returned document (g_object_unref).
 */
#ifndef YOGI_STATES_PDF_OPEN_H
#define YOGI_STATES_PDF_OPEN_H

#include <stddef.h>

#include <poppler.h>

#include "yogi/plugin.h"

/* Names poppler's failure in err and frees gerr; returns YOGI_FAILED. */
static inline int pdf_open_failed(GError *gerr, yogi_error *err)
{
    int rc = (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED)
                 ? yogi_fail(err, "Document.Encrypted", "the PDF is protected by a password")
                 : yogi_fail(err, "Document.Corrupt", "the PDF cannot be opened: %s",
                             gerr ? gerr->message : "unknown error");
    if (gerr) g_error_free(gerr);
    return rc;
}

/* What poppler's open returned: the document, or NULL with err named;
 * gerr is freed either way. */
static inline PopplerDocument *pdf_opened(PopplerDocument *pdf, GError *gerr, yogi_error *err)
{
    if (!pdf) {
        pdf_open_failed(gerr, err);
        return NULL;
    }
    if (gerr) g_error_free(gerr);
    return pdf;
}

/* The PDF at an absolute path, or NULL with err set. */
static inline PopplerDocument *pdf_open_file(const char *path, yogi_error *err)
{
    GError *gerr = NULL;
    char *uri = g_filename_to_uri(path, NULL, &gerr);
    PopplerDocument *pdf = uri ? poppler_document_new_from_file(uri, NULL, &gerr) : NULL;
    g_free(uri);
    return pdf_opened(pdf, gerr, err);
}

/* The PDF in memory (borrowed: data must outlive the document), or NULL. */
static inline PopplerDocument *pdf_open_bytes(const void *data, size_t len, yogi_error *err)
{
    GBytes *bytes = g_bytes_new_static(data, len);
    GError *gerr = NULL;
    PopplerDocument *pdf = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    return pdf_opened(pdf, gerr, err);
}

#endif
