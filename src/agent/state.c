/*
 * state.c: state_dir/state.json, the agent's identity and credential.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "fileio.h"
#include "jsonutil.h"
#include "state.h"

#define STATE_MAX_SIZE	(64 * 1024)

/* The string members of struct state and whether each is required. */
static const struct {
	const char	*key;
	size_t		 offset;
	int		 is_required;
} state_fields[] = {
	{ "agent_id", offsetof(struct state, agent_id), 1 },
	{ "credential", offsetof(struct state, credential), 1 },
	{ "correlation_id", offsetof(struct state, correlation_id), 1 },
	{ "customer_id", offsetof(struct state, customer_id), 1 },
	{ "activation_id", offsetof(struct state, activation_id), 1 },
	{ "platform_url", offsetof(struct state, platform_url), 1 },
	{ "manifest_public_key", offsetof(struct state, manifest_public_key),
	    1 },
};

/* The path of dir/state.json. */
static void
state_path(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, STATE_FILE_NAME);
}

/* Free st's strings. */
void
state_free(struct state *st)
{
	size_t	 i;
	char	**field;

	for (i = 0; i < nitems(state_fields); i++) {
		field = (char **)((char *)st + state_fields[i].offset);
		if (*field != NULL && field == &st->credential)
			explicit_bzero(*field, strlen(*field));
		free(*field);
		*field = NULL;
	}
	st->activated_at = 0;
}

/* Read dir/state.json. Returns 0, -ENOENT, -EINVAL (err says why), -errno. */
int
state_load(const char *dir, struct state *st, char *err, size_t errlen)
{
	struct json_object	*obj;
	struct stat		 sb;
	const char		*value;
	char			 path[PATH_MAX], *buf;
	char			**field;
	size_t			 len, i;
	int64_t			 v;
	int			 rc;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	state_path(dir, path, sizeof(path));
	if ((rc = fileio_read_all(path, STATE_MAX_SIZE, &buf, &len)) < 0) {
		if (rc == -EFBIG) {
			snprintf(err, errlen, "%s is larger than %d bytes",
			    path, STATE_MAX_SIZE);
			return -EINVAL;
		}
		return rc;
	}
	obj = json_parse_object(buf, len, err, errlen);
	explicit_bzero(buf, len);
	free(buf);
	if (obj == NULL)
		return -EINVAL;
	if (json_get_int64(obj, "version", &v) == -1 ||
	    v != STATE_FORMAT_VERSION) {
		snprintf(err, errlen, "\"version\" is not %d",
		    STATE_FORMAT_VERSION);
		json_object_put(obj);
		return -EINVAL;
	}
	for (i = 0; i < nitems(state_fields); i++) {
		value = json_get_string(obj, state_fields[i].key);
		if (value == NULL || value[0] == '\0') {
			if (!state_fields[i].is_required)
				continue;
			snprintf(err, errlen, "\"%s\" is missing",
			    state_fields[i].key);
			json_object_put(obj);
			state_free(st);
			return -EINVAL;
		}
		field = (char **)((char *)st + state_fields[i].offset);
		if ((*field = strdup(value)) == NULL) {
			json_object_put(obj);
			state_free(st);
			return -ENOMEM;
		}
	}
	if (json_get_int64(obj, "activated_at", &v) == 0)
		st->activated_at = (time_t)v;
	json_object_put(obj);
	if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0) {
		if (chmod(path, 0600) == 0)
			snprintf(err, errlen, "%s was readable by others; mode "
			    "set back to 0600", path);
	}
	return 0;
}

/* Write st to dir/state.json atomically. Returns 0, or -errno. */
int
state_save(const char *dir, const struct state *st)
{
	struct json_object	*obj;
	const char		*text;
	char			 path[PATH_MAX];
	char *const		*field;
	size_t			 i;
	int			 rc;

	obj = json_object_new_object();
	json_add_int64(obj, "version", STATE_FORMAT_VERSION);
	for (i = 0; i < nitems(state_fields); i++) {
		field = (char *const *)((const char *)st +
		    state_fields[i].offset);
		json_add_string(obj, state_fields[i].key, *field);
	}
	json_add_int64(obj, "activated_at", (int64_t)st->activated_at);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	state_path(dir, path, sizeof(path));
	rc = fileio_write_atomic(path, text, strlen(text), 0600);
	json_object_put(obj);
	return rc;
}

/* Remove dir/state.json. Returns 0, or -errno. */
int
state_remove(const char *dir)
{
	char	 path[PATH_MAX];

	state_path(dir, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	return 0;
}
