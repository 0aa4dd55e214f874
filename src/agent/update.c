/*
 * update.c: the agent's self-update as a module: the profile's policy and
 * the release the platform offers, its download, checks and installation,
 * the switch asked of the agent, and the end of a new version's trial
 * (update.h).
 *
 * What to install: the heartbeat answer's "update" member names the
 * release the platform's policy picks for this agent (docs/protocol.md
 * 3.3), and the profile's update.policy must not be "off". A release is
 * tried once per version of the profile: update.json keeps every attempt
 * with its outcome, and an attempt that was refused or rolled back stays
 * the agent's state until the profile changes. A version older than the
 * running one is refused (E607) unless the profile pins it.
 *
 * Its course: pending (waiting for the maintenance window), downloading
 * (update-fetch.c: the signed manifest, then the files, resumable),
 * verifying (update-verify.c), then the files get their modes and the
 * staging directory becomes state_dir/versions/VERSION, and the module
 * asks the agent to switch (switching). In the new version the first
 * successful check-in ends the trial: update.json says done, the
 * watchdog is told and reaped, and a heartbeat reports it at once.
 * Versions that are neither the running, the selected nor the previous
 * one are removed from state_dir/versions.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "agent-conf.h"
#include "checkin.h"
#include "compat.h"
#include "healthcheck.h"
#include "jsonutil.h"
#include "log.h"
#include "profile.h"
#include "release.h"
#include "report.h"
#include "update-fetch.h"
#include "update-launch.h"
#include "update-state.h"
#include "update-verify.h"
#include "update.h"
#include "version.h"

#define UPDATE_TICK_MS		100	/* reaping the watchdog */
#define UPDATE_TICKS_MAX	100	/* then it is left alone */

/* The module. */
struct update {
	const struct agent_env	*env;
	update_switch_fn	 switch_fn;
	void			*switch_arg;
	char			 self[PATH_MAX];
	char			 versions_dir[PATH_MAX];
	char			 os[RELEASE_NAME_MAX + 1];
	char			 arch[RELEASE_NAME_MAX + 1];
	EVP_PKEY		*key;
	char			 key_error[400];	/* why there is none */
	struct update_state	 st;
	/* The profile. */
	int			 has_profile;
	int			 policy;
	char			 pinned[RELEASE_VERSION_MAX + 1];
	int			 deadline;
	int64_t			 profile_id;
	int64_t			 profile_version;
	/* The platform's offer, from the last heartbeat answer. */
	char			 offer[RELEASE_VERSION_MAX + 1];	/* "": none */
	char			 note[256];	/* why it waits */
	/* The trial of this process, and what follows it. */
	int			 trial_fd;	/* -1: not on trial */
	struct event		*timer;
	int			 ticks;
	int			 want_checkin;
	struct update_fetch	*fetch;
	char			 last_download_error[256];
};

static void	update_consider(struct update *);

/* Write update.json, reporting a failure. */
static void
update_save(struct update *u)
{
	int	 rc;

	if ((rc = update_state_save(u->env->conf->state_dir, &u->st)) < 0)
		report_error(u->env->report, ERR_WRITE_FAILURE, "cannot write "
		    "%s/%s: %s", u->env->conf->state_dir, UPDATE_STATE_FILE,
		    strerror(-rc));
}

/* Enter phase for target now and save. */
static void
update_enter(struct update *u, enum update_phase phase, const char *target)
{
	update_state_set(&u->st, phase, (int64_t)time(NULL));
	if (target != NULL)
		strlcpy(u->st.target, target, sizeof(u->st.target));
	update_save(u);
}

/* Report the error of the state once (to the log, status and platform). */
static void
update_report(struct update *u)
{
	int	 code;

	if (u->st.is_reported || u->st.error_code[0] == '\0')
		return;
	if ((code = error_lookup(u->st.error_code)) < 0)
		code = ERR_INTERNAL;
	report_error(u->env->report, (enum error_code)code, "update: %s",
	    u->st.error_message);
	u->st.is_reported = 1;
	update_save(u);
}

/* The attempt at the offer failed before anything ran: record it. */
static void
update_fail(struct update *u, enum error_code code, const char *message)
{
	int64_t	 now = (int64_t)time(NULL);

	update_state_record(&u->st, u->offer, u->profile_id,
	    u->profile_version, UPDATE_FAILED, error_id(code), now);
	update_state_set(&u->st, UPDATE_FAILED, now);
	strlcpy(u->st.target, u->offer, sizeof(u->st.target));
	update_state_error(&u->st, error_id(code), "version %s refused: %s; "
	    "not tried again until the profile changes", u->offer, message);
	update_save(u);
	update_report(u);
}

/* Whether the program path lies in versions/name. Returns 1/0. */
static int
update_in(const struct update *u, const char *path, const char *name)
{
	char	 dir[PATH_MAX];
	size_t	 len;

	if (snprintf(dir, sizeof(dir), "%s/%s/", u->versions_dir, name) >=
	    (int)sizeof(dir))
		return 0;
	len = strlen(dir);
	return path[0] != '\0' && strncmp(path, dir, len) == 0;
}

/*
 * Remove the versions that are neither running, selected nor previous,
 * and downloads of other releases than the one in progress.
 */
static void
update_prune(struct update *u)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], want[PATH_MAX];
	int		 is_download;

	if ((d = opendir(u->versions_dir)) == NULL)
		return;
	snprintf(want, sizeof(want), "%s%s", UPDATE_STAGING_PREFIX,
	    u->st.target);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		is_download = strncmp(de->d_name, UPDATE_STAGING_PREFIX,
		    strlen(UPDATE_STAGING_PREFIX)) == 0;
		if (is_download && strcmp(de->d_name, want) == 0 &&
		    (u->st.phase == UPDATE_DOWNLOADING ||
		    u->st.phase == UPDATE_PENDING))
			continue;
		if (!is_download && (update_in(u, u->self, de->d_name) ||
		    update_in(u, u->st.active.path, de->d_name) ||
		    update_in(u, u->st.previous.path, de->d_name)))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", u->versions_dir,
		    de->d_name) >= (int)sizeof(path))
			continue;
		log_info("update: removing %s", path);
		update_dir_remove(path, 0);
	}
	closedir(d);
}

/* Load the release key of the configuration, or note why there is none. */
static void
update_load_key(struct update *u)
{
	EVP_PKEY_free(u->key);
	u->key = NULL;
	u->key_error[0] = '\0';
	if (u->env->conf->release_key[0] == '\0')
		snprintf(u->key_error, sizeof(u->key_error), "release_key is "
		    "not set in %s", u->env->conf->path);
	else
		u->key = release_key_load(u->env->conf->release_key,
		    u->key_error, sizeof(u->key_error));
}

/* The new version checked in: the trial is over, it stays. */
static void
update_trial_done(struct update *u)
{
	struct timeval	 tv = { 0, UPDATE_TICK_MS * 1000 };
	int64_t		 now = (int64_t)time(NULL);

	update_state_record(&u->st, agent_version, u->st.profile_id,
	    u->st.profile_version, UPDATE_DONE, NULL, now);
	update_state_set(&u->st, UPDATE_DONE, now);
	update_program_set(&u->st.active, agent_version, u->self);
	u->st.deadline = 0;
	update_save(u);
	if (write(u->trial_fd, "D", 1) != 1)
		log_warn("update: cannot tell the watchdog");
	close(u->trial_fd);
	u->trial_fd = -1;
	report_clear(u->env->report, ERR_UPDATE_EXITED);
	report_clear(u->env->report, ERR_UPDATE_NO_CHECKIN);
	log_info("update: version %s started and checked in: the update "
	    "from version %s is done", agent_version, u->st.previous.version);
	update_prune(u);
	u->want_checkin = 1;
	u->ticks = 0;
	evtimer_add(u->timer, &tv);
}

/*
 * After the trial: reap the watchdog, and check in once more so the
 * platform sees "done" now rather than a heartbeat later.
 */
static void
update_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct update	*u = arg;
	struct timeval	 tv = { 0, UPDATE_TICK_MS * 1000 };
	pid_t		 pid;

	if (u->st.watchdog_pid > 0) {
		pid = waitpid((pid_t)u->st.watchdog_pid, NULL, WNOHANG);
		if (pid != 0 || u->ticks >= UPDATE_TICKS_MAX) {
			u->st.watchdog_pid = 0;
			update_save(u);
		}
	}
	if (u->want_checkin && checkin_now(u->env->checkin, NULL, NULL) == 0)
		u->want_checkin = 0;
	if ((u->st.watchdog_pid > 0 || u->want_checkin) &&
	    u->ticks++ < UPDATE_TICKS_MAX)
		evtimer_add(u->timer, &tv);
}

/* Give the staged files their names and modes; make them versions/V. */
static int
update_install(struct update *u, const struct release_manifest *m,
    const char *staging, char *final, size_t len, char *err, size_t errlen)
{
	char		 from[PATH_MAX], to[PATH_MAX];
	struct stat	 sb;
	int		 i;

	for (i = 0; i < m->nfiles; i++) {
		snprintf(from, sizeof(from), "%s/%s%s", staging,
		    m->files[i].name, UPDATE_PART_SUFFIX);
		snprintf(to, sizeof(to), "%s/%s", staging, m->files[i].name);
		if (chmod(from, (mode_t)m->files[i].mode) == -1 ||
		    rename(from, to) == -1) {
			snprintf(err, errlen, "%s: %s", from, strerror(errno));
			return -1;
		}
	}
	if (snprintf(final, len, "%s/%s/%s", u->versions_dir, m->version,
	    RELEASE_PROGRAM) >= (int)len) {
		snprintf(err, errlen, "%s: path too long", u->versions_dir);
		return -1;
	}
	*strrchr(final, '/') = '\0';
	if (lstat(final, &sb) == 0)
		update_dir_remove(final, 0);
	if (rename(staging, final) == -1) {
		snprintf(err, errlen, "%s: %s", final, strerror(errno));
		return -1;
	}
	return 0;
}

/* The release is verified: install it and ask the agent to switch. */
static void
update_switch(struct update *u, const struct release_manifest *m,
    const char *staging)
{
	struct update_switch	 sw;
	char			 final[PATH_MAX], err[UPDATE_ERR_MAX];
	int64_t			 now = (int64_t)time(NULL);

	update_enter(u, UPDATE_VERIFYING, m->version);
	if (update_install(u, m, staging, final, sizeof(final), err,
	    sizeof(err)) == -1) {
		update_fail(u, ERR_UPDATE_SWITCH, err);
		return;
	}
	memset(&sw, 0, sizeof(sw));
	if (snprintf(sw.program, sizeof(sw.program), "%s/%s", final,
	    RELEASE_PROGRAM) >= (int)sizeof(sw.program))
		return;		/* cannot be: update_install() checked it */
	strlcpy(sw.version, m->version, sizeof(sw.version));
	strlcpy(sw.self, u->self, sizeof(sw.self));
	strlcpy(sw.state_dir, u->env->conf->state_dir, sizeof(sw.state_dir));
	strlcpy(sw.conf_path, u->env->conf->path, sizeof(sw.conf_path));
	update_state_set(&u->st, UPDATE_SWITCHING, now);
	strlcpy(u->st.target, m->version, sizeof(u->st.target));
	u->st.pinned = u->policy == PROFILE_UPDATE_PINNED;
	u->st.deadline = now + u->deadline;
	u->st.profile_id = u->profile_id;
	u->st.profile_version = u->profile_version;
	update_program_set(&u->st.previous, agent_version, u->self);
	if (!update_is_versioned(u->env->conf->state_dir, u->self))
		update_program_set(&u->st.base, agent_version, u->self);
	u->st.watchdog_pid = 0;
	u->st.failure[0] = '\0';
	update_save(u);
	log_info("update: version %s verified and installed in %s; switching "
	    "to it (it has %d s to start and check in)", m->version, final,
	    u->deadline);
	u->switch_fn(u->switch_arg, &sw);
}

/* The end of a fetch. */
static void
update_fetched(void *arg, enum error_code code, const char *message,
    const struct release_manifest *m, const char *dir)
{
	struct update	*u = arg;

	u->fetch = NULL;
	if (code == ERR_RELEASE_DOWNLOAD) {
		/* Resumed at the next check-in. */
		update_state_error(&u->st, error_id(code), "%s", message);
		if (strcmp(message, u->last_download_error) == 0) {
			u->st.is_reported = 1;
			return;
		}
		strlcpy(u->last_download_error, message,
		    sizeof(u->last_download_error));
		update_save(u);
		update_report(u);
		return;
	}
	if (code != ERR_NONE) {
		update_fail(u, code, message);
		return;
	}
	u->last_download_error[0] = '\0';
	update_switch(u, m, dir);
}

/*
 * Whether the profile lets the offer be older than the running version
 * (it pins that version). Returns 1/0.
 */
static int
update_allows_older(const struct update *u)
{
	return u->policy == PROFILE_UPDATE_PINNED &&
	    strcmp(u->pinned, u->offer) == 0;
}

/* Start (or resume) the download of the offer. */
static void
update_start(struct update *u)
{
	struct update_fetch_request	 req;

	memset(&req, 0, sizeof(req));
	req.checkin = u->env->checkin;
	req.versions_dir = u->versions_dir;
	req.version = u->offer;
	req.os = u->os;
	req.arch = u->arch;
	req.running = agent_version;
	req.allow_older = update_allows_older(u);
	/* What the fetch in flight was started with (update_consider). */
	u->st.pinned = req.allow_older;
	req.key = u->key;
	if (u->st.phase != UPDATE_DOWNLOADING ||
	    strcmp(u->st.target, u->offer) != 0) {
		log_info("update: version %s offered (running %s); "
		    "downloading it", u->offer, agent_version);
		update_enter(u, UPDATE_DOWNLOADING, u->offer);
	}
	if ((u->fetch = update_fetch_start(&req, update_fetched, u)) == NULL)
		log_warnx("update: cannot start the download of version %s",
		    u->offer);
}

/* Show the recorded outcome of an earlier attempt at the offer. */
static void
update_show_attempt(struct update *u, const struct update_attempt *a)
{
	if (u->st.phase == a->outcome && strcmp(u->st.target, a->version) == 0)
		return;
	update_state_set(&u->st, a->outcome, a->time);
	strlcpy(u->st.target, a->version, sizeof(u->st.target));
	if (a->code[0] != '\0') {
		update_state_error(&u->st, a->code, "version %s was tried "
		    "under this profile version (%s); not tried again until "
		    "the profile changes", a->version, a->code);
		u->st.is_reported = 1;
	}
	update_save(u);
}

/* Whether the phase is an update in progress. Returns 1/0. */
static int
update_is_busy(enum update_phase p)
{
	return p == UPDATE_PENDING || p == UPDATE_DOWNLOADING ||
	    p == UPDATE_VERIFYING;
}

/* Decide what to do about the offer, the profile and the state. */
static void
update_consider(struct update *u)
{
	const struct update_attempt	*a;

	if (u->fetch != NULL) {
		/* Kept while the profile still decides it the same way: a
		 * profile that now pins the offer starts it again. */
		if (u->offer[0] != '\0' && strcmp(u->offer, u->st.target) == 0 &&
		    u->policy != PROFILE_UPDATE_OFF &&
		    update_allows_older(u) == u->st.pinned)
			return;
		update_fetch_cancel(u->fetch);
		u->fetch = NULL;
	}
	if (u->st.phase == UPDATE_SWITCHING)
		return;
	if (u->offer[0] == '\0' || u->policy == PROFILE_UPDATE_OFF ||
	    strcmp(u->offer, agent_version) == 0) {
		if (update_is_busy(u->st.phase)) {
			update_enter(u, UPDATE_NONE, NULL);
			update_prune(u);	/* a download left behind */
		}
		return;
	}
	if ((a = update_state_attempted(&u->st, u->offer, u->profile_id,
	    u->profile_version)) != NULL) {
		update_show_attempt(u, a);
		return;
	}
	if (u->note[0] != '\0') {
		if (u->st.phase != UPDATE_PENDING ||
		    strcmp(u->st.target, u->offer) != 0)
			update_enter(u, UPDATE_PENDING, u->offer);
		return;
	}
	if (u->key == NULL) {
		update_fail(u, ERR_RELEASE_KEY, u->key_error);
		return;
	}
	update_start(u);
}

/* A profile is in force: the update policy. */
static void
update_profile(void *self, const struct profile *p)
{
	struct update	*u = self;

	u->has_profile = 1;
	u->policy = p->update_policy;
	strlcpy(u->pinned, p->update_version, sizeof(u->pinned));
	u->deadline = p->update_deadline;
	u->profile_id = p->id;
	u->profile_version = p->version;
	if (u->policy == PROFILE_UPDATE_OFF)
		u->offer[0] = '\0';
	update_consider(u);
}

/* Read the heartbeat answer's offer. */
static void
update_read_offer(struct update *u, struct json_object *reply)
{
	struct json_object	*o;
	const char		*v, *wait;

	u->offer[0] = '\0';
	u->note[0] = '\0';
	if (!json_object_object_get_ex(reply, "update", &o) ||
	    !json_object_is_type(o, json_type_object))
		return;
	v = json_get_string(o, "version");
	if (v == NULL || !release_version_valid(v)) {
		if (v != NULL)
			log_warnx("update: the platform offers \"%s\", not a "
			    "release version", v);
		return;
	}
	strlcpy(u->offer, v, sizeof(u->offer));
	if ((wait = json_get_string(o, "wait")) != NULL)
		strlcpy(u->note, wait, sizeof(u->note));
}

/* The heartbeat's answer: the end of a trial, and the offer. */
static void
update_checked_in(void *self, struct json_object *reply)
{
	struct update	*u = self;

	if (u->trial_fd != -1)
		update_trial_done(u);
	update_read_offer(u, reply);
	update_consider(u);
}

/* The update object of the heartbeat (detail: for the status). */
static struct json_object *
update_json(struct update *u, int detail)
{
	struct json_object	*o, *e, *p, *doc;
	uint64_t		 bytes, total;

	o = json_object_new_object();
	json_add_string(o, "state", update_phase_name(u->st.phase));
	json_add_int64(o, "time", u->st.time);
	json_add_string(o, "current", agent_version);
	json_add_string(o, "target", u->st.target[0] != '\0' ? u->st.target :
	    NULL);
	json_add_string(o, "previous", u->st.previous.version[0] != '\0' ?
	    u->st.previous.version : NULL);
	json_add_string(o, "os", u->os);
	json_add_string(o, "arch", u->arch);
	e = NULL;
	if (u->st.error_code[0] != '\0') {
		e = json_object_new_object();
		json_add_string(e, "code", u->st.error_code);
		json_add_string(e, "message", u->st.error_message);
	}
	json_object_object_add(o, "error", e);
	json_add_string(o, "note", u->note[0] != '\0' &&
	    u->st.phase == UPDATE_PENDING ? u->note : NULL);
	p = NULL;
	if (u->fetch != NULL) {
		update_fetch_progress(u->fetch, &bytes, &total);
		p = json_object_new_object();
		json_add_int64(p, "bytes", (int64_t)bytes);
		json_add_int64(p, "total", (int64_t)total);
	}
	json_object_object_add(o, "progress", p);
	json_add_bool(o, "release_key", u->key != NULL);
	if (!detail)
		return o;
	json_add_string(o, "program", u->self);
	json_add_string(o, "selected", u->st.active.path[0] != '\0' ?
	    u->st.active.path : NULL);
	json_add_string(o, "installed", u->st.base.path[0] != '\0' ?
	    u->st.base.path : NULL);
	json_add_string(o, "versions_dir", u->versions_dir);
	json_add_string(o, "release_key_error", u->key == NULL ?
	    u->key_error : NULL);
	json_add_string(o, "policy", u->policy == PROFILE_UPDATE_LATEST ?
	    "latest" : u->policy == PROFILE_UPDATE_PINNED ? "pinned" : "off");
	json_add_int64(o, "deadline", u->deadline);
	json_add_bool(o, "on_trial", u->trial_fd != -1);
	doc = update_state_json(&u->st);
	json_object_object_add(o, "attempts", json_object_get(
	    json_object_object_get(doc, "attempts")));
	json_object_put(doc);
	return o;
}

/* The heartbeat carries the update state. */
static void
update_heartbeat(void *self, struct json_object *body)
{
	json_object_object_add(body, "update", update_json(self, 0));
}

/* The status section. */
static struct json_object *
update_status(void *self)
{
	return update_json(self, 1);
}

/* Health: can this agent update itself, and how did the last one end? */
static void
update_healthcheck(void *self, struct healthcheck *hc)
{
	struct update	*u = self;

	if (u->key == NULL) {
		hc_add(hc, "self-update", u->policy == PROFILE_UPDATE_OFF ?
		    HC_SKIP : HC_WARN, "set release_key in outpost.conf to the "
		    "site's release public key", "not possible: %s",
		    u->key_error);
		return;
	}
	if (u->st.phase == UPDATE_FAILED || u->st.phase == UPDATE_ROLLED_BACK)
		hc_add(hc, "self-update", HC_WARN, "outpostd(8), SELF-UPDATE",
		    "%s to version %s: %s %s", update_phase_name(u->st.phase),
		    u->st.target, u->st.error_code, u->st.error_message);
	else
		hc_add(hc, "self-update", HC_PASS, NULL, "version %s, %s%s%s",
		    agent_version, update_phase_name(u->st.phase),
		    u->st.target[0] != '\0' ? " " : "", u->st.target);
}

/* The configuration was reloaded: the key, and a fetch the client lost. */
static void
update_reconfigure(void *self)
{
	struct update	*u = self;

	if (u->fetch != NULL) {
		update_fetch_abandon(u->fetch);
		u->fetch = NULL;
	}
	update_load_key(u);
}

/* Stop: tell a watchdog that this trial was stopped; free. */
static void
update_free(void *self)
{
	struct update	*u = self;

	update_fetch_cancel(u->fetch);
	if (u->trial_fd != -1) {
		log_warnx("update: stopped before the first check-in of "
		    "version %s: the previous version is restored at the "
		    "next start", agent_version);
		(void)write(u->trial_fd, "S", 1);
		close(u->trial_fd);
	}
	if (u->timer != NULL)
		event_free(u->timer);
	EVP_PKEY_free(u->key);
	update_state_free(&u->st);
	free(u);
}

/* Whether this process is the trial of update.json's switch: its pipe. */
static void
update_take_trial(struct update *u)
{
	const char	*env = getenv(UPDATE_TRIAL_ENV);
	const char	*colon;
	char		*end;
	long		 fd;

	if (env != NULL && u->st.phase == UPDATE_SWITCHING &&
	    (colon = strrchr(env, ':')) != NULL &&
	    (size_t)(colon - env) == strlen(agent_version) &&
	    strncmp(env, agent_version, (size_t)(colon - env)) == 0 &&
	    strcmp(u->st.target, agent_version) == 0) {
		fd = strtol(colon + 1, &end, 10);
		if (*end == '\0' && fd > 2 && fcntl((int)fd, F_SETFD,
		    FD_CLOEXEC) == 0) {
			u->trial_fd = (int)fd;
			log_info("update: version %s on trial: it must check "
			    "in within %lld s", agent_version,
			    (long long)(u->st.deadline - (int64_t)time(NULL)));
		}
	}
	unsetenv(UPDATE_TRIAL_ENV);
}

/* Start the module. */
struct update *
update_new(const struct agent_env *env, update_switch_fn switch_fn,
    void *arg)
{
	struct update	*u;
	char		 err[UPDATE_ERR_MAX];
	int		 rc;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->timer = evtimer_new(env->base, update_timer_cb, u)) == NULL) {
		free(u);
		log_warnx("update: out of memory");
		return NULL;
	}
	u->env = env;
	u->switch_fn = switch_fn;
	u->switch_arg = arg;
	u->trial_fd = -1;
	u->deadline = PROFILE_DEADLINE;
	snprintf(u->versions_dir, sizeof(u->versions_dir), "%s/%s",
	    env->conf->state_dir, UPDATE_VERSIONS_DIR);
	if (update_self_path(NULL, u->self, sizeof(u->self)) == -1 ||
	    update_host_platform(u->os, sizeof(u->os), u->arch,
	    sizeof(u->arch)) == -1)
		log_warnx("update: cannot tell this program's path or the "
		    "host's OS and architecture; self-update is off");
	update_load_key(u);
	if (u->self[0] == '\0') {
		EVP_PKEY_free(u->key);
		u->key = NULL;
		snprintf(u->key_error, sizeof(u->key_error), "this program's "
		    "path is unknown");
	}
	if ((rc = update_state_load(env->conf->state_dir, &u->st, err,
	    sizeof(err))) < 0 && rc != -ENOENT)
		log_warnx("update: %s; starting afresh", err);
	update_take_trial(u);
	update_report(u);
	if (u->trial_fd == -1 && u->st.phase != UPDATE_SWITCHING)
		update_prune(u);
	return u;
}

const struct agent_module_ops update_ops = {
	.name = "update",
	.profile = update_profile,
	.heartbeat = update_heartbeat,
	.checked_in = update_checked_in,
	.status = update_status,
	.healthcheck = update_healthcheck,
	.reconfigure = update_reconfigure,
	.free = update_free
};
