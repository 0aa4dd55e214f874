/*
 * fuzz_console.c: libFuzzer target for the console's answer to a request
 * path and If-None-Match header (console.c): whatever they hold, only the
 * files read from the console directory are ever served, by their exact
 * names.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct console	*console;

/* Write text to dir/name, or abort. */
static void
put(const char *dir, const char *name, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
}

/* The console of a small directory made once, with a file left out. */
static struct console *
fuzz_console(void)
{
	char	 dir[] = "/tmp/fuzz_console.XXXXXX", sub[64], err[256];

	if (console != NULL)
		return console;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sub, sizeof(sub), "%s/js", dir);
	if (mkdir(sub, 0755) == -1)
		abort();
	put(dir, "index.html", "<!doctype html>");
	put(dir, "js/app.js", "export {};");
	put(dir, ".hidden.js", "secret");
	if ((console = console_load(dir, err, sizeof(err))) == NULL)
		abort();
	unlink(strcat(strcpy(sub, dir), "/.hidden.js"));
	unlink(strcat(strcpy(sub, dir), "/js/app.js"));
	unlink(strcat(strcpy(sub, dir), "/index.html"));
	rmdir(strcat(strcpy(sub, dir), "/js"));
	rmdir(dir);
	return console;
}

/* Whether path is one the API answers: /api, /agent (and below), /metrics. */
static int
api_path(const char *path)
{
	return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0 ||
	    strcmp(path, "/agent") == 0 || strncmp(path, "/agent/", 7) == 0 ||
	    strcmp(path, "/metrics") == 0;
}

/* libFuzzer entry point: first byte odd = GET, then "path\ninm". */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console_reply	 r;
	char			*buf, *nl, *inm = NULL;

	if (size < 1)
		return 0;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		inm = nl + 1;
	}
	if (console_answer(fuzz_console(), data[0] & 1, buf, inm, &r) == 0) {
		if (r.status == 200 || r.status == 304) {
			if (strcmp(buf, "/") != 0 &&
			    strcmp(buf, "/index.html") != 0 &&
			    strcmp(buf, "/js/app.js") != 0)
				abort();
		} else if (r.status != 404 && r.status != 405)
			abort();
	} else if (!api_path(buf))
		abort();
	free(buf);
	return 0;
}
