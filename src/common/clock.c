/*
 * clock.c: the monotonic clock in milliseconds and seconds, the one place
 * the daemons read CLOCK_MONOTONIC for scheduling (clock.h).
 */
#include "config.h"

#include <time.h>

#include "clock.h"

/* Milliseconds of the monotonic clock. Returns them. */
uint64_t
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Seconds of the monotonic clock. Returns them. */
time_t
clock_mono_sec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}
