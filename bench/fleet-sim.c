/*
 * bench/fleet-sim.c: many simulated outpostd agents in one process, on
 * libevent and OpenSSL, against one outpost-platform, to measure what a
 * platform node carries and how its cost grows with the fleet.
 *
 * Each simulated agent speaks the agent API as outpostd does on the wire
 * (bench/fleet-sim.sh and README, "Fleet simulator", say how that was
 * checked against a real agent): HTTP/1.1 over TLS 1.2+ verified against
 * the platform's CA, one connection per agent kept alive between requests
 * and opened again once the platform closed it, resuming the agent's TLS
 * session (as outpostd's shared curl session cache does; --full-handshakes
 * makes a full handshake each time, as outpostd did before it shared
 * one), request bodies of 1 KiB or more gzip-compressed. An agent activates,
 * heartbeats, fetches its profile and manifests, uploads a full
 * inventory, then heartbeats every heartbeat interval +-10 % (outpostd's
 * jitter), sends inventory deltas with package churn, FIM batches and
 * now and then an error report at the configured rates, each at a random
 * phase so the fleet does not wake together.
 *
 * The fleet grows in steps (--steps 1000,10000,...): the new agents of a
 * step are activated at --activate-rate, then after --warmup seconds the
 * step is measured for --step-time seconds: requests per second by kind,
 * p50 and p99 latency (from the moment a request is due, through connect
 * and TLS handshake when it needs them, to the end of its answer), errors,
 * the platform's CPU time (from /proc/PID/stat of --platform-pid) per agent
 * per minute and its RSS, and this process's own CPU. One line per step,
 * "key=value" fields, starting with "step"; the last line says which step
 * was the largest with p99 < --p99-limit ms, no errors, and the offered
 * rate achieved.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <zlib.h>

#define SIM_MAX_STEPS		32
#define SIM_LAT_BINS		20000	/* 10 us each, up to 200 ms */
#define SIM_LAT_BIN_US		10
#define SIM_GZIP_MIN		1024	/* outpostd's UPLINK_GZIP_MIN */
#define SIM_TIMEOUT_SEC		30	/* a request gets this long */
#define SIM_MAX_AGE_CONN	118	/* libcurl's CURLOPT_MAXAGE_CONN default, s */

enum sim_kind {
	K_ACTIVATE, K_HEARTBEAT, K_PROFILE, K_MANIFEST, K_FULL, K_DELTA,
	K_FIM, K_ERRORS, K_NKINDS
};
static const char *const sim_kind_names[K_NKINDS] = {
	"activate", "heartbeat", "profile", "manifest", "inventory_full",
	"inventory_delta", "fim", "errors"
};

/* One step's figures. */
struct sim_stats {
	uint64_t	 done[K_NKINDS];	/* 2xx answers */
	uint64_t	 errors;		/* transport, timeouts, non-2xx */
	uint64_t	 http_errors;
	uint64_t	 lat[SIM_LAT_BINS + 1];
	uint64_t	 nlat;
	double		 lat_max_ms;
	uint64_t	 connects;
};

struct sim_conn;

/* One simulated agent. */
struct sim_agent {
	uint32_t		 idx;
	int			 active;	/* activated */
	int			 setup;		/* start-up requests left */
	char			 cred[112];	/* uuid.secret */
	int64_t			 inv_version;
	uint32_t		 gen;		/* inventory generation */
	uint32_t		 extra;		/* "extraN" held, 0: none */
	int64_t			 seq;		/* spool sequence */
	double			 next_hb, next_delta, next_fim, next_err;
	enum sim_kind		 doing;
	double			 due;		/* when the request was due */
	int			 retried;
	struct sim_conn		*conn;
	SSL_SESSION		*session;	/* the last one kept */
	struct event		 timer;
};

/* A connection of an agent: TLS, one request at a time. */
struct sim_conn {
	struct sim_agent	*agent;
	struct bufferevent	*bev;
	int			 busy;		/* a request is out */
	int			 reused;	/* the request went on it kept */
	int			 got_bytes;	/* of the answer */
	struct sim_conn		*prev, *next;	/* idle list, oldest first */
	int			 idle;
	double			 idle_since;	/* sim_now() it went idle */
	struct event		*timeout;
};

static struct {
	struct event_base	*base;
	SSL_CTX			*ctx;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			 host[256];
	char			*activation_id, *customer_id;
	struct sim_agent	*agents;
	uint32_t		 nagents;	/* made so far */
	uint32_t		 target;	/* of the current step */
	uint32_t		 activated_upto;
	double			 hb_interval, deltas_per_hour, fim_per_hour;
	double			 errors_per_hour;
	int			 npackages, churn, fim_events;
	double			 activate_rate;
	int			 tls_resume;
	int			 max_idle;
	int			 nsources;
	int			 ex_index;	/* of the agent in an SSL */
	uint64_t		 sessions;	/* TLS sessions kept */
	uint64_t		 offered;	/* resumptions offered */
	int			 nidle;
	struct sim_conn		*idle_head, *idle_tail;
	int			 nconns;
	struct sim_stats	 stats;
	int			 measuring;
	pid_t			 platform_pid;
	double			 p99_limit;
	struct event		*activate_ev;
	int			 inflight_activations;
} sim;

static void	sim_agent_go(struct sim_agent *, double);
static void	sim_request(struct sim_agent *, enum sim_kind);
static void	sim_conn_free(struct sim_conn *);

/* Now, in seconds on the monotonic clock. */
static double
sim_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Add timer ev to fire after secs seconds. */
static void
sim_after(struct event *ev, int secs)
{
	struct timeval	 tv = { secs, 0 };

	evtimer_add(ev, &tv);
}

/* A uniform random number in [0, 1). */
static double
sim_rand(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

/* Print why and exit 1. */
static void
sim_fatal(const char *why)
{
	fprintf(stderr, "fleet-sim: %s\n", why);
	exit(1);
}

/* Count an answer (or a failure: status 0) of kind after the due time. */
static void
sim_count(enum sim_kind kind, int status, double due)
{
	struct sim_stats	*st = &sim.stats;
	double			 ms = (sim_now() - due) * 1000.0;
	uint64_t		 bin;

	if (!sim.measuring)
		return;
	if (status >= 200 && status < 300)
		st->done[kind]++;
	else {
		st->errors++;
		if (status != 0)
			st->http_errors++;
	}
	bin = (uint64_t)(ms * 1000.0 / SIM_LAT_BIN_US);
	st->lat[bin < SIM_LAT_BINS ? bin : SIM_LAT_BINS]++;
	st->nlat++;
	if (ms > st->lat_max_ms)
		st->lat_max_ms = ms;
}

/* The latency quantile q (0..1) of st, in ms. */
static double
sim_quantile(const struct sim_stats *st, double q)
{
	uint64_t	 want, seen = 0;
	size_t		 i;

	if (st->nlat == 0)
		return 0;
	want = (uint64_t)ceil(q * st->nlat);
	for (i = 0; i <= SIM_LAT_BINS; i++) {
		seen += st->lat[i];
		if (seen >= want)
			return i == SIM_LAT_BINS ? st->lat_max_ms :
			    (i + 1) * SIM_LAT_BIN_US / 1000.0;
	}
	return st->lat_max_ms;
}

/* gzip len bytes of in into a new buffer. Returns it, or NULL. */
static unsigned char *
sim_gzip(const char *in, size_t len, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*out;
	size_t		 cap = compressBound(len) + 32;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Take c off the idle list. */
static void
sim_idle_remove(struct sim_conn *c)
{
	if (!c->idle)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		sim.idle_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		sim.idle_tail = c->prev;
	c->prev = c->next = NULL;
	c->idle = 0;
	sim.nidle--;
}

/* Put c at the end of the idle list; close the oldest past max_idle. */
static void
sim_idle_add(struct sim_conn *c)
{
	c->idle = 1;
	c->idle_since = sim_now();
	c->prev = sim.idle_tail;
	c->next = NULL;
	if (sim.idle_tail != NULL)
		sim.idle_tail->next = c;
	else
		sim.idle_head = c;
	sim.idle_tail = c;
	sim.nidle++;
	while (sim.nidle > sim.max_idle && sim.idle_head != NULL)
		sim_conn_free(sim.idle_head);
}

/* Close and free c, detaching it from its agent. */
static void
sim_conn_free(struct sim_conn *c)
{
	sim_idle_remove(c);
	if (c->agent != NULL && c->agent->conn == c)
		c->agent->conn = NULL;
	if (c->timeout != NULL)
		event_free(c->timeout);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	sim.nconns--;
	free(c);
}

/* The request of a's connection failed (status 0) or was refused. */
static void
sim_failed(struct sim_agent *a, struct sim_conn *c)
{
	int	 retry = c != NULL && c->reused && !c->got_bytes &&
	    !a->retried;

	if (c != NULL)
		sim_conn_free(c);
	if (retry) {
		/* A kept connection the platform had closed: as curl, again. */
		a->retried = 1;
		sim_request(a, a->doing);
		return;
	}
	sim_count(a->doing, 0, a->due);
	if (a->doing == K_ACTIVATE)
		sim.inflight_activations--;
	/* Try again at the next heartbeat, as outpostd does after a failure. */
	if (!a->active) {
		sim_after(&a->timer, 5);
		return;
	}
	a->setup = 0;
	sim_agent_go(a, sim_now());
}

/* Next time of an event at rate per hour (0: never), with jitter. */
static double
sim_next(double now, double per_hour)
{
	if (per_hour <= 0)
		return INFINITY;
	return now + 3600.0 / per_hour * (0.5 + sim_rand());
}

/* The first time of an event at rate per hour: a random phase. */
static double
sim_first(double now, double per_hour)
{
	if (per_hour <= 0)
		return INFINITY;
	return now + 3600.0 / per_hour * sim_rand();
}

/* Pull the member "name":VALUE (a string or an integer) out of body. */
static int
sim_member(const char *body, const char *name, char *out, size_t len)
{
	char		 key[64];
	const char	*p, *e;

	snprintf(key, sizeof(key), "\"%s\":", name);
	if ((p = strstr(body, key)) == NULL)
		return -1;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (*p == '"') {
		p++;
		if ((e = strchr(p, '"')) == NULL)
			return -1;
	} else
		for (e = p; *e >= '0' && *e <= '9'; e++)
			;
	if ((size_t)(e - p) >= len)
		return -1;
	memcpy(out, p, e - p);
	out[e - p] = '\0';
	return 0;
}

/* The answer to a's request arrived: status, body. */
static void
sim_answered(struct sim_agent *a, int status, const char *body)
{
	char	 v[128];
	double	 now = sim_now();

	static int	 shown;

	a->retried = 0;
	sim_count(a->doing, status, a->due);
	if ((status < 200 || status >= 300) && shown < 5) {
		/* The first few refusals, so a run that fails says why. */
		shown++;
		fprintf(stderr, "fleet-sim: %s answered %d: %.300s\n",
		    sim_kind_names[a->doing], status, body);
	}
	switch (a->doing) {
	case K_ACTIVATE:
		sim.inflight_activations--;
		if (status != 201 ||
		    sim_member(body, "credential", a->cred,
		    sizeof(a->cred)) == -1) {
			sim_after(&a->timer, 5);
			return;
		}
		a->active = 1;
		a->inv_version = -1;
		/* Then heartbeat, profile, 3 manifests, full inventory. */
		a->setup = 7;
		break;
	case K_FULL:
	case K_DELTA:
		if (status == 200 && sim_member(body, "inventory_version", v,
		    sizeof(v)) == 0) {
			a->inv_version = strtoll(v, NULL, 10);
			a->extra = a->doing == K_DELTA ? a->gen : 0;
		}
		else if (status == 409)
			a->inv_version = -1;	/* send a full one */
		break;
	default:
		break;
	}
	if (a->setup > 0)
		a->setup--;
	sim_agent_go(a, now);
}

/* Parse the answer in c's input: 1 when whole (handled), 0 for more. */
static int
sim_parse(struct sim_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 eoh;
	char			*head, *p, *body;
	size_t			 hlen, clen = 0;
	int			 status, close_after = 0;
	struct sim_agent	*a = c->agent;

	eoh = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (eoh.pos < 0)
		return 0;
	hlen = eoh.pos + 4;
	head = (char *)evbuffer_pullup(in, hlen);
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
		sim_failed(a, c);
		return 1;
	}
	for (p = head; p < head + hlen && (p = strstr(p, "\r\n")) != NULL;
	    p += 2) {
		if (strncasecmp(p + 2, "Content-Length:", 15) == 0)
			clen = strtoul(p + 17, NULL, 10);
		else if (strncasecmp(p + 2, "Connection: close", 17) == 0)
			close_after = 1;
		if (p + 2 >= head + eoh.pos)
			break;
	}
	if (evbuffer_get_length(in) < hlen + clen)
		return 0;
	evbuffer_drain(in, hlen);
	if ((body = malloc(clen + 1)) == NULL)
		sim_fatal("out of memory");
	evbuffer_remove(in, body, clen);
	body[clen] = '\0';
	c->busy = 0;
	evtimer_del(c->timeout);
	if (close_after)
		sim_conn_free(c);
	else
		sim_idle_add(c);
	sim_answered(a, status, body);
	free(body);
	return 1;
}

/* Bytes arrived on c. */
static void
sim_read_cb(struct bufferevent *bev, void *arg)
{
	struct sim_conn	*c = arg;

	c->got_bytes = 1;
	if (!c->busy) {
		/* Nothing asked: drop it. */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	sim_parse(c);
}

/* The connection closed or failed. */
static void
sim_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sim_conn	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (c->busy)
		sim_failed(c->agent, c);
	else
		sim_conn_free(c);
}

/* A request took too long. */
static void
sim_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_conn	*c = arg;

	c->reused = 0;
	sim_failed(c->agent, c);
}

/* The new-session callback : keep a copy for the agent. */
static int
sim_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct sim_agent	*a = SSL_get_ex_data(ssl, sim.ex_index);

	if (a == NULL)
		return 0;
	sim.sessions++;
	if (a->session != NULL)
		SSL_SESSION_free(a->session);
	/*
	 * A copy: OpenSSL marks the connection's own session not resumable
	 * when the connection is freed without close_notify sent.
	 */
	a->session = SSL_SESSION_dup(sess);
	return 0;
}

/*
 * A non-blocking TCP socket for a, bound to its source address with
 * --sources (127.1.X.Y: a fleet comes from many addresses, and the
 * platform limits connections per source). Returns it, or -1.
 */
static int
sim_socket(struct sim_agent *a)
{
	struct sockaddr_in	 src;
	uint32_t		 i;
	int			 fd;

	if ((fd = socket(sim.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (sim.nsources > 0 && sim.addr.ss_family == AF_INET) {
		i = a->idx % (uint32_t)sim.nsources;
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(0x7f010000U | (i / 250) << 8 |
		    (1 + i % 250));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Open a connection for a. Returns it, or NULL. */
static struct sim_conn *
sim_connect(struct sim_agent *a)
{
	struct sim_conn	*c;
	SSL		*ssl;
	int		 fd, on = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((ssl = SSL_new(sim.ctx)) == NULL) {
		free(c);
		return NULL;
	}
	SSL_set_tlsext_host_name(ssl, sim.host);
	SSL_set1_host(ssl, sim.host);
	SSL_set_ex_data(ssl, sim.ex_index, a);
	if ((fd = sim_socket(a)) == -1) {
		SSL_free(ssl);
		free(c);
		return NULL;
	}
	c->bev = bufferevent_openssl_socket_new(sim.base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (c->bev == NULL) {
		SSL_free(ssl);
		close(fd);
		free(c);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	/* After libevent set the SSL up, which would drop a session. */
	if (sim.tls_resume && a->session != NULL)
		sim.offered += SSL_set_session(ssl, a->session) == 1;
	c->agent = a;
	c->timeout = evtimer_new(sim.base, sim_timeout_cb, c);
	bufferevent_setcb(c->bev, sim_read_cb, NULL, sim_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	sim.nconns++;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&sim.addr,
	    sim.addrlen) == -1) {
		sim_conn_free(c);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (sim.measuring)
		sim.stats.connects++;
	return c;
}

/* The package list of an inventory, generation gen, as JSON items. */
static void
sim_packages(struct evbuffer *b, struct sim_agent *a)
{
	int	 i;

	for (i = 0; i < sim.npackages; i++)
		evbuffer_add_printf(b, "%s{\"name\":\"pkg%d\",\"version\":"
		    "\"1.%u-1\",\"arch\":\"amd64\",\"ecosystem\":\"deb\","
		    "\"source\":\"pkg%d\",\"source_version\":\"1.%u-1\"}",
		    i ? "," : "", i, (unsigned)(a->gen + i % 7), i,
		    (unsigned)(a->gen + i % 7));
}

/* The body of request kind of a, into b. */
static void
sim_body(struct sim_agent *a, enum sim_kind kind, struct evbuffer *b)
{
	int	 i, p;

	switch (kind) {
	case K_ACTIVATE:
		evbuffer_add_printf(b, "{\"activation_id\":\"%s\","
		    "\"customer_id\":\"%s\",\"host\":{\"hostname\":"
		    "\"sim-%06u\",\"os\":\"Debian GNU/Linux\",\"os_version\":"
		    "\"12\",\"kernel\":\"6.1.0-18-amd64\",\"arch\":\"x86_64\","
		    "\"machine_id\":\"%032x\",\"agent_version\":\"0.1.0\","
		    "\"ip_addresses\":[\"10.%u.%u.%u\"]},\"instance_id\":"
		    "\"%032x\"}", sim.activation_id, sim.customer_id, a->idx,
		    a->idx, (a->idx >> 16) & 255, (a->idx >> 8) & 255,
		    a->idx & 255, a->idx + 1);
		break;
	case K_HEARTBEAT:
		evbuffer_add_printf(b, "{\"status\":\"running\","
		    "\"agent_version\":\"0.1.0\",\"profile_version\":1,"
		    "\"errors\":[],\"current_errors\":[],\"instance_id\":"
		    "\"%032x\",\"manifest_versions\":{\"inventory\":1,"
		    "\"fim\":1,\"vulnsigs\":1},\"fim\":{\"state\":"
		    "\"unicast\"},\"correlation\":{\"listeners\":[]}}",
		    a->idx + 1);
		break;
	case K_FULL:
		evbuffer_add_printf(b, "{\"type\":\"full\",\"data\":{\"os\":"
		    "{\"name\":\"Debian GNU/Linux\",\"version\":\"12\"},"
		    "\"users\":[{\"name\":\"root\",\"uid\":0}],\"packages\":[");
		sim_packages(b, a);
		evbuffer_add_printf(b, "]}}");
		break;
	case K_DELTA:
		/* churn upgrades, one package removed and another added. */
		evbuffer_add_printf(b, "{\"type\":\"delta\",\"base_version\":"
		    "%" PRId64 ",\"items\":{\"packages\":{\"put\":[",
		    a->inv_version);
		for (i = 0; i < sim.churn; i++) {
			p = (int)((a->gen * (uint32_t)sim.churn + i) %
			    (uint32_t)sim.npackages);
			evbuffer_add_printf(b, "{\"name\":\"pkg%d\",\"version\":"
			    "\"2.%u-1\",\"arch\":\"amd64\",\"ecosystem\":"
			    "\"deb\",\"source\":\"pkg%d\",\"source_version\":"
			    "\"2.%u-1\"},", p, a->gen, p, a->gen);
		}
		evbuffer_add_printf(b, "{\"name\":\"extra%u\",\"version\":"
		    "\"1.0-1\",\"arch\":\"amd64\",\"ecosystem\":\"deb\"}]",
		    a->gen);
		if (a->extra > 0)
			evbuffer_add_printf(b, ",\"delete\":[{\"name\":"
			    "\"extra%u\",\"arch\":\"amd64\",\"ecosystem\":"
			    "\"deb\"}]", a->extra);
		evbuffer_add_printf(b, "}}}");
		break;
	case K_FIM:
		evbuffer_add_printf(b, "{\"sequence\":%" PRId64 ",\"events\":[",
		    ++a->seq);
		for (i = 0; i < sim.fim_events; i++)
			evbuffer_add_printf(b, "%s{\"time\":%lld,\"time_ms\":0,"
			    "\"path\":\"/etc/app/conf%d.d/file%d\",\"action\":"
			    "\"modify\",\"rule\":\"/etc\",\"syscall\":"
			    "\"openat\",\"success\":true,\"pid\":%d,\"uid\":0,"
			    "\"exe\":\"/usr/bin/vim.basic\",\"comm\":\"vim\","
			    "\"sha256\":\"%064x\"}", i ? "," : "",
			    (long long)time(NULL), i % 5, i, 1000 + i, i);
		evbuffer_add_printf(b, "]}");
		break;
	case K_ERRORS:
		evbuffer_add_printf(b, "{\"sequence\":%" PRId64 ",\"errors\":"
		    "[{\"code\":\"E201\",\"message\":\"proxy 10.0.0.1:3128: "
		    "connection refused\",\"time\":%lld}]}", ++a->seq,
		    (long long)time(NULL));
		break;
	default:
		break;
	}
}

/* Send request kind of a, on its kept connection or a new one. */
static void
sim_request(struct sim_agent *a, enum sim_kind kind)
{
	static const char *const paths[K_NKINDS] = {
		"/agent/v1/activate", "/agent/v1/heartbeat",
		"/agent/v1/profile", "/agent/v1/manifests/", 
		"/agent/v1/inventory", "/agent/v1/inventory",
		"/agent/v1/fim-events", "/agent/v1/errors"
	};
	static const char *const manifests[3] = { "inventory", "fim",
	    "vulnsigs" };
	struct sim_conn	*c;
	struct evbuffer	*body, *out;
	unsigned char	*gz = NULL;
	size_t		 len, gzlen = 0;
	int		 is_get = kind == K_PROFILE || kind == K_MANIFEST;

	a->doing = kind;
	if ((c = a->conn) != NULL && sim_now() - c->idle_since >
	    SIM_MAX_AGE_CONN) {
		/* Idle too long for curl to reuse it: a new one. */
		sim_conn_free(c);
		c = NULL;
	}
	if (c != NULL) {
		sim_idle_remove(c);
		c->reused = 1;
	} else if ((c = a->conn = sim_connect(a)) == NULL) {
		sim_failed(a, NULL);
		return;
	}
	c->busy = 1;
	c->got_bytes = 0;
	out = bufferevent_get_output(c->bev);
	body = evbuffer_new();
	if (!is_get)
		sim_body(a, kind, body);
	len = evbuffer_get_length(body);
	if (len >= SIM_GZIP_MIN)
		gz = sim_gzip((const char *)evbuffer_pullup(body, -1), len,
		    &gzlen);
	evbuffer_add_printf(out, "%s %s%s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: outpost/0.1.0\r\nAccept: application/json\r\n",
	    is_get ? "GET" : "POST", paths[kind], kind == K_MANIFEST ?
	    manifests[a->setup % 3] : "", sim.host);
	if (kind != K_ACTIVATE)
		evbuffer_add_printf(out, "Authorization: Bearer %s\r\n",
		    a->cred);
	if (!is_get) {
		evbuffer_add_printf(out, "Content-Type: application/json\r\n"
		    "%sContent-Length: %zu\r\n\r\n", gz != NULL ?
		    "Content-Encoding: gzip\r\n" : "", gz != NULL ? gzlen : len);
		if (gz != NULL)
			evbuffer_add(out, gz, gzlen);
		else
			evbuffer_add_buffer(out, body);
	} else
		evbuffer_add_printf(out, "\r\n");
	free(gz);
	evbuffer_free(body);
	sim_after(c->timeout, SIM_TIMEOUT_SEC);
}

/* Schedule a's timer for its next due request after now. */
static void
sim_agent_go(struct sim_agent *a, double now)
{
	double		 next;
	struct timeval	 tv;

	if (a->setup > 0) {
		/* The start-up sequence: one request after the other. */
		a->due = now;
		switch (a->setup) {
		case 6:
			sim_request(a, K_HEARTBEAT);
			return;
		case 5:
			sim_request(a, K_PROFILE);
			return;
		case 4: case 3: case 2:
			sim_request(a, K_MANIFEST);
			return;
		default:
			a->inv_version = -1;
			sim_request(a, K_FULL);
			return;
		}
	}
	if (a->next_hb == 0) {
		/* A random phase in each period, so the fleet is spread. */
		a->next_hb = now + sim.hb_interval * sim_rand();
		a->next_delta = sim_first(now, sim.deltas_per_hour);
		a->next_fim = sim_first(now, sim.fim_per_hour);
		a->next_err = sim_first(now, sim.errors_per_hour);
	}
	next = fmin(fmin(a->next_hb, a->next_delta),
	    fmin(a->next_fim, a->next_err));
	if (next < now)
		next = now;
	tv.tv_sec = (time_t)(next - now);
	tv.tv_usec = (suseconds_t)((next - now - tv.tv_sec) * 1e6);
	evtimer_add(&a->timer, &tv);
}

/* a's timer: send what is due (activation for a new agent). */
static void
sim_agent_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_agent	*a = arg;
	double			 now = sim_now(), spread;

	if (!a->active) {
		a->due = now;
		sim.inflight_activations++;
		sim_request(a, K_ACTIVATE);
		return;
	}
	spread = sim.hb_interval / 10;
	if (a->next_hb <= now) {
		a->due = a->next_hb;
		a->next_hb += sim.hb_interval - spread + 2 * spread *
		    sim_rand();
		if (a->next_hb < now)
			a->next_hb = now + sim.hb_interval;
		sim_request(a, K_HEARTBEAT);
	} else if (a->next_delta <= now) {
		a->due = a->next_delta;
		a->next_delta = sim_next(now, sim.deltas_per_hour);
		if (a->inv_version < 0) {
			sim_request(a, K_FULL);
			return;
		}
		a->gen++;
		sim_request(a, K_DELTA);
	} else if (a->next_fim <= now) {
		a->due = a->next_fim;
		a->next_fim = sim_next(now, sim.fim_per_hour);
		sim_request(a, K_FIM);
	} else if (a->next_err <= now) {
		a->due = a->next_err;
		a->next_err = sim_next(now, sim.errors_per_hour);
		sim_request(a, K_ERRORS);
	} else
		sim_agent_go(a, now);
}

/* Start the activation of new agents at the activation rate. */
static void
sim_activate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { 0, 10000 };
	uint32_t	 n, batch = (uint32_t)ceil(sim.activate_rate / 100);

	for (n = 0; n < batch && sim.activated_upto < sim.target; n++) {
		struct sim_agent *a = &sim.agents[sim.activated_upto++];

		event_active(&a->timer, EV_TIMEOUT, 0);
	}
	if (sim.activated_upto < sim.target)
		evtimer_add(sim.activate_ev, &tv);
}

/* The platform's CPU seconds and RSS (KiB) from /proc. Returns 0, -1. */
static int
sim_proc(pid_t pid, double *cpu, long *rss_kb)
{
	char	 path[64], buf[2048], *p;
	FILE	*f;
	unsigned long utime, stime;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL ||
	    (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &utime, &stime) != 2) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*cpu = (double)(utime + stime) / sysconf(_SC_CLK_TCK);
	*rss_kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "VmRSS: %ld", rss_kb) == 1)
				break;
		fclose(f);
	}
	return 0;
}

/* This process's CPU seconds. */
static double
sim_self_cpu(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Run the loop for secs seconds. */
static void
sim_run_for(double secs)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - tv.tv_sec) * 1e6);
	event_base_loopexit(sim.base, &tv);
	event_base_dispatch(sim.base);
}

/* Resolve url (https://HOST:PORT) into sim.addr and sim.host. */
static void
sim_resolve(const char *url)
{
	char		 host[256], port[16];
	const char	*p, *c;
	struct addrinfo	 hints, *ai;

	if (strncmp(url, "https://", 8) != 0)
		sim_fatal("--url must be https://HOST:PORT");
	p = url + 8;
	if ((c = strrchr(p, ':')) == NULL || (size_t)(c - p) >= sizeof(host))
		sim_fatal("--url must be https://HOST:PORT");
	memcpy(host, p, c - p);
	host[c - p] = '\0';
	snprintf(port, sizeof(port), "%.*s", (int)strcspn(c + 1, "/"), c + 1);
	snprintf(sim.host, sizeof(sim.host), "%s", host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		sim_fatal("cannot resolve the platform's address");
	memcpy(&sim.addr, ai->ai_addr, ai->ai_addrlen);
	sim.addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
}

/* Print the usage and exit 2. */
static void
sim_usage(void)
{
	fprintf(stderr, "usage: fleet-sim --url https://HOST:PORT --ca CA.pem "
	    "--activation-id ID --customer-id ID\n"
	    "    [--steps N,N,...] [--step-time S] [--warmup S] "
	    "[--platform-pid PID]\n"
	    "    [--heartbeat S] [--deltas-per-hour R] [--fim-per-hour R] "
	    "[--errors-per-hour R]\n"
	    "    [--packages N] [--churn N] [--fim-events N] "
	    "[--activate-rate R] [--max-idle N]\n"
	    "    [--p99-limit MS] [--full-handshakes] [--sources N]\n");
	exit(2);
}

/* Print the figures of a step of n agents measured over secs. */
static int
sim_report(uint32_t n, double secs, double pcpu, long rss_kb, double scpu,
    double offered_hb)
{
	struct sim_stats	*st = &sim.stats;
	uint64_t		 total = 0;
	double			 p50 = sim_quantile(st, 0.50);
	double			 p99 = sim_quantile(st, 0.99);
	double			 hb_rate;
	int			 i, ok;

	for (i = 0; i < K_NKINDS; i++)
		total += st->done[i];
	hb_rate = st->done[K_HEARTBEAT] / secs;
	printf("step agents=%u secs=%.0f req_s=%.1f", n, secs,
	    (total + st->errors) / secs);
	for (i = 0; i < K_NKINDS; i++)
		if (st->done[i] > 0)
			printf(" %s_s=%.2f", sim_kind_names[i],
			    st->done[i] / secs);
	ok = p99 < sim.p99_limit && st->errors == 0 &&
	    hb_rate >= 0.95 * offered_hb;
	printf(" p50_ms=%.2f p99_ms=%.2f max_ms=%.1f errors=%" PRIu64
	    " http_errors=%" PRIu64 " connects_s=%.1f", p50, p99,
	    st->lat_max_ms, st->errors, st->http_errors,
	    st->connects / secs);
	if (pcpu >= 0)
		printf(" platform_cpu_pct=%.1f platform_cpu_ms_per_agent_min=%.4f"
		    " platform_rss_mb=%.1f", 100 * pcpu / secs,
		    1000 * pcpu / n / (secs / 60), rss_kb / 1024.0);
	printf(" sim_cpu_pct=%.1f sustained=%s\n", 100 * scpu / secs,
	    ok ? "yes" : "no");
	fflush(stdout);
	return ok;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "activation-id", required_argument, NULL, 'a' },
		{ "customer-id", required_argument, NULL, 'C' },
		{ "steps", required_argument, NULL, 's' },
		{ "step-time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "platform-pid", required_argument, NULL, 'p' },
		{ "heartbeat", required_argument, NULL, 'h' },
		{ "deltas-per-hour", required_argument, NULL, 'd' },
		{ "fim-per-hour", required_argument, NULL, 'f' },
		{ "errors-per-hour", required_argument, NULL, 'e' },
		{ "packages", required_argument, NULL, 'P' },
		{ "churn", required_argument, NULL, 'x' },
		{ "fim-events", required_argument, NULL, 'F' },
		{ "activate-rate", required_argument, NULL, 'r' },
		{ "max-idle", required_argument, NULL, 'i' },
		{ "p99-limit", required_argument, NULL, 'l' },
		{ "full-handshakes", no_argument, NULL, 'R' },
		{ "sources", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t	 steps[SIM_MAX_STEPS], best = 0;
	int		 nsteps = 0, ch, k;
	char		*url = NULL, *ca = NULL, *s, *tok;
	double		 step_time = 60, warmup = 70, t0, pcpu0, pcpu1, scpu0;
	double		 best_pct = 0;
	long		 rss = 0;
	struct rlimit	 rl;

	sim.tls_resume = 1;
	sim.hb_interval = 60;
	sim.deltas_per_hour = 1;
	sim.fim_per_hour = 6;
	sim.errors_per_hour = 0.1;
	sim.npackages = 400;
	sim.churn = 5;
	sim.fim_events = 20;
	sim.activate_rate = 500;
	sim.max_idle = 1 << 20;
	sim.p99_limit = 100;
	steps[nsteps++] = 1000;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'c': ca = optarg; break;
		case 'a': sim.activation_id = optarg; break;
		case 'C': sim.customer_id = optarg; break;
		case 's':
			nsteps = 0;
			s = optarg;
			while ((tok = strsep(&s, ",")) != NULL &&
			    nsteps < SIM_MAX_STEPS)
				if ((steps[nsteps] = strtoul(tok, NULL, 10)) > 0)
					nsteps++;
			break;
		case 't': step_time = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'p': sim.platform_pid = atoi(optarg); break;
		case 'h': sim.hb_interval = atof(optarg); break;
		case 'd': sim.deltas_per_hour = atof(optarg); break;
		case 'f': sim.fim_per_hour = atof(optarg); break;
		case 'e': sim.errors_per_hour = atof(optarg); break;
		case 'P': sim.npackages = atoi(optarg); break;
		case 'x': sim.churn = atoi(optarg); break;
		case 'F': sim.fim_events = atoi(optarg); break;
		case 'r': sim.activate_rate = atof(optarg); break;
		case 'i': sim.max_idle = atoi(optarg); break;
		case 'l': sim.p99_limit = atof(optarg); break;
		case 'R': sim.tls_resume = 0; break;
		case 'S': sim.nsources = atoi(optarg); break;
		default: sim_usage();
		}
	}
	if (url == NULL || ca == NULL || sim.activation_id == NULL ||
	    sim.customer_id == NULL || nsteps == 0 || sim.hb_interval <= 0 ||
	    sim.npackages < 1 || sim.churn < 0 ||
	    sim.churn > sim.npackages || sim.activate_rate <= 0 ||
	    sim.max_idle < 1 || step_time <= 0 || sim.nsources < 0 ||
	    sim.nsources > 250 * 250)
		sim_usage();
	for (k = 1; k < nsteps; k++)
		if (steps[k] <= steps[k - 1])
			sim_fatal("--steps must grow");
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if ((rlim_t)sim.max_idle + 512 > rl.rlim_cur)
			sim.max_idle = rl.rlim_cur > 1024 ?
			    (int)rl.rlim_cur - 512 : 256;
	}
	sim_resolve(url);
	if ((sim.base = event_base_new()) == NULL ||
	    (sim.ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		sim_fatal("cannot set up libevent and OpenSSL");
	SSL_CTX_set_min_proto_version(sim.ctx, TLS1_2_VERSION);
	sim.ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (SSL_CTX_load_verify_locations(sim.ctx, ca, NULL) != 1)
		sim_fatal("cannot read --ca");
	SSL_CTX_set_verify(sim.ctx, SSL_VERIFY_PEER, NULL);
	if (sim.tls_resume) {
		/*
		 * The platform closes an idle connection without close_notify;
		 * OpenSSL would then mark its session not resumable.
		 */
		SSL_CTX_set_options(sim.ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
		SSL_CTX_set_session_cache_mode(sim.ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(sim.ctx, sim_session_cb);
	} else
		SSL_CTX_set_session_cache_mode(sim.ctx, SSL_SESS_CACHE_OFF);
	if ((sim.agents = calloc(steps[nsteps - 1],
	    sizeof(*sim.agents))) == NULL)
		sim_fatal("out of memory");
	sim.activate_ev = evtimer_new(sim.base, sim_activate_cb, NULL);
	printf("# fleet-sim: heartbeat %.0f s, %.2f inventory deltas (%d "
	    "packages of %d changed, one replaced) and %.2f FIM batches (%d "
	    "events) per agent per hour, %.2f error reports; TLS %s\n",
	    sim.hb_interval, sim.deltas_per_hour, sim.churn, sim.npackages,
	    sim.fim_per_hour, sim.fim_events, sim.errors_per_hour,
	    sim.tls_resume ? "sessions resumed, as outpostd" :
	    "a full handshake per connection, as outpostd before 2026-12-02");
	fflush(stdout);
	for (k = 0; k < nsteps; k++) {
		uint32_t	 i;
		double		 secs;

		sim.target = steps[k];
		for (i = sim.nagents; i < sim.target; i++) {
			sim.agents[i].idx = i;
			evtimer_assign(&sim.agents[i].timer, sim.base,
			    sim_agent_cb, &sim.agents[i]);
		}
		sim.nagents = sim.target;
		sim_after(sim.activate_ev, 0);
		/* Activation, start-up requests, then warmup. */
		t0 = sim_now();
		while ((sim.activated_upto < sim.target ||
		    sim.inflight_activations > 0) && sim_now() - t0 < 3600)
			sim_run_for(1);
		fprintf(stderr, "fleet-sim: %u agents activated (%.1f s)\n",
		    sim.target, sim_now() - t0);
		sim_run_for(warmup);
		memset(&sim.stats, 0, sizeof(sim.stats));
		sim.measuring = 1;
		pcpu0 = -1;
		if (sim.platform_pid > 0 &&
		    sim_proc(sim.platform_pid, &pcpu0, &rss) == -1)
			sim_fatal("cannot read /proc of --platform-pid");
		scpu0 = sim_self_cpu();
		t0 = sim_now();
		sim_run_for(step_time);
		secs = sim_now() - t0;
		pcpu1 = -1;
		if (sim.platform_pid > 0 &&
		    sim_proc(sim.platform_pid, &pcpu1, &rss) == 0)
			pcpu1 -= pcpu0;
		sim.measuring = 0;
		if (sim_report(sim.target, secs, pcpu1, rss,
		    sim_self_cpu() - scpu0, sim.target / sim.hb_interval)) {
			best = sim.target;
			best_pct = pcpu1 >= 0 ? 100 * pcpu1 / secs : -1;
		}
	}
	if (sim.tls_resume)
		fprintf(stderr, "fleet-sim: %llu TLS sessions kept, %llu "
		    "offered for resumption\n", (unsigned long long)sim.sessions,
		    (unsigned long long)sim.offered);
	if (best > 0)
		printf("largest fleet sustained with p99 < %.0f ms: %u agents "
		    "on one platform core (its event loop at %.1f %% of a "
		    "core)\n", sim.p99_limit, best, best_pct);
	else
		printf("largest fleet sustained with p99 < %.0f ms: none of "
		    "the steps\n", sim.p99_limit);
	return 0;
}
