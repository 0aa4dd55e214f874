/*
 * backoff.c: the agent's one back-off rule (backoff.h), shared by the
 * check-in, the upload queue and the manifest downloads so that every
 * loop a failure or a server can drive is paced the same way.
 */
#include "config.h"

#include <stdlib.h>

#include "backoff.h"

/* seconds spread by +-10 %. Returns the spread value. */
int
backoff_jitter(int seconds)
{
	int	 spread = seconds / 10;

	if (spread == 0)
		return seconds;
	return seconds - spread + (int)(random() % (2 * spread + 1));
}

/* The jittered wait after the n-th failure in a row (0 for n < 1). */
int
backoff_delay(int failures)
{
	int	 delay = BACKOFF_MIN, i;

	if (failures < 1)
		return 0;
	for (i = 1; i < failures && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	return backoff_jitter(delay);
}
