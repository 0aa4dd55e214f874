/*
 * correlation.c: the correlation ID service on the agent's event base,
 * as a module (module.h): the settings from the profile, the identity,
 * interface address changes, the artifact under correlation/manifests,
 * status, heartbeat and health check, start and stop. Which listeners
 * are open is correlation-plan.c; what happens to a connection is
 * correlation-admit.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "compat.h"
#include "correlation-int.h"
#include "fileio.h"
#include "jsonutil.h"
#include "log.h"
#include "report.h"
#include "route.h"
#include "state.h"
#include "version.h"

static void	corr_probe_finish(struct corr_probe *, enum hc_result,
		    const char *hint, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/*
 * The active settings as an artifact under state_dir/correlation/
 * manifests/, written atomically when it changed.
 */
static void
corr_store_manifest(struct correlation *c)
{
	struct json_object	*doc;
	const char		*text;
	char			 path[PATH_MAX];
	int			 rc;

	doc = profile_correlation_json(&c->settings);
	json_add_int64(doc, "profile_id", c->profile_id);
	json_add_int64(doc, "profile_version", c->profile_version);
	json_add_string(doc, "correlation_id", c->cid[0] ? c->cid : NULL);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (strcmp(text, c->manifest) == 0) {
		json_object_put(doc);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", c->env->conf->state_dir,
	    CORR_MANIFEST_DIR);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", c->env->conf->state_dir,
	    CORR_MANIFEST_DIR, CORR_MANIFEST_FILE);
	if ((rc = fileio_write_atomic(path, text, strlen(text), 0600)) < 0)
		log_file_printf(c->log, LOG_LEVEL_WARN, "cannot store the "
		    "active correlation profile in %s: %s", path,
		    strerror(-rc));
	else {
		strlcpy(c->manifest, text, sizeof(c->manifest));
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "active correlation "
		    "profile stored in %s", path);
	}
	json_object_put(doc);
}

/*
 * Module operations
 */

/* A profile is in force: check its correlation settings and re-plan. */
static void
corr_profile(void *self, const struct profile *profile)
{
	struct correlation	*c = self;
	const struct corr_settings *s = &profile->correlation;
	struct json_object	*text;
	int64_t			 id = profile->id, version = profile->version;

	if (profile->correlation_error[0] != '\0') {
		log_warnx("profile %lld version %lld: %s; the correlation id "
		    "service keeps its previous settings", (long long)id,
		    (long long)version, profile->correlation_error);
		log_file_printf(c->log, LOG_LEVEL_WARN, "profile %lld version "
		    "%lld refused: %s; keeping the previous settings",
		    (long long)id, (long long)version,
		    profile->correlation_error);
		return;
	}
	if (c->has_settings && memcmp(s, &c->settings, sizeof(*s)) == 0 &&
	    id == c->profile_id && version == c->profile_version)
		return;
	c->settings = *s;
	c->has_settings = 1;
	c->profile_id = id;
	c->profile_version = version;
	text = profile_correlation_json(s);
	log_file_printf(c->log, LOG_LEVEL_INFO, "profile %lld version %lld: "
	    "%s", (long long)id, (long long)version,
	    json_object_to_json_string_ext(text, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(text);
	corr_store_manifest(c);
	corr_plan(c, "profile changed");
}

/* The identity changed: serve its correlation id, or stop. */
static void
corr_identity(void *self, const struct state *st)
{
	struct correlation	*c = self;
	const char		*cid = st != NULL ? st->correlation_id : NULL;
	int			 len;

	if (cid != NULL && !corr_id_is_valid(cid)) {
		log_warnx("correlation id \"%.40s\" in the state is not 32 "
		    "lower-case hex digits; not serving it", cid);
		log_file_printf(c->log, LOG_LEVEL_WARN, "correlation id "
		    "\"%.40s\" is not 32 lower-case hex digits; not serving "
		    "it", cid);
		cid = NULL;
	}
	if (cid == NULL) {
		if (c->cid[0] == '\0')
			return;
		c->cid[0] = '\0';
		c->line[0] = '\0';
		c->linelen = 0;
		corr_store_manifest(c);
		corr_plan(c, "identity removed");
		return;
	}
	if (strcmp(cid, c->cid) == 0)
		return;
	len = corr_wire_format(cid, c->line, sizeof(c->line));
	c->linelen = len > 0 ? (size_t)len : 0;
	strlcpy(c->cid, cid, sizeof(c->cid));
	log_file_printf(c->log, LOG_LEVEL_INFO, "correlation id %s", c->cid);
	if (c->has_settings)
		corr_store_manifest(c);
	corr_plan(c, "identity changed");
}

/* An interface address came or went: re-plan with approved networks. */
static void
corr_address(void *self, int is_added, const struct route_addr *ra)
{
	struct correlation	*c = self;
	char			 text[CORR_NAME_LEN];
	char			 why[CORR_NAME_LEN * 2 + 64];
	int			 i;

	if (!c->has_settings || c->settings.nnetworks == 0)
		return;
	for (i = 0; i < c->settings.nnetworks; i++)
		if (cidr_contains(&c->settings.networks[i],
		    (const struct sockaddr *)&ra->addr))
			break;
	corr_addr_text(&ra->addr, 0, text, sizeof(text));
	snprintf(why, sizeof(why), "address %s %s on %s%s", text,
	    is_added ? "added" : "removed", ra->ifname,
	    i < c->settings.nnetworks ? "" : ", outside the approved "
	    "networks");
	if (i == c->settings.nnetworks) {
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "%s", why);
		return;
	}
	log_file_printf(c->log, LOG_LEVEL_INFO, "%s", why);
	corr_plan(c, why);
}

/* The listeners as a JSON array of "addr:port" (at most max). */
static struct json_object *
corr_listeners_json(struct correlation *c, int max)
{
	struct json_object	*arr = json_object_new_array();
	struct corr_listener	*l;

	TAILQ_FOREACH(l, &c->listeners, entry) {
		if (max-- <= 0)
			break;
		json_object_array_add(arr, json_object_new_string(l->name));
	}
	return arr;
}

/* The heartbeat names the listeners (docs/protocol.md 3.3). */
static void
corr_heartbeat(void *self, struct json_object *body)
{
	struct correlation	*c = self;
	struct json_object	*obj;

	obj = json_object_new_object();
	json_object_object_add(obj, "listeners", corr_listeners_json(c,
	    CORR_HEARTBEAT_MAX));
	json_object_object_add(body, "correlation", obj);
}

/* The service's section of outpostctl status. */
static struct json_object *
corr_status(void *self)
{
	struct correlation	*c = self;
	struct json_object	*st;
	const char		*idle;
	char			 path[PATH_MAX];

	st = json_object_new_object();
	idle = corr_idle_reason(c);
	json_add_string(st, "state", idle != NULL ? "idle" : c->is_serving ?
	    "serving" : "not listening");
	if (idle != NULL)
		json_add_string(st, "reason", idle);
	else if (!c->is_serving || c->plan_error[0] != '\0')
		json_add_string(st, "reason", c->plan_error);
	json_object_object_add(st, "listeners", corr_listeners_json(c,
	    CORR_MAX_LISTENERS));
	json_object_object_add(st, "ports_taken", json_object_get(c->taken));
	json_object_object_add(st, "settings", profile_correlation_json(
	    &c->settings));
	json_add_int64(st, "open_connections", c->nconns);
	json_add_int64(st, "accepted", (int64_t)c->accepted);
	json_add_int64(st, "refused_total_limit",
	    (int64_t)c->refused[CORR_LIMIT_TOTAL]);
	json_add_int64(st, "refused_source_limit",
	    (int64_t)c->refused[CORR_LIMIT_SOURCE]);
	json_add_int64(st, "refused_rate_limit",
	    (int64_t)c->refused[CORR_LIMIT_RATE]);
	json_add_int64(st, "timeouts", (int64_t)c->timeouts);
	json_add_int64(st, "closed_for_input", (int64_t)c->discarded_closes);
	json_add_int64(st, "accept_errors", (int64_t)c->accept_errors);
	snprintf(path, sizeof(path), "%s/%s.log", c->env->conf->log_dir,
	    CORR_LOG_NAME);
	json_add_string(st, "log", path);
	return st;
}

/*
 * Health check: connect to each listener and read the line.
 */

/* End a probe with its line in the report. */
static void
corr_probe_finish(struct corr_probe *p, enum hc_result result,
    const char *hint, const char *fmt, ...)
{
	struct correlation	*c = p->corr;
	char			 message[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	hc_add(p->hc, "correlation.listener", result, hint, "%s: %s", p->name,
	    message);
	TAILQ_REMOVE(&c->probes, p, entry);
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->fd != -1)
		close(p->fd);
	hc_release(p->hc);
	free(p);
}

/* A probe's socket is readable (or failed, or timed out). */
static void
corr_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_probe	*p = arg;
	char			 cid[CORR_ID_LEN + 1], err[256];
	ssize_t			 n;
	int			 rc;

	if (what & EV_TIMEOUT) {
		corr_probe_finish(p, HC_FAIL, "see agentid.log; is the agent's "
		    "loop busy, or a firewall dropping local connections?",
		    "no answer within %d s (%zu bytes read)",
		    CORR_HC_TIMEOUT_SEC, p->len);
		return;
	}
	n = read(fd, p->buf + p->len, sizeof(p->buf) - p->len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		corr_probe_finish(p, HC_FAIL, "see agentid.log and `ss -ltn` "
		    "for the port", "%s", strerror(errno));
		return;
	}
	p->len += (size_t)n;
	if (n > 0 && p->len < sizeof(p->buf))
		return;
	/* The service closed (or sent too much): judge what came. */
	rc = corr_wire_parse(p->buf, p->len, cid, err, sizeof(err));
	if (rc == 1 && strcmp(cid, p->corr->cid) == 0)
		corr_probe_finish(p, HC_PASS, NULL, "answers with the agent's "
		    "correlation id");
	else if (rc == 1)
		corr_probe_finish(p, HC_FAIL, "another program answers on the "
		    "port? see `ss -ltnp`", "answers with correlation id %s, "
		    "not the agent's %s", cid, p->corr->cid);
	else if (rc == 0)
		corr_probe_finish(p, HC_FAIL, "see agentid.log (limits hit?)",
		    "the line was cut short after %zu bytes", p->len);
	else
		corr_probe_finish(p, HC_FAIL, "another program answers on the "
		    "port? see `ss -ltnp`", "%s", err);
}

/* Start one probe of listener l. */
static void
corr_probe_start(struct correlation *c, struct healthcheck *hc,
    struct corr_listener *l)
{
	struct corr_probe	*p;
	struct sockaddr_storage	 to;
	struct timeval		 tv = { CORR_HC_TIMEOUT_SEC, 0 };
	int			 is_any;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		hc_add(hc, "correlation.listener", HC_FAIL, "the agent is out "
		    "of memory", "%s: not checked", l->name);
		return;
	}
	p->corr = c;
	p->hc = hc;
	p->fd = -1;
	strlcpy(p->name, l->name, sizeof(p->name));
	hc_hold(hc);
	TAILQ_INSERT_TAIL(&c->probes, p, entry);
	to = l->addr;
	is_any = corr_addr_is_any(&to);
	if (is_any && to.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&to)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else if (is_any)
		((struct sockaddr_in6 *)(void *)&to)->sin6_addr =
		    in6addr_loopback;
	if ((p->fd = socket(to.ss_family, SOCK_STREAM, 0)) == -1 ||
	    evutil_make_socket_nonblocking(p->fd) == -1) {
		corr_probe_finish(p, HC_FAIL, "see agentid.log", "socket: %s",
		    strerror(errno));
		return;
	}
	evutil_make_socket_closeonexec(p->fd);
	if (connect(p->fd, (struct sockaddr *)&to, l->len) == -1 &&
	    errno != EINPROGRESS) {
		if (is_any && (errno == EADDRNOTAVAIL || errno == ENETUNREACH))
			corr_probe_finish(p, HC_SKIP, NULL, "no loopback "
			    "address of this family to check it through (%s)",
			    strerror(errno));
		else
			corr_probe_finish(p, HC_FAIL, "see agentid.log and "
			    "`ss -ltn` for the port", "connect: %s",
			    strerror(errno));
		return;
	}
	p->locallen = sizeof(p->local);
	if (getsockname(p->fd, (struct sockaddr *)&p->local,
	    &p->locallen) == -1)
		p->locallen = 0;
	p->ev = event_new(c->env->base, p->fd, EV_READ | EV_PERSIST,
	    corr_probe_cb, p);
	if (p->ev == NULL || event_add(p->ev, &tv) == -1)
		corr_probe_finish(p, HC_FAIL, "the agent is out of memory",
		    "not checked");
}

/* Add the service's lines to a health check. */
static void
corr_healthcheck(void *self, struct healthcheck *hc)
{
	struct correlation	*c = self;
	struct corr_listener	*l;
	const char		*idle;

	if ((idle = corr_idle_reason(c)) != NULL) {
		hc_add(hc, "correlation.service", HC_SKIP, NULL, "not "
		    "serving: %s", idle);
		return;
	}
	if (c->nlisteners == 0) {
		hc_add(hc, "correlation.service", HC_FAIL, "see agentid.log; "
		    "`ss -ltnp` shows who holds the ports; check the "
		    "profile's correlation ports and approved_networks",
		    "enabled but not listening: %s", c->plan_error);
		return;
	}
	if (c->plan_error[0] != '\0')
		hc_add(hc, "correlation.service", HC_WARN, "see agentid.log; "
		    "`ss -ltnp` shows who holds the ports", "%d listener%s, "
		    "but: %s", c->nlisteners, c->nlisteners == 1 ? "" : "s",
		    c->plan_error);
	else
		hc_add(hc, "correlation.service", HC_PASS, NULL, "%d "
		    "listener%s, %lu connections served", c->nlisteners,
		    c->nlisteners == 1 ? "" : "s", c->accepted);
	TAILQ_FOREACH(l, &c->listeners, entry)
		corr_probe_start(c, hc, l);
}

/* The configuration was reloaded: move agentid.log with agent.log. */
static void
corr_reconfigure(void *self)
{
	struct correlation	*c = self;
	struct log_settings	 settings;

	agent_conf_log_settings(c->env->conf, &settings);
	if (log_file_configure(c->log, c->env->conf->log_dir, &settings) == -1)
		log_warn("reload: cannot move %s.log to %s", CORR_LOG_NAME,
		    c->env->conf->log_dir);
}

/* Stop serving and free everything. */
static void
corr_free(void *self)
{
	struct correlation	*c = self;
	struct corr_conn	*cn;
	struct corr_probe	*p;

	if (c == NULL)
		return;
	c->is_stopping = 1;
	while ((p = TAILQ_FIRST(&c->probes)) != NULL)
		corr_probe_finish(p, HC_SKIP, NULL, "the agent is stopping");
	while ((cn = TAILQ_FIRST(&c->conns)) != NULL)
		corr_conn_close(cn, "the agent is stopping");
	corr_plan(c, "the agent is stopping");
	log_file_printf(c->log, LOG_LEVEL_INFO, "agentid service stopped "
	    "(%lu connections served)", c->accepted);
	if (c->retry != NULL)
		event_free(c->retry);
	json_object_put(c->taken);
	free(c->sources);
	log_file_close(c->log);
	free(c);
}

const struct agent_module_ops correlation_ops = {
	.name = "correlation",
	.profile = corr_profile,
	.identity = corr_identity,
	.heartbeat = corr_heartbeat,
	.address = corr_address,
	.status = corr_status,
	.healthcheck = corr_healthcheck,
	.reconfigure = corr_reconfigure,
	.free = corr_free
};

/* Create the service; it serves once a profile enables it. */
struct correlation *
correlation_new(const struct agent_env *env)
{
	struct correlation	*c;
	struct log_settings	 settings;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("correlation id service");
		return NULL;
	}
	c->env = env;
	TAILQ_INIT(&c->listeners);
	TAILQ_INIT(&c->conns);
	TAILQ_INIT(&c->probes);
	profile_correlation_default(&c->settings);
	c->taken = json_object_new_array();
	c->sources = calloc(CORR_MAX_SOURCES, sizeof(*c->sources));
	c->retry = evtimer_new(env->base, corr_retry_cb, c);
	agent_conf_log_settings(env->conf, &settings);
	c->log = log_file_open(env->conf->log_dir, CORR_LOG_NAME, &settings);
	if (c->sources == NULL || c->retry == NULL || c->log == NULL) {
		log_warn("correlation id service: cannot start (%s/%s.log)",
		    env->conf->log_dir, CORR_LOG_NAME);
		if (c->log != NULL)
			log_file_close(c->log);
		if (c->retry != NULL)
			event_free(c->retry);
		json_object_put(c->taken);
		free(c->sources);
		free(c);
		return NULL;
	}
	log_file_printf(c->log, LOG_LEVEL_INFO, "agentid service started "
	    "(outpostd %s, pid %ld); waiting for the profile and identity",
	    agent_version, (long)getpid());
	return c;
}
