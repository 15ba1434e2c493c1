/*
 * fuzz_export.c — libFuzzer harness for the ICS and CSV writers
 * (api/ics.c, api/csv.c, api/export.c): the input, parsed as JSON, is the
 * timetable. Output must be as long as said, and the ICS lines folded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *tt = json_loadb((const char *)data, size, 0, NULL);
    if (!tt) return 0;
    char why[256];
    size_t len = 0;
    char *ics = ics_render(tt, "fuzz", 2026, 11, 30, 1764460800, &len, why, sizeof why);
    if (ics) {
        if (strlen(ics) != len) abort();
        /* RFC 5545: content lines are folded at 75 octets. */
        for (char *line = ics, *end; *line; line = end + 2) {
            end = strstr(line, "\r\n");
            if (!end) abort();
            if (end - line > 75) abort();
        }
        free(ics);
    }
    char *csv = csv_render(tt, &len, why, sizeof why);
    if (csv && memchr(csv, '\0', len)) abort();
    free(csv);
    json_decref(tt);
    return 0;
}
