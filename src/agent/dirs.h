/*
 * dirs.h: the agent's required directories (state, spool, manifests,
 * correlation artifacts, logs, run), checked and repaired at start, while
 * running (agent.c: every DIRS_CHECK_SECONDS, and at once when a write
 * fails) and on "outpostctl repair" (an OS upgrade may have removed them).
 */
#ifndef OUTPOST_DIRS_H
#define OUTPOST_DIRS_H

#include <stddef.h>

struct agent_conf;
struct json_object;

/* One repair done. */
struct dirs_repair {
	char	*path;
	char	*what;		/* "created", "mode 0755 -> 0700", ... */
};

/* The outcome of one check. */
struct dirs_report {
	struct dirs_repair	*repairs;
	size_t			 nrepairs;
	int			 failures;	/* directories left unusable */
};

/*
 * Check every required directory of conf: it must exist, be a directory,
 * be owned by the effective uid and have its mode; create or fix it when
 * not, recording each repair in the report for the caller to log.
 * Returns 0 if every directory is usable, or -1 (see report->failures).
 */
int	dirs_check(const struct agent_conf *, struct dirs_report *);
/* How often the running agent checks them (seconds). */
#define DIRS_CHECK_SECONDS	15

/*
 * The required directories of conf that are missing now (or are not
 * directories), as a JSON array of paths; checked, not repaired.
 */
struct json_object *dirs_missing_json(const struct agent_conf *);
/* Free a report's contents. */
void	dirs_report_free(struct dirs_report *);
/* The report as JSON: {"repairs":[{"path","what"}...],"failures":N}. */
struct json_object *dirs_report_json(const struct dirs_report *);
/* Create path and its missing parents with mode. Returns 0, or -errno. */
int	dirs_mkdir_p(const char *path, int mode);

#endif /* OUTPOST_DIRS_H */
