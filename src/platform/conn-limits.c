/*
 * conn-limits.c: the platform's connections, a bounded and fairly shared
 * resource. evhttp accepts; server.c's bufferevent callback hands every
 * new connection to conns_open() before its descriptor is even set, and
 * an event of the highest priority admits the connections of that accept
 * batch as soon as it is done: a connection over max_connections_per_source
 * (per source address, IPv4 and IPv6 prefixes configurable) is closed at
 * once with a reset; over max_connections, the oldest idle keep-alive
 * connection (a client's first, then an agent's, else the oldest that has
 * not yet sent a request header) is closed to make room, and only when
 * every connection is busy is the new one refused. Nothing waits in a
 * queue for a slot.
 *
 * An agent's connection idles longer than another client's
 * (agent_keepalive_timeout, above the default heartbeat interval, against
 * keepalive_timeout) once an answer went to an authenticated agent
 * request: a heartbeat on a kept connection costs the platform about a
 * third of one that opens a new TCP connection and TLS session
 * (bench/fleet-sim.sh), and an unauthenticated client cannot hold
 * descriptors that long.
 *
 * Each connection is in one state at a time, kept in a list per state in
 * the order it entered it, so the deadline of each state (TLS handshake,
 * request header, request body, answer written, keep-alive idle) is
 * checked from the head of its list by a timer, at a cost of the
 * connections it closes. The states follow what the connection shows: the
 * SSL info callback says when the handshake is done, a callback on the
 * decrypted input sees the first byte of a request and the blank line
 * that ends its header, server.c says when the request is handled and
 * answered, and evhttp's completion callback when the answer is written.
 * A connection is closed by shutting its socket down, which evhttp sees as
 * the end of the connection and frees it; the record goes when OpenSSL
 * frees the connection's SSL (its ex_data free callback).
 *
 * Accepting is paused when connections would use the descriptors the
 * platform keeps for itself, after CONNS_ACCEPT_BATCH connections in one
 * wake-up (so other callbacks get a turn), and on EMFILE or ENFILE, with a
 * back-off timer; it resumes when a connection goes or the timer fires,
 * and never spins. Refusals, deadlines and accept errors are logged a few
 * at a time with a count of the rest (log-rate.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <openssl/ssl.h>

#include "clock.h"
#include "compat.h"
#include "conn-limits.h"
#include "jsonutil.h"
#include "log-rate.h"
#include "log.h"
#include "platform-conf.h"

#define CONNS_DEFAULT_MAX	262144	/* max_connections = auto, at most */
#define CONNS_RESERVE_MAX	64	/* descriptors kept for the platform */
#define CONNS_ACCEPT_BATCH	32	/* accepted per wake-up */
#define CONNS_SWEEP_MS		500	/* how often deadlines are checked */
#define CONNS_BACKOFF_MIN_MS	100	/* after an accept error ... */
#define CONNS_BACKOFF_MAX_MS	1000	/* ... doubling up to this */
#define CONNS_SUMMARY_SEC	60	/* a summary line when anything happened */
#define CONNS_HIGHEST_PRIORITY	0

enum conn_state {
	CONN_NEW,		/* accepted, not yet admitted */
	CONN_HANDSHAKE,		/* TLS handshake */
	CONN_HEADER,		/* reading a request line and header */
	CONN_BODY,		/* reading a request body */
	CONN_BUSY,		/* the request is handled, no answer yet */
	CONN_WRITING,		/* the answer is being written */
	CONN_IDLE,		/* keep-alive, between requests */
	CONN_AGENT_IDLE,	/* the same after an agent's request */
	CONN_CLOSING,		/* shut down here, evhttp is closing it */
	CONN_NSTATES
};

static const char *const conn_state_names[CONN_NSTATES] = {
	"new", "handshake", "header", "body", "busy", "writing", "idle",
	"agent_idle", "closing"
};

/* What the counters count; the names are those of the status API. */
enum conn_count {
	CC_ACCEPTED,
	CC_REFUSED_TOTAL,
	CC_REFUSED_SOURCE,
	CC_REFUSED_UNTRACKED,
	CC_CLOSED_HANDSHAKE,
	CC_CLOSED_HEADER,
	CC_CLOSED_BODY,
	CC_CLOSED_WRITE,
	CC_CLOSED_IDLE,
	CC_CLOSED_AGENT_IDLE,
	CC_CLOSED_OUTPUT,
	CC_EVICTED_IDLE,
	CC_EVICTED_AGENT_IDLE,
	CC_EVICTED_PENDING,
	CC_ACCEPT_ERRORS,
	CC_ACCEPT_PAUSES,
	CC_TLS_FULL,		/* handshakes with a new session */
	CC_TLS_RESUMED,		/* handshakes that resumed one */
	CC_COUNT
};

/* A state's deadline: the counter of closings and the key that sets it. */
struct conn_deadline {
	enum conn_state	 state;
	enum conn_count	 count;
	const char	*key;
	const char	*what;
};

static const struct conn_deadline conn_deadlines[] = {
	{ CONN_HANDSHAKE, CC_CLOSED_HANDSHAKE, "handshake_timeout",
	    "no TLS handshake" },
	{ CONN_HEADER, CC_CLOSED_HEADER, "header_timeout",
	    "no complete request header" },
	{ CONN_BODY, CC_CLOSED_BODY, "request_timeout",
	    "no complete request body" },
	{ CONN_WRITING, CC_CLOSED_WRITE, "write_timeout",
	    "the answer not taken" },
	{ CONN_IDLE, CC_CLOSED_IDLE, "keepalive_timeout",
	    "no new request" },
	{ CONN_AGENT_IDLE, CC_CLOSED_AGENT_IDLE, "agent_keepalive_timeout",
	    "no new request from the agent" }
};

/* The connections of one source (an address masked by its prefix). */
struct conn_source {
	struct conn_source	*next;
	int			 family;
	uint8_t			 key[16];
	int			 count;
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct conns		*conns;		/* NULL once forgotten */
	struct bufferevent	*bev;
	struct evbuffer_cb_entry *input_cb;
	struct conn_source	*source;	/* its slot; NULL when none */
	int			 is_lost;	/* its slot was lost (rekey) */
	enum conn_state		 state;
	uint64_t		 since;		/* ms it entered the state */
	int			 handshake_done;
	int			 is_agent;	/* last answer: to an agent */
	int			 eoh;		/* header end scanner state */
	int			 family;
	uint8_t			 addr[16];
	char			 text[INET6_ADDRSTRLEN];
};

TAILQ_HEAD(conn_list, conn);

struct conns {
	TAILQ_ENTRY(conns)	 entry;		/* conns_all */
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*admit_ev;
	struct event		*sweep_ev;
	struct event		*resume_ev;
	struct conn_list	 lists[CONN_NSTATES];
	int			 nstate[CONN_NSTATES];
	int			 nlive;		/* holding a slot */
	int			 nopen;		/* tracked, each a descriptor */
	int			 batch;		/* accepted since the admission */
	int			 is_paused;
	int			 is_error_paused;
	int			 backoff_ms;
	struct conn_source	**buckets;
	size_t			 nbuckets;
	int			 nsources;
	long			 fd_limit;
	int			 ceiling;	/* nopen at which accepting pauses */
	int			 max;
	int			 max_source;
	int			 prefix4;
	int			 prefix6;
	int			 timeout[CONN_NSTATES];	/* seconds, 0: none */
	uint64_t		 max_output;
	uint64_t		 count[CC_COUNT];
	uint64_t		 summarized[CC_COUNT];
	time_t			 summary_at;
	struct log_rate		 rate_refused;
	struct log_rate		 rate_closed;
	struct log_rate		 rate_accept;
};

static TAILQ_HEAD(, conns) conns_all = TAILQ_HEAD_INITIALIZER(conns_all);
static int conn_ex_index = -1;

static void	conn_forget(struct conns *, struct conn *);
static void	conns_resume(struct conns *, int);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit. Returns the limit in
 * force, the one before in *before.
 */
long
conns_raise_nofile(long *before)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		*before = -1;
		return -1;
	}
	*before = rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the descriptor limit from %ld "
			    "to its hard limit", *before);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
}

/* The SSL of a connection is freed: forget the connection, free it. */
static void
conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct conn	*c = ptr;

	if (c == NULL)
		return;
	/* The buffers are freed after the SSL: stop watching the input. */
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->input_cb);
	if (c->conns != NULL)
		conn_forget(c->conns, c);
	free(c);
}

/* Move c to the end of the list of state st, from now. */
static void
conn_set_state(struct conn *c, enum conn_state st)
{
	struct conns	*cs = c->conns;

	TAILQ_REMOVE(&cs->lists[c->state], c, entry);
	cs->nstate[c->state]--;
	c->state = st;
	c->since = clock_mono_ms();
	TAILQ_INSERT_TAIL(&cs->lists[st], c, entry);
	cs->nstate[st]++;
}

/* The connection of an evhttp request, or NULL. */
static struct conn *
conn_of_request(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	SSL				*ssl;
	struct conn			*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL ||
	    (c = SSL_get_ex_data(ssl, conn_ex_index)) == NULL ||
	    c->conns == NULL)
		return NULL;
	return c;
}

/* The key of a source: the address with the bits past its prefix cleared. */
static void
conn_source_key(const struct conns *cs, int family, const uint8_t *addr,
    uint8_t key[16])
{
	int	 bits = family == AF_INET ? cs->prefix4 : cs->prefix6;
	int	 len = family == AF_INET ? 4 : 16, i;

	memset(key, 0, 16);
	for (i = 0; i < len && bits > 0; i++, bits -= 8)
		key[i] = bits >= 8 ? addr[i] :
		    (uint8_t)(addr[i] & (0xff << (8 - bits)));
}

/* The bucket of a source key. Returns its index. */
static size_t
conn_source_bucket(const struct conns *cs, int family, const uint8_t *key)
{
	uint32_t	 h = 2166136261U ^ (uint32_t)family;
	int		 i;

	for (i = 0; i < 16; i++) {
		h ^= key[i];
		h *= 16777619U;
	}
	return h & (cs->nbuckets - 1);
}

/* The source of an address (made when create is set). Returns it, or NULL. */
static struct conn_source *
conn_source_get(struct conns *cs, int family, const uint8_t *addr,
    int create)
{
	struct conn_source	*s;
	uint8_t			 key[16];
	size_t			 b;

	conn_source_key(cs, family, addr, key);
	b = conn_source_bucket(cs, family, key);
	for (s = cs->buckets[b]; s != NULL; s = s->next)
		if (s->family == family && memcmp(s->key, key, 16) == 0)
			return s;
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->family = family;
	memcpy(s->key, key, 16);
	s->next = cs->buckets[b];
	cs->buckets[b] = s;
	cs->nsources++;
	return s;
}

/* Free source s if no connection holds a slot of it. */
static void
conn_source_drop(struct conns *cs, struct conn_source *s)
{
	struct conn_source	**sp;

	if (s->count > 0)
		return;
	sp = &cs->buckets[conn_source_bucket(cs, s->family, s->key)];
	for (; *sp != NULL; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
	free(s);
	cs->nsources--;
}

/* Give back c's slot (its source's count and the total). */
static void
conn_release(struct conns *cs, struct conn *c)
{
	struct conn_source	*s = c->source;

	if (s == NULL)
		return;
	c->source = NULL;
	cs->nlive--;
	s->count--;
	conn_source_drop(cs, s);
}

/* Forget c (its SSL is being freed): the descriptor is closed. */
static void
conn_forget(struct conns *cs, struct conn *c)
{
	conn_release(cs, c);
	TAILQ_REMOVE(&cs->lists[c->state], c, entry);
	cs->nstate[c->state]--;
	cs->nopen--;
	c->conns = NULL;
	conns_resume(cs, 1);
}

/* The source prefix of c's family, for the log. Returns it. */
static int
conn_prefix(const struct conns *cs, const struct conn *c)
{
	return c->family == AF_INET ? cs->prefix4 : cs->prefix6;
}

/*
 * Close c: shut its socket down (with a reset when refused, so nothing
 * lingers), give back its slot and count why. evhttp frees it next.
 */
static void
conn_close(struct conns *cs, struct conn *c, enum conn_count why,
    int reset)
{
	struct linger	 lg = { 1, 0 };
	int		 fd = (int)bufferevent_getfd(c->bev);

	if (fd != -1) {
		if (reset)
			(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof(lg));
		(void)shutdown(fd, SHUT_RDWR);
	}
	conn_release(cs, c);
	conn_set_state(c, CONN_CLOSING);
	cs->count[why]++;
}

/*
 * Make room for one connection: close the oldest idle keep-alive
 * connection of a client that is not an agent, else the oldest an agent
 * keeps between its requests, else the oldest that has not sent a whole
 * request header. Returns 0, or -1 when every connection is busy.
 */
static int
conns_evict(struct conns *cs)
{
	struct conn	*c, *h, *r;
	uint64_t	 now = clock_mono_ms();
	int		 st;

	for (st = CONN_IDLE; st <= CONN_AGENT_IDLE; st++) {
		if ((c = TAILQ_FIRST(&cs->lists[st])) == NULL)
			continue;
		log_rate_warnx(&cs->rate_closed, "closed the idle connection "
		    "from %s (idle %llu ms%s) to make room: %d connections "
		    "are open (max_connections)", c->text,
		    (unsigned long long)(now - c->since),
		    st == CONN_AGENT_IDLE ? ", an agent's" : "", cs->max);
		conn_close(cs, c, st == CONN_IDLE ? CC_EVICTED_IDLE :
		    CC_EVICTED_AGENT_IDLE, 0);
		return 0;
	}
	h = TAILQ_FIRST(&cs->lists[CONN_HANDSHAKE]);
	r = TAILQ_FIRST(&cs->lists[CONN_HEADER]);
	if ((c = (h != NULL && (r == NULL || h->since <= r->since)) ? h :
	    r) == NULL)
		return -1;
	log_rate_warnx(&cs->rate_closed, "closed the connection from %s "
	    "(%s for %llu ms) to make room: %d connections are open "
	    "(max_connections)", c->text, conn_state_names[c->state],
	    (unsigned long long)(now - c->since), cs->max);
	conn_close(cs, c, CC_EVICTED_PENDING, 0);
	return 0;
}

/* Read c's peer address. Returns 0, or -1 (the client is gone). */
static int
conn_peer(struct conn *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 fd = (int)bufferevent_getfd(c->bev);

	if (fd == -1 || getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		c->family = AF_INET;
		memcpy(c->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((struct sockaddr_in6 *)&ss)->sin6_addr)) {
		/* An IPv4 client of a dual-stack listener is an IPv4 source. */
		c->family = AF_INET;
		memcpy(c->addr,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[12], 4);
	} else if (ss.ss_family == AF_INET6) {
		c->family = AF_INET6;
		memcpy(c->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	} else
		return -1;
	inet_ntop(c->family, c->addr, c->text, sizeof(c->text));
	return 0;
}

/* Admit c by the limits, or refuse it (closed at once, counted). */
static void
conn_admit(struct conns *cs, struct conn *c)
{
	struct conn_source	*s;
	char			 net[INET6_ADDRSTRLEN];

	if (conn_peer(c) == -1 || (s = conn_source_get(cs, c->family,
	    c->addr, 1)) == NULL) {
		conn_close(cs, c, CC_REFUSED_UNTRACKED, 1);
		return;
	}
	if (s->count >= cs->max_source) {
		inet_ntop(s->family, s->key, net, sizeof(net));
		log_rate_warnx(&cs->rate_refused, "refused a connection from "
		    "%s: %d connections from %s/%d are open "
		    "(max_connections_per_source)", c->text, s->count, net,
		    conn_prefix(cs, c));
		conn_close(cs, c, CC_REFUSED_SOURCE, 1);
		return;
	}
	/*
	 * Take the slot first: the connection closed to make room may be
	 * the last one of this source, which must not go with it.
	 */
	c->source = s;
	s->count++;
	cs->nlive++;
	if (cs->nlive > cs->max && conns_evict(cs) == -1) {
		log_rate_warnx(&cs->rate_refused, "refused a connection from "
		    "%s: %d connections are open and all busy "
		    "(max_connections)", c->text, cs->nlive - 1);
		conn_close(cs, c, CC_REFUSED_TOTAL, 1);
		return;
	}
	cs->count[CC_ACCEPTED]++;
	conn_set_state(c, c->handshake_done ? CONN_HEADER : CONN_HANDSHAKE);
}

/* Stop accepting (for the batch, the descriptors, or an error). */
static void
conns_pause(struct conns *cs, int by_error)
{
	if (by_error)
		cs->is_error_paused = 1;
	if (cs->is_paused || cs->listener == NULL)
		return;
	evconnlistener_disable(cs->listener);
	cs->is_paused = 1;
	cs->count[CC_ACCEPT_PAUSES]++;
}

/*
 * Accept again unless descriptors are short (or, without force, an accept
 * error paused it and its timer has not fired).
 */
static void
conns_resume(struct conns *cs, int force)
{
	if (!cs->is_paused || cs->listener == NULL ||
	    (cs->is_error_paused && !force) || cs->nopen >= cs->ceiling)
		return;
	cs->is_paused = 0;
	cs->is_error_paused = 0;
	evconnlistener_enable(cs->listener);
}

/* The admission event: admit the connections of the last accept batch. */
static void
conns_admit_cb(evutil_socket_t fd, short events, void *arg)
{
	struct conns	*cs = arg;
	struct conn	*c;

	cs->batch = 0;
	while ((c = TAILQ_FIRST(&cs->lists[CONN_NEW])) != NULL)
		conn_admit(cs, c);
	conns_resume(cs, 0);
}

/* The back-off after an accept error is over. */
static void
conns_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	conns_resume(arg, 1);
}

/* Accepting failed (EMFILE, ENFILE, ...): pause, retry after a back-off. */
static void
conns_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct conns	*cs;
	struct timeval	 tv;
	int		 err = errno;

	TAILQ_FOREACH(cs, &conns_all, entry)
		if (cs->listener == lev)
			break;
	if (cs == NULL)
		return;
	cs->count[CC_ACCEPT_ERRORS]++;
	cs->backoff_ms = cs->backoff_ms == 0 ? CONNS_BACKOFF_MIN_MS :
	    cs->backoff_ms * 2;
	if (cs->backoff_ms > CONNS_BACKOFF_MAX_MS)
		cs->backoff_ms = CONNS_BACKOFF_MAX_MS;
	conns_pause(cs, 1);
	tv.tv_sec = cs->backoff_ms / 1000;
	tv.tv_usec = (cs->backoff_ms % 1000) * 1000;
	evtimer_add(cs->resume_ev, &tv);
	log_rate_warnx(&cs->rate_accept, "accept: %s; not accepting for %d "
	    "ms or until a connection closes (%d connections use "
	    "descriptors, the limit is %ld)", strerror(err), cs->backoff_ms,
	    cs->nopen, cs->fd_limit);
}

/*
 * Scan len bytes of a request header for the empty line that ends it
 * (LF LF or LF CR LF), line by line. Returns 1 when found.
 */
static int
conn_scan_bytes(struct conn *c, const unsigned char *p, size_t len)
{
	const unsigned char	*end = p + len, *nl;

	while (p < end) {
		/* Just after a LF (1) or a LF CR (2): the line is empty? */
		if (c->eoh != 0) {
			if (*p == '\n')
				return 1;
			if (*p == '\r' && c->eoh == 1) {
				c->eoh = 2;
				p++;
				continue;
			}
			c->eoh = 0;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		c->eoh = 1;
		p = nl + 1;
	}
	return 0;
}

/* Scan the input from offset from for the blank line ending the header. */
static void
conn_scan(struct conn *c, struct evbuffer *buf, size_t from)
{
	struct evbuffer_iovec	 v[8];
	struct evbuffer_ptr	 pos;
	int			 i, n;

	if (evbuffer_ptr_set(buf, &pos, from, EVBUFFER_PTR_SET) == -1)
		return;
	while ((n = evbuffer_peek(buf, -1, &pos, v, 8)) > 0) {
		for (i = 0; i < n && i < 8; i++) {
			if (conn_scan_bytes(c, v[i].iov_base, v[i].iov_len)) {
				conn_set_state(c, CONN_BODY);
				return;
			}
			from += v[i].iov_len;
		}
		if (n <= 8 ||
		    evbuffer_ptr_set(buf, &pos, from, EVBUFFER_PTR_SET) == -1)
			return;
	}
}

/* Decrypted bytes arrived: a request starts, or its header goes on. */
static void
conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	if (info->n_added == 0 || c->conns == NULL)
		return;
	switch (c->state) {
	case CONN_HANDSHAKE:
	case CONN_IDLE:
	case CONN_AGENT_IDLE:
		conn_set_state(c, CONN_HEADER);
		c->eoh = 0;
		/* FALLTHROUGH */
	case CONN_HEADER:
		conn_scan(c, buf, evbuffer_get_length(buf) - info->n_added);
		break;
	default:
		break;
	}
}

/* The SSL info callback: the handshake is done. */
static void
conn_info_cb(const SSL *ssl, int where, int ret)
{
	struct conn	*c;

	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    (c = SSL_get_ex_data(ssl, conn_ex_index)) == NULL ||
	    c->conns == NULL || c->handshake_done)
		return;
	c->handshake_done = 1;
	c->conns->count[SSL_session_reused(ssl) ? CC_TLS_RESUMED :
	    CC_TLS_FULL]++;
	if (c->state == CONN_HANDSHAKE) {
		conn_set_state(c, CONN_HEADER);
		c->eoh = 0;
	}
}

/* evhttp wrote the whole answer: the connection waits for a request. */
static void
conn_complete_cb(struct evhttp_request *req, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in;

	if (c->conns == NULL || c->state != CONN_WRITING)
		return;
	conn_set_state(c, c->is_agent ? CONN_AGENT_IDLE : CONN_IDLE);
	in = bufferevent_get_input(c->bev);
	if (evbuffer_get_length(in) > 0) {
		/* The next request was sent before the answer was read. */
		conn_set_state(c, CONN_HEADER);
		c->eoh = 0;
		conn_scan(c, in, 0);
	}
}

/*
 * Register a connection evhttp accepted. Returns 0, or -1 (it cannot be
 * tracked: the caller does not serve it).
 */
int
conns_open(struct conns *cs, SSL *ssl, struct bufferevent *bev)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->conns = cs;
	c->bev = bev;
	c->state = CONN_NEW;
	c->since = clock_mono_ms();
	strlcpy(c->text, "?", sizeof(c->text));
	if ((c->input_cb = evbuffer_add_cb(bufferevent_get_input(bev),
	    conn_input_cb, c)) == NULL) {
		free(c);
		return -1;
	}
	if (!SSL_set_ex_data(ssl, conn_ex_index, c)) {
		evbuffer_remove_cb_entry(bufferevent_get_input(bev),
		    c->input_cb);
		free(c);
		return -1;
	}
	SSL_set_info_callback(ssl, conn_info_cb);
	TAILQ_INSERT_TAIL(&cs->lists[CONN_NEW], c, entry);
	cs->nstate[CONN_NEW]++;
	cs->nopen++;
	cs->backoff_ms = 0;
	if (cs->batch++ == 0)
		event_active(cs->admit_ev, EV_TIMEOUT, 0);
	if (cs->batch >= CONNS_ACCEPT_BATCH || cs->nopen >= cs->ceiling)
		conns_pause(cs, 0);
	return 0;
}

/* A whole request was read: the connection is busy until answered. */
void
conns_request(struct conns *cs, struct evhttp_request *req)
{
	struct conn	*c;

	if ((c = conn_of_request(req)) == NULL || c->state == CONN_CLOSING)
		return;
	conn_set_state(c, CONN_BUSY);
	evhttp_request_set_on_complete_cb(req, conn_complete_cb, c);
}

/*
 * The answer to req is being sent: its write deadline starts. agent says
 * whether it answers an authenticated agent (the connection then waits
 * agent_keepalive_timeout for the next request, not keepalive_timeout).
 */
void
conns_reply(struct conns *cs, struct evhttp_request *req, int agent)
{
	struct conn	*c;

	if ((c = conn_of_request(req)) != NULL && c->state == CONN_BUSY) {
		c->is_agent = agent;
		conn_set_state(c, CONN_WRITING);
	}
}

/*
 * Close the connections that wrote longest while the answers waiting to
 * be written pass max_output_size.
 */
static void
conns_check_output(struct conns *cs)
{
	struct conn	*c;
	uint64_t	 total = 0;
	size_t		 len;

	TAILQ_FOREACH(c, &cs->lists[CONN_WRITING], entry)
		total += evbuffer_get_length(bufferevent_get_output(c->bev));
	while (total > cs->max_output &&
	    (c = TAILQ_FIRST(&cs->lists[CONN_WRITING])) != NULL) {
		len = evbuffer_get_length(bufferevent_get_output(c->bev));
		log_rate_warnx(&cs->rate_closed, "closed the connection from "
		    "%s: answers waiting to be written pass %llu bytes "
		    "(max_output_size)", c->text,
		    (unsigned long long)cs->max_output);
		conn_close(cs, c, CC_CLOSED_OUTPUT, 0);
		total -= len;
	}
}

/* Log what happened to connections in the last minute, if anything. */
static void
conns_summary(struct conns *cs)
{
	uint64_t	 d[CC_COUNT];
	char		 a[32], b[32], e[32], f[32];
	time_t		 now = clock_mono_sec();
	int		 i;

	if (now - cs->summary_at < CONNS_SUMMARY_SEC)
		return;
	cs->summary_at = now;
	for (i = 0; i < CC_COUNT; i++) {
		d[i] = cs->count[i] - cs->summarized[i];
		cs->summarized[i] = cs->count[i];
	}
	if (d[CC_REFUSED_TOTAL] + d[CC_REFUSED_SOURCE] + d[CC_EVICTED_IDLE] +
	    d[CC_EVICTED_AGENT_IDLE] + d[CC_EVICTED_PENDING] +
	    d[CC_ACCEPT_ERRORS] == 0)
		return;
	log_info("connections: %d open (max_connections %d), refused in the "
	    "last %d s: %s by max_connections, %s by "
	    "max_connections_per_source; %s closed to make room; %s accept "
	    "errors; descriptor limit %ld", cs->nlive, cs->max,
	    CONNS_SUMMARY_SEC, log_rate_count(a, sizeof(a),
	    d[CC_REFUSED_TOTAL]), log_rate_count(b, sizeof(b),
	    d[CC_REFUSED_SOURCE]), log_rate_count(e, sizeof(e),
	    d[CC_EVICTED_IDLE] + d[CC_EVICTED_AGENT_IDLE] +
	    d[CC_EVICTED_PENDING]),
	    log_rate_count(f, sizeof(f), d[CC_ACCEPT_ERRORS]), cs->fd_limit);
}

/* The timer: close connections past their state's deadline. */
static void
conns_sweep_cb(evutil_socket_t fd, short events, void *arg)
{
	const struct conn_deadline	*d;
	struct conns			*cs = arg;
	struct conn			*c;
	uint64_t			 now = clock_mono_ms(), limit;
	size_t				 i;

	for (i = 0; i < nitems(conn_deadlines); i++) {
		d = &conn_deadlines[i];
		limit = (uint64_t)cs->timeout[d->state] * 1000;
		while ((c = TAILQ_FIRST(&cs->lists[d->state])) != NULL &&
		    now - c->since >= limit) {
			log_rate_warnx(&cs->rate_closed, "closed the "
			    "connection from %s: %s within %d s (%s)",
			    c->text, d->what, cs->timeout[d->state], d->key);
			conn_close(cs, c, d->count, 0);
		}
	}
	conns_check_output(cs);
	log_rate_flush(&cs->rate_refused, 0);
	log_rate_flush(&cs->rate_closed, 0);
	log_rate_flush(&cs->rate_accept, 0);
	conns_summary(cs);
	conns_resume(cs, 0);
}

/* Put every connection holding a slot back under the current prefixes. */
static void
conns_rekey(struct conns *cs, size_t nbuckets)
{
	struct conn_source	**buckets, *s, *next;
	struct conn		*c, *cn;
	size_t			 i;
	int			 st;

	if ((buckets = calloc(nbuckets, sizeof(*buckets))) == NULL) {
		log_warnx("connection limits: out of memory; keeping the "
		    "source table as it was");
		return;
	}
	for (i = 0; i < cs->nbuckets; i++)
		for (s = cs->buckets[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	free(cs->buckets);
	cs->buckets = buckets;
	cs->nbuckets = nbuckets;
	cs->nsources = 0;
	cs->nlive = 0;
	for (st = 0; st < CONN_NSTATES; st++)
		TAILQ_FOREACH(c, &cs->lists[st], entry) {
			if (c->source == NULL)
				continue;
			if ((c->source = conn_source_get(cs, c->family,
			    c->addr, 1)) == NULL) {
				c->is_lost = 1;
				continue;
			}
			c->source->count++;
			cs->nlive++;
		}
	/* Out of memory for some: those connections go. */
	for (st = 0; st < CONN_CLOSING; st++)
		for (c = TAILQ_FIRST(&cs->lists[st]); c != NULL; c = cn) {
			cn = TAILQ_NEXT(c, entry);
			if (c->is_lost) {
				c->is_lost = 0;
				conn_close(cs, c, CC_REFUSED_UNTRACKED, 1);
			}
		}
}

/*
 * Apply the limits of conf, the defaults derived from the descriptor limit
 * in force.
 */
void
conns_configure(struct conns *cs, const struct platform_conf *conf)
{
	struct rlimit	 rl;
	long		 reserve, room;
	size_t		 nbuckets = 256;
	int		 rekey;

	cs->fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 1L << 20;
	if (cs->fd_limit > INT_MAX / 2)
		cs->fd_limit = INT_MAX / 2;
	reserve = cs->fd_limit / 4 < CONNS_RESERVE_MAX ? cs->fd_limit / 4 :
	    CONNS_RESERVE_MAX;
	room = cs->fd_limit - reserve;
	if (room < 1)
		room = 1;
	if (conf->max_connections == -1)
		cs->max = (int)(room < CONNS_DEFAULT_MAX ? room :
		    CONNS_DEFAULT_MAX);
	else if (conf->max_connections > room) {
		log_warnx("max_connections %d lowered to %ld: the descriptor "
		    "limit is %ld", conf->max_connections, room,
		    cs->fd_limit);
		cs->max = (int)room;
	} else
		cs->max = conf->max_connections;
	cs->max_source = conf->max_connections_per_source == -1 ?
	    (cs->max / 4 > 0 ? cs->max / 4 : 1) :
	    conf->max_connections_per_source;
	if (cs->max_source > cs->max)
		cs->max_source = cs->max;
	cs->ceiling = cs->max + (int)(reserve / 2);
	while (nbuckets < (size_t)cs->max * 2)
		nbuckets *= 2;
	rekey = nbuckets != cs->nbuckets ||
	    cs->prefix4 != conf->source_prefix_ipv4 ||
	    cs->prefix6 != conf->source_prefix_ipv6;
	cs->prefix4 = conf->source_prefix_ipv4;
	cs->prefix6 = conf->source_prefix_ipv6;
	if (rekey)
		conns_rekey(cs, nbuckets);
	memset(cs->timeout, 0, sizeof(cs->timeout));
	cs->timeout[CONN_HANDSHAKE] = conf->handshake_timeout;
	cs->timeout[CONN_HEADER] = conf->header_timeout;
	cs->timeout[CONN_BODY] = conf->request_timeout;
	cs->timeout[CONN_WRITING] = conf->write_timeout;
	cs->timeout[CONN_IDLE] = conf->keepalive_timeout;
	cs->timeout[CONN_AGENT_IDLE] = conf->agent_keepalive_timeout;
	cs->max_output = conf->max_output_size;
	log_info("connections: descriptor limit %ld; max_connections %d, "
	    "max_connections_per_source %d (per /%d IPv4, /%d IPv6 source)",
	    cs->fd_limit, cs->max, cs->max_source, cs->prefix4, cs->prefix6);
	conns_resume(cs, 0);
}

/*
 * Make the connection table for base (conns_configure sets its limits).
 * Returns it, or NULL.
 */
struct conns *
conns_new(struct event_base *base)
{
	struct conns	*cs;
	struct timeval	 tv = { 0, CONNS_SWEEP_MS * 1000 };
	int		 i;

	if (conn_ex_index == -1 && (conn_ex_index = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, conn_ex_free)) == -1)
		return NULL;
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return NULL;
	cs->base = base;
	for (i = 0; i < CONN_NSTATES; i++)
		TAILQ_INIT(&cs->lists[i]);
	cs->rate_refused.what = "connections refused";
	cs->rate_closed.what = "connections closed";
	cs->rate_accept.what = "accept errors";
	cs->summary_at = clock_mono_sec();
	if ((cs->admit_ev = event_new(base, -1, 0, conns_admit_cb, cs)) ==
	    NULL ||
	    event_priority_set(cs->admit_ev, CONNS_HIGHEST_PRIORITY) == -1 ||
	    (cs->sweep_ev = event_new(base, -1, EV_PERSIST, conns_sweep_cb,
	    cs)) == NULL || event_add(cs->sweep_ev, &tv) == -1 ||
	    (cs->resume_ev = evtimer_new(base, conns_resume_cb, cs)) == NULL) {
		conns_free(cs);
		return NULL;
	}
	cs->nbuckets = 256;
	if ((cs->buckets = calloc(cs->nbuckets, sizeof(*cs->buckets))) ==
	    NULL) {
		conns_free(cs);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&conns_all, cs, entry);
	return cs;
}

/* Take over the listener evhttp accepts on: its errors and its pauses. */
void
conns_set_listener(struct conns *cs, struct evconnlistener *lev)
{
	cs->listener = lev;
	evconnlistener_set_error_cb(lev, conns_accept_error_cb);
}

/*
 * Forget every connection (evhttp closes them; their records are freed
 * with their SSL) and free the table.
 */
void
conns_free(struct conns *cs)
{
	struct conn_source	*s, *next;
	struct conn		*c;
	size_t			 i;
	int			 st;

	if (cs == NULL)
		return;
	for (st = 0; st < CONN_NSTATES; st++)
		while ((c = TAILQ_FIRST(&cs->lists[st])) != NULL) {
			TAILQ_REMOVE(&cs->lists[st], c, entry);
			c->conns = NULL;
			c->source = NULL;
		}
	for (i = 0; i < cs->nbuckets; i++)
		for (s = cs->buckets[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	free(cs->buckets);
	if (cs->listener != NULL)
		evconnlistener_set_error_cb(cs->listener, NULL);
	if (cs->admit_ev != NULL)
		event_free(cs->admit_ev);
	if (cs->sweep_ev != NULL)
		event_free(cs->sweep_ev);
	if (cs->resume_ev != NULL)
		event_free(cs->resume_ev);
	log_rate_flush(&cs->rate_refused, 1);
	log_rate_flush(&cs->rate_closed, 1);
	log_rate_flush(&cs->rate_accept, 1);
	if (cs->entry.tqe_prev != NULL)
		TAILQ_REMOVE(&conns_all, cs, entry);
	free(cs);
}

/* Open connections, limits and counters as a JSON object. Returns it. */
struct json_object *
conns_status_json(struct conns *cs)
{
	struct json_object	*obj = json_object_new_object(), *o;
	int			 i;

	json_add_int64(obj, "open", cs->nlive);
	o = json_object_new_object();
	for (i = CONN_HANDSHAKE; i < CONN_CLOSING; i++)
		json_add_int64(o, conn_state_names[i], cs->nstate[i]);
	json_object_object_add(obj, "by_state", o);
	json_add_int64(obj, "closing", cs->nstate[CONN_CLOSING] +
	    cs->nstate[CONN_NEW]);
	json_add_int64(obj, "sources", cs->nsources);
	json_add_int64(obj, "descriptor_limit", cs->fd_limit);
	json_add_int64(obj, "max_connections", cs->max);
	json_add_int64(obj, "max_connections_per_source", cs->max_source);
	json_add_int64(obj, "source_prefix_ipv4", cs->prefix4);
	json_add_int64(obj, "source_prefix_ipv6", cs->prefix6);
	json_add_bool(obj, "accepting", !cs->is_paused);
	json_add_int64(obj, "accepted", (int64_t)cs->count[CC_ACCEPTED]);
	o = json_object_new_object();
	json_add_int64(o, "max_connections",
	    (int64_t)cs->count[CC_REFUSED_TOTAL]);
	json_add_int64(o, "max_connections_per_source",
	    (int64_t)cs->count[CC_REFUSED_SOURCE]);
	json_add_int64(o, "untracked",
	    (int64_t)cs->count[CC_REFUSED_UNTRACKED]);
	json_object_object_add(obj, "refused", o);
	o = json_object_new_object();
	for (i = 0; i < (int)nitems(conn_deadlines); i++)
		json_add_int64(o, conn_deadlines[i].key,
		    (int64_t)cs->count[conn_deadlines[i].count]);
	json_add_int64(o, "max_output_size",
	    (int64_t)cs->count[CC_CLOSED_OUTPUT]);
	json_object_object_add(obj, "closed", o);
	o = json_object_new_object();
	json_add_int64(o, "idle", (int64_t)cs->count[CC_EVICTED_IDLE]);
	json_add_int64(o, "agent_idle",
	    (int64_t)cs->count[CC_EVICTED_AGENT_IDLE]);
	json_add_int64(o, "pending", (int64_t)cs->count[CC_EVICTED_PENDING]);
	json_object_object_add(obj, "evicted", o);
	json_add_int64(obj, "accept_errors",
	    (int64_t)cs->count[CC_ACCEPT_ERRORS]);
	json_add_int64(obj, "accept_pauses",
	    (int64_t)cs->count[CC_ACCEPT_PAUSES]);
	o = json_object_new_object();
	json_add_int64(o, "full", (int64_t)cs->count[CC_TLS_FULL]);
	json_add_int64(o, "resumed", (int64_t)cs->count[CC_TLS_RESUMED]);
	json_object_object_add(obj, "tls_handshakes", o);
	return obj;
}
