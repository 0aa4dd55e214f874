/*
 * update-state.c: state_dir/update.json, the self-update's state, the
 * programs to run and to go back to, and its attempts, read and written
 * whole and atomically (update-state.h).
 *
 * Three processes use it in turn: the running agent (its update module),
 * the watchdog of a switch, and the launcher of the next start, so every
 * fact a rollback needs is in the file rather than in memory. A corrupt file is reported and replaced:
 * the agent then runs the installed program.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compat.h"
#include "fileio.h"
#include "jsonutil.h"
#include "update-state.h"

#define UPDATE_STATE_MAX	(256 * 1024)	/* bytes of update.json */

static const char *const update_phases[] = {
	"none", "pending", "downloading", "verifying", "switching", "done",
	"rolled_back", "failed"
};

/* The name of a phase. */
const char *
update_phase_name(enum update_phase p)
{
	if ((int)p < 0 || (size_t)p >= nitems(update_phases))
		return "none";
	return update_phases[p];
}

/* The phase called name, or -1. */
int
update_phase_parse(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < nitems(update_phases); i++)
		if (strcmp(name, update_phases[i]) == 0)
			return (int)i;
	return -1;
}

/* Put st in its initial state. */
void
update_state_init(struct update_state *st)
{
	memset(st, 0, sizeof(*st));
	st->is_reported = 1;
}

/* Free what st holds. */
void
update_state_free(struct update_state *st)
{
	int	 i;

	for (i = 0; i < st->argc; i++)
		free(st->argv[i]);
	st->argc = 0;
	st->argv[0] = NULL;
}

/* Fill prog. */
void
update_program_set(struct update_program *prog, const char *version,
    const char *path)
{
	strlcpy(prog->version, version != NULL ? version : "",
	    sizeof(prog->version));
	strlcpy(prog->path, path != NULL ? path : "", sizeof(prog->path));
}

/* Keep argv. Returns 0, or -1. */
int
update_state_set_argv(struct update_state *st, int argc, char *const argv[])
{
	int	 i;

	update_state_free(st);
	if (argc > UPDATE_ARGV_MAX)
		return -1;
	for (i = 0; i < argc; i++) {
		if ((st->argv[i] = strdup(argv[i])) == NULL) {
			st->argc = i;
			update_state_free(st);
			return -1;
		}
		st->argc = i + 1;
	}
	st->argv[st->argc] = NULL;
	return 0;
}

/* Enter phase at now, forgetting the previous error. */
void
update_state_set(struct update_state *st, enum update_phase phase,
    int64_t now)
{
	st->phase = phase;
	st->time = now;
	st->error_code[0] = '\0';
	st->error_message[0] = '\0';
	st->is_reported = 1;
}

/* Set the error of the current phase. */
void
update_state_error(struct update_state *st, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	strlcpy(st->error_code, code, sizeof(st->error_code));
	va_start(ap, fmt);
	vsnprintf(st->error_message, sizeof(st->error_message), fmt, ap);
	va_end(ap);
	st->is_reported = 0;
}

/* The attempt at version under that profile version, or NULL. */
const struct update_attempt *
update_state_attempted(const struct update_state *st, const char *version,
    int64_t profile_id, int64_t profile_version)
{
	int	 i;

	for (i = 0; i < st->nattempts; i++)
		if (strcmp(st->attempts[i].version, version) == 0 &&
		    st->attempts[i].profile_id == profile_id &&
		    st->attempts[i].profile_version == profile_version)
			return &st->attempts[i];
	return NULL;
}

/* Record the outcome of an attempt. */
void
update_state_record(struct update_state *st, const char *version,
    int64_t profile_id, int64_t profile_version, enum update_phase outcome,
    const char *code, int64_t now)
{
	struct update_attempt	*a;
	int			 i;

	for (i = 0; i < st->nattempts; i++)
		if (strcmp(st->attempts[i].version, version) == 0 &&
		    st->attempts[i].profile_id == profile_id &&
		    st->attempts[i].profile_version == profile_version)
			break;
	if (i == st->nattempts && st->nattempts == UPDATE_ATTEMPTS_MAX) {
		memmove(&st->attempts[0], &st->attempts[1],
		    (UPDATE_ATTEMPTS_MAX - 1) * sizeof(st->attempts[0]));
		i = UPDATE_ATTEMPTS_MAX - 1;
	} else if (i == st->nattempts)
		st->nattempts++;
	a = &st->attempts[i];
	memset(a, 0, sizeof(*a));
	strlcpy(a->version, version, sizeof(a->version));
	a->profile_id = profile_id;
	a->profile_version = profile_version;
	a->outcome = outcome;
	strlcpy(a->code, code != NULL ? code : "", sizeof(a->code));
	a->time = now;
}

/* A program as a JSON object, or null when it has no path. */
static struct json_object *
update_program_json(const struct update_program *prog)
{
	struct json_object	*o;

	if (prog->path[0] == '\0')
		return NULL;
	o = json_object_new_object();
	json_add_string(o, "version", prog->version);
	json_add_string(o, "program", prog->path);
	return o;
}

/* The JSON document of update.json. */
struct json_object *
update_state_json(const struct update_state *st)
{
	struct json_object	*doc, *arr, *a, *err;
	int			 i;

	doc = json_object_new_object();
	json_add_string(doc, "state", update_phase_name(st->phase));
	json_add_int64(doc, "time", st->time);
	json_add_string(doc, "target", st->target[0] != '\0' ? st->target :
	    NULL);
	json_add_bool(doc, "pinned", st->pinned);
	json_add_int64(doc, "deadline", st->deadline);
	json_add_int64(doc, "profile_id", st->profile_id);
	json_add_int64(doc, "profile_version", st->profile_version);
	json_object_object_add(doc, "previous",
	    update_program_json(&st->previous));
	json_object_object_add(doc, "active", update_program_json(&st->active));
	json_object_object_add(doc, "base", update_program_json(&st->base));
	json_add_int64(doc, "watchdog_pid", st->watchdog_pid);
	json_add_string(doc, "failure", st->failure[0] != '\0' ? st->failure :
	    NULL);
	err = NULL;
	if (st->error_code[0] != '\0') {
		err = json_object_new_object();
		json_add_string(err, "code", st->error_code);
		json_add_string(err, "message", st->error_message);
	}
	json_object_object_add(doc, "error", err);
	json_add_bool(doc, "reported", st->is_reported);
	arr = json_object_new_array();
	for (i = 0; i < st->argc; i++)
		json_object_array_add(arr, json_object_new_string(st->argv[i]));
	json_object_object_add(doc, "argv", arr);
	arr = json_object_new_array();
	for (i = 0; i < st->nattempts; i++) {
		a = json_object_new_object();
		json_add_string(a, "version", st->attempts[i].version);
		json_add_int64(a, "profile_id", st->attempts[i].profile_id);
		json_add_int64(a, "profile_version",
		    st->attempts[i].profile_version);
		json_add_string(a, "outcome",
		    update_phase_name(st->attempts[i].outcome));
		json_add_string(a, "code", st->attempts[i].code[0] != '\0' ?
		    st->attempts[i].code : NULL);
		json_add_int64(a, "time", st->attempts[i].time);
		json_object_array_add(arr, a);
	}
	json_object_object_add(doc, "attempts", arr);
	return doc;
}

/* Copy string member key of obj into buf (absent or null: ""). */
static void
update_take(struct json_object *obj, const char *key, char *buf, size_t len)
{
	const char	*v = json_get_string(obj, key);

	strlcpy(buf, v != NULL ? v : "", len);
}

/* Read a program object member key of doc into prog. */
static void
update_program_parse(struct json_object *doc, const char *key,
    struct update_program *prog)
{
	struct json_object	*o;

	memset(prog, 0, sizeof(*prog));
	if (!json_object_object_get_ex(doc, key, &o) ||
	    !json_object_is_type(o, json_type_object))
		return;
	update_take(o, "version", prog->version, sizeof(prog->version));
	update_take(o, "program", prog->path, sizeof(prog->path));
	if (prog->path[0] != '/')
		memset(prog, 0, sizeof(*prog));
}

/* Read the attempts and argv arrays of doc into st. */
static void
update_arrays_parse(struct json_object *doc, struct update_state *st)
{
	struct json_object	*arr, *a;
	struct update_attempt	*at;
	size_t			 i, n;
	int			 phase;

	if (json_object_object_get_ex(doc, "attempts", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n && st->nattempts < UPDATE_ATTEMPTS_MAX; i++) {
			a = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(a, json_type_object) ||
			    json_get_string(a, "version") == NULL ||
			    (phase = update_phase_parse(json_get_string(a,
			    "outcome"))) == -1)
				continue;
			at = &st->attempts[st->nattempts++];
			update_take(a, "version", at->version,
			    sizeof(at->version));
			at->outcome = (enum update_phase)phase;
			json_get_int64(a, "profile_id", &at->profile_id);
			json_get_int64(a, "profile_version",
			    &at->profile_version);
			json_get_int64(a, "time", &at->time);
			update_take(a, "code", at->code, sizeof(at->code));
		}
	}
	if (json_object_object_get_ex(doc, "argv", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n && i < UPDATE_ARGV_MAX; i++) {
			a = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(a, json_type_string) ||
			    (st->argv[st->argc] = strdup(
			    json_object_get_string(a))) == NULL)
				break;
			st->argc++;
		}
		st->argv[st->argc] = NULL;
	}
}

/* Parse the text of update.json into st. Returns 0, or -1 with err. */
int
update_state_parse(const char *text, size_t len, struct update_state *st,
    char *err, size_t errlen)
{
	struct json_object	*doc, *e;
	int64_t			 pid = 0;
	int			 phase;

	update_state_init(st);
	if ((doc = json_parse_object(text, len, err, errlen)) == NULL)
		return -1;
	if ((phase = update_phase_parse(json_get_string(doc, "state"))) ==
	    -1) {
		snprintf(err, errlen, "\"state\" is missing or unknown");
		json_object_put(doc);
		return -1;
	}
	st->phase = (enum update_phase)phase;
	json_get_int64(doc, "time", &st->time);
	update_take(doc, "target", st->target, sizeof(st->target));
	json_get_bool(doc, "pinned", &st->pinned);
	json_get_int64(doc, "deadline", &st->deadline);
	json_get_int64(doc, "profile_id", &st->profile_id);
	json_get_int64(doc, "profile_version", &st->profile_version);
	update_program_parse(doc, "previous", &st->previous);
	update_program_parse(doc, "active", &st->active);
	update_program_parse(doc, "base", &st->base);
	json_get_int64(doc, "watchdog_pid", &pid);
	st->watchdog_pid = (long)pid;
	update_take(doc, "failure", st->failure, sizeof(st->failure));
	if (json_object_object_get_ex(doc, "error", &e) &&
	    json_object_is_type(e, json_type_object)) {
		update_take(e, "code", st->error_code,
		    sizeof(st->error_code));
		update_take(e, "message", st->error_message,
		    sizeof(st->error_message));
	}
	json_get_bool(doc, "reported", &st->is_reported);
	update_arrays_parse(doc, st);
	json_object_put(doc);
	return 0;
}

/* The path of update.json in state_dir. */
static void
update_state_path(const char *state_dir, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", state_dir, UPDATE_STATE_FILE);
}

/* Read update.json. Returns 0, -ENOENT, -EINVAL (err), or -errno. */
int
update_state_load(const char *state_dir, struct update_state *st, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX], *text;
	size_t	 len;
	int	 rc;

	update_state_init(st);
	update_state_path(state_dir, path, sizeof(path));
	if ((rc = fileio_read_all(path, UPDATE_STATE_MAX, &text, &len)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = update_state_parse(text, len, st, err, errlen);
	free(text);
	return rc == 0 ? 0 : -EINVAL;
}

/* Write update.json. Returns 0, or -errno. */
int
update_state_save(const char *state_dir, const struct update_state *st)
{
	struct json_object	*doc = update_state_json(st);
	const char		*text;
	char			 path[PATH_MAX];
	int			 rc;

	update_state_path(state_dir, path, sizeof(path));
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = fileio_write_atomic(path, text, strlen(text), 0600);
	json_object_put(doc);
	return rc;
}
