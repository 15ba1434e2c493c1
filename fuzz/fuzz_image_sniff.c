/*
 * fuzz_image_sniff.c — libFuzzer harness for the classify plugin's image
 * sniffing: magic bytes, header dimensions (leptonica), truncation checks
 * and the size limits, on any bytes. The plugin's source is included to
 * reach its static functions; PDFs are left out (poppler is fuzzed
 * upstream, and each input would take seconds).
 */
#include "../states/classify/classify.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) setMsgSeverity(L_SEVERITY_NONE), quiet = true; /* leptonica's stderr */
    classify_state st = {NULL, DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_PAGES};
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    document_bytes d = {copy, size};
    const char *format = image_format(&d);
    if (format) {
        json_t *out = NULL;
        yogi_error err;
        if (classify_image(&st, &d, format, &out, &err) == YOGI_OK) json_decref(out);
    }
    is_pdf(&d);
    free(copy);
    return 0;
}
