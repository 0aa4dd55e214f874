/*
 * update-launch.h: the process side of the agent's self-update
 * (update-launch.c): which program runs at start, the switch to a new
 * version by re-executing outpostd in the same process, and the watchdog
 * that puts the previous version back when the new one does not check
 * in. The update module (update.c) decides what to install; outpostd.c
 * calls these around agent_start() and after the event loop.
 * outpostd(8), SELF-UPDATE.
 */
#ifndef OUTPOST_UPDATE_LAUNCH_H
#define OUTPOST_UPDATE_LAUNCH_H

#include <limits.h>

#include "release.h"

struct agent_conf;

/* The environment variable that tells a new version it runs on trial. */
#define UPDATE_TRIAL_ENV	"OUTPOST_UPDATE_TRIAL"
/* Set to its pid when a daemon re-executes itself: it stays as it is. */
#define UPDATE_DAEMON_ENV	"OUTPOST_DAEMONIZED"
/* The watchdog stops a silent new version this long before the deadline. */
#define UPDATE_ROLLBACK_MARGIN	5
/* After SIGUSR2, the watchdog waits this long before SIGKILL. */
#define UPDATE_KILL_GRACE	3

/* A switch the update module asked for (agent.c keeps it for main()). */
struct update_switch {
	char	 program[PATH_MAX];	/* the new version's outpostd */
	char	 version[RELEASE_VERSION_MAX + 1];
	char	 self[PATH_MAX];	/* the running program */
	char	 state_dir[PATH_MAX];
	char	 conf_path[PATH_MAX];
	int	 is_daemon;		/* not to be daemonized again */
};

/*
 * The program file of this process, resolved, into buf (argv0 is the
 * fallback where /proc/self/exe is missing). Returns 0, or -1.
 */
int	update_self_path(const char *argv0, char *buf, size_t len);
/*
 * Whether path is a version installed under state_dir/versions (else it
 * is the installed program, "the base"). Returns 1/0.
 */
int	update_is_versioned(const char *state_dir, const char *path);
/*
 * At start, with the pid file locked (pidfile_fd) and before anything
 * else: a switch that did not prove itself is recorded as rolled back
 * (E609, E610), and when this program is the installed one and
 * update.json selects a version under state_dir/versions, that version
 * is checked (signature, hashes) and executed in this process with the
 * same arguments. Returns when this program is the one to run.
 */
void	update_launch(const struct agent_conf *, int argc, char *argv[],
	    int pidfile_fd);
/*
 * After the agent stopped for a switch: start the watchdog, then execute
 * the new program in this process (same PID). Returns only when the
 * switch failed (E611, recorded in update.json); the caller then runs
 * the previous program again (update_restart).
 */
void	update_switch_exec(const struct update_switch *, int argc,
	    char *argv[]);
/*
 * The agent stopped (a signal) after the update module asked for a
 * switch, before it was made: the release stays installed and is
 * pending again.
 */
void	update_switch_cancel(const struct update_switch *);
/* Execute program (the running one) again with argv. Returns on failure. */
void	update_restart(const char *program, char *argv[]);
/*
 * Whether this process was a daemon before it re-executed itself (and
 * must not fork again). Returns 1/0; the variable is removed.
 */
int	update_was_daemon(void);
/*
 * outpostd -W FDS -c CONF: the watchdog of a switch. FDS is "R,W": the
 * pipe it reads the new version's word on, and the one it says it is
 * ready on. Returns the exit status (it executes the previous version
 * instead when the new one failed).
 */
int	update_watch_main(const char *fds, const char *conf_path);

#endif /* OUTPOST_UPDATE_LAUNCH_H */
