/*
 * conf-util.h: what the unit tests of configuration files share
 * (test_conf.c for the engine, test_agent_conf.c for outpost.conf's
 * table): the errors of one parse, collected with their lines, and the
 * file parsed. Include after <cmocka.h>.
 */
#ifndef OUTPOST_TEST_CONF_UTIL_H
#define OUTPOST_TEST_CONF_UTIL_H

/* The errors one parse reported. */
struct errlist {
	int	 lines[16];
	char	 reasons[16][256];
	int	 n;
};

/* A conf_error_fn: collect an error into the struct errlist arg. */
void		 collect_cb(const char *file, int line, const char *reason,
		    void *arg);
/* Write text to a new temp file; return its path (static buffer). */
const char	*write_temp(const char *text);

#endif /* OUTPOST_TEST_CONF_UTIL_H */
