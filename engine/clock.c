/*
 * clock.c — wall_clock_ms() and monotonic_ms(); see clock.h for which to
 * use where. One definition each, so that "which clock is this?" has one
 * answer per name.
 */
#include <time.h>

#include "clock.h"

static int64_t read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_clock_ms(void)
{
    return read_ms(CLOCK_REALTIME);
}

int64_t monotonic_ms(void)
{
    return read_ms(CLOCK_MONOTONIC);
}
