/*
 * audit-linux.c: the kernel audit system over NETLINK_AUDIT with libnl-3.
 *
 * Requests go out with NLM_F_ACK and an automatic sequence number; the
 * answers (ACK or error, AUDIT_GET status, AUDIT_LIST_RULES rules ending
 * in NLMSG_DONE) come back on the control socket, in whichever order the
 * kernel sends them, and are matched to the pending request by sequence.
 * Records (types from AUDIT_FIRST_USER_MSG up) are handed to the record
 * callback. Note the kernel's unicast quirk: a record's nlmsg_len counts
 * only the payload, so a record's length is taken from the datagram.
 *
 * Receiving bypasses libnl: one recvmmsg(2) takes up to AUDIT_BATCH
 * datagrams into buffers allocated once (a burst of records costs one
 * system call per AUDIT_BATCH records and no allocation), and records are
 * handed to the callback where they lie.
 *
 * The other holder of the audit pid is watched through a pidfd
 * (pidfd_open(2), Linux 5.3): it becomes readable when the process exits,
 * so the FIM module claims the pid at once instead of at its next retry.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>

#include <event2/event.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "audit.h"
#include "clock.h"
#include "compat.h"
#include "log.h"

#define AUDIT_RCVBUF		(8 * 1024 * 1024)	/* wanted, bytes */
#define AUDIT_MSG_BUF		(16 * 1024)	/* > MAX_AUDIT_MESSAGE_LENGTH */
#define AUDIT_BATCH		32		/* datagrams a recvmmsg(2) */
#define AUDIT_READ_BUDGET	256		/* messages a turn of audit_wait */
#define AUDIT_READ_BURST	8192		/* messages a wake-up, at most */
#define AUDIT_READ_MS		20		/* ms of reading a wake-up */
#define AUDIT_REQUEST_TIMEOUT	5		/* seconds */
#define AUDIT_REQUESTS_MAX	4096
#define AUDIT_KEY_SEPARATOR	0x01		/* between keys of one rule */

/* What a pending request waits for. */
enum audit_req_kind {
	AUDIT_REQ_ACK,		/* the ACK alone */
	AUDIT_REQ_STATE,	/* the AUDIT_GET reply */
	AUDIT_REQ_LIST		/* rules, then NLMSG_DONE */
};

/* A request sent and not yet answered. */
struct audit_request {
	struct audit_request	*next;
	uint32_t		 seq;
	enum audit_req_kind	 kind;
	time_t			 sent;		/* monotonic seconds */
	audit_done_fn		 done;
	audit_state_fn		 state_fn;
	audit_rule_fn		 each;
	void			*arg;
	char			 key[AUDIT_MAX_KEY_LEN + 1];
};

/* The transport. */
struct audit {
	struct event_base	*base;
	struct audit_callbacks	 cb;
	struct nl_sock		*ctl;
	struct nl_sock		*mc;
	struct event		*ctl_ev;
	struct event		*mc_ev;
	struct event		*timer;
	struct audit_request	*reqs;
	int			 npending;
	struct audit_stats	 stats;
	/* Receive buffers: AUDIT_BATCH slots of AUDIT_MSG_BUF bytes. */
	unsigned char		*rbuf;
	struct mmsghdr		 mm[AUDIT_BATCH];
	struct iovec		 iov[AUDIT_BATCH];
	struct sockaddr_nl	 from[AUDIT_BATCH];
	int			 is_reading;	/* the slots are in use */
	/* The other holder of the audit pid, watched through a pidfd. */
	int			 holder_fd;
	struct event		*holder_ev;
	void			(*holder_gone)(void *);
	void			*holder_arg;
};

static void	audit_read_cb(evutil_socket_t, short, void *);

/* The backend's name. */
const char *
audit_backend(void)
{
	return "netlink";
}

/* Enlarge a socket's receive buffer (forced past rmem_max as root). */
static int
audit_set_rcvbuf(struct nl_sock *sk)
{
	int		 fd = nl_socket_get_fd(sk), size = AUDIT_RCVBUF, got = 0;
	socklen_t	 len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("audit netlink: cannot enlarge the receive buffer");
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == -1)
		got = 0;
	return got;
}

/* Make a connected, non-blocking NETLINK_AUDIT socket. Returns it, or NULL. */
static struct nl_sock *
audit_socket(int *err)
{
	struct nl_sock	*sk;
	int		 rc;

	if ((sk = nl_socket_alloc()) == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	/* Replies are matched by sequence here, not by libnl. */
	nl_socket_disable_seq_check(sk);
	if ((rc = nl_connect(sk, NETLINK_AUDIT)) < 0) {
		/* libnl folds errno into its own codes; keep the errno. */
		*err = errno != 0 ? errno : EPROTONOSUPPORT;
		if (rc == -NLE_PROTO_MISMATCH || rc == -NLE_NOADDR)
			*err = EPROTONOSUPPORT;
		nl_socket_free(sk);
		return NULL;
	}
	if (nl_socket_set_nonblocking(sk) < 0 ||
	    nl_socket_set_msg_buf_size(sk, AUDIT_MSG_BUF) < 0) {
		*err = EIO;
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* Open the control socket. Returns the transport, or NULL with errno. */
struct audit *
audit_open(struct event_base *base, const struct audit_callbacks *cb)
{
	struct audit	*a;
	int		 err = 0;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->base = base;
	a->holder_fd = -1;
	if (cb != NULL)
		a->cb = *cb;
	errno = 0;
	if ((a->ctl = audit_socket(&err)) == NULL) {
		free(a);
		errno = err;
		return NULL;
	}
	a->stats.rcvbuf = audit_set_rcvbuf(a->ctl);
	/* Pages are only touched as far as datagrams reach: mostly one. */
	if ((a->rbuf = malloc((size_t)AUDIT_BATCH * AUDIT_MSG_BUF)) == NULL) {
		audit_close(a);
		errno = ENOMEM;
		return NULL;
	}
	a->ctl_ev = event_new(base, nl_socket_get_fd(a->ctl),
	    EV_READ | EV_PERSIST, audit_read_cb, a);
	a->timer = event_new(base, -1, EV_PERSIST, audit_read_cb, a);
	if (a->ctl_ev == NULL || a->timer == NULL ||
	    event_add(a->ctl_ev, NULL) == -1) {
		audit_close(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

/* Drop every pending request without calling it. */
static void
audit_drop_requests(struct audit *a)
{
	struct audit_request	*r;

	while ((r = a->reqs) != NULL) {
		a->reqs = r->next;
		free(r);
	}
	a->npending = 0;
}

/* Close everything. */
void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	audit_multicast_leave(a);
	audit_watch_holder(a, 0, NULL, NULL);
	audit_drop_requests(a);
	if (a->timer != NULL)
		event_free(a->timer);
	if (a->ctl_ev != NULL)
		event_free(a->ctl_ev);
	if (a->ctl != NULL)
		nl_socket_free(a->ctl);
	free(a->rbuf);
	free(a);
}

/* Join AUDIT_NLGRP_READLOG on a socket of its own. Returns 0, or -errno. */
int
audit_multicast_join(struct audit *a)
{
	struct nl_sock	*sk;
	int		 err = 0, group = AUDIT_NLGRP_READLOG;

	if (a->mc != NULL)
		return 0;
	errno = 0;
	if ((sk = audit_socket(&err)) == NULL)
		return -err;
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK,
	    NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) == -1) {
		/* Kernels before 3.16 have no group: EINVAL. */
		err = errno == EINVAL || errno == ENOPROTOOPT ? ENOTSUP :
		    errno;
		nl_socket_free(sk);
		return -err;
	}
	a->stats.multicast_rcvbuf = audit_set_rcvbuf(sk);
	a->mc_ev = event_new(a->base, nl_socket_get_fd(sk),
	    EV_READ | EV_PERSIST, audit_read_cb, a);
	if (a->mc_ev == NULL || event_add(a->mc_ev, NULL) == -1) {
		if (a->mc_ev != NULL)
			event_free(a->mc_ev);
		a->mc_ev = NULL;
		nl_socket_free(sk);
		return -ENOMEM;
	}
	a->mc = sk;
	return 0;
}

/* Leave the multicast group: close its socket. */
void
audit_multicast_leave(struct audit *a)
{
	if (a->mc_ev != NULL)
		event_free(a->mc_ev);
	a->mc_ev = NULL;
	if (a->mc != NULL)
		nl_socket_free(a->mc);
	a->mc = NULL;
	a->stats.multicast_rcvbuf = 0;
}

/* Is the multicast socket open? */
int
audit_is_multicast(struct audit *a)
{
	return a->mc != NULL;
}

/* Requests not yet answered. */
int
audit_pending(struct audit *a)
{
	return a->npending;
}

/* The counters. */
void
audit_get_stats(struct audit *a, struct audit_stats *st)
{
	*st = a->stats;
}

/* Find and unlink the request with seq. Returns it, or NULL. */
static struct audit_request *
audit_find(struct audit *a, uint32_t seq, int unlink)
{
	struct audit_request	**p, *r;

	for (p = &a->reqs; (r = *p) != NULL; p = &r->next)
		if (r->seq == seq) {
			if (unlink) {
				*p = r->next;
				a->npending--;
			}
			return r;
		}
	return NULL;
}

/* Finish a request (unlinked) with err, calling its function. */
static void
audit_finish(struct audit *a, struct audit_request *r, int err,
    const struct audit_state *st)
{
	if (a->npending == 0)
		event_del(a->timer);
	if (r->kind == AUDIT_REQ_STATE) {
		if (r->state_fn != NULL)
			r->state_fn(err, err == 0 ? st : NULL, r->arg);
	} else if (r->done != NULL)
		r->done(err, r->arg);
	free(r);
}

/*
 * Send one request of type with payload and remember it. Returns 0, or
 * -errno (nothing will be called).
 */
static int
audit_send(struct audit *a, int type, const void *data, size_t len,
    struct audit_request *r)
{
	struct nl_msg		*msg;
	struct timeval		 tv = { 1, 0 };
	int			 rc;

	if (a->npending >= AUDIT_REQUESTS_MAX) {
		free(r);
		return -EBUSY;
	}
	if ((msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK)) ==
	    NULL) {
		free(r);
		return -ENOMEM;
	}
	if (len > 0 && nlmsg_append(msg, (void *)data, len, NLMSG_ALIGNTO) <
	    0) {
		nlmsg_free(msg);
		free(r);
		return -ENOMEM;
	}
	errno = 0;
	if ((rc = nl_send_auto(a->ctl, msg)) < 0) {
		rc = errno != 0 ? errno : EIO;
		nlmsg_free(msg);
		free(r);
		return -rc;
	}
	r->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	r->sent = clock_mono_sec();
	r->next = a->reqs;
	a->reqs = r;
	if (a->npending++ == 0)
		evtimer_add(a->timer, &tv);
	a->stats.requests++;
	return 0;
}

/* A new request of kind. Returns it, or NULL. */
static struct audit_request *
audit_request(enum audit_req_kind kind, audit_done_fn done, void *arg)
{
	struct audit_request	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->kind = kind;
	r->done = done;
	r->arg = arg;
	return r;
}

/* AUDIT_GET. Returns 0, or -errno. */
int
audit_get_state(struct audit *a, audit_state_fn fn, void *arg)
{
	struct audit_request	*r;

	if ((r = audit_request(AUDIT_REQ_STATE, NULL, arg)) == NULL)
		return -ENOMEM;
	r->state_fn = fn;
	return audit_send(a, AUDIT_GET, NULL, 0, r);
}

/* AUDIT_SET of the pid. Returns 0, or -errno. */
int
audit_set_pid(struct audit *a, uint32_t pid, audit_done_fn done, void *arg)
{
	struct audit_status	 s;
	struct audit_request	*r;

	memset(&s, 0, sizeof(s));
	s.mask = AUDIT_STATUS_PID;
	s.pid = pid;
	if ((r = audit_request(AUDIT_REQ_ACK, done, arg)) == NULL)
		return -ENOMEM;
	return audit_send(a, AUDIT_SET, &s, sizeof(s), r);
}

/* AUDIT_SET of enabled / backlog settings. Returns 0, or -errno. */
int
audit_set(struct audit *a, unsigned int mask, const struct audit_state *st,
    audit_done_fn done, void *arg)
{
	struct audit_status	 s;
	struct audit_request	*r;

	memset(&s, 0, sizeof(s));
	if (mask & AUDIT_SET_ENABLED) {
		s.mask |= AUDIT_STATUS_ENABLED;
		s.enabled = st->enabled;
	}
	if (mask & AUDIT_SET_BACKLOG_LIMIT) {
		s.mask |= AUDIT_STATUS_BACKLOG_LIMIT;
		s.backlog_limit = st->backlog_limit;
	}
	if (mask & AUDIT_SET_BACKLOG_WAIT_TIME) {
		s.mask |= AUDIT_STATUS_BACKLOG_WAIT_TIME;
		s.backlog_wait_time = st->backlog_wait_time;
	}
	if ((r = audit_request(AUDIT_REQ_ACK, done, arg)) == NULL)
		return -ENOMEM;
	return audit_send(a, AUDIT_SET, &s, sizeof(s), r);
}

/* AUDIT_ADD_RULE of a watch: exit list, always, all syscalls. */
int
audit_add_watch(struct audit *a, const struct audit_watch *w,
    audit_done_fn done, void *arg)
{
	struct audit_rule_data	*rule;
	struct audit_request	*r;
	size_t			 plen, klen, size;
	int			 i = 0, rc;

	plen = strlen(w->path);
	klen = w->key != NULL ? strlen(w->key) : 0;
	if (plen == 0 || plen >= 4096 || klen > AUDIT_MAX_KEY_LEN)
		return -EINVAL;
	size = sizeof(*rule) + plen + klen;
	if ((rule = calloc(1, size)) == NULL)
		return -ENOMEM;
	rule->flags = AUDIT_FILTER_EXIT;
	rule->action = AUDIT_ALWAYS;
	memset(rule->mask, 0xff, sizeof(rule->mask));
	rule->fields[i] = w->is_tree ? AUDIT_DIR : AUDIT_WATCH;
	rule->values[i] = (uint32_t)plen;
	rule->fieldflags[i++] = AUDIT_EQUAL;
	memcpy(rule->buf, w->path, plen);
	if (w->perm != 0) {
		rule->fields[i] = AUDIT_PERM;
		rule->values[i] = w->perm & (AUDIT_PERM_WRITE |
		    AUDIT_PERM_ATTR);
		rule->fieldflags[i++] = AUDIT_EQUAL;
	}
	if (klen > 0) {
		rule->fields[i] = AUDIT_FILTERKEY;
		rule->values[i] = (uint32_t)klen;
		rule->fieldflags[i++] = AUDIT_EQUAL;
		memcpy(rule->buf + plen, w->key, klen);
	}
	rule->field_count = (uint32_t)i;
	rule->buflen = (uint32_t)(plen + klen);
	if ((r = audit_request(AUDIT_REQ_ACK, done, arg)) == NULL) {
		free(rule);
		return -ENOMEM;
	}
	rc = audit_send(a, AUDIT_ADD_RULE, rule, size, r);
	free(rule);
	return rc;
}

/* AUDIT_DEL_RULE of a listed rule. Returns 0, or -errno. */
int
audit_del_raw(struct audit *a, const void *raw, size_t len,
    audit_done_fn done, void *arg)
{
	struct audit_request	*r;

	if (len < sizeof(struct audit_rule_data))
		return -EINVAL;
	if ((r = audit_request(AUDIT_REQ_ACK, done, arg)) == NULL)
		return -ENOMEM;
	return audit_send(a, AUDIT_DEL_RULE, raw, len, r);
}

/* AUDIT_LIST_RULES. Returns 0, or -errno. */
int
audit_list_rules(struct audit *a, const char *key_wanted, audit_rule_fn each,
    audit_done_fn done, void *arg)
{
	struct audit_request	*r;

	if ((r = audit_request(AUDIT_REQ_LIST, done, arg)) == NULL)
		return -ENOMEM;
	r->each = each;
	if (key_wanted != NULL)
		strlcpy(r->key, key_wanted, sizeof(r->key));
	return audit_send(a, AUDIT_LIST_RULES, NULL, 0, r);
}

/* Is field a string field (its value is a length into buf)? */
static int
audit_field_is_string(uint32_t field)
{
	switch (field) {
	case AUDIT_WATCH:
	case AUDIT_DIR:
	case AUDIT_FILTERKEY:
	case AUDIT_EXE:
		return 1;
	default:
		return (field >= AUDIT_SUBJ_USER && field <= AUDIT_SUBJ_CLR) ||
		    (field >= AUDIT_OBJ_USER && field <= AUDIT_OBJ_LEV_HIGH);
	}
}

/* Does the key field text (keys separated by 0x01) name key? */
static int
audit_key_matches(const char *text, size_t len, const char *key)
{
	size_t	 klen = strlen(key), i, start = 0;

	if (klen == 0)
		return 0;
	for (i = 0; i <= len; i++)
		if (i == len || text[i] == AUDIT_KEY_SEPARATOR) {
			if (i - start == klen &&
			    memcmp(text + start, key, klen) == 0)
				return 1;
			start = i + 1;
		}
	return 0;
}

/* Decode one listed rule and hand it to the request. */
static void
audit_listed_rule(struct audit *a, struct audit_request *r,
    const struct nlmsghdr *nh)
{
	const struct audit_rule_data	*rule = NLMSG_DATA(nh);
	struct audit_watch		 w;
	size_t				 len, off = 0;
	char				 path[4097], key[AUDIT_MAX_KEY_LEN + 1];
	uint32_t			 i, n;
	int				 others = 0;

	len = nh->nlmsg_len - NLMSG_HDRLEN;
	if (len < sizeof(*rule) || rule->field_count > AUDIT_MAX_FIELDS ||
	    rule->buflen > len - sizeof(*rule)) {
		a->stats.malformed++;
		return;
	}
	memset(&w, 0, sizeof(w));
	path[0] = key[0] = '\0';
	for (i = 0; i < rule->field_count; i++) {
		if (!audit_field_is_string(rule->fields[i])) {
			if (rule->fields[i] == AUDIT_PERM)
				w.perm = rule->values[i];
			else
				others++;
			continue;
		}
		n = rule->values[i];
		if (n > rule->buflen - off) {
			a->stats.malformed++;
			return;
		}
		if (rule->fields[i] == AUDIT_WATCH ||
		    rule->fields[i] == AUDIT_DIR) {
			snprintf(path, sizeof(path), "%.*s", (int)n,
			    rule->buf + off);
			w.is_tree = rule->fields[i] == AUDIT_DIR;
		} else if (rule->fields[i] == AUDIT_FILTERKEY) {
			if (r->key[0] != '\0' &&
			    audit_key_matches(rule->buf + off, n, r->key))
				w.has_key = 1;
			snprintf(key, sizeof(key), "%.*s", (int)n,
			    rule->buf + off);
		} else
			others++;
		off += n;
	}
	w.path = path[0] != '\0' ? path : NULL;
	w.key = key;
	w.is_watch = w.path != NULL && others == 0 &&
	    (rule->flags & ~AUDIT_FILTER_PREPEND) == AUDIT_FILTER_EXIT;
	w.raw = rule;
	w.rawlen = sizeof(*rule) + rule->buflen;
	if (r->each != NULL)
		r->each(&w, r->arg);
}

/* Copy an AUDIT_GET payload of len bytes into st. Returns 0, or -1. */
static int
audit_parse_state(const void *data, size_t len, struct audit_state *st)
{
	struct audit_status	 s;

	/* Older kernels send a shorter struct: up to backlog at least. */
	if (len < offsetof(struct audit_status, backlog) + sizeof(s.backlog))
		return -1;
	memset(&s, 0, sizeof(s));
	memcpy(&s, data, len < sizeof(s) ? len : sizeof(s));
	memset(st, 0, sizeof(*st));
	st->enabled = s.enabled;
	st->failure = s.failure;
	st->pid = s.pid;
	st->rate_limit = s.rate_limit;
	st->backlog_limit = s.backlog_limit;
	st->lost = s.lost;
	st->backlog = s.backlog;
	if (len >= offsetof(struct audit_status, backlog_wait_time) +
	    sizeof(s.backlog_wait_time)) {
		st->backlog_wait_time = s.backlog_wait_time;
		st->has_backlog_wait_time = 1;
	}
	return 0;
}

/* One reply message on the control socket. */
static void
audit_reply(struct audit *a, const struct nlmsghdr *nh)
{
	struct audit_request	*r;
	struct audit_state	 st;
	const struct nlmsgerr	*e;
	size_t			 len = nh->nlmsg_len - NLMSG_HDRLEN;

	if ((r = audit_find(a, nh->nlmsg_seq, 0)) == NULL) {
		/* A late ACK of a request already finished by its reply. */
		return;
	}
	switch (nh->nlmsg_type) {
	case NLMSG_ERROR:
		if (len < sizeof(*e)) {
			a->stats.malformed++;
			return;
		}
		e = NLMSG_DATA(nh);
		/* An ACK of a request that still waits for its data. */
		if (e->error == 0 && r->kind != AUDIT_REQ_ACK)
			return;
		audit_find(a, nh->nlmsg_seq, 1);
		audit_finish(a, r, e->error > 0 ? -e->error : e->error, NULL);
		return;
	case NLMSG_DONE:
		if (r->kind != AUDIT_REQ_LIST)
			return;
		audit_find(a, nh->nlmsg_seq, 1);
		audit_finish(a, r, 0, NULL);
		return;
	case AUDIT_GET:
		if (r->kind != AUDIT_REQ_STATE)
			return;
		audit_find(a, nh->nlmsg_seq, 1);
		if (audit_parse_state(NLMSG_DATA(nh), len, &st) == -1) {
			a->stats.malformed++;
			audit_finish(a, r, -EPROTO, NULL);
			return;
		}
		audit_finish(a, r, 0, &st);
		return;
	case AUDIT_LIST_RULES:
		if (r->kind == AUDIT_REQ_LIST)
			audit_listed_rule(a, r, nh);
		return;
	default:
		return;
	}
}

/* One datagram of n bytes from the kernel on a socket of source. */
static void
audit_datagram(struct audit *a, unsigned char *buf, size_t n,
    enum audit_source source)
{
	struct nlmsghdr	*nh = (struct nlmsghdr *)buf;
	size_t		 left = n, len;
	char		*text;

	if (n < NLMSG_HDRLEN) {
		a->stats.malformed++;
		return;
	}
	if (nh->nlmsg_type == AUDIT_REPLACE) {
		/*
		 * Someone else tries to claim the pid: the kernel checks
		 * that we are alive by sending this (binary) probe.
		 */
		return;
	}
	if (nh->nlmsg_type >= AUDIT_FIRST_USER_MSG) {
		/* A record: its length is the datagram's (see above). */
		if (n == NLMSG_HDRLEN)
			return;
		text = (char *)buf + NLMSG_HDRLEN;
		len = n - NLMSG_HDRLEN;
		while (len > 0 && text[len - 1] == '\0')
			len--;
		/* A slot holds AUDIT_MSG_BUF - 1 bytes: room to end. */
		if (len >= AUDIT_MSG_BUF - NLMSG_HDRLEN) {
			a->stats.malformed++;
			return;
		}
		text[len] = '\0';
		a->stats.records[source]++;
		if (a->cb.record != NULL)
			a->cb.record(nh->nlmsg_type, text, len, source,
			    a->cb.arg);
		return;
	}
	if (source != AUDIT_SOURCE_UNICAST)
		return;
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left))
		audit_reply(a, nh);
}

/*
 * Read up to max messages from one socket, for at most max_ms (0: no
 * limit), AUDIT_BATCH datagrams a system call. Returns the count, or
 * -errno.
 */
static int
audit_read(struct audit *a, enum audit_source source, int max, int max_ms)
{
	struct nl_sock	*sk;
	uint64_t	 until = 0;
	unsigned int	 want;
	int		 i, n, count = 0;

	/* The slots are in use further up: a callback read again. */
	if (a->is_reading)
		return 0;
	a->is_reading = 1;
	if (max_ms > 0)
		until = clock_mono_ms() + (uint64_t)max_ms;
	while (count < max) {
		if (until != 0 && count > 0 && clock_mono_ms() >= until)
			break;
		sk = source == AUDIT_SOURCE_UNICAST ? a->ctl : a->mc;
		if (sk == NULL)
			break;
		want = max - count < AUDIT_BATCH ? (unsigned int)(max - count) :
		    AUDIT_BATCH;
		for (i = 0; i < (int)want; i++) {
			a->iov[i].iov_base = a->rbuf + (size_t)i * AUDIT_MSG_BUF;
			a->iov[i].iov_len = AUDIT_MSG_BUF - 1;
			memset(&a->mm[i].msg_hdr, 0, sizeof(a->mm[i].msg_hdr));
			a->mm[i].msg_hdr.msg_name = &a->from[i];
			a->mm[i].msg_hdr.msg_namelen = sizeof(a->from[i]);
			a->mm[i].msg_hdr.msg_iov = &a->iov[i];
			a->mm[i].msg_hdr.msg_iovlen = 1;
			a->mm[i].msg_len = 0;
		}
		n = recvmmsg(nl_socket_get_fd(sk), a->mm, want, MSG_DONTWAIT,
		    NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* The kernel dropped messages for us. */
				a->stats.overruns[source]++;
				if (a->cb.overrun != NULL)
					a->cb.overrun(source, a->cb.arg);
				continue;
			}
			n = errno;
			log_warn("audit netlink: receive");
			a->is_reading = 0;
			return -n;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			count++;
			if (a->mm[i].msg_hdr.msg_namelen < sizeof(a->from[i]) ||
			    a->from[i].nl_pid != 0) {
				/* Only the kernel may speak on this socket. */
				a->stats.foreign++;
				continue;
			}
			if (a->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				a->stats.malformed++;
				continue;
			}
			audit_datagram(a, a->iov[i].iov_base,
			    a->mm[i].msg_len, source);
			/* A callback may have closed the multicast socket. */
			if (source == AUDIT_SOURCE_MULTICAST && a->mc != sk)
				goto out;
		}
		if ((unsigned int)n < want)
			break;
	}
out:
	a->is_reading = 0;
	return count;
}

/* Read now what is queued on one socket (handover). */
int
audit_drain(struct audit *a, enum audit_source source, int max)
{
	return audit_read(a, source, max, 0);
}

/* Block until no request is pending (shutdown only). */
int
audit_wait(struct audit *a, int timeout_ms)
{
	struct pollfd	 pfd;
	struct timespec	 start, now;
	int		 left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (a->npending > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		pfd.fd = nl_socket_get_fd(a->ctl);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) == -1 && errno != EINTR)
			return -errno;
		audit_read(a, AUDIT_SOURCE_UNICAST, AUDIT_READ_BUDGET, 0);
	}
	return 0;
}

/* Fail requests that were never answered. */
static void
audit_expire(struct audit *a)
{
	struct audit_request	**p, *r;
	time_t			 now = clock_mono_sec();

	for (p = &a->reqs; (r = *p) != NULL; ) {
		if (now - r->sent < AUDIT_REQUEST_TIMEOUT) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		a->npending--;
		a->stats.timeouts++;
		audit_finish(a, r, -ETIMEDOUT, NULL);
		/* The callback may have sent or closed: start over. */
		return;
	}
}

/* A socket is readable, or the request timer fired. */
static void
audit_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit	*a = arg;

	if (what & EV_TIMEOUT) {
		audit_expire(a);
		return;
	}
	/*
	 * Records come in bursts the kernel can only buffer up to its
	 * backlog limit: read what is there, bounded in time so that the
	 * other callbacks still get their turn.
	 */
	if (a->mc != NULL && fd == nl_socket_get_fd(a->mc))
		audit_read(a, AUDIT_SOURCE_MULTICAST, AUDIT_READ_BURST,
		    AUDIT_READ_MS);
	else
		audit_read(a, AUDIT_SOURCE_UNICAST, AUDIT_READ_BURST,
		    AUDIT_READ_MS);
}

/* The watched holder exited: tell the caller (once). */
static void
audit_holder_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit	*a = arg;
	void		(*gone)(void *) = a->holder_gone;
	void		*garg = a->holder_arg;

	audit_watch_holder(a, 0, NULL, NULL);
	if (gone != NULL)
		gone(garg);
}

/* Watch pid through a pidfd (readable once it exits). 0 or -errno. */
int
audit_watch_holder(struct audit *a, uint32_t pid, void (*gone)(void *),
    void *arg)
{
	int	 fd;

	if (a->holder_ev != NULL)
		event_free(a->holder_ev);
	a->holder_ev = NULL;
	if (a->holder_fd != -1)
		close(a->holder_fd);
	a->holder_fd = -1;
	if (pid == 0)
		return 0;
#ifdef SYS_pidfd_open
	if ((fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) == -1)
		return -errno;
#else
	(void)fd;
	return -ENOTSUP;
#endif
	a->holder_ev = event_new(a->base, fd, EV_READ, audit_holder_cb, a);
	if (a->holder_ev == NULL || event_add(a->holder_ev, NULL) == -1) {
		if (a->holder_ev != NULL)
			event_free(a->holder_ev);
		a->holder_ev = NULL;
		close(fd);
		return -ENOMEM;
	}
	a->holder_fd = fd;
	a->holder_gone = gone;
	a->holder_arg = arg;
	return 0;
}
