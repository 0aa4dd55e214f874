/*
 * update-launch.c: the process side of the self-update: which program
 * runs at start, the switch by executing the new version in the same
 * process, and the watchdog that puts the previous version back
 * (update-launch.h).
 *
 * The switch. The running agent stops as it stops for a restart (its FIM
 * rules out, the listing of the watched trees saved, the spool on disk),
 * forks a watchdog (the running program again, "outpostd -W") and
 * executes the new version's outpostd in the same process, with the same
 * arguments, the pid file kept: a service manager sees the same main PID.
 * The new version starts as at every start (rules restored first, so the
 * restart catch-up covers the switch) and, once its first check-in
 * succeeded, writes 'D' on the pipe it inherited (its number is in
 * OUTPOST_UPDATE_TRIAL) and records "done".
 *
 * The watchdog. If the pipe closes first (the new program exited or
 * crashed), or the deadline minus UPDATE_ROLLBACK_MARGIN passes (it is
 * stopped: SIGUSR2, SIGKILL after UPDATE_KILL_GRACE), the watchdog notes
 * why in update.json and executes the previous program in its own
 * process with the saved arguments. Under systemd (INVOCATION_ID set) it
 * leaves that to the service manager, which stops what is left of the
 * service and starts it again: SIGUSR2 (an outpostd exits 75 on it; a
 * program that does not handle it dies of it) is a failure to systemd,
 * where SIGTERM would be a clean stop that Restart=on-failure leaves be.
 *
 * The launcher. At every start, update_launch() finds a switch that did
 * not end in "done" (the watchdog's note says why; none: the host or the
 * agent went down meanwhile), records the rollback and makes the
 * previous program the one to run; then, when this process runs the
 * installed program and update.json selects a version under
 * state_dir/versions, it checks that version again and executes it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agent-conf.h"
#include "compat.h"
#include "errors.h"
#include "log.h"
#include "update-launch.h"
#include "update-state.h"
#include "update-verify.h"
#include "version.h"

#define UPDATE_READY_MS		5000	/* for the watchdog to start */
#define UPDATE_FD_LIMIT		65536	/* descriptors closed for a child */

/* argv[0] of outpostd, where /proc/self/exe does not say (update_launch). */
static char	update_argv0[PATH_MAX];

/* The program file of this process. Returns 0, or -1. */
int
update_self_path(const char *argv0, char *buf, size_t len)
{
	char	 path[PATH_MAX], resolved[PATH_MAX];
	ssize_t	 n;

	if (argv0 == NULL)
		argv0 = update_argv0;
	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) > 0)
		path[n] = '\0';
	else if (strchr(argv0, '/') != NULL)
		strlcpy(path, argv0, sizeof(path));
	else
		return -1;
	if (realpath(path, resolved) == NULL)
		return -1;
	return strlcpy(buf, resolved, len) < len ? 0 : -1;
}

/* Whether path is under state_dir/versions. Returns 1/0. */
int
update_is_versioned(const char *state_dir, const char *path)
{
	char	 dir[PATH_MAX], resolved[PATH_MAX];
	size_t	 len;

	snprintf(dir, sizeof(dir), "%s/%s", state_dir, UPDATE_VERSIONS_DIR);
	if (realpath(dir, resolved) != NULL)
		strlcpy(dir, resolved, sizeof(dir));
	len = strlen(dir);
	return strncmp(path, dir, len) == 0 && path[len] == '/';
}

/* Close every descriptor from 3 up but keep1 and keep2 (fork child). */
static void
update_close_fds(int keep1, int keep2)
{
	long	 max = sysconf(_SC_OPEN_MAX);
	int	 fd;

	if (max < 0 || max > UPDATE_FD_LIMIT)
		max = UPDATE_FD_LIMIT;
	for (fd = 3; fd < max; fd++)
		if (fd != keep1 && fd != keep2)
			(void)close(fd);
}

/*
 * argv with program as its first element, in nargv (UPDATE_ARGV_MAX + 1
 * slots). Returns nargv.
 */
static char **
update_argv(const char *program, int argc, char *const argv[], char **nargv)
{
	int	 i;

	nargv[0] = (char *)(uintptr_t)program;
	for (i = 1; i < argc && i < UPDATE_ARGV_MAX; i++)
		nargv[i] = argv[i];
	nargv[i] = NULL;
	return nargv;
}

/* Whether this process was a daemon before it re-executed itself. */
int
update_was_daemon(void)
{
	const char	*env = getenv(UPDATE_DAEMON_ENV);
	int		 was;

	was = env != NULL && strtol(env, NULL, 10) == (long)getpid();
	unsetenv(UPDATE_DAEMON_ENV);
	return was;
}

/* Execute program (the running one) again with argv. */
void
update_restart(const char *program, char *argv[])
{
	char	*nargv[UPDATE_ARGV_MAX + 1], env[32];
	int	 argc;

	for (argc = 0; argv[argc] != NULL; argc++)
		;
	unsetenv(UPDATE_TRIAL_ENV);
	snprintf(env, sizeof(env), "%ld", (long)getpid());
	setenv(UPDATE_DAEMON_ENV, env, 1);
	execv(program, update_argv(program, argc, argv, nargv));
	log_warn("cannot execute %s again", program);
}

/* The error code and message of a switch that ended without "done". */
static enum error_code
update_failure(const struct update_state *st, int64_t now, char *msg,
    size_t len)
{
	if (strcmp(st->failure, "deadline") == 0 || (st->failure[0] == '\0' &&
	    st->deadline > 0 && now >= st->deadline)) {
		snprintf(msg, len, "version %s did not check in before its "
		    "deadline; version %s restored", st->target,
		    st->previous.version);
		return ERR_UPDATE_NO_CHECKIN;
	}
	if (strcmp(st->failure, "stopped") == 0)
		snprintf(msg, len, "version %s was stopped before its first "
		    "check-in; version %s restored", st->target,
		    st->previous.version);
	else if (strcmp(st->failure, "exited") == 0)
		snprintf(msg, len, "version %s exited before its first "
		    "check-in; version %s restored", st->target,
		    st->previous.version);
	else
		snprintf(msg, len, "version %s had not checked in when the "
		    "agent started again; version %s restored", st->target,
		    st->previous.version);
	return ERR_UPDATE_EXITED;
}

/* Record the rollback of a switch that did not end in "done". */
static void
update_rollback(struct update_state *st, int64_t now)
{
	enum error_code	 code;
	char		 msg[UPDATE_MESSAGE_MAX];

	code = update_failure(st, now, msg, sizeof(msg));
	update_state_record(st, st->target, st->profile_id,
	    st->profile_version, UPDATE_ROLLED_BACK, error_id(code), now);
	if (strcmp(st->previous.path, st->base.path) == 0)
		memset(&st->active, 0, sizeof(st->active));
	else
		st->active = st->previous;
	update_state_set(st, UPDATE_ROLLED_BACK, now);
	update_state_error(st, error_id(code), "%s", msg);
	st->deadline = 0;
	st->watchdog_pid = 0;
	st->failure[0] = '\0';
	log_warnx("%s %s: %s", error_id(code), error_message(code), msg);
}

/* Whether this process is the trial of the switch in st. Returns 1/0. */
static int
update_is_trial(const struct agent_conf *conf, const struct update_state *st,
    const char *self)
{
	const char	*env = getenv(UPDATE_TRIAL_ENV);
	char		 want[PATH_MAX], resolved[PATH_MAX];
	size_t		 vlen = strlen(agent_version);

	if (env == NULL || strncmp(env, agent_version, vlen) != 0 ||
	    env[vlen] != ':' || strcmp(st->target, agent_version) != 0)
		return 0;
	snprintf(want, sizeof(want), "%s/%s/%s/%s", conf->state_dir,
	    UPDATE_VERSIONS_DIR, st->target, RELEASE_PROGRAM);
	return realpath(want, resolved) != NULL && strcmp(resolved, self) == 0;
}

/*
 * Check the installed version st->active again before running it.
 * Returns 0, or -1 with the reason in err.
 */
static int
update_check_active(const struct agent_conf *conf,
    const struct update_state *st, char *err, size_t errlen)
{
	struct release_manifest	 m;
	EVP_PKEY		*key;
	char			 dir[PATH_MAX], os[RELEASE_NAME_MAX + 1];
	char			 arch[RELEASE_NAME_MAX + 1], why[UPDATE_ERR_MAX], *slash;
	enum error_code		 code;

	if (conf->release_key[0] == '\0') {
		snprintf(err, errlen, "release_key is not set: version %s "
		    "cannot be checked", st->active.version);
		return -1;
	}
	if ((key = release_key_load(conf->release_key, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	strlcpy(dir, st->active.path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (update_host_platform(os, sizeof(os), arch, sizeof(arch)) == -1)
		code = ERR_RELEASE_INVALID;
	else
		code = update_verify_dir(key, dir, "", st->active.version, os,
		    arch, &m, why, sizeof(why));
	EVP_PKEY_free(key);
	if (code != ERR_NONE) {
		/* A long message is cut: it only goes to the log. */
		if (snprintf(err, errlen, "%s: %s", dir, why) < 0)
			err[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Run the version update.json selects, when this is the installed
 * program. Returns when this program runs (st may be changed: saved).
 */
static void
update_select(const struct agent_conf *conf, struct update_state *st,
    const char *self, int argc, char *argv[], int pidfile_fd)
{
	char	*nargv[UPDATE_ARGV_MAX + 1], err[UPDATE_ERR_MAX];

	if (st->active.path[0] == '\0' || strcmp(st->active.path, self) == 0)
		return;
	if (update_is_versioned(conf->state_dir, self)) {
		log_warnx("running %s although update.json selects %s", self,
		    st->active.path);
		return;
	}
	if (strcmp(st->base.version, agent_version) != 0 ||
	    strcmp(st->base.path, self) != 0) {
		log_info("the installed program %s is version %s, not the %s "
		    "that version %s replaced: it runs", self, agent_version,
		    st->base.version, st->active.version);
		memset(&st->active, 0, sizeof(st->active));
		update_program_set(&st->base, agent_version, self);
		return;
	}
	if (update_check_active(conf, st, err, sizeof(err)) == -1) {
		log_warnx("%s %s: %s; running the installed program %s",
		    error_id(ERR_UPDATE_SWITCH), error_message(ERR_UPDATE_SWITCH),
		    err, self);
		update_state_error(st, error_id(ERR_UPDATE_SWITCH), "version %s "
		    "failed its check at start (%s); the installed version %s "
		    "runs", st->active.version, err, agent_version);
		memset(&st->active, 0, sizeof(st->active));
		return;
	}
	log_info("running version %s (%s) that the self-update installed",
	    st->active.version, st->active.path);
	log_flush();
	close(pidfile_fd);
	unsetenv(UPDATE_TRIAL_ENV);
	execv(st->active.path, update_argv(st->active.path, argc, argv,
	    nargv));
	log_warn("%s %s: cannot execute %s; running the installed program",
	    error_id(ERR_UPDATE_SWITCH), error_message(ERR_UPDATE_SWITCH),
	    st->active.path);
	update_state_error(st, error_id(ERR_UPDATE_SWITCH), "cannot execute "
	    "%s: %s", st->active.path, strerror(errno));
	memset(&st->active, 0, sizeof(st->active));
}

/* At start: finish a failed switch, run the selected version. */
void
update_launch(const struct agent_conf *conf, int argc, char *argv[],
    int pidfile_fd)
{
	struct update_state	 st, before;
	char			 self[PATH_MAX], err[UPDATE_ERR_MAX];
	int			 rc;

	if (argc > 0)
		strlcpy(update_argv0, argv[0], sizeof(update_argv0));
	if ((rc = update_state_load(conf->state_dir, &st, err,
	    sizeof(err))) < 0) {
		if (rc != -ENOENT)
			log_warnx("%s; running the installed program", err);
		unsetenv(UPDATE_TRIAL_ENV);
		update_state_free(&st);
		return;
	}
	if (update_self_path(argc > 0 ? argv[0] : NULL, self,
	    sizeof(self)) == -1) {
		log_warnx("cannot tell which program runs; update.json is "
		    "left alone");
		update_state_free(&st);
		return;
	}
	before = st;
	if (st.phase == UPDATE_SWITCHING && update_is_trial(conf, &st, self)) {
		update_state_free(&st);
		return;
	}
	unsetenv(UPDATE_TRIAL_ENV);
	if (st.phase == UPDATE_SWITCHING)
		update_rollback(&st, (int64_t)time(NULL));
	update_select(conf, &st, self, argc, argv, pidfile_fd);
	if (memcmp(&before, &st, sizeof(st)) != 0 &&
	    (rc = update_state_save(conf->state_dir, &st)) < 0)
		log_warnx("cannot write %s/%s: %s", conf->state_dir,
		    UPDATE_STATE_FILE, strerror(-rc));
	update_state_free(&st);
}

/* Record a switch that could not be made (E611), and why. */
static void
update_switch_failed(const struct update_switch *sw, struct update_state *st,
    const char *msg)
{
	int64_t	 now = (int64_t)time(NULL);

	log_warnx("%s %s: %s", error_id(ERR_UPDATE_SWITCH),
	    error_message(ERR_UPDATE_SWITCH), msg);
	update_state_record(st, sw->version, st->profile_id,
	    st->profile_version, UPDATE_FAILED, error_id(ERR_UPDATE_SWITCH),
	    now);
	update_state_set(st, UPDATE_FAILED, now);
	update_state_error(st, error_id(ERR_UPDATE_SWITCH), "%s", msg);
	st->deadline = 0;
	st->watchdog_pid = 0;
	if (update_state_save(sw->state_dir, st) < 0)
		log_warnx("cannot write %s/%s", sw->state_dir,
		    UPDATE_STATE_FILE);
}

/*
 * Fork the watchdog and wait until it says it is ready. Returns its pid,
 * or -1 with err.
 */
static pid_t
update_spawn_watchdog(const struct update_switch *sw, int trial_fd,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	char		 fds[32], c = 0;
	pid_t		 pid;
	int		 ready[2], rc;

	if (pipe(ready) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		update_close_fds(trial_fd, ready[1]);
		snprintf(fds, sizeof(fds), "%d,%d", trial_fd, ready[1]);
		execl(sw->self, "outpostd", "-W", fds, "-c", sw->conf_path,
		    (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	pfd.fd = ready[0];
	pfd.events = POLLIN;
	do
		rc = poll(&pfd, 1, UPDATE_READY_MS);
	while (rc == -1 && errno == EINTR);
	if (rc != 1 || read(ready[0], &c, 1) != 1 || c != 'R') {
		close(ready[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "the watchdog (%s -W) did not start",
		    sw->self);
		return -1;
	}
	close(ready[0]);
	return pid;
}

/* Start the watchdog and execute the new program. Returns on failure. */
void
update_switch_exec(const struct update_switch *sw, int argc, char *argv[])
{
	struct update_state	 st;
	char			*nargv[UPDATE_ARGV_MAX + 1], env[128];
	char			 err[UPDATE_ERR_MAX], msg[UPDATE_ERR_MAX + 64];
	pid_t			 pid;
	int			 trial[2], saved;

	if (update_state_load(sw->state_dir, &st, err, sizeof(err)) < 0 ||
	    st.phase != UPDATE_SWITCHING) {
		update_state_init(&st);
		snprintf(msg, sizeof(msg), "update.json does not hold the "
		    "switch (%s)", err);
		update_switch_failed(sw, &st, msg);
		update_state_free(&st);
		return;
	}
	if (pipe(trial) == -1) {
		snprintf(msg, sizeof(msg), "pipe: %s", strerror(errno));
		update_switch_failed(sw, &st, msg);
		update_state_free(&st);
		return;
	}
	if ((pid = update_spawn_watchdog(sw, trial[0], err,
	    sizeof(err))) == -1) {
		close(trial[0]);
		close(trial[1]);
		update_switch_failed(sw, &st, err);
		update_state_free(&st);
		return;
	}
	close(trial[0]);
	st.watchdog_pid = (long)pid;
	st.failure[0] = '\0';
	if (update_state_set_argv(&st, argc, argv) == -1 ||
	    update_state_save(sw->state_dir, &st) < 0) {
		(void)write(trial[1], "A", 1);
		close(trial[1]);
		waitpid(pid, NULL, 0);
		update_switch_failed(sw, &st, "cannot record the switch in "
		    "update.json");
		update_state_free(&st);
		return;
	}
	snprintf(env, sizeof(env), "%s:%d", sw->version, trial[1]);
	setenv(UPDATE_TRIAL_ENV, env, 1);
	if (sw->is_daemon) {
		snprintf(env, sizeof(env), "%ld", (long)getpid());
		setenv(UPDATE_DAEMON_ENV, env, 1);
	}
	log_flush();
	execv(sw->program, update_argv(sw->program, argc, argv, nargv));
	saved = errno;
	unsetenv(UPDATE_TRIAL_ENV);
	unsetenv(UPDATE_DAEMON_ENV);
	(void)write(trial[1], "A", 1);
	close(trial[1]);
	waitpid(pid, NULL, 0);
	snprintf(msg, sizeof(msg), "cannot execute %s: %s", sw->program,
	    strerror(saved));
	update_switch_failed(sw, &st, msg);
	update_state_free(&st);
}

/* The switch was not made (the agent was stopped): pending again. */
void
update_switch_cancel(const struct update_switch *sw)
{
	struct update_state	 st;
	char			 err[UPDATE_ERR_MAX];

	if (update_state_load(sw->state_dir, &st, err, sizeof(err)) == 0 &&
	    st.phase == UPDATE_SWITCHING &&
	    strcmp(st.target, sw->version) == 0) {
		update_state_set(&st, UPDATE_PENDING, (int64_t)time(NULL));
		st.deadline = 0;
		if (update_state_save(sw->state_dir, &st) < 0)
			log_warnx("cannot write %s/%s", sw->state_dir,
			    UPDATE_STATE_FILE);
	}
	update_state_free(&st);
}

/* Wait up to seconds for the process ppid (our parent) to be gone. */
static int
update_gone(pid_t ppid, int seconds)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < seconds * 20; i++) {
		if (getppid() != ppid)
			return 1;
		nanosleep(&ts, NULL);
	}
	return getppid() != ppid;
}

/*
 * Wait for the new version's word on fd until deadline. Returns 'D' or
 * 'A' (nothing to do), 'S' (stopped before its check-in), 'E' (the pipe
 * closed: it is gone) or 'T' (the deadline passed).
 */
static int
update_watch_wait(int fd, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	ssize_t		 n;
	char		 c;
	int		 rc;

	for (;;) {
		left = deadline - (int64_t)time(NULL);
		if (left <= 0)
			return 'T';
		pfd.fd = fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, left > 86400 ? 86400 * 1000 :
		    (int)(left * 1000));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == 0)
			return 'T';
		if (rc == -1)
			return 'E';
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return 'E';
		if (c == 'D' || c == 'A' || c == 'S')
			return c;
	}
}

/* Note the watchdog's finding in update.json while it still switches. */
static void
update_watch_note(const char *state_dir, const char *failure)
{
	struct update_state	 st;
	char			 err[UPDATE_ERR_MAX];

	if (update_state_load(state_dir, &st, err, sizeof(err)) == 0 &&
	    st.phase == UPDATE_SWITCHING) {
		strlcpy(st.failure, failure, sizeof(st.failure));
		if (update_state_save(state_dir, &st) < 0)
			log_warnx("watchdog: cannot write %s/%s", state_dir,
			    UPDATE_STATE_FILE);
	}
	update_state_free(&st);
}

/* Run the previous program again in this process. Returns 1 on failure. */
static int
update_watch_restore(const char *state_dir, const char *conf_path)
{
	struct update_state	 st;
	char			*nargv[UPDATE_ARGV_MAX + 1], self[PATH_MAX];
	char			*dflt[4], err[UPDATE_ERR_MAX];
	const char		*program;

	if (update_state_load(state_dir, &st, err, sizeof(err)) < 0 ||
	    update_self_path(NULL, self, sizeof(self)) == -1) {
		log_warnx("watchdog: %s; not restarting outpostd", err);
		update_state_free(&st);
		return 1;
	}
	program = st.previous.path[0] != '\0' ? st.previous.path : self;
	dflt[0] = (char *)(uintptr_t)program;
	dflt[1] = "-c";
	dflt[2] = (char *)(uintptr_t)conf_path;
	dflt[3] = NULL;
	log_warnx("watchdog: starting %s again", program);
	execv(program, st.argc > 0 ? update_argv(program, st.argc, st.argv,
	    nargv) : dflt);
	log_warn("watchdog: cannot execute %s", program);
	update_state_free(&st);
	return 1;
}

/* outpostd -W: the watchdog of a switch. Returns the exit status. */
int
update_watch_main(const char *fds, const char *conf_path)
{
	struct agent_conf	 conf;
	struct update_state	 st;
	char			 err[UPDATE_ERR_MAX], state_dir[PATH_MAX];
	pid_t			 ppid = getppid();
	int			 rfd, wfd, word;

	if (sscanf(fds, "%d,%d", &rfd, &wfd) != 2 || rfd < 3 || wfd < 3)
		return 2;
	if (agent_conf_load(conf_path, &conf, NULL, NULL) != 0) {
		agent_conf_free(&conf);
		return 1;
	}
	strlcpy(state_dir, conf.state_dir, sizeof(state_dir));
	agent_conf_free(&conf);
	update_close_fds(rfd, wfd);
	if (update_state_load(state_dir, &st, err, sizeof(err)) < 0 ||
	    st.phase != UPDATE_SWITCHING) {
		update_state_free(&st);
		return 1;
	}
	if (write(wfd, "R", 1) != 1)
		return 1;
	close(wfd);
	word = update_watch_wait(rfd, st.deadline - UPDATE_ROLLBACK_MARGIN);
	update_state_free(&st);
	if (word == 'D' || word == 'A')
		return 0;
	if (word == 'S') {
		update_watch_note(state_dir, "stopped");
		return 0;
	}
	if (word == 'T') {
		log_warnx("watchdog: the new version did not check in in "
		    "time; stopping it (pid %ld)", (long)ppid);
		/* Not SIGTERM: a service manager restarts what USR2 stops. */
		kill(ppid, SIGUSR2);
		if (!update_gone(ppid, UPDATE_KILL_GRACE))
			kill(ppid, SIGKILL);
	} else if (!update_gone(ppid, UPDATE_KILL_GRACE))
		kill(ppid, SIGKILL);
	if (!update_gone(ppid, 2)) {
		log_warnx("watchdog: pid %ld does not go away", (long)ppid);
		return 1;
	}
	update_watch_note(state_dir, word == 'T' ? "deadline" : "exited");
	if (getenv("INVOCATION_ID") != NULL) {
		log_warnx("watchdog: the service manager starts outpostd "
		    "again; it restores the previous version");
		return 0;
	}
	return update_watch_restore(state_dir, conf_path);
}
