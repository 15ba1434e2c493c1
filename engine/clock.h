/*
 * clock.h — the two clocks the host reads, each under one name.
 *
 * wall_clock_ms(): Unix time in ms (CLOCK_REALTIME). For every time that is
 * stored or crosses a process: timers and deadlines in branch.data, event
 * timestamps, document rows, a task's deadline handed to a plugin. It can
 * jump when the system clock is set; stored deadlines accept that.
 *
 * monotonic_ms(): ms since an arbitrary origin (CLOCK_MONOTONIC). For
 * intervals inside one process (worker liveness, back-off, polling
 * deadlines), which must not jump. Never store it.
 */
#ifndef YOGI_CLOCK_H
#define YOGI_CLOCK_H

#include <stdint.h>

int64_t wall_clock_ms(void);
int64_t monotonic_ms(void);

#endif
