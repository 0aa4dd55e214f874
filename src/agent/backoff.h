/*
 * backoff.h: the agent's one back-off rule. Every loop a failure or a
 * server can drive (check-in, activation, commands, uploads, manifest
 * downloads) waits by it: 5 s after the first failure, doubling up to
 * 300 s, each wait spread by +-10 % so that a fleet does not come back
 * together.
 */
#ifndef OUTPOST_BACKOFF_H
#define OUTPOST_BACKOFF_H

#define BACKOFF_MIN	5	/* seconds after the first failure */
#define BACKOFF_MAX	300	/* the cap */

/* seconds spread by +-10 % (random()). Returns the spread value. */
int	backoff_jitter(int seconds);
/*
 * The wait after the n-th failure in a row, jittered: 0 for n < 1, else
 * BACKOFF_MIN doubled n - 1 times, at most BACKOFF_MAX.
 */
int	backoff_delay(int failures);

#endif /* OUTPOST_BACKOFF_H */
