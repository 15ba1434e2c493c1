/*
 * fuzz_multipart.c — libFuzzer harness for api/multipart.c.
 *
 * The first line of the input is the Content-Type header value (the
 * boundary is taken from it, as the upload route does); the rest is the
 * body. Every part found must lie inside the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : size;
    char *ct = malloc(head + 1);
    if (!ct) return 0;
    memcpy(ct, data, head);
    ct[head] = '\0';
    char boundary[80], why[128], clean[256];
    if (multipart_boundary(ct, boundary, sizeof boundary)) {
        const uint8_t *body = nl ? nl + 1 : data + size;
        size_t len = (size_t)(data + size - body);
        multipart_part parts[8];
        int n = multipart_parse(boundary, body, len, parts, 8, why, sizeof why);
        for (int i = 0; i < n; i++) {
            if (parts[i].data < body || parts[i].data + parts[i].len > body + len) abort();
            multipart_clean_filename(parts[i].filename, clean, sizeof clean);
        }
    }
    multipart_clean_filename(ct, clean, sizeof clean);
    free(ct);
    return 0;
}
