/*
 * fuzz_dpkg.c: libFuzzer target for the dpkg status parser, fed line by
 * line as the packages collector feeds it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpkg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check what a finished paragraph must hold, then free it. */
static void
fuzz_check(struct dpkg_package *pkg)
{
	if (pkg->name == NULL || pkg->name[0] == '\0')
		abort();
	if (dpkg_package_is_installed(pkg) && pkg->version == NULL)
		abort();
	dpkg_package_free(pkg);
}

/* Parse one input as a status file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dpkg_parser	 p;
	struct dpkg_package	 pkg;
	const char		*line = (const char *)data, *end = line + size;
	const char		*nl;
	char			 err[256];
	int			 rc = 0;

	dpkg_parser_init(&p);
	while (line < end) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		err[0] = '\0';
		rc = dpkg_parser_line(&p, line, (size_t)(nl - line), &pkg, err,
		    sizeof(err));
		if (rc == -1) {
			if (strncmp(err, "line ", 5) != 0)
				abort();	/* errors name the line */
			break;
		}
		if (rc == 1)
			fuzz_check(&pkg);
		line = nl + 1;
	}
	if (rc != -1 && dpkg_parser_end(&p, &pkg, err, sizeof(err)) == 1)
		fuzz_check(&pkg);
	dpkg_parser_free(&p);
	return 0;
}
