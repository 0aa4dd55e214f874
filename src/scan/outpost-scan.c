/*
 * outpost-scan.c: the unauthenticated scanner side of agent scan merge.
 *
 * Probes the correlation ports of hosts (names, addresses, CIDR ranges)
 * with non-blocking connects driven by poll(2), a bounded number at
 * once, each with a deadline; reads the one line an outpost agent
 * writes (correlation-wire.h); prints what it saw per host, as text or
 * JSON; and with --submit posts each host's result to the platform's
 * POST /api/v1/scans (scan-submit.c).
 *
 * A port's bytes are judged once, when the service ends the stream or
 * the probe's deadline passes (earlier only when they can no longer be
 * a line), so that how they were split into segments never matters. A
 * host whose ports answered with different ids is a conflict: it is
 * printed and submitted with every id it gave, never with one of them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "correlation-wire.h"
#include "jsonutil.h"
#include "scan-submit.h"
#include "scan-target.h"

#define SCAN_DEFAULT_PORTS	"10001-10005"
#define SCAN_DEFAULT_PARALLEL	64
#define SCAN_MAX_PARALLEL	1024
#define SCAN_DEFAULT_TIMEOUT	3000	/* ms per probe */
#define SCAN_ADDR_LEN		(INET6_ADDRSTRLEN + IF_NAMESIZE + 2)

/* An open port of a host and what it answered. */
struct scan_open {
	int		 port;
	char		 cid[CORR_ID_LEN + 1];	/* "" : no id */
	char		 detail[160];		/* why not, when no id */
};

/* One address to probe and what was found there. */
struct scan_host {
	const char		*target;	/* as given */
	int			 is_range;	/* from a CIDR range */
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	char			 address[SCAN_ADDR_LEN];
	struct scan_open	*open;
	int			 nopen;
	int			 closed;
	int			 filtered;
	int			 errors;
	char			 cid[CORR_ID_LEN + 1];	/* its id, unless a
							   conflict */
	int			 is_conflict;	/* ports gave other ids */
	char			(*ids)[CORR_ID_LEN + 1];	/* distinct,
							   sorted */
	int			 nids;
	time_t			 scanned_at;
	struct scan_submission	 submission;
};

/* One probe in flight. */
struct scan_probe {
	int		 fd;
	int		 host;
	int		 port;
	int		 is_connected;
	struct timespec	 deadline;
	char		 buf[CORR_WIRE_LEN + 8];
	size_t		 len;
};

/* The scan: options, hosts, probes. */
struct scan {
	int			 ports[SCAN_MAX_PORTS];
	int			 nports;
	int			 parallel;
	int			 timeout_ms;
	int			 as_json;
	struct scan_host	*hosts;
	size_t			 nhosts;
	size_t			 caphosts;
	int			 unresolved;
	char			 scanner[256];
};

/* Print usage and exit 1. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: outpost-scan [-p ports] [-c parallel] [-t timeout_ms] "
	    "[--json]\n"
	    "                    [--submit URL --token FILE [--cacert FILE]] "
	    "[--scanner NAME]\n"
	    "                    target ...\n"
	    "targets: host names, IPv4/IPv6 addresses, CIDR ranges "
	    "(192.0.2.0/24)\n"
	    "ports:   comma-separated ports and ranges (default %s)\n",
	    SCAN_DEFAULT_PORTS);
	exit(1);
}

/* Print an error and exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
scan_fatal(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "outpost-scan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* Format an address ("192.0.2.1", "fe80::1%eth0"). Returns buf. */
static const char *
scan_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in6	*sin6;
	char				 ifname[IF_NAMESIZE];
	size_t				 n;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr, buf, (socklen_t)len);
		return buf;
	}
	sin6 = (const struct sockaddr_in6 *)(const void *)ss;
	inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	if (sin6->sin6_scope_id != 0) {
		n = strlen(buf);
		if (if_indextoname(sin6->sin6_scope_id, ifname) != NULL)
			snprintf(buf + n, len - n, "%%%s", ifname);
		else
			snprintf(buf + n, len - n, "%%%u",
			    (unsigned int)sin6->sin6_scope_id);
	}
	return buf;
}

/* Add one address of target to the scan (once per target). */
static void
scan_add_host(struct scan *s, const char *target, int is_range,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct scan_host	*h;
	size_t			 i;

	/* A name may resolve to one address twice; a range cannot. */
	for (i = 0; !is_range && i < s->nhosts; i++)
		if (s->hosts[i].target == target && s->hosts[i].len == len &&
		    memcmp(&s->hosts[i].addr, ss, len) == 0)
			return;
	if (s->nhosts >= SCAN_MAX_HOSTS)
		scan_fatal("more than %d addresses to scan", SCAN_MAX_HOSTS);
	if (s->nhosts == s->caphosts) {
		s->caphosts = s->caphosts ? s->caphosts * 2 : 64;
		s->hosts = reallocarray(s->hosts, s->caphosts,
		    sizeof(*s->hosts));
		if (s->hosts == NULL)
			scan_fatal("out of memory");
	}
	h = &s->hosts[s->nhosts++];
	memset(h, 0, sizeof(*h));
	h->target = target;
	h->is_range = is_range;
	h->addr = *ss;
	h->len = len;
	scan_addr_text(ss, h->address, sizeof(h->address));
}

/* Add the addresses of one command-line target. */
static void
scan_add_target(struct scan *s, const char *target)
{
	struct addrinfo		 hints, *res, *ai;
	struct scan_range	 range;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 err[256], name[256];
	const char		*host = target;
	size_t			 n;
	uint64_t		 i;
	int			 rc;

	if (strchr(target, '/') != NULL) {
		if (scan_range_parse(target, &range, err, sizeof(err)) == -1)
			scan_fatal("%s", err);
		if (s->nhosts + range.count > SCAN_MAX_HOSTS)
			scan_fatal("more than %d addresses to scan",
			    SCAN_MAX_HOSTS);
		for (i = 0; i < range.count; i++) {
			scan_range_addr(&range, i, &ss, &len);
			scan_add_host(s, target, 1, &ss, len);
		}
		return;
	}
	/* "[2001:db8::1]" as in URLs. */
	n = strlen(target);
	if (target[0] == '[' && n > 2 && target[n - 1] == ']' &&
	    n - 2 < sizeof(name)) {
		memcpy(name, target + 1, n - 2);
		name[n - 2] = '\0';
		host = name;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		fprintf(stderr, "outpost-scan: %s: %s\n", target,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		s->unresolved++;
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(ss))
			continue;
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		scan_add_host(s, target, 0, &ss, ai->ai_addrlen);
	}
	freeaddrinfo(res);
}

/* Milliseconds from now until t (0 if past). */
static int
scan_ms_until(const struct timespec *t)
{
	struct timespec	 now;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(t->tv_sec - now.tv_sec) * 1000 +
	    (t->tv_nsec - now.tv_nsec) / 1000000;
	if (ms < 0)
		return 0;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Add cid to h's distinct ids, kept sorted. */
static void
scan_note_id(struct scan_host *h, const char *cid)
{
	char	(*ids)[CORR_ID_LEN + 1];
	int	 i, c = 1;

	for (i = 0; i < h->nids && (c = strcmp(h->ids[i], cid)) < 0; i++)
		;
	if (i < h->nids && c == 0)
		return;
	if ((ids = reallocarray(h->ids, (size_t)h->nids + 1,
	    sizeof(*h->ids))) == NULL)
		scan_fatal("out of memory");
	h->ids = ids;
	memmove(&h->ids[i + 1], &h->ids[i], (size_t)(h->nids - i) *
	    sizeof(*h->ids));
	strlcpy(h->ids[i], cid, sizeof(h->ids[i]));
	h->nids++;
	/* One id is the host's; two or more are a conflict, not an id. */
	h->is_conflict = h->nids > 1;
	if (h->is_conflict)
		h->cid[0] = '\0';
	else
		strlcpy(h->cid, h->ids[0], sizeof(h->cid));
}

/* Record an open port of h. */
static void
scan_note_open(struct scan_host *h, int port, const char *cid,
    const char *detail)
{
	struct scan_open	*o;

	o = reallocarray(h->open, (size_t)h->nopen + 1, sizeof(*h->open));
	if (o == NULL)
		scan_fatal("out of memory");
	h->open = o;
	o = &h->open[h->nopen++];
	memset(o, 0, sizeof(*o));
	o->port = port;
	if (cid != NULL) {
		strlcpy(o->cid, cid, sizeof(o->cid));
		scan_note_id(h, cid);
	} else
		strlcpy(o->detail, detail, sizeof(o->detail));
}

/* A probe is over: judge what the open port sent, or count it. */
static void
scan_probe_end(struct scan *s, struct scan_probe *p, int how, int err)
{
	struct scan_host	*h = &s->hosts[p->host];
	char			 cid[CORR_ID_LEN + 1], why[160];
	int			 rc;

	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	if (p->is_connected) {
		rc = corr_wire_parse(p->buf, p->len, cid, why, sizeof(why));
		if (rc == 1)
			scan_note_open(h, p->port, cid, NULL);
		else if (rc == 0 && p->len == 0)
			scan_note_open(h, p->port, NULL, how == POLLIN ?
			    "closed without sending anything" :
			    "sent nothing before the timeout");
		else if (rc == 0) {
			snprintf(why, sizeof(why), "%s after %zu bytes of a "
			    "correlation line", how == POLLIN ? "closed" :
			    "timed out", p->len);
			scan_note_open(h, p->port, NULL, why);
		} else
			scan_note_open(h, p->port, NULL, why);
		return;
	}
	if (err == ECONNREFUSED)
		h->closed++;
	else if (err == ETIMEDOUT || err == EHOSTUNREACH ||
	    err == ENETUNREACH)
		h->filtered++;
	else
		h->errors++;
}

/* Start probing port of host into p. Returns 0, or -1 if it ended. */
static int
scan_probe_start(struct scan *s, struct scan_probe *p, int host, int port)
{
	struct scan_host	*h = &s->hosts[host];
	struct sockaddr_storage	 to = h->addr;
	struct timespec		 now;
	int			 flags;

	memset(p, 0, sizeof(*p));
	p->host = host;
	p->port = port;
	if (h->scanned_at == 0)
		h->scanned_at = time(NULL);
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&to)->sin_port =
		    htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)(void *)&to)->sin6_port =
		    htons((uint16_t)port);
	if ((p->fd = socket(to.ss_family, SOCK_STREAM, 0)) == -1 ||
	    (flags = fcntl(p->fd, F_GETFL)) == -1 ||
	    fcntl(p->fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		scan_probe_end(s, p, 0, errno);
		return -1;
	}
	(void)fcntl(p->fd, F_SETFD, FD_CLOEXEC);
	if (connect(p->fd, (struct sockaddr *)&to, h->len) == -1 &&
	    errno != EINPROGRESS) {
		scan_probe_end(s, p, 0, errno);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	p->deadline.tv_sec = now.tv_sec + s->timeout_ms / 1000;
	p->deadline.tv_nsec = now.tv_nsec + (long)(s->timeout_ms % 1000) *
	    1000000L;
	if (p->deadline.tv_nsec >= 1000000000L) {
		p->deadline.tv_sec++;
		p->deadline.tv_nsec -= 1000000000L;
	}
	return 0;
}

/* Handle readiness (revents) of one probe. */
static void
scan_probe_ready(struct scan *s, struct scan_probe *p, short revents)
{
	char		 cid[CORR_ID_LEN + 1], why[160];
	socklen_t	 len;
	ssize_t		 n;
	int		 err = 0;

	if (!p->is_connected) {
		len = sizeof(err);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			scan_probe_end(s, p, 0, err);
			return;
		}
		if (!(revents & (POLLOUT | POLLIN | POLLHUP)))
			return;
		p->is_connected = 1;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(p->fd, p->buf + p->len, sizeof(p->buf) - p->len);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		scan_probe_end(s, p, POLLIN, errno);
		return;
	}
	p->len += (size_t)n;
	/*
	 * One rule however the bytes are split: a complete line is judged
	 * only at the end of the stream (or the deadline), so a byte after
	 * it makes the port fail whichever segment carried it; only bytes
	 * that can no longer become a line end the probe early.
	 */
	if (n == 0 || p->len == sizeof(p->buf) ||
	    corr_wire_parse(p->buf, p->len, cid, why, sizeof(why)) == -1)
		scan_probe_end(s, p, POLLIN, 0);
}

/* Probe every port of every host, at most s->parallel at once. */
static void
scan_run(struct scan *s)
{
	struct scan_probe	*probes;
	struct pollfd		*pfd;
	size_t			 total, next = 0;
	int			 i, n, active, timeout, rc;

	total = s->nhosts * (size_t)s->nports;
	if ((probes = calloc((size_t)s->parallel, sizeof(*probes))) == NULL ||
	    (pfd = calloc((size_t)s->parallel, sizeof(*pfd))) == NULL)
		scan_fatal("out of memory");
	for (i = 0; i < s->parallel; i++)
		probes[i].fd = -1;
	for (;;) {
		/* Fill the free slots. */
		for (i = 0; i < s->parallel && next < total; i++) {
			if (probes[i].fd != -1)
				continue;
			scan_probe_start(s, &probes[i],
			    (int)(next / (size_t)s->nports),
			    s->ports[next % (size_t)s->nports]);
			next++;
		}
		active = 0;
		timeout = 60000;
		for (i = 0; i < s->parallel; i++) {
			if (probes[i].fd == -1)
				continue;
			pfd[active].fd = probes[i].fd;
			pfd[active].events = probes[i].is_connected ? POLLIN :
			    POLLOUT;
			pfd[active].revents = 0;
			n = scan_ms_until(&probes[i].deadline);
			if (n < timeout)
				timeout = n;
			active++;
		}
		if (active == 0) {
			if (next >= total)
				break;
			continue;
		}
		if ((rc = poll(pfd, (nfds_t)active, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			scan_fatal("poll: %s", strerror(errno));
		}
		for (i = 0, n = 0; i < s->parallel; i++) {
			if (probes[i].fd == -1)
				continue;
			if (pfd[n].revents != 0)
				scan_probe_ready(s, &probes[i],
				    pfd[n].revents);
			n++;
			if (probes[i].fd != -1 &&
			    scan_ms_until(&probes[i].deadline) == 0)
				scan_probe_end(s, &probes[i], 0, ETIMEDOUT);
		}
	}
	free(pfd);
	free(probes);
}

/* Should host h be shown (and submitted)? */
static int
scan_is_shown(const struct scan_host *h)
{
	return h->nopen > 0 || !h->is_range;
}

/* Print one host's result for people. */
static void
scan_print_text(const struct scan_host *h)
{
	int	 i;

	if (strcmp(h->target, h->address) == 0 || h->is_range)
		printf("%s:", h->address);
	else
		printf("%s (%s):", h->address, h->target);
	if (h->is_conflict) {
		printf(" conflicting correlation ids");
		for (i = 0; i < h->nids; i++)
			printf("%s%s", i > 0 ? "," : " ", h->ids[i]);
	} else if (h->cid[0] != '\0')
		printf(" correlation id %s", h->cid);
	else
		printf(" no correlation id");
	if (h->nopen > 0) {
		printf("; open ports");
		for (i = 0; i < h->nopen; i++)
			printf(" %d/tcp", h->open[i].port);
	} else
		printf("; no open port");
	printf(" (%d closed, %d filtered%s)\n", h->closed, h->filtered,
	    h->errors ? ", errors" : "");
	for (i = 0; i < h->nopen; i++) {
		if (h->open[i].cid[0] == '\0')
			printf("  %d/tcp: no correlation id: %s\n",
			    h->open[i].port, h->open[i].detail);
		else if (h->is_conflict)
			printf("  %d/tcp: correlation id %s\n",
			    h->open[i].port, h->open[i].cid);
	}
	if (h->is_conflict)
		printf("  conflict: the ports answered with %d different "
		    "correlation ids; submitted as a conflict, not as one "
		    "agent\n", h->nids);
	if (h->submission.status != 0)
		printf("  submitted: %s\n", h->submission.message);
}

/* One host's result as JSON. */
static struct json_object *
scan_host_json(const struct scan_host *h)
{
	struct json_object	*obj, *arr, *o;
	int			 i;

	obj = json_object_new_object();
	json_add_string(obj, "target", h->target);
	json_add_string(obj, "address", h->address);
	json_add_int64(obj, "scanned_at", (int64_t)h->scanned_at);
	json_add_string(obj, "correlation_id", h->cid[0] ? h->cid : NULL);
	json_add_bool(obj, "conflicting_ids", h->is_conflict);
	arr = json_object_new_array();
	for (i = 0; i < h->nids; i++)
		json_object_array_add(arr, json_object_new_string(h->ids[i]));
	json_object_object_add(obj, "correlation_ids", arr);
	arr = json_object_new_array();
	for (i = 0; i < h->nopen; i++) {
		o = json_object_new_object();
		json_add_int64(o, "port", h->open[i].port);
		json_add_string(o, "correlation_id", h->open[i].cid[0] ?
		    h->open[i].cid : NULL);
		if (h->open[i].cid[0] == '\0')
			json_add_string(o, "detail", h->open[i].detail);
		json_object_array_add(arr, o);
	}
	json_object_object_add(obj, "open_ports", arr);
	json_add_int64(obj, "closed", h->closed);
	json_add_int64(obj, "filtered", h->filtered);
	json_add_int64(obj, "errors", h->errors);
	if (h->submission.status != 0) {
		o = json_object_new_object();
		json_add_int64(o, "status", h->submission.status);
		json_add_bool(o, "ok", h->submission.is_ok);
		if (h->submission.answer != NULL)
			json_object_object_add(o, "answer",
			    json_object_get(h->submission.answer));
		else
			json_add_string(o, "error", h->submission.message);
		json_object_object_add(obj, "submission", o);
	}
	return obj;
}

/* The submission body of one host (POST /api/v1/scans). */
static struct json_object *
scan_submission_body(const struct scan *s, const struct scan_host *h)
{
	struct json_object	*body, *ports, *p, *ids;
	int			 i;

	body = json_object_new_object();
	json_add_string(body, "target", h->target);
	json_add_string(body, "address", h->address);
	json_add_int64(body, "scanned_at", (int64_t)h->scanned_at);
	if (h->is_conflict) {
		ids = json_object_new_array();
		for (i = 0; i < h->nids; i++)
			json_object_array_add(ids,
			    json_object_new_string(h->ids[i]));
		json_object_object_add(body, "correlation_ids", ids);
	} else if (h->cid[0] != '\0')
		json_add_string(body, "correlation_id", h->cid);
	json_add_string(body, "scanner", s->scanner);
	ports = json_object_new_array();
	for (i = 0; i < h->nopen; i++) {
		p = json_object_new_object();
		json_add_int64(p, "port", h->open[i].port);
		json_add_string(p, "protocol", "tcp");
		if (h->open[i].cid[0] != '\0') {
			json_add_string(p, "service", "outpost-correlation");
			if (h->is_conflict)
				json_add_string(p, "correlation_id",
				    h->open[i].cid);
		}
		json_object_array_add(ports, p);
	}
	json_object_object_add(body, "ports", ports);
	return body;
}

/* Parse the options, probe the targets, submit and print the results. */
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "submit", required_argument, NULL, 'S' },
		{ "token", required_argument, NULL, 'T' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "scanner", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct scan		 s;
	struct scan_submit	*submit = NULL;
	struct rlimit		 rl;
	struct json_object	*doc, *results, *body, *ports;
	const char		*portspec = SCAN_DEFAULT_PORTS, *url = NULL;
	const char		*token = NULL, *cacert = NULL;
	char			 err[256], host[128], *end;
	size_t			 i;
	long			 v;
	int			 ch, rc = 0, k;

	memset(&s, 0, sizeof(s));
	s.parallel = SCAN_DEFAULT_PARALLEL;
	s.timeout_ms = SCAN_DEFAULT_TIMEOUT;
	while ((ch = getopt_long(argc, argv, "p:c:t:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'p':
			portspec = optarg;
			break;
		case 'c':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > SCAN_MAX_PARALLEL)
				scan_fatal("-c %s: expected a number from 1 "
				    "to %d", optarg, SCAN_MAX_PARALLEL);
			s.parallel = (int)v;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 10 ||
			    v > 600000)
				scan_fatal("-t %s: expected milliseconds from "
				    "10 to 600000", optarg);
			s.timeout_ms = (int)v;
			break;
		case 'j':
			s.as_json = 1;
			break;
		case 'S':
			url = optarg;
			break;
		case 'T':
			token = optarg;
			break;
		case 'C':
			cacert = optarg;
			break;
		case 'N':
			if (strlen(optarg) == 0 || strlen(optarg) > 255)
				scan_fatal("--scanner: expected 1 to 255 "
				    "bytes");
			strlcpy(s.scanner, optarg, sizeof(s.scanner));
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if ((url != NULL) != (token != NULL))
		scan_fatal("--submit and --token go together");
	if (cacert != NULL && url == NULL)
		scan_fatal("--cacert is for --submit");
	if ((s.nports = scan_ports_parse(portspec, s.ports, SCAN_MAX_PORTS,
	    err, sizeof(err))) == -1)
		scan_fatal("-p: %s", err);
	if (s.scanner[0] == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			strlcpy(host, "unknown", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(s.scanner, sizeof(s.scanner), "outpost-scan/%s@%s",
		    PACKAGE_VERSION, host);
	}
	/* Leave room under the descriptor limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)s.parallel + 16 > rl.rlim_cur) {
		s.parallel = rl.rlim_cur > 32 ? (int)(rl.rlim_cur - 16) : 16;
		fprintf(stderr, "outpost-scan: -c lowered to %d (open file "
		    "limit %llu)\n", s.parallel,
		    (unsigned long long)rl.rlim_cur);
	}
	signal(SIGPIPE, SIG_IGN);
	if (url != NULL && (submit = scan_submit_new(url, token, cacert, err,
	    sizeof(err))) == NULL)
		scan_fatal("%s", err);

	for (k = 0; k < argc; k++)
		scan_add_target(&s, argv[k]);
	scan_run(&s);

	for (i = 0; submit != NULL && i < s.nhosts; i++) {
		if (!scan_is_shown(&s.hosts[i]) || s.hosts[i].nopen == 0)
			continue;
		body = scan_submission_body(&s, &s.hosts[i]);
		if (scan_submit_post(submit, body, &s.hosts[i].submission) ==
		    -1)
			rc = 2;
		if (!s.as_json)
			fprintf(stderr, "outpost-scan: %s: %s\n",
			    s.hosts[i].address, s.hosts[i].submission.message);
		json_object_put(body);
	}

	if (s.as_json) {
		doc = json_object_new_object();
		json_add_string(doc, "scanner", s.scanner);
		ports = json_object_new_array();
		for (k = 0; k < s.nports; k++)
			json_object_array_add(ports,
			    json_object_new_int(s.ports[k]));
		json_object_object_add(doc, "ports", ports);
		results = json_object_new_array();
		for (i = 0; i < s.nhosts; i++)
			if (scan_is_shown(&s.hosts[i]))
				json_object_array_add(results,
				    scan_host_json(&s.hosts[i]));
		json_object_object_add(doc, "results", results);
		printf("%s\n", json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	} else
		for (i = 0; i < s.nhosts; i++)
			if (scan_is_shown(&s.hosts[i]))
				scan_print_text(&s.hosts[i]);
	if (s.unresolved > 0)
		rc = 2;
	if (s.unresolved == argc && s.nhosts == 0)
		rc = 1;
	for (i = 0; i < s.nhosts; i++) {
		free(s.hosts[i].open);
		free(s.hosts[i].ids);
		scan_submission_clear(&s.hosts[i].submission);
	}
	free(s.hosts);
	scan_submit_free(submit);
	return rc;
}
