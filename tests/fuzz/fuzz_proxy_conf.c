/*
 * fuzz_proxy_conf.c: libFuzzer target for the proxy.conf parser. The input
 * is written to a private temporary file (mode 0600) and parsed; every
 * proxy host named by the result is then matched against no_proxy.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Swallow parse errors. */
static void
fuzz_quiet(const char *file, int line, const char *reason, void *arg)
{
}

/* Parse one input as a proxy file. Returns 0. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_config	 pc;
	char			 path[] = "/tmp/fuzz_proxy_conf.XXXXXX";
	int			 fd, i, order[PROXY_MAX];

	if ((fd = mkstemp(path)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (proxy_config_parse_file(&pc, path, fuzz_quiet, NULL) >= 0) {
		for (i = 0; i < pc.list.count; i++)
			(void)proxy_bypass_match(&pc.bypass,
			    pc.list.proxies[i].host);
		(void)proxy_plan(&pc, "platform.example", (unsigned int)size,
		    order);
	}
	proxy_config_free(&pc);
	unlink(path);
	return 0;
}
