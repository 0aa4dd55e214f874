/*
 * conf-util.c: the helpers of the configuration unit tests (see
 * conf-util.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf-util.h"

/* Collect an error. */
void
collect_cb(const char *file, int line, const char *reason, void *arg)
{
	struct errlist	*e = arg;

	if (e->n < 16) {
		e->lines[e->n] = line;
		snprintf(e->reasons[e->n], sizeof(e->reasons[0]), "%s", reason);
		e->n++;
	}
}

/* Write text to a new temp file; return its path (static buffer). */
const char *
write_temp(const char *text)
{
	static char	 path[64];
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}
