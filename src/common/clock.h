/*
 * clock.h: the monotonic clock in the units the daemons schedule with.
 * CLOCK_MONOTONIC never jumps with the wall clock, so deadlines, rate
 * limits and elapsed times measured with it survive a clock change.
 */
#ifndef OUTPOST_CLOCK_H
#define OUTPOST_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of the monotonic clock (since an arbitrary start). */
uint64_t	clock_mono_ms(void);
/* Seconds of the monotonic clock (since an arbitrary start). */
time_t		clock_mono_sec(void);

#endif /* OUTPOST_CLOCK_H */
