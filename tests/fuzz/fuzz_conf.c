/*
 * fuzz_conf.c: libFuzzer target for the outpost.conf parser (the
 * table-driven engine and every value parser the agent's table uses).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-conf.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Swallow the error reports; the fuzzer looks for crashes and leaks. */
static void
fuzz_error_cb(const char *file, int line, const char *reason, void *arg)
{
	size_t	*count = arg;

	if (strlen(reason) == 0)
		abort();
	(*count)++;
}

/* Parse one input as an outpost.conf file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 path[64];
	struct agent_conf	 conf;
	size_t			 count = 0;
	FILE			*fp;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz_conf.%ld",
		    (long)getpid());
		log_init("fuzz_conf", 0, LOG_LEVEL_ERROR);
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	(void)agent_conf_load(path, &conf, fuzz_error_cb, &count);
	agent_conf_free(&conf);
	return 0;
}
