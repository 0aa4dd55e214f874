/*
 * agent.c: the agent's subsystems on one event base, their set-up, the
 * control commands, reload and shutdown.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent.h"
#include "checkin.h"
#include "compat.h"
#include "control.h"
#include "correlation.h"
#include "fim.h"
#include "healthcheck.h"
#include "inventory.h"
#include "jsonutil.h"
#include "log.h"
#include "manifest.h"
#include "profile.h"
#include "report.h"
#include "route.h"
#include "state.h"
#include "update.h"
#include "upload-queue.h"
#include "version.h"

/* Call operation op of every module that has it, with the arguments. */
#define AGENT_MODULES_CALL(agent, op, ...) do {				\
	int	 agent_i_;						\
									\
	for (agent_i_ = 0; agent_i_ < (agent)->nmodules; agent_i_++)	\
		if ((agent)->modules[agent_i_].ops->op != NULL)		\
			(agent)->modules[agent_i_].ops->op(		\
			    (agent)->modules[agent_i_].self, ##__VA_ARGS__); \
} while (0)

#define AGENT_ROTATE_DIVISOR	10	/* rotate-logs: at least max_size/10 */

static void	agent_status_cb(struct control_conn *, struct json_object *,
		    void *);
static void	agent_rotate_cb(struct control_conn *, struct json_object *,
		    void *);
static void	agent_repair_cb(struct control_conn *, struct json_object *,
		    void *);

static void	agent_heartbeat_cb(struct control_conn *, struct json_object *,
		    void *);
static void	agent_uninstall_cb(struct control_conn *, struct json_object *,
		    void *);
static void	agent_healthcheck_cb(struct control_conn *,
		    struct json_object *, void *);
static void	agent_inventory_scan_cb(struct control_conn *,
		    struct json_object *, void *);

static const struct control_arg agent_uninstall_args[] = {
	{ "deregister", json_type_boolean },
	{ NULL, 0 }
};

static const struct control_command agent_commands[] = {
	{ "status", agent_status_cb, NULL },
	{ "rotate-logs", agent_rotate_cb, NULL },
	{ "repair", agent_repair_cb, NULL },
	{ "heartbeat", agent_heartbeat_cb, NULL },
	{ "uninstall", agent_uninstall_cb, agent_uninstall_args },
	{ "healthcheck", agent_healthcheck_cb, NULL },
	{ "inventory-scan", agent_inventory_scan_cb, NULL },
	{ NULL, NULL, NULL }
};

/*
 * The log level in force: the profile's when the platform gave one, else
 * the configuration's, raised by each -v.
 */
static enum log_level
agent_log_level(const struct agent *agent)
{
	int	 level;

	level = agent->profile_log_level >= 0 ? agent->profile_log_level :
	    (int)agent->conf.log_level;
	level += agent->verbosity;

	return level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG :
	    (enum log_level)level;
}

/* Check and fix the required directories, recording what was done. */
static int
agent_check_dirs(struct agent *agent)
{
	int	 rc;

	dirs_report_free(&agent->last_repair);
	rc = dirs_check(&agent->conf, &agent->last_repair);
	agent->last_repair_time = time(NULL);
	agent->repairs_total += agent->last_repair.nrepairs;
	return rc;
}

/* Log the repairs of the newest check. */
static void
agent_log_repairs(struct agent *agent, const char *when)
{
	size_t	 i;

	for (i = 0; i < agent->last_repair.nrepairs; i++)
		log_info("repaired required directory %s%s: %s",
		    agent->last_repair.repairs[i].path, when,
		    agent->last_repair.repairs[i].what);
	if (agent->last_repair.nrepairs == 0 &&
	    agent->last_repair.failures == 0)
		log_debug("required directories are in place");
}

/* Check and repair the required directories. Returns 0, or -1. */
static int
agent_repair(struct agent *agent)
{
	int	 rc;

	rc = agent_check_dirs(agent);
	/*
	 * Log files whose directory was just recreated write again from
	 * here on, so the repairs themselves land in the new agent.log.
	 */
	log_retry_failed();
	agent_log_repairs(agent, "");
	return rc;
}

/*
 * The live directory check (every DIRS_CHECK_SECONDS, and at once after a
 * failed write): a required directory that went missing is recreated, the
 * log files reopened in it, and the repair logged and reported (E504) with
 * what was lost with it. Returns the number of repairs.
 */
static size_t
agent_live_check(struct agent *agent)
{
	struct dirs_report	 r;
	struct stat		 st;
	char			 spool[PATH_MAX], what[512], lost[128];
	uint64_t		 waiting = 0;
	size_t			 i, n, len;

	snprintf(spool, sizeof(spool), "%s/spool", agent->conf.state_dir);
	if (stat(spool, &st) == -1 && agent->upload != NULL)
		waiting = upload_depth(agent->upload);
	dirs_check(&agent->conf, &r);
	if ((n = r.nrepairs) == 0) {
		dirs_report_free(&r);
		if (agent->is_dir_reported)
			report_clear(agent->report, ERR_DIR_MISSING);
		agent->is_dir_reported = 0;
		return 0;
	}
	dirs_report_free(&agent->last_repair);
	agent->last_repair = r;
	agent->last_repair_time = time(NULL);
	agent->repairs_total += n;
	/* Files whose directory was recreated are written there again. */
	log_retry_failed();
	agent_log_repairs(agent, " while running");
	what[0] = '\0';
	for (i = 0; i < n; i++) {
		len = strlen(what);
		snprintf(what + len, sizeof(what) - len, "%s%s (%s)",
		    i > 0 ? ", " : "", r.repairs[i].path, r.repairs[i].what);
	}
	lost[0] = '\0';
	if (waiting > 0)
		snprintf(lost, sizeof(lost), "; %llu upload%s waiting in the "
		    "spool went with it", (unsigned long long)waiting,
		    waiting == 1 ? "" : "s");
	report_error(agent->report, ERR_DIR_MISSING, "repaired while "
	    "running: %s%s", what, lost);
	agent->is_dir_reported = 1;
	return n;
}

/* The timer of the live directory check; it re-arms itself. */
static void
agent_dirs_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent	*agent = arg;
	struct timeval	 tv = { DIRS_CHECK_SECONDS, 0 };

	agent_live_check(agent);
	evtimer_add(agent->dirs_timer, &tv);
}

/* A write failed (E502): check the directories now. */
static void
agent_write_failed(void *arg)
{
	struct agent	*agent = arg;
	struct timeval	 tv = { 0, 0 };

	if (agent->dirs_timer != NULL)
		evtimer_add(agent->dirs_timer, &tv);
}

/* A configuration profile is in force: apply what the agent itself uses. */
static void
agent_profile_hook(const struct profile *profile, void *arg)
{
	struct agent	*agent = arg;

	agent->profile_log_level = profile->log_level;
	log_set_level(agent_log_level(agent));
	AGENT_MODULES_CALL(agent, profile, profile);
}

/* The identity is known (or gone): tell the modules. */
static void
agent_identity_hook(const struct state *st, void *arg)
{
	struct agent	*agent = arg;

	AGENT_MODULES_CALL(agent, identity, st);
}

/* A heartbeat is about to go: the modules add their members. */
static void
agent_heartbeat_hook(struct json_object *body, void *arg)
{
	struct agent	*agent = arg;

	AGENT_MODULES_CALL(agent, heartbeat, body);
}

/* A heartbeat was answered: the modules read what concerns them. */
static void
agent_checked_in_hook(struct json_object *reply, void *arg)
{
	struct agent	*agent = arg;

	AGENT_MODULES_CALL(agent, checked_in, reply);
}

/* An interface address came or went. */
static void
agent_address_cb(int is_added, const struct route_addr *ra, void *arg)
{
	struct agent	*agent = arg;

	AGENT_MODULES_CALL(agent, address, is_added, ra);
}

/* Register a module. Returns 0, or -1 when the table is full. */
int
agent_add_module(struct agent *agent, const struct agent_module_ops *ops,
    void *self)
{
	if (agent->nmodules >= AGENT_MODULES_MAX)
		return -1;
	agent->modules[agent->nmodules].ops = ops;
	agent->modules[agent->nmodules].self = self;
	agent->nmodules++;
	return 0;
}

/* Stop the loop from a timer, so replies in flight are written first. */
static void
agent_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct agent	*agent = arg;

	event_base_loopexit(agent->base, NULL);
}

/* Leave the loop in a moment (after pending replies), recording why. */
static void
agent_shutdown_soon(struct agent *agent, const char *reason, int status)
{
	struct timeval	 tv = { 0, 200000 };

	agent->stop_reason = reason;
	agent->exit_status = status;
	if (agent->stop_timer == NULL)
		agent->stop_timer = evtimer_new(agent->base, agent_stop_cb,
		    agent);
	if (agent->stop_timer == NULL || evtimer_add(agent->stop_timer,
	    &tv) == -1)
		event_base_loopexit(agent->base, NULL);
}

/* The platform uninstalled this agent: its state is gone; stop. */
static void
agent_uninstalled_hook(void *arg)
{
	agent_shutdown_soon(arg, "uninstalled by the platform",
	    AGENT_EXIT_UNINSTALLED);
}

/*
 * The update module installed a new version: stop as for a restart, so
 * main() executes it (update_switch_exec()).
 */
static void
agent_switch_hook(void *arg, const struct update_switch *sw)
{
	struct agent	*agent = arg;

	agent->update_switch = *sw;
	agent->update_switch.is_daemon = !agent->is_foreground;
	agent->is_switching = 1;
	agent_shutdown_soon(agent, "switching to a new version", 0);
}

/* Set the agent up on base. Returns 0, or -1 after printing why. */
int
agent_start(struct agent *agent, struct event_base *base,
    struct agent_conf *conf, int is_foreground, int verbosity)
{
	struct log_settings	 settings;
	struct checkin_hooks	 hooks = {
		.profile = agent_profile_hook,
		.uninstalled = agent_uninstalled_hook,
		.identity = agent_identity_hook,
		.heartbeat = agent_heartbeat_hook,
		.checked_in = agent_checked_in_hook,
		.arg = agent
	};
	struct correlation	*corr;
	struct update		*upd;
	struct fim		*fim;
	char			 path[PATH_MAX];
	int			 rc;

	memset(agent, 0, sizeof(*agent));
	agent->profile_log_level = -1;
	agent->base = base;
	agent->conf = *conf;
	memset(conf, 0, sizeof(*conf));
	agent->is_foreground = is_foreground;
	agent->verbosity = verbosity;
	agent->started = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &agent->started_mono);
	log_set_level(agent_log_level(agent));

	if (agent_check_dirs(agent) == -1) {
		agent_log_repairs(agent, " at start");
		log_warnx("required directories are not usable; see above");
		return -1;
	}
	agent_conf_log_settings(&agent->conf, &settings);
	agent->log = log_file_open(agent->conf.log_dir, "agent", &settings);
	if (agent->log == NULL) {
		log_warn("cannot open %s/agent.log", agent->conf.log_dir);
		return -1;
	}
	log_set_main(agent->log);
	log_set_event_base(base);
	agent_log_repairs(agent, " at start");

	snprintf(path, sizeof(path), "%s/%s", agent->conf.run_dir,
	    CONTROL_SOCKET_NAME);
	rc = control_open(base, path, agent_commands, agent, &agent->control);
	if (rc == -EADDRINUSE) {
		log_warnx("another outpostd answers on %s; not starting a "
		    "second one", path);
		return -1;
	}
	if (rc < 0) {
		errno = -rc;
		log_warn("cannot listen on control socket %s", path);
		return -1;
	}
	if ((agent->route = route_open(base, agent_address_cb, agent)) == NULL)
		log_warnx("cannot follow interface addresses (%s); "
		    "continuing without", route_backend());
	if ((agent->report = report_new()) == NULL) {
		log_warnx("cannot set up error reports: out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/spool", agent->conf.state_dir);
	agent->upload = upload_new(base, path, agent->conf.spool_max_size);
	if (agent->upload == NULL) {
		/* Errors then ride on heartbeats only; said in the log. */
		log_warnx("uploads are disabled until %s can be opened (then: "
		    "outpostctl repair, kill -HUP)", path);
	}
	report_set_upload(agent->report, agent->upload);
	report_set_write_hook(agent->report, agent_write_failed, agent);
	if ((agent->dirs_timer = evtimer_new(base, agent_dirs_cb,
	    agent)) != NULL) {
		struct timeval	 tv = { DIRS_CHECK_SECONDS, 0 };

		evtimer_add(agent->dirs_timer, &tv);
	}
	agent->checkin = checkin_start(base, &agent->conf, agent->route,
	    agent->upload, agent->report, &hooks);
	if (agent->checkin == NULL) {
		log_warnx("cannot set up the platform client");
		return -1;
	}
	agent->env.base = base;
	agent->env.conf = &agent->conf;
	agent->env.checkin = agent->checkin;
	agent->env.report = agent->report;
	agent->env.upload = agent->upload;
	agent->env.route = agent->route;
	/* First the manifests: the modules below subscribe to them. */
	if ((agent->env.manifests = manifests_new(&agent->env)) != NULL)
		agent_add_module(agent, &manifests_ops, agent->env.manifests);
	/*
	 * The modules start here, before the loop runs: what they install
	 * (FIM rules from the cached manifest) is in place before anything
	 * else happens. Each then gets the cached profile and identity.
	 */
	/* Modules register here: inventory, fim, correlation. */
	if ((agent->inventory = inventory_new(&agent->env)) != NULL &&
	    agent_add_module(agent, &inventory_ops, agent->inventory) == -1) {
		inventory_ops.free(agent->inventory);
		agent->inventory = NULL;
	}
	if ((fim = fim_new(&agent->env)) == NULL)
		log_warnx("cannot start file integrity monitoring");
	else if (agent_add_module(agent, &fim_ops, fim) == -1)
		fim_ops.free(fim);
	if ((corr = correlation_new(&agent->env)) != NULL &&
	    agent_add_module(agent, &correlation_ops, corr) == -1)
		correlation_ops.free(corr);
	/* Last: a new version on trial has every other module running. */
	if ((upd = update_new(&agent->env, agent_switch_hook, agent)) != NULL &&
	    agent_add_module(agent, &update_ops, upd) == -1)
		update_ops.free(upd);

	checkin_replay(agent->checkin);
	return 0;
}

/* Re-read the configuration; keep the old one if the new one is bad. */
static void
agent_reload_error(const char *file, int line, const char *reason, void *arg)
{
	if (line > 0)
		log_warnx("reload: %s:%d: %s", file, line, reason);
	else
		log_warnx("reload: %s: %s", file, reason);
}

/* Re-read the configuration file; keep the old one if the new is bad. */
void
agent_reload(struct agent *agent)
{
	struct agent_conf	 new;
	struct log_settings	 settings;
	char			*keep;
	int			 errors;

	log_info("SIGHUP: reloading %s", agent->conf.path);
	errors = agent_conf_load(agent->conf.path, &new, agent_reload_error,
	    NULL);
	if (errors != 0) {
		log_warnx("reload: %s has errors; keeping the previous "
		    "configuration", agent->conf.path);
		agent_conf_free(&new);
		return;
	}
	if (strcmp(new.run_dir, agent->conf.run_dir) != 0) {
		log_warnx("reload: run_dir change from %s to %s takes effect "
		    "at the next start", agent->conf.run_dir, new.run_dir);
		keep = new.run_dir;
		new.run_dir = agent->conf.run_dir;
		agent->conf.run_dir = keep;
	}
	agent_conf_free(&agent->conf);
	agent->conf = new;
	agent->reloads++;
	log_set_level(agent_log_level(agent));
	agent_repair(agent);
	agent_conf_log_settings(&agent->conf, &settings);
	if (log_file_configure(agent->log, agent->conf.log_dir,
	    &settings) == -1)
		log_warn("reload: cannot move agent.log to %s",
		    agent->conf.log_dir);
	if (agent->upload != NULL)
		upload_set_max_size(agent->upload, agent->conf.spool_max_size);
	checkin_reconfigure(agent->checkin);
	AGENT_MODULES_CALL(agent, reconfigure);
	log_info("configuration reloaded (log_level %s)",
	    log_level_name(agent->conf.log_level));
}

/* Leave the event loop, recording why. */
void
agent_shutdown(struct agent *agent, const char *reason)
{
	agent->stop_reason = reason;
	agent->is_switching = 0;	/* a stop asked for wins */
	event_base_loopexit(agent->base, NULL);
}

/* Free every subsystem in reverse order of agent_start(). */
void
agent_free(struct agent *agent)
{
	int	 i;

	for (i = agent->nmodules - 1; i >= 0; i--)
		if (agent->modules[i].ops->free != NULL)
			agent->modules[i].ops->free(agent->modules[i].self);
	agent->nmodules = 0;
	agent->inventory = NULL;
	checkin_free(agent->checkin);
	agent->checkin = NULL;
	upload_free(agent->upload);
	agent->upload = NULL;
	report_free(agent->report);
	agent->report = NULL;
	if (agent->stop_timer != NULL)
		event_free(agent->stop_timer);
	agent->stop_timer = NULL;
	if (agent->dirs_timer != NULL)
		event_free(agent->dirs_timer);
	agent->dirs_timer = NULL;
	route_close(agent->route);
	agent->route = NULL;
	control_close(agent->control);
	agent->control = NULL;
	log_set_event_base(NULL);
	if (agent->log != NULL) {
		log_set_main(NULL);
		log_file_close(agent->log);
		agent->log = NULL;
	}
	dirs_report_free(&agent->last_repair);
	agent_conf_free(&agent->conf);
}

/* The status document for "outpostctl status". */
static struct json_object *
agent_status_json(struct agent *agent)
{
	struct json_object	*st, *repair, *addrs;
	struct timespec		 now;
	char			 path[PATH_MAX];
	int			 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	st = json_object_new_object();
	json_add_string(st, "program", "outpostd");
	json_add_string(st, "version", agent_version);
	json_add_int64(st, "control_version", CONTROL_VERSION);
	json_add_int64(st, "pid", (int64_t)getpid());
	json_add_time(st, "started", agent->started);
	json_add_int64(st, "uptime", (int64_t)(now.tv_sec -
	    agent->started_mono.tv_sec));
	json_add_string(st, "config_file", agent->conf.path);
	json_add_bool(st, "foreground", agent->is_foreground);
	json_add_string(st, "log_level", log_level_name(log_get_level()));
	json_add_int64(st, "reloads", (int64_t)agent->reloads);
	json_add_string(st, "state_dir", agent->conf.state_dir);
	json_add_string(st, "log_dir", agent->conf.log_dir);
	json_add_string(st, "run_dir", agent->conf.run_dir);
	snprintf(path, sizeof(path), "%s/%s", agent->conf.run_dir,
	    CONTROL_SOCKET_NAME);
	json_add_string(st, "control_socket", path);
	json_object_object_add(st, "log_files", log_status_json());

	repair = dirs_report_json(&agent->last_repair);
	/* Looked at now: a directory removed a second ago is missing. */
	json_object_object_add(repair, "missing",
	    dirs_missing_json(&agent->conf));
	json_add_time(repair, "last_check", agent->last_repair_time);
	json_add_int64(repair, "repairs_total", (int64_t)agent->repairs_total);
	json_object_object_add(st, "directories", repair);

	addrs = json_object_new_object();
	json_add_string(addrs, "tracking", route_backend());
	json_object_object_add(addrs, "addresses",
	    route_status_json(agent->route));
	json_object_object_add(st, "interfaces", addrs);
	if (agent->checkin != NULL)
		json_object_object_add(st, "platform",
		    checkin_status_json(agent->checkin));
	if (agent->upload != NULL)
		json_object_object_add(st, "spool",
		    upload_status_json(agent->upload));
	for (i = 0; i < agent->nmodules; i++)
		if (agent->modules[i].ops->status != NULL)
			json_object_object_add(st,
			    agent->modules[i].ops->name,
			    agent->modules[i].ops->status(
			    agent->modules[i].self));
	return st;
}

/* outpostctl status: the agent's state. */
static void
agent_status_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	control_reply(conn, agent_status_json(arg), NULL);
}

/*
 * outpostctl rotate-logs: rotate every log file now, but for those under a
 * tenth of log_max_size (their archive would push real history out).
 */
static void
agent_rotate_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct json_object	*result, *skipped;

	log_info("control: rotating log files");
	skipped = json_object_new_array();
	if (log_rotate_over(AGENT_ROTATE_DIVISOR, skipped) == -1) {
		json_object_put(skipped);
		control_reply(conn, NULL, "log rotation failed; see agent.log");
		return;
	}
	result = json_object_new_object();
	json_object_object_add(result, "log_files", log_status_json());
	json_object_object_add(result, "skipped", skipped);
	control_reply(conn, result, NULL);
}

/* outpostctl repair: check and recreate the required directories. */
static void
agent_repair_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct agent	*agent = arg;

	log_info("control: checking required directories");
	agent_repair(agent);
	if (agent->is_dir_reported)
		report_clear(agent->report, ERR_DIR_MISSING);
	agent->is_dir_reported = 0;
	control_reply(conn, dirs_report_json(&agent->last_repair), NULL);
}

/* The end of an "outpostctl heartbeat": answer the waiting client. */
static void
agent_heartbeat_done(int ok, const char *message, void *arg)
{
	struct control_conn	*conn = arg;
	struct json_object	*result;

	if (!ok) {
		control_reply(conn, NULL, message != NULL ? message :
		    "check-in failed");
		return;
	}
	result = json_object_new_object();
	json_add_string(result, "message", message);
	control_reply(conn, result, NULL);
}

/* outpostctl heartbeat: check in with the platform now. */
static void
agent_heartbeat_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct agent	*agent = arg;

	log_info("control: check-in requested");
	if (checkin_now(agent->checkin, agent_heartbeat_done, conn) == -1)
		control_reply(conn, NULL, "the agent is deregistering, or too "
		    "many check-ins are asked for at once; try again in a "
		    "moment");
}

/* The health check finished: answer the waiting client. */
static void
agent_healthcheck_done(struct json_object *report, void *arg)
{
	control_reply(arg, report, NULL);
}

/* outpostctl healthcheck: run the checks on the loop. */
static void
agent_healthcheck_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct agent	*agent = arg;

	log_info("control: health check requested");
	if (healthcheck_run(agent, agent_healthcheck_done, conn) == -1)
		control_reply(conn, NULL, "out of memory");
}

/* The inventory scan asked for is over: answer the waiting client. */
static void
agent_inventory_scan_done(struct json_object *result, const char *error,
    void *arg)
{
	control_reply(arg, result, error);
}

/* outpostctl inventory-scan: scan the host now, upload what changed. */
static void
agent_inventory_scan_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct agent	*agent = arg;

	if (agent->inventory == NULL) {
		control_reply(conn, NULL, "the inventory module is not "
		    "running; see agent.log");
		return;
	}
	inventory_scan_now(agent->inventory, agent_inventory_scan_done, conn);
}

/* One uninstall in progress: the client waiting for its answer. */
struct agent_uninstall {
	struct agent		*agent;
	struct control_conn	*conn;
};

/* Remove the agent's state from the host, answer, and stop. */
static void
agent_uninstall_finish(struct agent *agent, struct control_conn *conn,
    const char *how)
{
	struct json_object	*result;

	log_warnx("uninstall requested through outpostctl (%s): removing "
	    "state, spool and manifests from %s and stopping", how,
	    agent->conf.state_dir);
	result = json_object_new_object();
	json_add_bool(result, "state_removed",
	    checkin_remove_state(&agent->conf) == 0);
	/* The modules let go of the host too (FIM: rules, audit settings). */
	AGENT_MODULES_CALL(agent, identity, NULL);
	json_add_string(result, "platform_record", how);
	control_reply(conn, result, NULL);
	agent_shutdown_soon(agent, "uninstalled through outpostctl", 0);
}

/* The platform answered the deregistration. */
static void
agent_deregister_done(int ok, const char *message, void *arg)
{
	struct agent_uninstall	*u = arg;

	if (!ok) {
		control_reply(u->conn, NULL, message != NULL ? message :
		    "the platform did not delete the agent record");
		free(u);
		return;
	}
	agent_uninstall_finish(u->agent, u->conn, "deleted");
	free(u);
}

/* outpostctl uninstall [--deregister]: remove the agent from the host. */
static void
agent_uninstall_cb(struct control_conn *conn, struct json_object *args,
    void *arg)
{
	struct agent		*agent = arg;
	struct agent_uninstall	*u;
	int			 deregister = 0;

	if (args != NULL)
		json_get_bool(args, "deregister", &deregister);
	if (!deregister) {
		agent_uninstall_finish(agent, conn, "kept");
		return;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		control_reply(conn, NULL, "out of memory");
		return;
	}
	u->agent = agent;
	u->conn = conn;
	if (checkin_deregister(agent->checkin, agent_deregister_done, u) ==
	    -1) {
		free(u);
		control_reply(conn, NULL, "cannot deregister: the agent is "
		    "not activated or is busy talking to the platform; try "
		    "again, or uninstall without --deregister");
	}
}
