/*
 * log-rate.c: rate-limited warnings (log-rate.h). Each cause has a window
 * of LOG_RATE_WINDOW seconds on the monotonic clock; the first
 * LOG_RATE_BURST lines of a window are written, the others only counted,
 * and the count is written in one line when the window is over (at the
 * next warning of that cause or the next flush).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log-rate.h"
#include "log.h"

/* Format n with thousands separators into buf. Returns buf. */
const char *
log_rate_count(char *buf, size_t len, uint64_t n)
{
	char	 digits[32];
	size_t	 nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)n);
	for (i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Write the count of held lines, if any, and start a new window at now. */
static void
log_rate_close(struct log_rate *r, time_t now)
{
	char	 count[32];

	if (r->held > 0)
		log_warnx("%s: %s more in the last %d s", r->what,
		    log_rate_count(count, sizeof(count), r->held),
		    LOG_RATE_WINDOW);
	r->window = now;
	r->written = 0;
	r->held = 0;
}

/* Log a warning of cause r unless its window is full. */
void
log_rate_warnx(struct log_rate *r, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024];
	time_t	 now = clock_mono_sec();

	if (r->window == 0 || now - r->window >= LOG_RATE_WINDOW)
		log_rate_close(r, now);
	if (r->written >= LOG_RATE_BURST) {
		r->held++;
		return;
	}
	r->written++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("%s", line);
}

/* Write the count of held lines once their window is over (or now). */
void
log_rate_flush(struct log_rate *r, int force)
{
	time_t	 now = clock_mono_sec();

	if (r->held > 0 && (force || now - r->window >= LOG_RATE_WINDOW))
		log_rate_close(r, now);
}
