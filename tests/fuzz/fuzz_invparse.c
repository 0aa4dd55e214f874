/*
 * fuzz_invparse.c: libFuzzer target for the inventory's other parsers:
 * the first byte picks one (os-release, passwd, group, /proc/modules,
 * /proc/cpuinfo and meminfo, /proc/net v4 and v6, hosts, the rpm query
 * lines, inventory.json); the rest is fed to it line by line (whole, for
 * inventory.json).
 */
#include "config.h"

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "invparse.h"
#include "invstate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One line to the parser chosen by which. */
static void
fuzz_line(int which, const char *line, size_t len)
{
	struct invparse_span	 key, value, addr, names[8];
	struct invparse_user	 u;
	struct invparse_group	 g;
	struct invparse_socket	 s;
	struct invparse_rpm	 r;
	char			 buf[256], err[256];
	uint64_t		 n;
	size_t			 nn;
	int			 rc = 0;

	err[0] = '\0';
	switch (which % 9) {
	case 0:
		rc = invparse_os_release(line, len, &key, buf, sizeof(buf),
		    err, sizeof(err));
		if (rc == 1 && strlen(buf) >= sizeof(buf))
			abort();
		break;
	case 1:
		rc = invparse_passwd(line, len, &u, err, sizeof(err));
		break;
	case 2:
		rc = invparse_group(line, len, &g, err, sizeof(err));
		break;
	case 3:
		rc = invparse_module(line, len, &key, &n, err, sizeof(err));
		break;
	case 4:
		rc = invparse_colon(line, len, &key, &value, err, sizeof(err));
		if (rc == 1)
			(void)invparse_kib(&value, &n);
		break;
	case 5:
	case 6:
		rc = invparse_net(line, len, which % 9 == 5 ? AF_INET :
		    AF_INET6, &s, err, sizeof(err));
		break;
	case 7:
		rc = invparse_hosts(line, len, &addr, names, 8, &nn, err,
		    sizeof(err));
		if (rc == 1 && nn > 8)
			abort();
		break;
	case 8:
		rc = invparse_rpm(line, len, &r, err, sizeof(err));
		break;
	}
	if (rc == -1 && err[0] == '\0')
		abort();	/* every refusal says why */
}

/* Parse one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct invstate	 st;
	const char	*line, *end, *nl;
	char		 err[256];
	int		 which;

	if (size == 0)
		return 0;
	which = data[0];
	line = (const char *)data + 1;
	end = (const char *)data + size;
	if (which == 255) {
		if (invstate_parse(line, (size_t)(end - line), &st, err,
		    sizeof(err)) == 0)
			invstate_free(&st);
		return 0;
	}
	while (line < end) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		fuzz_line(which, line, (size_t)(nl - line));
		line = nl + 1;
	}
	return 0;
}
