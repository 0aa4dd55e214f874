/*
 * correlation-admit.c: the connections of the correlation ID service. A
 * connection is accepted, admitted by the limits (in total, per source
 * address, and a token bucket per source) or closed at once with a reset,
 * written the one line, shut down for writing and then held until the
 * client closes, at most CORR_TIMEOUT_SEC. What the client sends is read
 * only to be thrown away (never looked at), at most CORR_DISCARD_MAX
 * bytes. Each listener accepts at most CORR_ACCEPT_BATCH connections per
 * wake-up, so a flood cannot keep the loop from the heartbeat and the
 * other callbacks. Refusals are counted and reported (E802), rate-limited.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "compat.h"
#include "correlation-int.h"
#include "log.h"
#include "report.h"

/* Describe a limit for the log. Returns buf. */
const char *
corr_limit_text(enum corr_limit kind, char *buf, size_t len)
{
	switch (kind) {
	case CORR_LIMIT_TOTAL:
		snprintf(buf, len, "the limit of %d open connections in total",
		    CORR_MAX_CONNECTIONS);
		break;
	case CORR_LIMIT_SOURCE:
		snprintf(buf, len, "the limit of %d open connections per "
		    "source address", CORR_MAX_PER_SOURCE);
		break;
	default:
		snprintf(buf, len, "the rate limit of %d connections at once, "
		    "then %d per second, per source address", CORR_RATE_BURST,
		    CORR_RATE_PER_SEC);
		break;
	}
	return buf;
}

/* Refuse a connection at once with a reset. */
static void
corr_reset(int fd)
{
	struct linger	 lg = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Find (or make room for) the limits entry of a source. NULL: full. */
static struct corr_source *
corr_source_get(struct correlation *c, const struct sockaddr_storage *ss)
{
	struct corr_source	*s, *spare = NULL;
	struct timespec		 now;
	const uint8_t		*a;
	double			 idle;
	int			 i, len;

	if (ss->ss_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr;
		len = 4;
	} else {
		a = ((const struct sockaddr_in6 *)(const void *)ss)->
		    sin6_addr.s6_addr;
		len = 16;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < CORR_MAX_SOURCES; i++) {
		s = &c->sources[i];
		if (!s->in_use) {
			if (spare == NULL)
				spare = s;
			continue;
		}
		if (s->family == ss->ss_family && memcmp(s->addr, a,
		    (size_t)len) == 0)
			return s;
		/* An idle source whose bucket is full again can go. */
		idle = (double)(now.tv_sec - s->refilled.tv_sec);
		if (spare == NULL && s->active == 0 && s->refused == 0 &&
		    s->tokens + idle * CORR_RATE_PER_SEC >= CORR_RATE_BURST &&
		    (s->reported == 0 || now.tv_sec - s->reported >=
		    CORR_REPORT_SEC))
			spare = s;
	}
	if (spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	spare->in_use = 1;
	spare->family = ss->ss_family;
	memcpy(spare->addr, a, (size_t)len);
	spare->tokens = CORR_RATE_BURST;
	spare->refilled = now;
	return spare;
}

/* Take a token from the source's bucket. Returns 1, or 0 if empty. */
static int
corr_source_take(struct corr_source *s)
{
	struct timespec	 now;
	double		 elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (double)(now.tv_sec - s->refilled.tv_sec) +
	    (double)(now.tv_nsec - s->refilled.tv_nsec) / 1e9;
	s->refilled = now;
	s->tokens += elapsed * CORR_RATE_PER_SEC;
	if (s->tokens > CORR_RATE_BURST)
		s->tokens = CORR_RATE_BURST;
	if (s->tokens < 1.0)
		return 0;
	s->tokens -= 1.0;
	return 1;
}

/*
 * A connection was refused by a limit: count it, and say so in
 * agentid.log and as E802 at most once per source per CORR_REPORT_SEC
 * (and once every CORR_REPORT_MIN_SEC overall).
 */
static void
corr_refused(struct correlation *c, struct corr_source *s,
    enum corr_limit kind, const char *peer, const char *listener)
{
	time_t		*last, now = clock_mono_sec();
	unsigned long	 more;
	char		 limit[128];

	c->refused[kind]++;
	last = s != NULL ? &s->reported : &c->table_full_reported;
	if (s != NULL)
		s->refused++;
	if (*last != 0 && now - *last < CORR_REPORT_SEC)
		return;
	more = s != NULL && s->refused > 1 ? s->refused - 1 : 0;
	corr_limit_text(kind, limit, sizeof(limit));
	log_file_printf(c->log, LOG_LEVEL_WARN, "limit hit: refused the "
	    "connection from %s to %s (%s%s); %lu more refused from it "
	    "since the last report", peer, listener, limit,
	    s == NULL ? "; too many sources" : "", more);
	*last = now;
	if (s != NULL)
		s->refused = 0;
	if (c->last_report != 0 && now - c->last_report < CORR_REPORT_MIN_SEC)
		return;
	c->last_report = now;
	report_error(c->env->report, ERR_CORRELATION_LIMIT, "refused "
	    "connections from %s to %s: %s", peer, listener, limit);
}

/* Is peer one of our own health check connections? */
static int
corr_is_probe(struct correlation *c, const struct sockaddr_storage *peer)
{
	struct corr_probe	*p;

	TAILQ_FOREACH(p, &c->probes, entry)
		if (p->locallen > 0 && corr_addr_equal(&p->local, peer) &&
		    corr_addr_port(&p->local) == corr_addr_port(peer))
			return 1;
	return 0;
}

/*
 * (Re)arm a connection's event for what, until CORR_TIMEOUT_SEC after
 * it was accepted. Returns 0, or -1.
 */
static int
corr_conn_arm(struct corr_conn *cn, short what,
    event_callback_fn cb)
{
	struct timespec	 now;
	struct timeval	 tv;
	long long	 left_ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left_ms = (long long)CORR_TIMEOUT_SEC * 1000 -
	    ((long long)(now.tv_sec - cn->accepted.tv_sec) * 1000 +
	    (now.tv_nsec - cn->accepted.tv_nsec) / 1000000);
	if (left_ms < 0)
		left_ms = 0;
	tv.tv_sec = (time_t)(left_ms / 1000);
	tv.tv_usec = (suseconds_t)(left_ms % 1000) * 1000;
	if (cn->ev != NULL)
		event_free(cn->ev);
	cn->ev = event_new(cn->corr->env->base, cn->fd, what, cb, cn);
	if (cn->ev == NULL || event_add(cn->ev, &tv) == -1)
		return -1;
	return 0;
}

/*
 * Read and drop what the client sent, closing the connection at its end
 * or when it sent too much. Returns 1 if the connection was closed (and
 * freed), 0 if it waits for more.
 */
static int
corr_conn_drain(struct corr_conn *cn)
{
	char	 scratch[512];
	ssize_t	 n;

	for (;;) {
		n = read(cn->fd, scratch, sizeof(scratch));
		if (n == 0) {
			corr_conn_close(cn, NULL);
			return 1;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			corr_conn_close(cn, NULL);
			return 1;
		}
		cn->discarded += (size_t)n;
		if (cn->discarded > CORR_DISCARD_MAX) {
			cn->corr->discarded_closes++;
			corr_conn_close(cn, "the client sent more than 1024 "
			    "bytes");
			return 1;
		}
	}
}

/* The line is out: wait for the client to close, dropping its bytes. */
static void
corr_conn_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_conn	*cn = arg;

	if (what & EV_TIMEOUT) {
		cn->corr->timeouts++;
		corr_conn_close(cn, "timed out waiting for the client to "
		    "close");
		return;
	}
	(void)corr_conn_drain(cn);
}

/*
 * Before refusing a connection by a limit, close the connections of
 * source s (all when NULL) whose clients already closed: within one batch
 * of accepts their ends may not have been read yet. Once per batch.
 */
static void
corr_reap(struct correlation *c, struct corr_source *s)
{
	struct corr_conn	*cn, *next;

	if (c->reaped_batch == c->batch)
		return;
	c->reaped_batch = c->batch;
	for (cn = TAILQ_FIRST(&c->conns); cn != NULL; cn = next) {
		next = TAILQ_NEXT(cn, entry);
		if ((s == NULL || cn->source == s) &&
		    cn->written == c->linelen)
			(void)corr_conn_drain(cn);
	}
}

/* Write what is left of the line. Returns 1 done, 0 later, -1 failed. */
static int
corr_conn_write(struct corr_conn *cn)
{
	struct correlation	*c = cn->corr;
	ssize_t			 n;

	while (cn->written < c->linelen) {
		n = write(cn->fd, c->line + cn->written,
		    c->linelen - cn->written);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		cn->written += (size_t)n;
	}
	(void)shutdown(cn->fd, SHUT_WR);
	return 1;
}

/* The socket can take more of the line. */
static void
corr_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_conn	*cn = arg;
	int			 rc;

	if (what & EV_TIMEOUT) {
		cn->corr->timeouts++;
		corr_conn_close(cn, "timed out writing the line");
		return;
	}
	if ((rc = corr_conn_write(cn)) == -1)
		corr_conn_close(cn, "write failed");
	else if (rc == 1 && corr_conn_arm(cn, EV_READ | EV_PERSIST,
	    corr_conn_drain_cb) == -1)
		corr_conn_close(cn, "out of memory");
}

/* Close and free a connection; how says why when it is not the usual. */
void
corr_conn_close(struct corr_conn *cn, const char *how)
{
	struct correlation	*c = cn->corr;

	if (how != NULL)
		log_file_printf(c->log, LOG_LEVEL_DEBUG, "connection from %s "
		    "to %s closed: %s", cn->peer, cn->listener, how);
	TAILQ_REMOVE(&c->conns, cn, entry);
	c->nconns--;
	if (cn->source != NULL && cn->source->active > 0)
		cn->source->active--;
	if (cn->ev != NULL)
		event_free(cn->ev);
	close(cn->fd);
	free(cn);
}

/* Admit or refuse one accepted (non-blocking) connection. */
static void
corr_admit(struct corr_listener *l, int fd, const struct sockaddr_storage *peer)
{
	struct correlation	*c = l->corr;
	struct corr_source	*s = NULL;
	struct corr_conn	*cn;
	char			 text[CORR_NAME_LEN];
	int			 is_probe, rc;

	corr_addr_text(peer, 1, text, sizeof(text));
	is_probe = corr_is_probe(c, peer);
	if (!is_probe) {
		if (c->nconns >= CORR_MAX_CONNECTIONS)
			corr_reap(c, NULL);
		if (c->nconns >= CORR_MAX_CONNECTIONS) {
			corr_reset(fd);
			corr_refused(c, corr_source_get(c, peer),
			    CORR_LIMIT_TOTAL, text, l->name);
			return;
		}
		if ((s = corr_source_get(c, peer)) == NULL) {
			corr_reset(fd);
			corr_refused(c, NULL, CORR_LIMIT_TOTAL, text, l->name);
			return;
		}
		if (s->active >= CORR_MAX_PER_SOURCE)
			corr_reap(c, s);
		if (s->active >= CORR_MAX_PER_SOURCE) {
			corr_reset(fd);
			corr_refused(c, s, CORR_LIMIT_SOURCE, text, l->name);
			return;
		}
		if (!corr_source_take(s)) {
			corr_reset(fd);
			corr_refused(c, s, CORR_LIMIT_RATE, text, l->name);
			return;
		}
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		corr_reset(fd);
		c->accept_errors++;
		return;
	}
	cn->corr = c;
	cn->fd = fd;
	cn->source = s;
	clock_gettime(CLOCK_MONOTONIC, &cn->accepted);
	strlcpy(cn->peer, text, sizeof(cn->peer));
	strlcpy(cn->listener, l->name, sizeof(cn->listener));
	if (s != NULL)
		s->active++;
	TAILQ_INSERT_TAIL(&c->conns, cn, entry);
	c->nconns++;
	c->accepted++;
	l->accepted++;
	log_file_printf(c->log, LOG_LEVEL_DEBUG, "connection from %s to %s%s",
	    text, l->name, is_probe ? " (health check)" : "");
	if ((rc = corr_conn_write(cn)) == -1)
		corr_conn_close(cn, "write failed");
	else if (corr_conn_arm(cn, rc == 1 ? EV_READ | EV_PERSIST :
	    EV_WRITE | EV_PERSIST, rc == 1 ? corr_conn_drain_cb :
	    corr_conn_write_cb) == -1)
		corr_conn_close(cn, "out of memory");
}

/* A listener is readable: accept a bounded batch of connections. */
void
corr_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct corr_listener	*l = arg;
	struct correlation	*c = l->corr;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
	int			 i, cfd;

	c->batch++;
	for (i = 0; i < CORR_ACCEPT_BATCH; i++) {
		len = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		/* Non-blocking and close-on-exec in the same call. */
		cfd = accept4(fd, (struct sockaddr *)&peer, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				c->accept_errors++;
				log_file_printf(c->log, LOG_LEVEL_WARN,
				    "accept on %s: %s", l->name,
				    strerror(errno));
			}
			return;
		}
		if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6) {
			close(cfd);
			continue;
		}
		corr_admit(l, cfd, &peer);
	}
}
