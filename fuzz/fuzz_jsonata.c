/*
 * fuzz_jsonata.c — libFuzzer harness for the JSONata parser and evaluator.
 *
 * Input: an expression, optionally followed by a NUL byte and a JSON input
 * document. Every input must end in a result or a named error within the
 * limits (depth 300, 200 ms); ASan/UBSan report anything else. Built and run
 * by `make fuzz` (tests/fuzz.mk).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t srclen = nul ? (size_t)(nul - data) : size;
    json_t *input = NULL;
    if (nul) input = json_loadb((const char *)nul + 1, size - srclen - 1, JSON_DECODE_ANY, NULL);
    jsonata_error err;
    jsonata_expr *e = jsonata_compile(src, srclen, &err);
    if (e) {
        jsonata_limits lim = {.max_depth = 300, .time_limit_ms = 200, .asl_functions = 1};
        json_t *out = NULL;
        json_t *bindings = json_pack("{s:i, s:[i,s]}", "x", 1, "arr", 2, "two");
        if (jsonata_evaluate(e, input, bindings, &lim, &out, &err) == 0) json_decref(out);
        else if (!err.code[0]) abort(); /* an error must be named */
        json_decref(bindings);
        jsonata_free(e);
    } else if (!err.code[0]) {
        abort();
    }
    json_decref(input);
    return 0;
}
