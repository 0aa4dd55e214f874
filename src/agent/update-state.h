/*
 * update-state.h: state_dir/update.json, what the agent's self-update
 * must remember across the re-execution of the agent, its watchdog and a
 * rollback (update-state.c): the state of the update with its time and
 * error, the program to run (the installed one or a version under
 * state_dir/versions), the one to go back to, the deadline of the
 * switch, and every attempt, so that a release is tried once per
 * version of the profile. outpostd(8), SELF-UPDATE.
 */
#ifndef OUTPOST_UPDATE_STATE_H
#define OUTPOST_UPDATE_STATE_H

#include <limits.h>
#include <stdint.h>

#include "release.h"

struct json_object;

#define UPDATE_STATE_FILE	"update.json"
#define UPDATE_VERSIONS_DIR	"versions"
#define UPDATE_ATTEMPTS_MAX	16
#define UPDATE_ARGV_MAX		32
#define UPDATE_MESSAGE_MAX	512
#define UPDATE_ERR_MAX		(PATH_MAX + 256)	/* an error with a path */

/* Where an update stands (docs/protocol.md 3.3). */
enum update_phase {
	UPDATE_NONE = 0,	/* nothing to install */
	UPDATE_PENDING,		/* a release is wanted, not started yet */
	UPDATE_DOWNLOADING,
	UPDATE_VERIFYING,
	UPDATE_SWITCHING,	/* the new version runs on trial */
	UPDATE_DONE,		/* it checked in: it stays */
	UPDATE_ROLLED_BACK,	/* it did not: the previous one is back */
	UPDATE_FAILED		/* refused or not possible; nothing ran */
};

/* A program of the agent and its version. */
struct update_program {
	char		 version[RELEASE_VERSION_MAX + 1];
	char		 path[PATH_MAX];	/* "": none */
};

/* One attempt to install a release, with its outcome. */
struct update_attempt {
	char		 version[RELEASE_VERSION_MAX + 1];
	int64_t		 profile_id;
	int64_t		 profile_version;
	enum update_phase outcome;	/* done, rolled_back or failed */
	char		 code[8];	/* "E609", or "" */
	int64_t		 time;
};

/* The contents of update.json. */
struct update_state {
	enum update_phase	 phase;
	int64_t			 time;		/* when phase was entered */
	char			 target[RELEASE_VERSION_MAX + 1];
	int			 pinned;
	int64_t			 deadline;	/* while switching */
	int64_t			 profile_id;	/* of the attempt in progress */
	int64_t			 profile_version;
	struct update_program	 previous;	/* to go back to */
	struct update_program	 active;	/* to run; "": the base */
	struct update_program	 base;		/* the installed program */
	long			 watchdog_pid;
	char			 failure[16];	/* the watchdog's finding */
	char			 error_code[8];	/* "": none */
	char			 error_message[UPDATE_MESSAGE_MAX];
	int			 is_reported;	/* the error went out */
	int			 argc;
	char			*argv[UPDATE_ARGV_MAX + 1];
	int			 nattempts;
	struct update_attempt	 attempts[UPDATE_ATTEMPTS_MAX];
};

/* The name of a phase ("rolled_back"). */
const char	*update_phase_name(enum update_phase);
/* The phase called name, or -1. */
int		 update_phase_parse(const char *name);
/* Put st in its initial state (no file). */
void		 update_state_init(struct update_state *);
/* Free what st holds (argv). */
void		 update_state_free(struct update_state *);
/*
 * Read state_dir/update.json into st (initialized first). Returns 0,
 * -ENOENT when there is none, -EINVAL with err when it is corrupt, or
 * another -errno.
 */
int		 update_state_load(const char *state_dir, struct update_state *,
		    char *err, size_t errlen);
/* Write st to state_dir/update.json (0600, atomically). Returns 0 or -errno. */
int		 update_state_save(const char *state_dir,
		    const struct update_state *);
/* Parse the JSON text of update.json into st. Returns 0, or -1 with err. */
int		 update_state_parse(const char *text, size_t len,
		    struct update_state *, char *err, size_t errlen);
/* The JSON document of update.json (new reference). */
struct json_object *update_state_json(const struct update_state *);
/* Enter phase at now, forgetting the error of the previous one. */
void		 update_state_set(struct update_state *, enum update_phase,
		    int64_t now);
/* Set the error of the current phase (code "E609", message). */
void		 update_state_error(struct update_state *, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The attempt at version under that profile version, or NULL when there
 * was none.
 */
const struct update_attempt *update_state_attempted(
		    const struct update_state *, const char *version,
		    int64_t profile_id, int64_t profile_version);
/*
 * Record the outcome of an attempt at version (the oldest attempt goes
 * when the list is full; an attempt at the same version and profile is
 * replaced).
 */
void		 update_state_record(struct update_state *,
		    const char *version, int64_t profile_id,
		    int64_t profile_version, enum update_phase outcome,
		    const char *code, int64_t now);
/* Keep argv (up to UPDATE_ARGV_MAX strings). Returns 0, or -1. */
int		 update_state_set_argv(struct update_state *, int argc,
		    char *const argv[]);
/* Fill prog. */
void		 update_program_set(struct update_program *,
		    const char *version, const char *path);

#endif /* OUTPOST_UPDATE_STATE_H */
