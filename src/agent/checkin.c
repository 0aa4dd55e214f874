/*
 * checkin.c: activation, heartbeats, the configuration profile and the
 * platform's commands, on the agent's event base. Errors are reported
 * through report.c; uploads go through the agent's upload queue, which
 * this module connects to the platform once the agent is activated.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include <openssl/rand.h>

#include "agent-conf.h"
#include "answer.h"
#include "api-client.h"
#include "backoff.h"
#include "checkin.h"
#include "compat.h"
#include "fileio.h"
#include "http.h"
#include "invstate.h"
#include "jsonutil.h"
#include "log.h"
#include "profile.h"
#include "proxy.h"
#include "report.h"
#include "route.h"
#include "state.h"
#include "upload-queue.h"
#include "version.h"

#define CHECKIN_INTERVAL	60	/* before any profile says otherwise */
#define CHECKIN_MESSAGE_MAX	512

/* What the module is doing. */
enum checkin_phase {
	CHECKIN_IDLE = 0,
	CHECKIN_ACTIVATING,
	CHECKIN_HEARTBEAT,
	CHECKIN_PROFILE,
	CHECKIN_DEREGISTER
};

#define CHECKIN_WAITERS_MAX	16	/* callers waiting for one cycle */

/* A caller of checkin_now() or checkin_deregister() waiting for the end. */
struct checkin_waiter {
	void	(*done)(int, const char *, void *);
	void	*arg;
};

/* The check-in module. */
struct checkin {
	struct event_base	*base;
	const struct agent_conf	*conf;
	struct route		*route;
	struct checkin_hooks	 hooks;
	struct api_client		*platform;
	char			*platform_url;	/* of the client */
	struct proxy_config	 proxies;
	int			 is_proxy_ok;
	struct state		 state;
	char			 instance[33];	/* this process; "" if none */
	int			 is_activated;
	int			 is_reactivating;
	const char		*not_activated_why;
	struct profile		 profile;	/* in force */
	int			 has_profile;
	char			*profile_etag;
	int			 interval;
	int64_t			 interval_clamped; /* logged */
	int64_t			 stale_id;	/* named, not served */
	int64_t			 stale_version;
	time_t			 stale_until;	/* no fetch till */
	int64_t			 fetch_id;	/* named, fetching */
	int64_t			 fetch_version;
	struct event		*timer;
	struct http_call	*call;
	enum checkin_phase	 phase;
	int			 failures;
	int			 asks;	/* server's asks in a row */
	enum error_code		 last_error;
	char			 last_detail[CHECKIN_MESSAGE_MAX];
	time_t			 last_ok;
	time_t			 next_at;
	long			 clock_skew;
	char			*proxy_used;
	unsigned long		 heartbeats;
	struct checkin_waiter	 waiters[CHECKIN_WAITERS_MAX];
	int			 nwaiters;
	struct upload		*upload;	/* the agent's upload queue */
	struct report		*report;	/* the agent's error reports */
	char			 user_agent[96];	/* outpost/VERSION */
};

static void	checkin_step(struct checkin *);
static void	checkin_schedule(struct checkin *, int seconds);

/* Tell the waiting callers, if any, how the cycle ended. */
static void
checkin_finish_wait(struct checkin *c, int ok, const char *message)
{
	struct checkin_waiter	 w[CHECKIN_WAITERS_MAX];
	int			 i, n = c->nwaiters;

	/* Every caller waiting for this cycle gets its end. */
	memcpy(w, c->waiters, sizeof(w));
	c->nwaiters = 0;
	for (i = 0; i < n; i++)
		if (w[i].done != NULL)
			w[i].done(ok, message, w[i].arg);
}

/*
 * An exchange failed: log once per change of cause, back off. The
 * failures count until a whole cycle (activation, heartbeat, profile)
 * went through, so a server that answers one step and fails the next
 * is paced like one that fails them all.
 */
static void
checkin_failed(struct checkin *c, const struct api_client_reply *r,
    const char *what)
{
	char	 message[CHECKIN_MESSAGE_MAX], cause[CHECKIN_MESSAGE_MAX];
	int	 delay;

	c->failures++;
	snprintf(message, sizeof(message), "%s: %s", what,
	    r->detail != NULL ? r->detail : "failed");
	/* One line per change of cause, not of numbers in the message. */
	error_cause_text(message, cause, sizeof(cause));
	if (r->error != c->last_error ||
	    strcmp(cause, c->last_detail) != 0) {
		log_warnx("%s %s: %s", error_id(r->error),
		    error_message(r->error), message);
		report_record(c->report, r->error, message);
		c->last_error = r->error;
		strlcpy(c->last_detail, cause, sizeof(c->last_detail));
	} else
		log_debug("%s again (attempt %d): %s", error_id(r->error),
		    c->failures, message);
	delay = backoff_delay(c->failures);
	if (c->interval > 0 && delay > c->interval && c->failures < 3)
		delay = backoff_jitter(c->interval);
	checkin_schedule(c, delay);
}

/*
 * The platform asked for a step it may ask for again (what: "re-
 * activation"): take it through the same back-off as a failure, with the
 * reason logged. The first request in a row is taken at once.
 */
static void
checkin_pace(struct checkin *c, const char *what)
{
	int	 delay;

	delay = c->failures > 0 ? backoff_delay(c->failures) : 0;
	c->failures++;
	if (++c->asks == 1)
		log_info("the platform asks for %s%s", what, delay > 0 ?
		    "; after the back-off" : "");
	else if (c->asks == 2)
		log_warnx("the platform asks for %s again before a check-in "
		    "went through; pacing it with the back-off (next in %d s, "
		    "up to %d s)", what, delay, BACKOFF_MAX);
	else
		log_debug("the platform asks for %s again (%d in a row); next "
		    "in %d s", what, c->asks, delay);
	checkin_schedule(c, delay);
}

/*
 * A whole check-in cycle went through: clear the failures and the
 * transport errors, note the proxy, tell the waiter, plan the next one.
 */
static void
checkin_cycle_done(struct checkin *c, const struct api_client_reply *r,
    const char *message)
{
	if (c->failures > 0)
		log_info("platform %s reachable again after %d failed "
		    "attempt%s", c->platform_url, c->failures,
		    c->failures == 1 ? "" : "s");
	c->failures = 0;
	c->asks = 0;
	c->last_error = ERR_NONE;
	c->last_detail[0] = '\0';
	report_clear_transport(c->report);
	free(c->proxy_used);
	c->proxy_used = NULL;
	if (r->http != NULL && r->http->proxy != NULL)
		c->proxy_used = strdup(r->http->proxy);
	checkin_finish_wait(c, 1, message);
	checkin_schedule(c, backoff_jitter(c->interval));
}

/* Fail the exchange r (of what) with code and a reason of our own. */
static void __attribute__((format(printf, 5, 6)))
checkin_refuse(struct checkin *c, const struct api_client_reply *r,
    const char *what, enum error_code code, const char *fmt, ...)
{
	struct api_client_reply	 bad = *r;
	char			 detail[CHECKIN_MESSAGE_MAX];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	bad.error = code;
	bad.detail = detail;
	checkin_finish_wait(c, 0, detail);
	checkin_failed(c, &bad, what);
}

/* Fire the step timer. */
static void
checkin_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	checkin_step(arg);
}

/* Run the next step in seconds. */
static void
checkin_schedule(struct checkin *c, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	c->next_at = time(NULL) + seconds;
	evtimer_add(c->timer, &tv);
}

/* Read KEY=value from os-release text into buf, unquoted. */
static int
checkin_os_release(const char *text, const char *key, char *buf, size_t len)
{
	const char	*p = text, *end;
	size_t		 klen = strlen(key), n;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			end = strchr(p, '\n');
			n = end != NULL ? (size_t)(end - p) : strlen(p);
			if (n >= 2 && (p[0] == '"' || p[0] == '\'') &&
			    p[n - 1] == p[0]) {
				p++;
				n -= 2;
			}
			if (n >= len)
				n = len - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return 0;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/* The host facts sent at activation. */
static struct json_object *
checkin_host_facts(struct checkin *c)
{
	struct json_object	*host, *ips;
	struct route_addr	*addrs = NULL;
	struct utsname		 un;
	struct sockaddr_in6	*sin6;
	struct sockaddr_in	*sin;
	char			 buf[256], *text;
	size_t			 len;
	int			 i, n;

	host = json_object_new_object();
	if (gethostname(buf, sizeof(buf)) == 0) {
		buf[sizeof(buf) - 1] = '\0';
		json_add_string(host, "hostname", buf);
	} else
		json_add_string(host, "hostname", "unknown");
	if (fileio_read_all("/etc/os-release", 65536, &text, &len) == 0 ||
	    fileio_read_all("/usr/lib/os-release", 65536, &text, &len) == 0) {
		if (checkin_os_release(text, "NAME", buf, sizeof(buf)) == 0)
			json_add_string(host, "os", buf);
		if (checkin_os_release(text, "VERSION_ID", buf,
		    sizeof(buf)) == 0)
			json_add_string(host, "os_version", buf);
		free(text);
	}
	if (uname(&un) == 0) {
		if (json_object_object_get(host, "os") == NULL)
			json_add_string(host, "os", un.sysname);
		json_add_string(host, "kernel", un.release);
		json_add_string(host, "arch", un.machine);
	}
	if (fileio_read_all("/etc/machine-id", 256, &text, &len) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (text[0] != '\0')
			json_add_string(host, "machine_id", text);
		free(text);
	}
	json_add_string(host, "agent_version", agent_version);
	ips = json_object_new_array();
	if (c->route != NULL && (n = route_addresses(c->route, &addrs)) > 0) {
		for (i = 0; i < n; i++) {
			if (addrs[i].addr.ss_family == AF_INET) {
				sin = (struct sockaddr_in *)&addrs[i].addr;
				if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
					continue;
			} else {
				sin6 = (struct sockaddr_in6 *)&addrs[i].addr;
				if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
				    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
					continue;
			}
			json_object_array_add(ips, json_object_new_string(
			    route_addr_ntop(&addrs[i], buf, sizeof(buf))));
		}
	}
	free(addrs);
	json_object_object_add(host, "ip_addresses", ips);
	return host;
}

/*
 * Put a parsed profile in force: the check-in interval, the ETag of the
 * next fetch, and the hooks; a new one (not the cache) is cached first.
 */
static void
checkin_apply_profile(struct checkin *c, int is_new)
{
	int	 rc;

	c->has_profile = 1;
	c->interval = c->profile.heartbeat_interval;
	free(c->profile_etag);
	c->profile_etag = NULL;
	if (asprintf(&c->profile_etag, "\"p%lldv%lld\"",
	    (long long)c->profile.id, (long long)c->profile.version) == -1)
		c->profile_etag = NULL;
	if (is_new) {
		if ((rc = profile_save(&c->profile, c->conf->state_dir)) < 0)
			report_error(c->report, ERR_WRITE_FAILURE, "cannot cache "
			    "the profile in %s/%s: %s", c->conf->state_dir,
			    PROFILE_FILE, strerror(-rc));
		log_info("configuration profile %lld version %lld in force "
		    "(heartbeat every %d s)", (long long)c->profile.id,
		    (long long)c->profile.version, c->interval);
	}
	if (c->hooks.profile != NULL)
		c->hooks.profile(&c->profile, c->hooks.arg);
}

/*
 * Parse a profile the platform sent and put it in force. Returns 0, or
 * -1 when it is not a profile (the one in force stays; err says why).
 */
static int
checkin_new_profile(struct checkin *c, struct json_object *doc, char *err,
    size_t errlen)
{
	struct profile	 p;

	if (answer_check_members(answer_contract(ANSWER_PROFILE)->members, doc,
	    err, errlen) == -1)
		return -1;
	profile_default(&p);
	if (profile_parse(&p, doc, err, errlen) == -1)
		return -1;
	profile_clear(&c->profile);
	c->profile = p;
	checkin_apply_profile(c, 1);
	return 0;
}

/* Load the cached profile, if any. */
static void
checkin_load_profile(struct checkin *c)
{
	char	 err[128];
	int	 rc;

	rc = profile_load(&c->profile, c->conf->state_dir, err, sizeof(err));
	if (rc == -ENOENT)
		return;
	if (rc == -EINVAL) {
		log_warnx("cached profile %s/%s is corrupt (%s); it will be "
		    "fetched again", c->conf->state_dir, PROFILE_FILE, err);
		return;
	}
	if (rc < 0) {
		log_warnx("cannot read the cached profile %s/%s: %s",
		    c->conf->state_dir, PROFILE_FILE, err);
		return;
	}
	log_info("using the cached configuration profile from %s/%s",
	    c->conf->state_dir, PROFILE_FILE);
	checkin_apply_profile(c, 0);
}

/* Remove a file or directory below state_dir (nftw callback). */
static int
checkin_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	if (ftw->level == 0)
		return 0;	/* keep the directory itself */
	if (remove(path) == -1 && errno != ENOENT)
		log_warn("uninstall: cannot remove %s", path);
	return 0;
}

/* Remove identity, profile, spool and manifests. Returns 0, or -1. */
int
checkin_remove_state(const struct agent_conf *conf)
{
	static const char *const subdirs[] = { "spool", "manifests",
	    "correlation", "versions" };
	char	 path[PATH_MAX];
	size_t	 i;
	int	 rc = 0;

	if (state_remove(conf->state_dir) < 0)
		rc = -1;
	if (profile_remove(conf->state_dir) < 0)
		rc = -1;
	if (invstate_remove(conf->state_dir) < 0)
		rc = -1;
	snprintf(path, sizeof(path), "%s/update.json", conf->state_dir);
	if (unlink(path) == -1 && errno != ENOENT)
		rc = -1;
	for (i = 0; i < nitems(subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", conf->state_dir,
		    subdirs[i]);
		if (nftw(path, checkin_rm_cb, 16, FTW_DEPTH | FTW_PHYS) == -1 &&
		    errno != ENOENT)
			rc = -1;
	}
	return rc;
}

/* The platform says this agent was uninstalled: remove state, stop. */
static void
checkin_uninstalled(struct checkin *c)
{
	log_warnx("%s %s: the platform deleted agent %s; removing its state "
	    "and stopping", error_id(ERR_UNINSTALLED),
	    error_message(ERR_UNINSTALLED), c->state.agent_id != NULL ?
	    c->state.agent_id : "?");
	if (checkin_remove_state(c->conf) == -1)
		log_warnx("uninstall: some state could not be removed from %s",
		    c->conf->state_dir);
	state_free(&c->state);
	c->is_activated = 0;
	upload_set_client(c->upload, NULL);
	c->not_activated_why = "uninstalled by the platform";
	if (c->hooks.identity != NULL)
		c->hooks.identity(NULL, c->hooks.arg);
	checkin_finish_wait(c, 0, "the platform uninstalled this agent");
	if (c->hooks.uninstalled != NULL)
		c->hooks.uninstalled(c->hooks.arg);
}

/* The answer to GET /agent/v1/profile. */
static void
checkin_profile_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin		*c = arg;
	char			 err[256];

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->is_not_modified) {
		checkin_cycle_done(c, r, "checked in");
		return;
	}
	if (r->error != ERR_NONE) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "profile fetch");
		return;
	}
	if (checkin_new_profile(c, r->json, err, sizeof(err)) == -1) {
		checkin_refuse(c, r, "profile fetch", ERR_ANSWER_INVALID,
		    "profile %s; profile %lld version %lld stays in force", err,
		    (long long)c->profile.id, (long long)c->profile.version);
		return;
	}
	if (c->fetch_id > 0 && (c->profile.id != c->fetch_id ||
	    c->profile.version != c->fetch_version)) {
		/* Not fetched again for a while, unless another is named. */
		log_warnx("the platform announced profile %lld version %lld "
		    "but serves %lld version %lld; not fetching it again for "
		    "%d s unless the announcement changes",
		    (long long)c->fetch_id, (long long)c->fetch_version,
		    (long long)c->profile.id, (long long)c->profile.version,
		    BACKOFF_MAX);
		c->stale_id = c->fetch_id;
		c->stale_version = c->fetch_version;
		c->stale_until = time(NULL) + BACKOFF_MAX;
	}
	checkin_cycle_done(c, r, "checked in; new profile in force");
}

/* Fetch the profile the platform announced (id and version, or -1). */
static void
checkin_fetch_profile(struct checkin *c, int64_t id, int64_t version)
{
	c->fetch_id = id;
	c->fetch_version = version;
	c->phase = CHECKIN_PROFILE;
	c->call = api_client_call(c->platform, "GET", "/agent/v1/profile", NULL,
	    c->has_profile ? c->profile_etag : NULL, checkin_profile_cb, c);
	if (c->call == NULL) {
		c->phase = CHECKIN_IDLE;
		checkin_schedule(c, BACKOFF_MIN);
	}
}

/*
 * May the heartbeat answer r (hb) act on this agent? It must name this
 * agent's id and answer a request that carried this agent's current
 * credential. Returns 0, or -1 with why.
 */
static int
checkin_answer_is_ours(struct checkin *c, const struct api_client_reply *r,
    const struct answer_heartbeat *hb, char *why, size_t len)
{
	if (c->state.agent_id == NULL || hb->agent_id == NULL ||
	    strcmp(hb->agent_id, c->state.agent_id) != 0) {
		snprintf(why, len, "the answer names agent %s, this agent is "
		    "%s", hb->agent_id != NULL ? hb->agent_id : "none",
		    c->state.agent_id != NULL ? c->state.agent_id : "none");
		return -1;
	}
	if (r->credential_gen == 0 ||
	    r->credential_gen != api_client_credential_gen(c->platform)) {
		snprintf(why, len, "the answer is to a request that did not "
		    "carry this agent's current credential");
		return -1;
	}
	return 0;
}

/* The interval the heartbeat answer names, clamped to the platform's. */
static void
checkin_set_interval(struct checkin *c, const struct answer_heartbeat *hb)
{
	int64_t	 v;
	int	 is_clamped;

	if (!hb->has_interval)
		return;
	v = answer_clamp(hb->interval, PROFILE_HEARTBEAT_MIN,
	    PROFILE_HEARTBEAT_MAX, &is_clamped);
	if (is_clamped && hb->interval != c->interval_clamped)
		log_warnx("heartbeat answer: heartbeat_interval %lld is "
		    "outside the platform's %d..%d seconds; using %lld",
		    (long long)hb->interval, PROFILE_HEARTBEAT_MIN,
		    PROFILE_HEARTBEAT_MAX, (long long)v);
	c->interval_clamped = is_clamped ? hb->interval : 0;
	c->interval = (int)v;
}

/* The answer to POST /agent/v1/heartbeat. */
static void
checkin_heartbeat_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin		*c = arg;
	struct answer_heartbeat	 hb;
	char			 why[256];

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->error != ERR_NONE)
		report_heartbeat_done(c->report, 0);
	if (r->error == ERR_UNINSTALLED) {
		/* Only the command in a 200 uninstalls (protocol 3.3). */
		checkin_refuse(c, r, "heartbeat", ERR_COMMAND_REFUSED, "%s; an "
		    "uninstall comes only as the command of a heartbeat answer "
		    "naming this agent: not acting on it", r->detail);
		return;
	}
	if (r->error == ERR_CREDENTIAL_REVOKED) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "heartbeat");
		/*
		 * The identity is no longer good: activate again, naming it
		 * with the credential held (another host that re-activated
		 * with the same identity is a clone: the platform tells).
		 */
		c->is_activated = 0;
		c->is_reactivating = 1;
		upload_set_client(c->upload, NULL);
		c->not_activated_why = "credential refused by the platform";
		return;
	}
	if (r->error != ERR_NONE) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "heartbeat");
		return;
	}
	answer_heartbeat(r->json, &hb);
	if (checkin_answer_is_ours(c, r, &hb, why, sizeof(why)) == -1) {
		report_heartbeat_done(c->report, 0);
		checkin_refuse(c, r, "heartbeat", hb.uninstall ||
		    hb.reactivate ? ERR_COMMAND_REFUSED : ERR_ANSWER_INVALID,
		    "POST "
		    "/agent/v1/heartbeat: %s; %s", why, hb.uninstall ?
		    "its uninstall command is refused" : hb.reactivate ?
		    "its reactivate command is refused" :
		    "the answer is ignored");
		return;
	}
	report_heartbeat_done(c->report, 1);
	c->heartbeats++;
	c->last_ok = time(NULL);
	if (hb.has_server_time)
		c->clock_skew = (long)(time(NULL) - hb.server_time);
	upload_kick(c->upload);
	if (hb.unknown > 0)
		log_debug("heartbeat answer: %d command%s this agent does not "
		    "know, ignored", hb.unknown, hb.unknown == 1 ? "" : "s");
	if (hb.uninstall) {
		checkin_uninstalled(c);
		return;
	}
	if (hb.reactivate) {
		/* Acted on once per answer, paced like a failure. */
		c->is_activated = 0;
		upload_set_client(c->upload, NULL);
		c->is_reactivating = 1;
		c->not_activated_why = "the platform asked for re-activation";
		checkin_finish_wait(c, 1, "checked in; re-activating");
		checkin_pace(c, "re-activation");
		return;
	}
	checkin_set_interval(c, &hb);
	if (c->hooks.checked_in != NULL)
		c->hooks.checked_in(r->json, c->hooks.arg);
	if (!c->has_profile || ((hb.profile_id >= 0 &&
	    hb.profile_id != c->profile.id) || (hb.profile_version >= 0 &&
	    hb.profile_version != c->profile.version))) {
		if (c->has_profile && hb.profile_id == c->stale_id &&
		    hb.profile_version == c->stale_version &&
		    time(NULL) < c->stale_until) {
			checkin_cycle_done(c, r, "checked in");
			return;
		}
		log_info("platform has profile %lld version %lld (in force: "
		    "%lld version %lld); fetching it",
		    (long long)hb.profile_id, (long long)hb.profile_version,
		    (long long)c->profile.id, (long long)c->profile.version);
		checkin_fetch_profile(c, hb.profile_id, hb.profile_version);
		return;
	}
	checkin_cycle_done(c, r, "checked in");
}

/* Send a heartbeat. */
static void
checkin_heartbeat(struct checkin *c)
{
	struct json_object	*body;

	body = json_object_new_object();
	json_add_string(body, "status", "running");
	json_add_string(body, "agent_version", agent_version);
	if (c->has_profile)
		json_add_int64(body, "profile_version", c->profile.version);
	json_object_object_add(body, "errors",
	    report_heartbeat_errors(c->report));
	json_object_object_add(body, "current_errors",
	    report_current_errors(c->report));
	if (c->instance[0] != '\0')
		json_add_string(body, "instance_id", c->instance);
	if (c->hooks.heartbeat != NULL)
		c->hooks.heartbeat(body, c->hooks.arg);
	c->phase = CHECKIN_HEARTBEAT;
	c->call = api_client_call(c->platform, "POST", "/agent/v1/heartbeat",
	    body, NULL, checkin_heartbeat_cb, c);
	json_object_put(body);
	if (c->call == NULL) {
		c->phase = CHECKIN_IDLE;
		report_heartbeat_done(c->report, 0);
		checkin_schedule(c, BACKOFF_MIN);
	}
}

/* The answer to POST /agent/v1/activate. */
static void
checkin_activate_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin		*c = arg;
	struct json_object	*profile;
	struct state		 st;
	char			 err[256];
	int			 rc;

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->error != ERR_NONE) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "activation");
		return;
	}
	/* Everything is checked before anything is written. */
	if (answer_activation(r->json, c->conf->customer_id, &st, err,
	    sizeof(err)) == -1) {
		checkin_refuse(c, r, "activation", ERR_ANSWER_INVALID, "POST "
		    "/agent/v1/activate: HTTP %ld answer: %s; nothing written "
		    "to %s", r->status, err, STATE_FILE_NAME);
		return;
	}
	if (st.customer_id == NULL)
		st.customer_id = strdup(c->conf->customer_id);
	st.activation_id = strdup(c->conf->activation_id);
	st.platform_url = strdup(c->conf->platform_url);
	st.activated_at = time(NULL);
	if ((rc = state_save(c->conf->state_dir, &st)) < 0) {
		errno = -rc;
		report_error(c->report, ERR_WRITE_FAILURE, "cannot write %s/%s: %s; "
		    "the agent will activate again at its next start",
		    c->conf->state_dir, STATE_FILE_NAME, strerror(errno));
	}
	state_free(&c->state);
	c->state = st;
	c->is_activated = 1;
	c->is_reactivating = 0;
	c->not_activated_why = NULL;
	api_client_set_credential(c->platform, st.credential);
	upload_set_client(c->upload, c->platform);
	if (c->hooks.identity != NULL)
		c->hooks.identity(&c->state, c->hooks.arg);
	log_info("activated with %s as agent %s (customer %s, correlation id "
	    "%s)", c->conf->platform_url, st.agent_id, st.customer_id,
	    st.correlation_id);
	if (json_object_object_get_ex(r->json, "profile", &profile) &&
	    checkin_new_profile(c, profile, err, sizeof(err)) == -1)
		log_warnx("activation answer: profile: %s; it will be fetched "
		    "with the first heartbeat", err);
	checkin_heartbeat(c);
}

/* Activate with the configured key. */
static void
checkin_activate(struct checkin *c)
{
	struct json_object	*body;

	if (c->conf->activation_id[0] == '\0' ||
	    c->conf->customer_id[0] == '\0') {
		c->not_activated_why = "activation_id and customer_id are not "
		    "set in the configuration";
		log_warnx("not activated: %s", c->not_activated_why);
		checkin_finish_wait(c, 0, c->not_activated_why);
		return;
	}
	body = json_object_new_object();
	json_add_string(body, "activation_id", c->conf->activation_id);
	json_add_string(body, "customer_id", c->conf->customer_id);
	json_object_object_add(body, "host", checkin_host_facts(c));
	if (c->instance[0] != '\0')
		json_add_string(body, "instance_id", c->instance);
	/* Re-activating: who it was, and the proof (its credential). */
	if (c->is_reactivating && c->state.agent_id != NULL) {
		json_add_string(body, "previous_agent_id", c->state.agent_id);
		if (c->state.credential != NULL)
			json_add_string(body, "previous_credential",
			    c->state.credential);
	}
	log_info("activating with %s (activation id %s, customer %s)",
	    c->conf->platform_url, c->conf->activation_id,
	    c->conf->customer_id);
	api_client_set_credential(c->platform, NULL);
	c->phase = CHECKIN_ACTIVATING;
	c->call = api_client_call(c->platform, "POST", "/agent/v1/activate",
	    body, NULL, checkin_activate_cb, c);
	json_object_put(body);
	if (c->call == NULL) {
		c->phase = CHECKIN_IDLE;
		checkin_schedule(c, BACKOFF_MIN);
	}
}

/* Do what is due: activate or check in. */
static void
checkin_step(struct checkin *c)
{
	evtimer_del(c->timer);
	c->next_at = 0;
	if (c->call != NULL)
		return;
	if (c->platform == NULL) {
		checkin_finish_wait(c, 0, c->not_activated_why);
		return;
	}
	if (!c->is_proxy_ok) {
		checkin_finish_wait(c, 0, "the proxy configuration has errors");
		return;
	}
	if (!c->is_activated)
		checkin_activate(c);
	else
		checkin_heartbeat(c);
}

/* Report a proxy file error (conf_error_fn). */
static void
checkin_proxy_error(const char *file, int line, const char *reason,
    void *arg)
{
	struct checkin	*c = arg;

	if (line > 0)
		report_error(c->report, ERR_PROXY_CONFIG, "%s:%d: %s", file, line,
		    reason);
	else
		report_error(c->report, ERR_PROXY_CONFIG, "%s: %s", file, reason);
}

/* Load the state and set up the client from the configuration. */
static void
checkin_configure(struct checkin *c)
{
	struct http_settings	 hs;
	char			 err[256];
	int			 rc;

	if (c->call != NULL) {
		http_cancel(c->call);
		c->call = NULL;
		report_heartbeat_done(c->report, 0);
		c->phase = CHECKIN_IDLE;
	}
	upload_set_client(c->upload, NULL);
	api_client_free(c->platform);
	c->platform = NULL;
	free(c->platform_url);
	c->platform_url = NULL;
	proxy_config_free(&c->proxies);
	c->is_proxy_ok = 0;
	report_clear(c->report, ERR_PROXY_CONFIG);

	if (c->conf->platform_url[0] == '\0') {
		c->not_activated_why = "platform_url is not set in the "
		    "configuration";
		return;
	}
	if (proxy_config_load(&c->proxies, c->conf->proxy_file,
	    checkin_proxy_error, c) != 0) {
		log_warnx("not contacting the platform until the proxy "
		    "configuration is fixed (then: kill -HUP)");
		proxy_config_free(&c->proxies);
	} else
		c->is_proxy_ok = 1;

	memset(&hs, 0, sizeof(hs));
	hs.ca_file = c->conf->ca_file[0] != '\0' ? c->conf->ca_file : NULL;
	hs.pin_sha256 = c->conf->pin_sha256[0] != '\0' ?
	    c->conf->pin_sha256 : NULL;
	hs.proxies = c->is_proxy_ok ? &c->proxies : NULL;
	hs.user_agent = c->user_agent;
	c->platform = api_client_new(c->base, c->conf->platform_url, &hs);
	if (c->platform == NULL) {
		c->not_activated_why = "the HTTPS client could not be set up";
		return;
	}
	c->platform_url = strdup(c->conf->platform_url);

	/* Identity: reuse it for the same platform and key. */
	state_free(&c->state);
	c->is_activated = 0;
	rc = state_load(c->conf->state_dir, &c->state, err, sizeof(err));
	if (rc == 0 && err[0] != '\0')
		log_warnx("%s", err);
	if (rc == -ENOENT) {
		c->not_activated_why = "no identity yet";
	} else if (rc == -EINVAL) {
		report_error(c->report, ERR_STATE_UNREADABLE, "%s/%s: %s; activating "
		    "again", c->conf->state_dir, STATE_FILE_NAME, err);
		state_free(&c->state);
		c->not_activated_why = "state file corrupt";
	} else if (rc < 0) {
		report_error(c->report, ERR_STATE_UNREADABLE, "%s/%s: %s; activating "
		    "again", c->conf->state_dir, STATE_FILE_NAME,
		    strerror(-rc));
		c->not_activated_why = "state file unreadable";
	} else if (strcmp(c->state.platform_url, c->conf->platform_url) != 0 ||
	    (c->conf->activation_id[0] != '\0' &&
	    strcmp(c->state.activation_id, c->conf->activation_id) != 0)) {
		log_info("the configuration names another platform or "
		    "activation key than state.json (%s, %s); activating "
		    "again", c->state.platform_url, c->state.activation_id);
		state_free(&c->state);
		c->not_activated_why = "platform or activation key changed";
	} else {
		c->is_activated = 1;
		c->not_activated_why = NULL;
		api_client_set_credential(c->platform, c->state.credential);
		upload_set_client(c->upload, c->platform);
		log_info("agent %s (correlation id %s), activated %s",
		    c->state.agent_id, c->state.correlation_id,
		    c->state.platform_url);
	}
}

/*
 * Draw this process's instance id: the platform tells two processes that
 * present one identity (a cloned host) apart by it. Without randomness
 * there is none, and the agent works without that check.
 */
static void
checkin_new_instance(struct checkin *c)
{
	unsigned char	 r[16];

	if (RAND_bytes(r, sizeof(r)) == 1)
		hex_encode(r, sizeof(r), c->instance);
	else
		log_warnx("no randomness for an instance id; the platform "
		    "cannot tell this agent from a clone of its host");
	explicit_bzero(r, sizeof(r));
}

/* Start the module. Returns it, or NULL. */
struct checkin *
checkin_start(struct event_base *base, const struct agent_conf *conf,
    struct route *route, struct upload *upload, struct report *report,
    const struct checkin_hooks *hooks)
{
	struct checkin	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->base = base;
	c->conf = conf;
	c->route = route;
	c->upload = upload;
	c->report = report;
	if (hooks != NULL)
		c->hooks = *hooks;
	c->interval = CHECKIN_INTERVAL;
	snprintf(c->user_agent, sizeof(c->user_agent), "%s/%s", PACKAGE_NAME,
	    agent_version);
	srandom((unsigned int)(time(NULL) ^ (getpid() << 16)));
	checkin_new_instance(c);
	if ((c->timer = evtimer_new(base, checkin_timer_cb, c)) == NULL) {
		free(c);
		return NULL;
	}
	checkin_load_profile(c);
	checkin_configure(c);
	if (c->platform != NULL)
		checkin_schedule(c, 0);
	else
		log_info("not checking in: %s", c->not_activated_why);
	return c;
}

/* Apply a reloaded configuration. */
void
checkin_reconfigure(struct checkin *c)
{
	checkin_configure(c);
	c->failures = 0;
	c->last_error = ERR_NONE;
	if (c->platform != NULL)
		checkin_schedule(c, 0);
}

/*
 * Check in now; a check-in already running is waited for and its result
 * given. Returns 0, or -1 when a deregistration runs (or too many wait).
 */
int
checkin_now(struct checkin *c, void (*done)(int, const char *, void *),
    void *arg)
{
	int	 is_running = c->call != NULL || c->nwaiters > 0;

	if (c->phase == CHECKIN_DEREGISTER ||
	    c->nwaiters == CHECKIN_WAITERS_MAX)
		return -1;
	c->waiters[c->nwaiters].done = done;
	c->waiters[c->nwaiters].arg = arg;
	c->nwaiters++;
	if (!is_running)
		checkin_step(c);
	return 0;
}

/* The answer to DELETE /api/v1/... is not ours: deregister asks politely. */
static void
checkin_deregister_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin	*c = arg;

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->error == ERR_NONE && strcmp(json_get_string(r->json,
	    "agent_id"), c->state.agent_id) != 0) {
		log_warnx("deregistration failed: %s: the answer names agent "
		    "%s", error_id(ERR_ANSWER_INVALID), json_get_string(r->json,
		    "agent_id"));
		checkin_finish_wait(c, 0, "the platform's answer names another "
		    "agent");
		return;
	}
	if (r->error == ERR_NONE || r->error == ERR_UNINSTALLED) {
		log_info("deregistered agent %s from %s", c->state.agent_id,
		    c->platform_url);
		checkin_finish_wait(c, 1, "deregistered");
	} else {
		log_warnx("deregistration failed: %s", r->detail);
		checkin_finish_wait(c, 0, r->detail);
	}
}

/* Ask the platform to delete this agent. Returns 0, or -1. */
int
checkin_deregister(struct checkin *c, void (*done)(int, const char *, void *),
    void *arg)
{
	if (c->platform == NULL || !c->is_activated || c->call != NULL ||
	    c->nwaiters > 0)
		return -1;
	evtimer_del(c->timer);
	c->waiters[0].done = done;
	c->waiters[0].arg = arg;
	c->nwaiters = 1;
	c->phase = CHECKIN_DEREGISTER;
	c->call = api_client_call(c->platform, "POST", "/agent/v1/deregister",
	    NULL, NULL, checkin_deregister_cb, c);
	if (c->call == NULL) {
		c->nwaiters = 0;
		c->phase = CHECKIN_IDLE;
		return -1;
	}
	return 0;
}

/* The client with this agent's credential, or NULL. */
struct api_client *
checkin_client(struct checkin *c)
{
	return c->is_activated ? c->platform : NULL;
}

/*
 * Tell the hooks again what is in force (the cached profile, the
 * identity), for modules registered after checkin_start().
 */
void
checkin_replay(struct checkin *c)
{
	if (c->has_profile && c->hooks.profile != NULL)
		c->hooks.profile(&c->profile, c->hooks.arg);
	if (c->is_activated && c->hooks.identity != NULL)
		c->hooks.identity(&c->state, c->hooks.arg);
}

/* The status document. */
struct json_object *
checkin_status_json(struct checkin *c)
{
	struct json_object	*st, *profile;
	const char		*activation;

	st = json_object_new_object();
	if (c->is_activated)
		activation = "activated";
	else if (c->phase == CHECKIN_ACTIVATING)
		activation = "activating";
	else if (c->platform == NULL)
		activation = "not_configured";
	else
		activation = "not_activated";
	json_add_string(st, "activation", activation);
	if (!c->is_activated && c->not_activated_why != NULL)
		json_add_string(st, "activation_note", c->not_activated_why);
	json_add_string(st, "platform_url", c->conf->platform_url);
	json_add_string(st, "agent_id", c->state.agent_id);
	json_add_string(st, "customer_id", c->state.customer_id);
	json_add_string(st, "correlation_id", c->state.correlation_id);
	json_add_string(st, "instance_id", c->instance[0] != '\0' ?
	    c->instance : NULL);
	json_add_time(st, "activated_at", c->state.activated_at);
	json_add_string(st, "proxy", c->proxy_used != NULL ? c->proxy_used :
	    "direct");
	json_add_string(st, "proxy_source", c->proxies.source);
	json_add_time(st, "last_checkin", c->last_ok);
	json_add_time(st, "next_checkin", c->next_at);
	json_add_int64(st, "heartbeat_interval", c->interval);
	json_add_int64(st, "heartbeats", (int64_t)c->heartbeats);
	json_add_int64(st, "failures", c->failures);
	json_add_int64(st, "clock_skew", c->clock_skew);
	profile = json_object_new_object();
	json_add_int64(profile, "id", c->profile.id);
	json_add_int64(profile, "version", c->profile.version);
	json_add_string(profile, "name", c->profile.name[0] != '\0' ?
	    c->profile.name : NULL);
	json_object_object_add(st, "profile", c->has_profile ? profile :
	    (json_object_put(profile), NULL));
	report_status(c->report, st);
	return st;
}

/* Stop and free. */
void
checkin_free(struct checkin *c)
{
	if (c == NULL)
		return;
	checkin_finish_wait(c, 0, "outpostd is stopping");
	if (c->call != NULL)
		http_cancel(c->call);
	/* An upload in flight on this client goes with it, not after it. */
	upload_set_client(c->upload, NULL);
	api_client_free(c->platform);
	proxy_config_free(&c->proxies);
	if (c->timer != NULL)
		event_free(c->timer);
	profile_clear(&c->profile);
	state_free(&c->state);
	free(c->profile_etag);
	free(c->proxy_used);
	free(c->platform_url);
	free(c);
}
