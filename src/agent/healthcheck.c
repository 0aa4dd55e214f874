/*
 * healthcheck.c: "outpostctl healthcheck", run by the daemon on its loop:
 * configuration, directories, DNS, TCP direct and through each proxy, TLS
 * and pin, an authenticated request, clock skew, and each module's own
 * checks. Network checks run in parallel; the report goes out when the
 * last one is done.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <json-c/json.h>

#include "agent.h"
#include "agent-conf.h"
#include "compat.h"
#include "healthcheck.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "proxy.h"
#include "state.h"

#define HC_FREE_FAIL_BYTES	(16ULL * 1024 * 1024)
#define HC_FREE_WARN_BYTES	(256ULL * 1024 * 1024)
#define HC_SKEW_WARN		30	/* seconds */
#define HC_SKEW_FAIL		300
#define HC_CERT_WARN_DAYS	30
#define HC_TIMEOUT_MS		10000

/* One health check run. */
struct healthcheck {
	struct agent		*agent;
	struct json_object	*checks;	/* array */
	int			 holds;
	int			 worst;		/* enum hc_result, SKIP = PASS */
	void			(*done)(struct json_object *, void *);
	void			*done_arg;
	/* The network part. */
	struct http		*http;
	struct proxy_config	 proxies;
	int			 has_proxies;
	struct state		 state;
	int			 has_state;
	char			 host[256];
	int			 port;
	struct evdns_base	*dns;
	struct event		*finish;	/* deferred completion */
};

static const char *const hc_names[] = { "PASS", "WARN", "FAIL", "SKIP" };

/* Add one line. */
void
hc_add(struct healthcheck *hc, const char *check, enum hc_result result,
    const char *hint, const char *fmt, ...)
{
	struct json_object	*o;
	char			 message[1024];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	o = json_object_new_object();
	json_add_string(o, "check", check);
	json_add_string(o, "result", hc_names[result]);
	json_add_string(o, "message", message);
	if (hint != NULL && result != HC_PASS)
		json_add_string(o, "hint", hint);
	json_object_array_add(hc->checks, o);
	if (result != HC_SKIP && (int)result > hc->worst)
		hc->worst = (int)result;
	log_debug("healthcheck: %s %s: %s", hc_names[result], check,
	    message);
}

/* An asynchronous check starts. */
void
hc_hold(struct healthcheck *hc)
{
	hc->holds++;
}

/* Free a run. */
static void
hc_free(struct healthcheck *hc)
{
	if (hc->http != NULL)
		http_free(hc->http);
	if (hc->has_proxies)
		proxy_config_free(&hc->proxies);
	state_free(&hc->state);
	if (hc->dns != NULL)
		evdns_base_free(hc->dns, 0);
	if (hc->finish != NULL)
		event_free(hc->finish);
	json_object_put(hc->checks);
	free(hc);
}

/* Send the report (from the loop, never from inside a check). */
static void
hc_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct healthcheck	*hc = arg;
	struct json_object	*report;

	report = json_object_new_object();
	json_add_string(report, "result", hc_names[hc->worst]);
	json_object_object_add(report, "checks", json_object_get(hc->checks));
	log_info("healthcheck: %s (%zu checks)", hc_names[hc->worst],
	    json_object_array_length(hc->checks));
	hc->done(report, hc->done_arg);
	hc_free(hc);
}

/* An asynchronous check ends. */
void
hc_release(struct healthcheck *hc)
{
	if (--hc->holds > 0)
		return;
	event_active(hc->finish, EV_TIMEOUT, 0);
}

/* Configuration: the file still parses, and so does the proxy file. */
static void
hc_config_error(const char *file, int line, const char *reason, void *arg)
{
	struct healthcheck	*hc = arg;

	if (line > 0)
		hc_add(hc, "config", HC_FAIL, "fix the line named, then "
		    "`kill -HUP` the daemon (`outpostd -n` checks the file)",
		    "%s:%d: %s", file, line, reason);
	else
		hc_add(hc, "config", HC_FAIL, "fix the file named, then "
		    "`kill -HUP` the daemon", "%s: %s", file, reason);
}

static void
hc_check_config(struct healthcheck *hc)
{
	const struct agent_conf	*conf = &hc->agent->conf;
	struct agent_conf	 fresh;
	int			 errors;

	errors = agent_conf_load(conf->path, &fresh, hc_config_error, hc);
	agent_conf_free(&fresh);
	if (errors == -1)
		hc_add(hc, "config", HC_FAIL, "restore the file; the daemon "
		    "runs on the copy it read at start", "%s: %s", conf->path,
		    strerror(errno));
	else if (errors == 0)
		hc_add(hc, "config", HC_PASS, NULL, "%s is valid",
		    conf->path);
	if (conf->platform_url[0] == '\0')
		hc_add(hc, "config.platform", HC_FAIL, "set platform_url, "
		    "activation_id and customer_id in outpost.conf",
		    "platform_url is not set");

	errors = proxy_config_load(&hc->proxies, conf->proxy_file,
	    hc_config_error, hc);
	hc->has_proxies = 1;
	if (errors != 0) {
		proxy_config_free(&hc->proxies);
		hc->has_proxies = 0;
	} else if (hc->proxies.list.count > 0)
		hc_add(hc, "config.proxy", HC_PASS, NULL, "%d prox%s from %s "
		    "(%s order%s)", hc->proxies.list.count,
		    hc->proxies.list.count == 1 ? "y" : "ies",
		    hc->proxies.source != NULL ? hc->proxies.source : "?",
		    hc->proxies.order == PROXY_ORDER_RANDOM ? "random" :
		    "sequential", hc->proxies.fail_open ? ", fail open" : "");
	else
		hc_add(hc, "config.proxy", HC_PASS, NULL, "no proxy: the "
		    "platform is reached directly");
}

/* One directory: exists, right type, writable, free space. */
static void
hc_check_dir(struct healthcheck *hc, const char *what, const char *path)
{
	struct statvfs	 vfs;
	struct stat	 sb;
	char		 name[64], probe[PATH_MAX];
	unsigned long long avail;
	int		 fd;

	snprintf(name, sizeof(name), "dirs.%s", what);
	if (stat(path, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		hc_add(hc, name, HC_FAIL, "`outpostctl repair` recreates the "
		    "required directories", "%s: %s", path,
		    errno != 0 ? strerror(errno) : "not a directory");
		return;
	}
	snprintf(probe, sizeof(probe), "%s/.healthcheck.%ld", path,
	    (long)getpid());
	if ((fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		hc_add(hc, name, HC_FAIL, "check the file system (read-only? "
		    "full?) and the directory's owner and mode",
		    "%s is not writable: %s", path, strerror(errno));
		return;
	}
	close(fd);
	unlink(probe);
	if (statvfs(path, &vfs) == -1) {
		hc_add(hc, name, HC_WARN, NULL, "%s: statvfs: %s", path,
		    strerror(errno));
		return;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < HC_FREE_FAIL_BYTES)
		hc_add(hc, name, HC_FAIL, "free space on that file system: "
		    "uploads and logs stop when it is full", "%s: only %llu "
		    "KiB free", path, avail / 1024);
	else if (avail < HC_FREE_WARN_BYTES)
		hc_add(hc, name, HC_WARN, "free space on that file system",
		    "%s: %llu MiB free", path, avail / (1024 * 1024));
	else
		hc_add(hc, name, HC_PASS, NULL, "%s writable, %llu MiB free",
		    path, avail / (1024 * 1024));
}

static void
hc_check_dirs(struct healthcheck *hc)
{
	const struct agent_conf	*conf = &hc->agent->conf;
	char			 spool[PATH_MAX];

	hc_check_dir(hc, "state", conf->state_dir);
	snprintf(spool, sizeof(spool), "%s/spool", conf->state_dir);
	hc_check_dir(hc, "spool", spool);
	hc_check_dir(hc, "log", conf->log_dir);
	hc_check_dir(hc, "run", conf->run_dir);
}

/* The identity, read again from disk. */
static void
hc_check_state(struct healthcheck *hc)
{
	char	 err[256];
	int	 rc;

	rc = state_load(hc->agent->conf.state_dir, &hc->state, err,
	    sizeof(err));
	if (rc == 0) {
		hc->has_state = 1;
		hc_add(hc, "identity", HC_PASS, NULL, "agent %s (correlation "
		    "id %s)", hc->state.agent_id, hc->state.correlation_id);
	} else if (rc == -ENOENT)
		hc_add(hc, "identity", HC_WARN, "the agent activates with "
		    "activation_id and customer_id; see the platform checks "
		    "below", "not activated yet (no %s/%s)",
		    hc->agent->conf.state_dir, STATE_FILE_NAME);
	else
		hc_add(hc, "identity", HC_FAIL, "remove the file: the agent "
		    "activates again", "%s/%s: %s", hc->agent->conf.state_dir,
		    STATE_FILE_NAME, rc == -EINVAL ? err : strerror(-rc));
}

/* What one network probe is for. */
enum hc_probe_kind {
	HC_PROBE_DIRECT,
	HC_PROBE_PROXY,
	HC_PROBE_POLICY
};

struct hc_probe {
	struct healthcheck	*hc;
	enum hc_probe_kind	 kind;
	int			 proxy;		/* HC_PROBE_PROXY */
	char			 name[32];
};

/* Is code a failure to reach the host at all (before TLS)? */
static int
hc_is_reach_error(enum error_code code)
{
	switch (code) {
	case ERR_DNS:
	case ERR_CONNECT_REFUSED:
	case ERR_CONNECT_TIMEOUT:
	case ERR_NETWORK:
	case ERR_TIMEOUT:
		return 1;
	default:
		return 0;
	}
}

/* Is code a TLS failure? */
static int
hc_is_tls_error(enum error_code code)
{
	return code == ERR_TLS_VERIFY || code == ERR_PIN_MISMATCH ||
	    code == ERR_TLS_HANDSHAKE;
}

/* The hint for a code: its "check" column. */
static const char *
hc_hint(enum error_code code)
{
	return error_info(code)->check;
}

/* Seconds from now to an OpenSSL-printed time, or LONG_MIN. */
static long
hc_seconds_until(const char *when)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (when == NULL || strptime(when, "%b %d %H:%M:%S %Y", &tm) == NULL)
		return LONG_MIN;
	return (long)(timegm(&tm) - time(NULL));
}

/* The TLS line from the request the agent's own route made. */
static void
hc_tls_line(struct healthcheck *hc, const struct http_response *r)
{
	const struct agent_conf	*conf = &hc->agent->conf;
	long			 left;

	if (hc_is_tls_error(r->error)) {
		hc_add(hc, "tls", HC_FAIL, hc_hint(r->error), "%s %s: %s",
		    error_id(r->error), error_message(r->error), r->detail);
		return;
	}
	if (r->status == 0) {
		hc_add(hc, "tls", HC_SKIP, NULL, "no TLS handshake: the "
		    "platform was not reached (see above)");
		return;
	}
	if (r->peer.subject == NULL) {
		hc_add(hc, "tls", HC_PASS, NULL, "certificate verified%s%s",
		    conf->ca_file[0] != '\0' ? " against " : " against the "
		    "system trust store", conf->ca_file);
		return;
	}
	left = hc_seconds_until(r->peer.not_after);
	if (left != LONG_MIN && left < 0)
		hc_add(hc, "tls", HC_FAIL, "renew the platform's "
		    "certificate", "certificate %s expired on %s",
		    r->peer.subject, r->peer.not_after);
	else if (left != LONG_MIN && left < HC_CERT_WARN_DAYS * 86400L)
		hc_add(hc, "tls", HC_WARN, "renew the platform's certificate "
		    "soon", "certificate %s (issuer %s) expires in %ld days "
		    "(%s)", r->peer.subject, r->peer.issuer != NULL ?
		    r->peer.issuer : "?", left / 86400, r->peer.not_after);
	else
		hc_add(hc, "tls", HC_PASS, NULL, "certificate %s, issuer %s, "
		    "valid until %s; verified against %s%s",
		    r->peer.subject, r->peer.issuer != NULL ?
		    r->peer.issuer : "?", r->peer.not_after != NULL ?
		    r->peer.not_after : "?", conf->ca_file[0] != '\0' ?
		    conf->ca_file : "the system trust store",
		    conf->pin_sha256[0] != '\0' ? "; pin matches" : "");
}

/* Clock skew from the Date header. */
static void
hc_clock_line(struct healthcheck *hc, const struct http_response *r)
{
	struct tm	 tm;
	long		 skew;

	memset(&tm, 0, sizeof(tm));
	if (r->date == NULL || strptime(r->date, "%a, %d %b %Y %H:%M:%S",
	    &tm) == NULL) {
		hc_add(hc, "clock", HC_SKIP, NULL, "no Date from the "
		    "platform");
		return;
	}
	skew = (long)(time(NULL) - timegm(&tm));
	if (labs(skew) >= HC_SKEW_FAIL)
		hc_add(hc, "clock", HC_FAIL, "synchronise the clock (NTP): "
		    "certificates and event times depend on it", "this "
		    "host's clock is %ld s %s the platform's", labs(skew),
		    skew > 0 ? "ahead of" : "behind");
	else if (labs(skew) >= HC_SKEW_WARN)
		hc_add(hc, "clock", HC_WARN, "synchronise the clock (NTP)",
		    "this host's clock is %ld s %s the platform's",
		    labs(skew), skew > 0 ? "ahead of" : "behind");
	else
		hc_add(hc, "clock", HC_PASS, NULL, "within %ld s of the "
		    "platform's", labs(skew));
}

/* Does the agent's proxy policy send the platform's host direct? */
static int
hc_goes_direct(struct healthcheck *hc)
{
	if (!hc->has_proxies || hc->proxies.list.count == 0)
		return 1;
	return hc->proxies.fail_open ||
	    proxy_bypass_match(&hc->proxies.bypass, hc->host);
}

/* A probe finished. */
static void
hc_probe_done(const struct http_response *r, void *arg)
{
	struct hc_probe		*p = arg;
	struct healthcheck	*hc = p->hc;
	const char		*via;

	switch (p->kind) {
	case HC_PROBE_DIRECT:
		if (hc_is_reach_error(r->error))
			hc_add(hc, "tcp.direct", hc_goes_direct(hc) ?
			    HC_FAIL : HC_WARN, hc_goes_direct(hc) ?
			    hc_hint(r->error) : "only a problem if the "
			    "proxies fail: the agent goes through them",
			    "%s %s: %s", error_id(r->error),
			    error_message(r->error), r->detail);
		else
			hc_add(hc, "tcp.direct", HC_PASS, NULL, "%s:%d "
			    "reached directly%s", hc->host, hc->port,
			    hc_goes_direct(hc) ? "" : " (the agent uses "
			    "its proxies)");
		break;
	case HC_PROBE_PROXY:
		via = hc->proxies.list.proxies[p->proxy].masked;
		if (error_is_proxy_failure(r->error) ||
		    hc_is_reach_error(r->error))
			hc_add(hc, p->name, HC_FAIL, hc_hint(r->error),
			    "%s %s: %s", error_id(r->error),
			    error_message(r->error), r->detail);
		else
			hc_add(hc, p->name, HC_PASS, NULL, "%s carries a "
			    "tunnel to %s:%d", via, hc->host, hc->port);
		break;
	case HC_PROBE_POLICY:
		hc_tls_line(hc, r);
		if (r->status == 0)
			hc_add(hc, "platform", HC_FAIL, hc_hint(r->error),
			    "%s %s: %s", error_id(r->error),
			    error_message(r->error), r->detail);
		else if (!hc->has_state)
			hc_add(hc, "platform", r->status < 500 ? HC_PASS :
			    HC_FAIL, r->status < 500 ? NULL : "the platform's "
			    "log", "the platform answers (HTTP %ld%s%s); no "
			    "credential to try yet", r->status,
			    r->proxy != NULL ? " through " : "",
			    r->proxy != NULL ? r->proxy : "");
		else if (r->status < 400)
			hc_add(hc, "platform", HC_PASS, NULL, "authenticated "
			    "request accepted (HTTP %ld%s%s)", r->status,
			    r->proxy != NULL ? " through " : ", direct",
			    r->proxy != NULL ? r->proxy : "");
		else
			hc_add(hc, "platform", HC_FAIL, r->status == 401 ||
			    r->status == 410 ? "the agent re-activates by "
			    "itself; see agent.log and the platform's agent "
			    "list" : hc_hint(r->error), "authenticated request "
			    "refused: %s", r->detail);
		if (r->status != 0)
			hc_clock_line(hc, r);
		break;
	}
	free(p);
	hc_release(hc);
}

/* Start one probe. */
static void
hc_probe(struct healthcheck *hc, enum hc_probe_kind kind, int proxy)
{
	struct http_request	 req;
	struct hc_probe		*p;
	const char		*headers[3];
	char			 url[1024], *auth = NULL;
	int			 n = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	p->hc = hc;
	p->kind = kind;
	p->proxy = proxy;
	snprintf(p->name, sizeof(p->name), "proxy.%d", proxy + 1);
	snprintf(url, sizeof(url), "%s/agent/v1/profile",
	    hc->agent->conf.platform_url);
	headers[n++] = "Accept: application/json";
	if (kind == HC_PROBE_POLICY && hc->has_state &&
	    asprintf(&auth, "Authorization: Bearer %s",
	    hc->state.credential) != -1)
		headers[n++] = auth;
	headers[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.route = kind == HC_PROBE_DIRECT ? HTTP_ROUTE_DIRECT :
	    kind == HC_PROBE_PROXY ? HTTP_ROUTE_PROXY : HTTP_ROUTE_POLICY;
	req.route_proxy = proxy;
	req.want_certificate = kind == HC_PROBE_POLICY;
	req.arg_free = free;
	hc_hold(hc);
	if (http_request(hc->http, &req, hc_probe_done, p) == NULL) {
		hc_add(hc, kind == HC_PROBE_PROXY ? p->name : "platform",
		    HC_FAIL, NULL, "cannot start the request (see agent.log)");
		free(p);
		hc_release(hc);
	}
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
}

/* DNS answered. */
static void
hc_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct healthcheck	*hc = arg;
	struct evutil_addrinfo	*ai;
	char			 addr[INET6_ADDRSTRLEN + 2], list[256];
	size_t			 off = 0;
	int			 n = 0;

	if (result != 0) {
		hc_add(hc, "dns", hc_goes_direct(hc) ? HC_FAIL : HC_WARN,
		    hc_goes_direct(hc) ? hc_hint(ERR_DNS) : "only the "
		    "proxies need to resolve it", "%s does not resolve: %s",
		    hc->host, evutil_gai_strerror(result));
	} else {
		list[0] = '\0';
		for (ai = res; ai != NULL && n < 4; ai = ai->ai_next, n++) {
			if (evutil_inet_ntop(ai->ai_family, ai->ai_family ==
			    AF_INET ? (void *)&((struct sockaddr_in *)
			    ai->ai_addr)->sin_addr : (void *)&((struct
			    sockaddr_in6 *)ai->ai_addr)->sin6_addr, addr,
			    sizeof(addr)) == NULL)
				continue;
			off += (size_t)snprintf(list + off, off < sizeof(list) ?
			    sizeof(list) - off : 0, "%s%s", n > 0 ? ", " : "",
			    addr);
			if (off >= sizeof(list))
				break;
		}
		hc_add(hc, "dns", HC_PASS, NULL, "%s resolves to %s",
		    hc->host, list);
		evutil_freeaddrinfo(res);
	}
	hc_release(hc);
}

/* Split platform_url into host and port. Returns 0, or -1. */
static int
hc_parse_url(const char *url, char *host, size_t hostlen, int *port)
{
	const char	*p, *end;
	size_t		 len;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	p = url + 8;
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL)
			return -1;
		len = (size_t)(end - p - 1);
		p++;
		end++;
	} else {
		end = p + strcspn(p, ":/");
		len = (size_t)(end - p);
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, p, len);
	host[len] = '\0';
	*port = 443;
	if (*end == ':')
		*port = atoi(end + 1);
	return *port > 0 && *port < 65536 ? 0 : -1;
}

/* DNS, TCP direct and through each proxy, TLS, an authenticated request. */
static void
hc_check_platform(struct healthcheck *hc)
{
	const struct agent_conf		*conf = &hc->agent->conf;
	struct http_settings		 hs;
	struct evutil_addrinfo		 hints;
	struct sockaddr_storage		 ss;
	int				 i, sslen = sizeof(ss);

	if (conf->platform_url[0] == '\0')
		return;
	if (hc_parse_url(conf->platform_url, hc->host, sizeof(hc->host),
	    &hc->port) == -1) {
		hc_add(hc, "config.platform", HC_FAIL, "platform_url must be "
		    "https://HOST[:PORT]", "cannot use platform_url %s",
		    conf->platform_url);
		return;
	}
	if (evutil_parse_sockaddr_port(hc->host, (struct sockaddr *)&ss,
	    &sslen) == 0)
		hc_add(hc, "dns", HC_PASS, NULL, "%s is an address: no DNS "
		    "needed", hc->host);
	else if ((hc->dns = evdns_base_new(hc->agent->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL)
		hc_add(hc, "dns", HC_FAIL, "check /etc/resolv.conf",
		    "no DNS resolver could be set up");
	else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hc_hold(hc);
		/* NULL: answered at once, hc_dns_cb already ran. */
		(void)evdns_getaddrinfo(hc->dns, hc->host, NULL, &hints,
		    hc_dns_cb, hc);
	}

	memset(&hs, 0, sizeof(hs));
	hs.ca_file = conf->ca_file[0] != '\0' ? conf->ca_file : NULL;
	hs.pin_sha256 = conf->pin_sha256[0] != '\0' ? conf->pin_sha256 : NULL;
	hs.proxies = hc->has_proxies ? &hc->proxies : NULL;
	hs.connect_timeout_ms = HC_TIMEOUT_MS / 2;
	hs.timeout_ms = HC_TIMEOUT_MS;
	if ((hc->http = http_new(hc->agent->base, &hs)) == NULL) {
		hc_add(hc, "platform", HC_FAIL, "agent.log names the setting",
		    "the HTTPS client cannot be set up with this ca_file or "
		    "pin_sha256");
		return;
	}
	hc_probe(hc, HC_PROBE_DIRECT, -1);
	for (i = 0; hc->has_proxies && i < hc->proxies.list.count; i++)
		hc_probe(hc, HC_PROBE_PROXY, i);
	hc_probe(hc, HC_PROBE_POLICY, -1);
}

/* Run every check. */
int
healthcheck_run(struct agent *agent, void (*done)(struct json_object *,
    void *), void *arg)
{
	struct healthcheck	*hc;
	int			 i;

	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return -1;
	hc->agent = agent;
	hc->done = done;
	hc->done_arg = arg;
	hc->checks = json_object_new_array();
	if ((hc->finish = event_new(agent->base, -1, 0, hc_finish_cb,
	    hc)) == NULL) {
		hc_free(hc);
		return -1;
	}
	hc->holds = 1;		/* released when every check has started */
	hc_check_config(hc);
	hc_check_dirs(hc);
	hc_check_state(hc);
	hc_check_platform(hc);
	for (i = 0; i < agent->nmodules; i++)
		if (agent->modules[i].ops->healthcheck != NULL)
			agent->modules[i].ops->healthcheck(
			    agent->modules[i].self, hc);
	hc_release(hc);
	return 0;
}
