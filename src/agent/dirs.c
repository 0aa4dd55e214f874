/*
 * dirs.c: check and repair the agent's required directories, and say
 * which are missing now.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent-conf.h"
#include "compat.h"
#include "dirs.h"
#include "log.h"

/* One required directory: base key of the configuration, subpath, mode. */
struct dirs_spec {
	size_t		 base;		/* offset of the base dir in conf */
	const char	*sub;		/* NULL = the base itself */
	mode_t		 mode;
};

static const struct dirs_spec dirs_specs[] = {
	{ offsetof(struct agent_conf, state_dir), NULL, 0700 },
	{ offsetof(struct agent_conf, state_dir), "spool", 0700 },
	{ offsetof(struct agent_conf, state_dir), "manifests", 0700 },
	{ offsetof(struct agent_conf, state_dir), "correlation", 0700 },
	{ offsetof(struct agent_conf, state_dir), "correlation/manifests",
	    0700 },
	{ offsetof(struct agent_conf, state_dir), "versions", 0700 },
	{ offsetof(struct agent_conf, log_dir), NULL, 0750 },
	{ offsetof(struct agent_conf, run_dir), NULL, 0755 },
};

/* Record a repair. Returns 0, or -1 on allocation failure. */
static int
dirs_note(struct dirs_report *r, const char *path, const char *what)
{
	struct dirs_repair	*n;

	n = realloc(r->repairs, (r->nrepairs + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	r->repairs = n;
	n[r->nrepairs].path = strdup(path);
	n[r->nrepairs].what = strdup(what);
	r->nrepairs++;
	return 0;
}

/* Create path and its missing parents (parents 0755). Returns 0 or -errno. */
int
dirs_mkdir_p(const char *path, int mode)
{
	char	 buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, (mode_t)mode) == -1)
		return -errno;
	/* mkdir() honours the umask; the mode must be exact. */
	if (chmod(buf, (mode_t)mode) == -1)
		return -errno;
	return 0;
}

/* Check and repair one directory. Returns 0 if usable, or -1. */
static int
dirs_check_one(const char *path, mode_t mode, struct dirs_report *r)
{
	struct stat	 st;
	char		 what[128];
	int		 rc;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT) {
			log_warn("required directory %s", path);
			return -1;
		}
		if ((rc = dirs_mkdir_p(path, (int)mode)) < 0) {
			errno = -rc;
			log_warn("cannot create required directory %s", path);
			return -1;
		}
		snprintf(what, sizeof(what), "created (mode %04o)",
		    (unsigned)mode);
		dirs_note(r, path, what);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("required directory %s is not a directory; move it "
		    "away and run outpostctl repair", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		if (chown(path, geteuid(), (gid_t)-1) == -1) {
			log_warn("cannot give %s to uid %u", path,
			    (unsigned)geteuid());
			return -1;
		}
		snprintf(what, sizeof(what), "owner uid %u -> %u",
		    (unsigned)st.st_uid, (unsigned)geteuid());
		dirs_note(r, path, what);
	}
	if ((st.st_mode & 07777) != mode) {
		if (chmod(path, mode) == -1) {
			log_warn("cannot set mode %04o on %s", (unsigned)mode,
			    path);
			return -1;
		}
		snprintf(what, sizeof(what), "mode %04o -> %04o",
		    (unsigned)(st.st_mode & 07777), (unsigned)mode);
		dirs_note(r, path, what);
	}
	return 0;
}

/* The path of spec for conf into path. Returns 0, or -1 (not set). */
static int
dirs_path(const struct agent_conf *conf, const struct dirs_spec *spec,
    char *path, size_t len)
{
	const char	*base;

	base = *(char *const *)((const char *)conf + spec->base);
	if (base == NULL || base[0] == '\0')
		return -1;
	if (spec->sub != NULL)
		snprintf(path, len, "%s/%s", base, spec->sub);
	else
		strlcpy(path, base, len);
	return 0;
}

/* Check every required directory. Returns 0, or -1 if one is unusable. */
int
dirs_check(const struct agent_conf *conf, struct dirs_report *r)
{
	char	 path[PATH_MAX];
	size_t	 i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < nitems(dirs_specs); i++) {
		if (dirs_path(conf, &dirs_specs[i], path, sizeof(path)) == -1)
			continue;
		if (dirs_check_one(path, dirs_specs[i].mode, r) == -1)
			r->failures++;
	}
	return r->failures > 0 ? -1 : 0;
}

/* The required directories missing now, as a JSON array. */
struct json_object *
dirs_missing_json(const struct agent_conf *conf)
{
	struct json_object	*arr = json_object_new_array();
	struct stat		 st;
	char			 path[PATH_MAX];
	size_t			 i;

	for (i = 0; i < nitems(dirs_specs); i++) {
		if (dirs_path(conf, &dirs_specs[i], path, sizeof(path)) == -1)
			continue;
		if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			json_object_array_add(arr,
			    json_object_new_string(path));
	}
	return arr;
}

/* Free a report's contents. */
void
dirs_report_free(struct dirs_report *r)
{
	size_t	 i;

	for (i = 0; i < r->nrepairs; i++) {
		free(r->repairs[i].path);
		free(r->repairs[i].what);
	}
	free(r->repairs);
	memset(r, 0, sizeof(*r));
}

/* The report as a JSON object. */
struct json_object *
dirs_report_json(const struct dirs_report *r)
{
	struct json_object	*obj, *arr, *item;
	size_t			 i;

	obj = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < r->nrepairs; i++) {
		item = json_object_new_object();
		json_object_object_add(item, "path",
		    json_object_new_string(r->repairs[i].path ?
		    r->repairs[i].path : ""));
		json_object_object_add(item, "what",
		    json_object_new_string(r->repairs[i].what ?
		    r->repairs[i].what : ""));
		json_object_array_add(arr, item);
	}
	json_object_object_add(obj, "repairs", arr);
	json_object_object_add(obj, "failures",
	    json_object_new_int(r->failures));
	return obj;
}
