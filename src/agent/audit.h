/*
 * audit.h: the kernel audit system over netlink, one interface for the
 * FIM module (fim*.c). audit-linux.c talks NETLINK_AUDIT through libnl-3;
 * audit-disabled.c is built where there is no netlink (--disable-netlink,
 * other systems) and fails every call with -ENOTSUP.
 *
 * Two sockets: the control socket sends requests (status, pid claim,
 * rules) and, once this process owns the audit pid, receives the records
 * by unicast; the multicast socket, joined on demand, receives a read-only
 * copy of every record through the AUDIT_NLGRP_READLOG group while
 * another process (auditd) owns the pid.
 *
 * Nothing blocks: requests are sent at once (the kernel applies them
 * inside sendmsg) and their answers are read from the event loop and
 * matched to the request by sequence number. Every request is sent with
 * NLM_F_ACK and completes exactly once: with the kernel's ACK (0), its
 * error (-errno), or -ETIMEDOUT when no answer came. Each wake-up reads a
 * bounded number of messages, so the other callbacks get their turn.
 * Messages not sent by the kernel (nl_pid != 0) are dropped and counted.
 */
#ifndef OUTPOST_AUDIT_H
#define OUTPOST_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct audit;

/* Where a record came from. */
enum audit_source {
	AUDIT_SOURCE_UNICAST = 0,	/* the control socket: we own the pid */
	AUDIT_SOURCE_MULTICAST = 1	/* the read-only log group */
};

/* What AUDIT_GET says (the kernel's struct audit_status, portable). */
struct audit_state {
	uint32_t	enabled;	/* 0 off, 1 on, 2 locked */
	uint32_t	failure;
	uint32_t	pid;		/* the owner of the audit pid; 0 none */
	uint32_t	rate_limit;
	uint32_t	backlog_limit;
	uint32_t	lost;		/* records the kernel lost, since boot */
	uint32_t	backlog;	/* records waiting in the kernel */
	uint32_t	backlog_wait_time;
	int		has_backlog_wait_time;	/* the kernel reported it */
};

/* Which members of struct audit_state audit_set() changes. */
#define AUDIT_SET_ENABLED		0x01
#define AUDIT_SET_BACKLOG_LIMIT		0x02
#define AUDIT_SET_BACKLOG_WAIT_TIME	0x04

/* Permission classes a watch rule filters on (auditctl -p). */
#define AUDIT_WATCH_WRITE	0x2
#define AUDIT_WATCH_ATTR	0x8

/* One watch rule, as added or as listed. */
struct audit_watch {
	const char	*path;
	int		 is_tree;	/* a directory tree (-F dir=), else
					   one path (-w file) */
	unsigned int	 perm;		/* AUDIT_WATCH_* */
	const char	*key;		/* the rule's key (first of several) */
	int		 has_key;	/* key names key_wanted (listing) */
	/* Listing only: the rule as the kernel sent it, for audit_del_raw. */
	const void	*raw;
	size_t		 rawlen;
	int		 is_watch;	/* a watch rule (path, perm, key only) */
};

/*
 * What the transport calls back. Every member may be NULL. No callback,
 * of this struct or of a request, may call audit_close().
 */
struct audit_callbacks {
	/*
	 * One record: type (AUDIT_SYSCALL, ...) and its text
	 * ("audit(1700000000.123:42): ..."), NUL-terminated, len bytes.
	 */
	void	(*record)(int type, const char *text, size_t len,
		    enum audit_source, void *arg);
	/* The socket overran: the kernel dropped messages for us. */
	void	(*overrun)(enum audit_source, void *arg);
	void	*arg;
};

/* Counters of the transport. */
struct audit_stats {
	uint64_t	records[2];	/* by enum audit_source */
	uint64_t	overruns[2];	/* ENOBUFS seen */
	uint64_t	foreign;	/* messages not from the kernel */
	uint64_t	malformed;	/* bad replies */
	uint64_t	requests;	/* sent */
	uint64_t	timeouts;	/* requests never answered */
	int		rcvbuf;		/* control socket buffer (bytes) */
	int		multicast_rcvbuf;
};

/* A request finished: err is 0 or -errno. */
typedef void	(*audit_done_fn)(int err, void *arg);
/* AUDIT_GET finished: st is valid when err is 0. */
typedef void	(*audit_state_fn)(int err, const struct audit_state *st,
		    void *arg);
/* One listed rule (valid during the call). */
typedef void	(*audit_rule_fn)(const struct audit_watch *, void *arg);

/* "netlink" or "none". */
const char	*audit_backend(void);
/*
 * Open the control socket on base. Returns the transport, or NULL with
 * errno set (EPROTONOSUPPORT: no audit in the kernel; ENOTSUP: built
 * without netlink).
 */
struct audit	*audit_open(struct event_base *, const struct audit_callbacks *);
/* Close both sockets; pending requests are dropped without a call. */
void		 audit_close(struct audit *);
/*
 * Join the read-only multicast group. Returns 0, or -errno (-ENOTSUP:
 * the kernel does not offer it; -EPERM: no CAP_AUDIT_READ).
 */
int		 audit_multicast_join(struct audit *);
/* Leave the group and close its socket. */
void		 audit_multicast_leave(struct audit *);
/* Is the multicast socket open? */
int		 audit_is_multicast(struct audit *);
/*
 * Read what is queued on a socket now, up to max messages (records go to
 * the record callback). Returns the number read, or -errno.
 */
int		 audit_drain(struct audit *, enum audit_source, int max);

/* AUDIT_GET. Returns 0 (fn will be called), or -errno. */
int		 audit_get_state(struct audit *, audit_state_fn, void *arg);
/* AUDIT_SET of the audit pid: this process (pid != 0) or none (0). */
int		 audit_set_pid(struct audit *, uint32_t pid, audit_done_fn,
		    void *arg);
/* AUDIT_SET of the members of st named by mask (AUDIT_SET_*). */
int		 audit_set(struct audit *, unsigned int mask,
		    const struct audit_state *st, audit_done_fn, void *arg);
/* AUDIT_ADD_RULE of a watch rule. */
int		 audit_add_watch(struct audit *, const struct audit_watch *,
		    audit_done_fn, void *arg);
/* AUDIT_DEL_RULE of a rule as listed (its raw bytes). */
int		 audit_del_raw(struct audit *, const void *raw, size_t len,
		    audit_done_fn, void *arg);
/*
 * AUDIT_LIST_RULES: each(rule) for every rule in the kernel, then
 * done(err). key_wanted sets has_key in each listed rule.
 */
int		 audit_list_rules(struct audit *, const char *key_wanted,
		    audit_rule_fn each, audit_done_fn done, void *arg);
/*
 * Block until every pending request was answered, or timeout_ms passed
 * (-ETIMEDOUT). Only for shutdown, never on the event loop. Returns 0.
 */
int		 audit_wait(struct audit *, int timeout_ms);
/* Requests sent and not answered yet. */
int		 audit_pending(struct audit *);
/*
 * Watch process pid (the other holder of the audit pid): gone(arg) is
 * called from the loop as soon as it exits (Linux: a pidfd). One watch at
 * a time; pid 0 stops watching. Returns 0, or -errno (-ENOTSUP, -ESRCH
 * when the process is gone already).
 */
int		 audit_watch_holder(struct audit *, uint32_t pid,
		    void (*gone)(void *), void *arg);
/* The transport's counters. */
void		 audit_get_stats(struct audit *, struct audit_stats *);

#endif /* OUTPOST_AUDIT_H */
