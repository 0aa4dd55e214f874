/*
 * release-command.c: "outpost-platform release add|list|del", the agent
 * releases of a platform managed from its host, on the database its
 * platform.conf names (-c; the platform directory is taken too), whether
 * the platform runs or not. "add" reads the archive "make agent-release"
 * made, checks it against its manifest (release-tar.c) and stores it;
 * the signature is not checked here (the platform does not hold the
 * release key; agents check it). Each change is recorded in the audit
 * trail as "cli:<login>", like the admin API's DELETE /api/v1/releases.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit-trail.h"
#include "compat.h"
#include "fileio.h"
#include "jsonutil.h"
#include "log.h"
#include "release-command.h"
#include "release-tar.h"
#include "release.h"
#include "releases.h"
#include "store.h"
#include "user-command.h"

#define RELEASE_ARCHIVE_MAX	(1024ULL * 1024 * 1024)	/* bytes read */

/* Print the release command's usage. Returns 1. */
static int
release_usage(void)
{
	fprintf(stderr,
	    "usage: outpost-platform release add FILE [-c platform.conf]\n"
	    "       outpost-platform release list [-c platform.conf]\n"
	    "       outpost-platform release del VERSION [--os OS] "
	    "[--arch ARCH] [-c platform.conf]\n"
	    "-c takes the platform.conf or the platform directory "
	    "(default %s)\n", PLATFORM_DEFAULT_CONF);
	return 1;
}

/* release add FILE: store a release. Returns the exit status. */
static int
release_add(const struct cli_args *a)
{
	struct release_bundle	*b;
	struct cli_platform	 c;
	char			*buf, err[512];
	size_t			 len;
	int			 rc, ok = 0;

	if ((rc = fileio_read_all(a->operand, RELEASE_ARCHIVE_MAX, &buf,
	    &len)) < 0) {
		log_warnx("%s: %s", a->operand, strerror(-rc));
		return 1;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    cli_platform_open(a->conf, &c) == -1) {
		free(b);
		free(buf);
		return 1;
	}
	if (store_begin(c.store) == -1)
		log_warnx("database: cannot begin a transaction");
	else if ((rc = releases_add(c.store, (const unsigned char *)buf, len,
	    a->operand, c.actor, c.now, b, err, sizeof(err))) != 0)
		log_warnx("%s: %s; nothing added", a->operand, err);
	else
		ok = 1;
	if ((rc = cli_platform_close(&c, ok)) == 0)
		printf("release %s for %s/%s added: %d files, created %lld\n",
		    b->m.version, b->m.os, b->m.arch, b->m.nfiles,
		    (long long)b->m.created_at);
	free(b);
	free(buf);
	return rc;
}

/* release list: print the releases. Returns the exit status. */
static int
release_list(const struct cli_args *a)
{
	struct cli_platform	 c;
	struct json_object	*arr, *r;
	int64_t			 size = 0, added = 0;
	char			 when[32];
	time_t			 t;
	size_t			 i;

	if (cli_platform_open(a->conf, &c) == -1)
		return 1;
	if ((arr = store_release_list(c.store, NULL)) == NULL)
		return cli_platform_close(&c, 0);
	printf("%-20s %-10s %-10s %5s %12s %-21s %s\n", "VERSION", "OS",
	    "ARCH", "FILES", "BYTES", "ADDED", "BY");
	for (i = 0; i < json_object_array_length(arr); i++) {
		r = json_object_array_get_idx(arr, i);
		json_get_int64(r, "size", &size);
		json_get_int64(r, "added_at", &added);
		t = (time_t)added;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("%-20s %-10s %-10s %5zu %12lld %-21s %s\n",
		    json_get_string(r, "version"), json_get_string(r, "os"),
		    json_get_string(r, "arch"), json_object_array_length(
		    json_object_object_get(r, "files")), (long long)size, when,
		    json_get_string(r, "added_by"));
	}
	json_object_put(arr);
	return cli_platform_close(&c, 1);
}

/* release del VERSION: remove releases. Returns the exit status. */
static int
release_del(const struct cli_args *a)
{
	struct cli_platform	 c;
	const char		*os = a->opt['o'], *arch = a->opt['a'];
	char			 resource[128], summary[256];
	int64_t			 count = 0;
	int			 rc;

	if (cli_platform_open(a->conf, &c) == -1)
		return 1;
	snprintf(resource, sizeof(resource), "/api/v1/releases/%s",
	    a->operand);
	snprintf(summary, sizeof(summary), "release del %s%s%s%s%s",
	    a->operand, os != NULL ? " --os " : "", os != NULL ? os : "",
	    arch != NULL ? " --arch " : "", arch != NULL ? arch : "");
	if (store_begin(c.store) == -1 ||
	    store_release_delete(c.store, a->operand, os, arch, &count) == -1)
		return cli_platform_close(&c, 0);
	if (count == 0) {
		log_warnx("no release %s to delete", a->operand);
		return cli_platform_close(&c, 0);
	}
	if (audit_trail_command(c.store, c.now, c.actor, resource,
	    summary) == -1)
		return cli_platform_close(&c, 0);
	if ((rc = cli_platform_close(&c, 1)) == 0)
		printf("%lld release%s of version %s deleted\n",
		    (long long)count, count == 1 ? "" : "s", a->operand);
	return rc;
}

/* Parse the options after "release COMMAND". Returns 0, or -1. */
static int
release_parse(int argc, char *argv[], struct cli_args *a)
{
	static const struct option longopts[] = {
		{ "os", required_argument, NULL, 'o' },
		{ "arch", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	if (cli_parse(argc, argv, longopts, a) == -1)
		return -1;
	if (strcmp(a->command, "del") == 0 &&
	    (!release_version_valid(a->operand) ||
	    (a->opt['o'] != NULL && !release_name_valid(a->opt['o'])) ||
	    (a->opt['a'] != NULL && !release_name_valid(a->opt['a'])))) {
		log_warnx("\"%s\": not a release version, OS or architecture",
		    a->operand);
		return -1;
	}
	return 0;
}

/* outpost-platform release COMMAND ...: argv[0] is "release". */
int
release_command(int argc, char *argv[])
{
	static const struct {
		const char	*name;
		int		(*run)(const struct cli_args *);
	} commands[] = {
		{ "add", release_add }, { "list", release_list },
		{ "del", release_del }
	};
	struct cli_args		 a;
	size_t			 i;

	if (release_parse(argc, argv, &a) == -1)
		return release_usage();
	for (i = 0; i < nitems(commands); i++)
		if (strcmp(a.command, commands[i].name) == 0)
			return commands[i].run(&a);
	return release_usage();
}
