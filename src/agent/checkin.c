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

#include "agent-conf.h"
#include "api-client.h"
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

#define CHECKIN_BACKOFF_MIN	5	/* seconds after the first failure */
#define CHECKIN_BACKOFF_MAX	300
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
	int			 is_activated;
	int			 is_reactivating;
	const char		*not_activated_why;
	struct profile		 profile;	/* in force */
	int			 has_profile;
	char			*profile_etag;
	int			 interval;
	struct event		*timer;
	struct http_call	*call;
	enum checkin_phase	 phase;
	int			 failures;
	enum error_code		 last_error;
	char			 last_detail[CHECKIN_MESSAGE_MAX];
	time_t			 last_ok;
	time_t			 next_at;
	long			 clock_skew;
	char			*proxy_used;
	unsigned long		 heartbeats;
	struct checkin_waiter	 waiter;
	struct upload		*upload;	/* the agent's upload queue */
	struct report		*report;	/* the agent's error reports */
	char			 user_agent[96];	/* outpost/VERSION */
};

static void	checkin_step(struct checkin *);
static void	checkin_schedule(struct checkin *, int seconds);

/* Seconds with +-10 % jitter, so a fleet does not wake together. */
static int
checkin_jitter(int seconds)
{
	int	 spread = seconds / 10;

	if (spread == 0)
		return seconds;
	return seconds - spread + (int)(random() % (2 * spread + 1));
}

/* Tell the waiting caller, if any, how the cycle ended. */
static void
checkin_finish_wait(struct checkin *c, int ok, const char *message)
{
	struct checkin_waiter	 w = c->waiter;

	memset(&c->waiter, 0, sizeof(c->waiter));
	if (w.done != NULL)
		w.done(ok, message, w.arg);
}

/* An exchange failed: log once per change of cause, back off. */
static void
checkin_failed(struct checkin *c, const struct api_client_reply *r,
    const char *what)
{
	char	 message[CHECKIN_MESSAGE_MAX];
	int	 delay, i;

	c->failures++;
	snprintf(message, sizeof(message), "%s: %s", what,
	    r->detail != NULL ? r->detail : "failed");
	if (r->error != c->last_error ||
	    strcmp(message, c->last_detail) != 0) {
		log_warnx("%s %s: %s", error_id(r->error),
		    error_message(r->error), message);
		report_record(c->report, r->error, message);
		c->last_error = r->error;
		strlcpy(c->last_detail, message, sizeof(c->last_detail));
	} else
		log_debug("%s again (attempt %d): %s", error_id(r->error),
		    c->failures, message);
	delay = CHECKIN_BACKOFF_MIN;
	for (i = 1; i < c->failures && delay < CHECKIN_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > CHECKIN_BACKOFF_MAX)
		delay = CHECKIN_BACKOFF_MAX;
	if (c->interval > 0 && delay > c->interval && c->failures < 3)
		delay = c->interval;
	checkin_schedule(c, checkin_jitter(delay));
}

/* An exchange succeeded: clear transport errors, note the proxy. */
static void
checkin_succeeded(struct checkin *c, const struct api_client_reply *r)
{
	if (c->failures > 0)
		log_info("platform %s reachable again after %d failed "
		    "attempt%s", c->platform_url, c->failures,
		    c->failures == 1 ? "" : "s");
	c->failures = 0;
	c->last_error = ERR_NONE;
	c->last_detail[0] = '\0';
	report_clear_transport(c->report);
	free(c->proxy_used);
	c->proxy_used = NULL;
	if (r->http != NULL && r->http->proxy != NULL)
		c->proxy_used = strdup(r->http->proxy);
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
	struct api_client_reply	 bad;
	char			 err[128];

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->status == 304) {
		checkin_finish_wait(c, 1, "checked in");
		checkin_schedule(c, checkin_jitter(c->interval));
		return;
	}
	if (r->error != ERR_NONE) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "profile fetch");
		return;
	}
	if (checkin_new_profile(c, r->json, err, sizeof(err)) == -1) {
		bad = *r;
		bad.error = ERR_BAD_RESPONSE;
		bad.detail = err;
		checkin_finish_wait(c, 0, bad.detail);
		checkin_failed(c, &bad, "profile fetch");
		return;
	}
	checkin_finish_wait(c, 1, "checked in; new profile in force");
	checkin_schedule(c, checkin_jitter(c->interval));
}

/* Fetch the profile. */
static void
checkin_fetch_profile(struct checkin *c)
{
	c->phase = CHECKIN_PROFILE;
	c->call = api_client_call(c->platform, "GET", "/agent/v1/profile", NULL,
	    c->has_profile ? c->profile_etag : NULL, checkin_profile_cb, c);
	if (c->call == NULL) {
		c->phase = CHECKIN_IDLE;
		checkin_schedule(c, CHECKIN_BACKOFF_MIN);
	}
}

/* Estimate the clock skew from the answer's server_time. */
static void
checkin_note_time(struct checkin *c, struct json_object *json)
{
	int64_t	 server;

	if (json != NULL && json_get_int64(json, "server_time", &server) == 0)
		c->clock_skew = (long)(time(NULL) - server);
}

/* The answer to POST /agent/v1/heartbeat. */
static void
checkin_heartbeat_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin		*c = arg;
	struct json_object	*cmds, *cmd;
	int64_t			 v, id = -1, version = -1;
	size_t			 i, n;
	int			 do_reactivate = 0;

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->error == ERR_UNINSTALLED) {
		checkin_uninstalled(c);
		return;
	}
	if (r->error == ERR_CREDENTIAL_REVOKED) {
		report_heartbeat_done(c->report, 0);
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "heartbeat");
		/* The identity is no longer good: activate again. */
		c->is_activated = 0;
		upload_set_client(c->upload, NULL);
		c->not_activated_why = "credential refused by the platform";
		return;
	}
	if (r->error != ERR_NONE) {
		report_heartbeat_done(c->report, 0);
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "heartbeat");
		return;
	}
	report_heartbeat_done(c->report, 1);
	checkin_succeeded(c, r);
	c->heartbeats++;
	c->last_ok = time(NULL);
	checkin_note_time(c, r->json);
	upload_kick(c->upload);
	if (json_object_object_get_ex(r->json, "commands", &cmds) &&
	    json_object_is_type(cmds, json_type_array)) {
		n = json_object_array_length(cmds);
		for (i = 0; i < n; i++) {
			cmd = json_object_array_get_idx(cmds, i);
			if (!json_object_is_type(cmd, json_type_string))
				continue;
			if (strcmp(json_object_get_string(cmd),
			    "uninstall") == 0) {
				checkin_uninstalled(c);
				return;
			}
			if (strcmp(json_object_get_string(cmd),
			    "reactivate") == 0)
				do_reactivate = 1;
		}
	}
	if (do_reactivate) {
		log_info("the platform asks this agent to activate again");
		c->is_activated = 0;
		upload_set_client(c->upload, NULL);
		c->is_reactivating = 1;
		checkin_schedule(c, 0);
		return;
	}
	if (json_get_int64(r->json, "heartbeat_interval", &v) == 0 &&
	    v >= 1 && v <= 86400)
		c->interval = (int)v;
	if (c->hooks.checked_in != NULL)
		c->hooks.checked_in(r->json, c->hooks.arg);
	json_get_int64(r->json, "profile_id", &id);
	json_get_int64(r->json, "profile_version", &version);
	if (!c->has_profile || (id >= 0 && id != c->profile.id) ||
	    (version >= 0 && version != c->profile.version)) {
		log_info("platform has profile %lld version %lld (in force: "
		    "%lld version %lld); fetching it", (long long)id,
		    (long long)version, (long long)c->profile.id,
		    (long long)c->profile.version);
		checkin_fetch_profile(c);
		return;
	}
	checkin_finish_wait(c, 1, "checked in");
	checkin_schedule(c, checkin_jitter(c->interval));
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
	if (c->hooks.heartbeat != NULL)
		c->hooks.heartbeat(body, c->hooks.arg);
	c->phase = CHECKIN_HEARTBEAT;
	c->call = api_client_call(c->platform, "POST", "/agent/v1/heartbeat",
	    body, NULL, checkin_heartbeat_cb, c);
	json_object_put(body);
	if (c->call == NULL) {
		c->phase = CHECKIN_IDLE;
		report_heartbeat_done(c->report, 0);
		checkin_schedule(c, CHECKIN_BACKOFF_MIN);
	}
}

/* Copy member key of obj into *field. Returns 0, or -1 if absent. */
static int
checkin_take(struct json_object *obj, const char *key, char **field)
{
	const char	*v = json_get_string(obj, key);

	if (v == NULL || v[0] == '\0')
		return -1;
	free(*field);
	*field = strdup(v);
	return *field != NULL ? 0 : -1;
}

/* The answer to POST /agent/v1/activate. */
static void
checkin_activate_cb(const struct api_client_reply *r, void *arg)
{
	struct checkin		*c = arg;
	struct json_object	*profile;
	struct state		 st;
	struct api_client_reply	 bad;
	char			 err[128];
	int			 rc;

	c->call = NULL;
	c->phase = CHECKIN_IDLE;
	if (r->error != ERR_NONE) {
		checkin_finish_wait(c, 0, r->detail);
		checkin_failed(c, r, "activation");
		return;
	}
	memset(&st, 0, sizeof(st));
	if (checkin_take(r->json, "agent_id", &st.agent_id) == -1 ||
	    checkin_take(r->json, "credential", &st.credential) == -1 ||
	    checkin_take(r->json, "correlation_id", &st.correlation_id) == -1 ||
	    checkin_take(r->json, "manifest_public_key",
	    &st.manifest_public_key) == -1) {
		state_free(&st);
		bad = *r;
		bad.error = ERR_BAD_RESPONSE;
		bad.detail = "activation answer lacks agent_id, credential, "
		    "correlation_id or manifest_public_key";
		checkin_finish_wait(c, 0, bad.detail);
		checkin_failed(c, &bad, "activation");
		return;
	}
	if (checkin_take(r->json, "customer_id", &st.customer_id) == -1)
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
	checkin_succeeded(c, r);
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
	if (c->is_reactivating && c->state.agent_id != NULL)
		json_add_string(body, "previous_agent_id", c->state.agent_id);
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
		checkin_schedule(c, CHECKIN_BACKOFF_MIN);
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

/* Check in now. Returns 0, or -1 if busy. */
int
checkin_now(struct checkin *c, void (*done)(int, const char *, void *),
    void *arg)
{
	if (c->waiter.done != NULL || c->call != NULL)
		return -1;
	c->waiter.done = done;
	c->waiter.arg = arg;
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
	    c->waiter.done != NULL)
		return -1;
	evtimer_del(c->timer);
	c->waiter.done = done;
	c->waiter.arg = arg;
	c->phase = CHECKIN_DEREGISTER;
	c->call = api_client_call(c->platform, "POST", "/agent/v1/deregister",
	    NULL, NULL, checkin_deregister_cb, c);
	if (c->call == NULL) {
		memset(&c->waiter, 0, sizeof(c->waiter));
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
	/* The upload queue outlives us: take its calls off the client. */
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
