/*
 * log-rate.h: warnings that may repeat without end (a refused connection,
 * a failed accept) written a few at a time: at most LOG_RATE_BURST lines
 * of one cause per LOG_RATE_WINDOW seconds, then one line counting the
 * rest ("connection refused: 1,234 more in the last 10 s"), so the log
 * never grows without bound from one cause.
 */
#ifndef OUTPOST_LOG_RATE_H
#define OUTPOST_LOG_RATE_H

#include <stdint.h>
#include <time.h>

#define LOG_RATE_WINDOW	10	/* seconds */
#define LOG_RATE_BURST	5	/* lines written per window */

/* One cause of warnings; zero it, then set what. */
struct log_rate {
	const char	*what;		/* names the cause in the count line */
	time_t		 window;	/* monotonic start of the window */
	unsigned int	 written;	/* lines written in the window */
	uint64_t	 held;		/* lines held back in the window */
};

/* Log a warning of this cause, unless its window is full (then count it). */
void	log_rate_warnx(struct log_rate *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Write the count of the lines held back once their window is over; call
 * it now and then (a timer), and at shutdown with force set.
 */
void	log_rate_flush(struct log_rate *, int force);
/* Format n with thousands separators ("1,234") into buf. Returns buf. */
const char *log_rate_count(char *, size_t, uint64_t);

#endif /* OUTPOST_LOG_RATE_H */
