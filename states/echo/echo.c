/*
 * echo.c — the smallest useful plugin: its output is its input.
 *
 * It exists for wiring tests and benchmarks (a round trip through the
 * worker pool with no work in it) and as a reading example of the ABI.
 */
#include <yogi/plugin.h>

static int echo_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                       yogi_error *err)
{
    (void)state;
    (void)call;
    (void)err;
    *output = json_incref(input); /* input is borrowed: take our own reference */
    return YOGI_OK;
}

YOGI_PLUGIN(echo, NULL, echo_invoke, NULL)
