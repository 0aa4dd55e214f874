/*
 * collect-linux.c: the collectors that read Linux's /proc and /sys below
 * the root: cpu, memory, listening sockets with their processes (the
 * host's through sock_diag netlink), kernel modules, and the interface
 * list with MACs.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "collect.h"
#include "compat.h"
#include "invparse.h"
#include "jsonutil.h"
#include "log.h"

#define TCP_STATE_CLOSE		0x07
#define TCP_STATE_LISTEN	0x0a

/* The state of cpu and memory: one file read line by line. */
struct collect_proc_state {
	struct collect_lines	 lr;
	int			 is_open;
	char			 model[256];
	int64_t			 count;
	uint64_t		 total;
	int			 have_total;
};

/* Free the state of cpu or memory. */
static void
collect_proc_cleanup(struct collect_job *job)
{
	struct collect_proc_state	*s = job->state;

	if (s->is_open)
		collect_lines_close(&s->lr);
}

/* One line of /proc/cpuinfo. */
static int
collect_cpuinfo_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	static const char *const model_keys[] = { "model name", "Model",
	    "cpu model", "cpu", "Processor", NULL };
	struct collect_proc_state	*s = arg;
	struct invparse_span		 key, value;
	int				 i, rc;

	if ((rc = invparse_colon(line, len, &key, &value, err, errlen)) != 1)
		return rc;
	if (invparse_span_is(&key, "processor")) {
		s->count++;
		return 0;
	}
	for (i = 0; model_keys[i] != NULL; i++)
		if (invparse_span_is(&key, model_keys[i]))
			break;
	if (model_keys[i] != NULL && s->model[0] == '\0' && value.len > 0 &&
	    value.len < sizeof(s->model)) {
		memcpy(s->model, value.p, value.len);
		s->model[value.len] = '\0';
	}
	return 0;
}

/* cpu: the model and the number of processors of ROOT/proc/cpuinfo. */
static enum collect_rc
collect_cpu_step(struct collect_job *job)
{
	struct collect_proc_state	*s = job->state;
	struct json_object		*o;
	enum collect_rc			 rc;
	int				 orc;
	long				 n;

	if (!s->is_open) {
		orc = collect_lines_open(job, &s->lr, "/proc/cpuinfo");
		if (orc == -1)
			return COLLECT_ERROR;
		if (orc == -ENOENT && !collect_root_is_host(job))
			return collect_fail(job, "%s: no such file",
			    s->lr.path);
		s->is_open = orc == 0;
	}
	if (s->is_open && (rc = collect_each_line(job, &s->lr,
	    collect_cpuinfo_line, s)) != COLLECT_DONE)
		return rc;
	if (s->count == 0 && collect_root_is_host(job) &&
	    (n = sysconf(_SC_NPROCESSORS_CONF)) > 0)
		s->count = n;
	o = json_object_new_object();
	if (s->model[0] != '\0')
		json_add_string(o, "model", s->model);
	else
		json_object_object_add(o, "model", NULL);
	json_add_int64(o, "count", s->count);
	return collect_done(job, o);
}

const struct collector collect_cpu = { "cpu",
    sizeof(struct collect_proc_state), collect_cpu_step,
    collect_proc_cleanup };

/* One line of /proc/meminfo. */
static int
collect_meminfo_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct collect_proc_state	*s = arg;
	struct invparse_span		 key, value;
	int				 rc;

	if ((rc = invparse_colon(line, len, &key, &value, err, errlen)) != 1)
		return rc;
	if (!invparse_span_is(&key, "MemTotal"))
		return 0;
	if (invparse_kib(&value, &s->total) == -1) {
		snprintf(err, errlen, "MemTotal: expected \"N kB\", got "
		    "\"%.*s\"", (int)(value.len > 32 ? 32 : value.len),
		    value.p);
		return -1;
	}
	s->have_total = 1;
	return 0;
}

/* memory: MemTotal of ROOT/proc/meminfo. */
static enum collect_rc
collect_memory_step(struct collect_job *job)
{
	struct collect_proc_state	*s = job->state;
	struct json_object		*o;
	enum collect_rc			 rc;
	int				 orc;

	if (!s->is_open) {
		if ((orc = collect_lines_open(job, &s->lr,
		    "/proc/meminfo")) == -ENOENT)
			return collect_fail(job, "%s: no such file",
			    s->lr.path);
		if (orc == -1)
			return COLLECT_ERROR;
		s->is_open = 1;
	}
	if ((rc = collect_each_line(job, &s->lr, collect_meminfo_line, s)) !=
	    COLLECT_DONE)
		return rc;
	if (!s->have_total)
		return collect_fail(job, "%s: no MemTotal line", s->lr.path);
	o = json_object_new_object();
	json_add_int64(o, "total_bytes", (int64_t)s->total);
	return collect_done(job, o);
}

const struct collector collect_memory = { "memory",
    sizeof(struct collect_proc_state), collect_memory_step,
    collect_proc_cleanup };

/* One listening socket. */
struct collect_socket {
	const char	*protocol;
	char		 address[INET6_ADDRSTRLEN];
	uint16_t	 port;
	uint64_t	 inode;
	long		 pid;		/* 0: not found */
	char		 process[64];
};

/* Is sock_diag asked for the sockets of the host? */
enum collect_diag {
	COLLECT_DIAG_UNTRIED = 0,	/* its socket is not open yet */
	COLLECT_DIAG_OPEN,
	COLLECT_DIAG_UNAVAILABLE	/* read /proc/net instead */
};

/* A directory read with getdents64(2), a buffer at a time across steps. */
struct collect_dir {
	int		 fd;		/* -1: closed */
	size_t		 off, len;
	char		 buf[8192] __attribute__((aligned(8)));
};

/* An entry of getdents64(2) (struct linux_dirent64). */
struct collect_dirent64 {
	uint64_t	 d_ino;
	int64_t		 d_off;
	unsigned short	 d_reclen;
	unsigned char	 d_type;
	char		 d_name[];
};

/* The state of the listening collector. */
struct collect_listen_state {
	int			 is_started;	/* the fds below are set */
	int			 is_host;	/* the root is "/" */
	int			 phase;	/* file index, then the /proc walk */
	struct collect_lines	 lr;
	int			 is_open;
	enum collect_diag	 diag;
	int			 diag_fd;	/* sock_diag, or -1 */
	int			 is_dumping;	/* its reply is being read */
	uint32_t		 diag_seq;
	size_t			 phase_start;	/* nsocks when it began */
	struct collect_socket	*socks;
	size_t			 nsocks, cap, unresolved;
	uint64_t		*inodes;	/* sorted, for the walk */
	struct collect_dir	 proc;		/* ROOT/proc */
	struct collect_dir	 fds;		/* ROOT/proc/PID/fd */
	long			 pid;
};

static const struct {
	const char	*path;
	const char	*protocol;
	int		 family;
	int		 is_tcp;
} collect_net_files[] = {
	{ "/proc/net/tcp", "tcp", AF_INET, 1 },
	{ "/proc/net/tcp6", "tcp6", AF_INET6, 1 },
	{ "/proc/net/udp", "udp", AF_INET, 0 },
	{ "/proc/net/udp6", "udp6", AF_INET6, 0 }
};

/*
 * The owners the last walk of /proc found: the root, and its sockets
 * sorted by inode. A poll (collect_opts.may_reuse) whose sockets, from
 * sock_diag in about a millisecond, are exactly those takes their owners
 * from here and skips the walk, most of the collector's time; other scans
 * always walk. One agent has one inventory: one such memory.
 */
static struct {
	char			*root;
	struct collect_socket	*socks;
	size_t			 n;
} collect_owners;

/* Order sockets by inode, then protocol, address and port. */
static int
collect_inode_cmp(const void *a, const void *b)
{
	const struct collect_socket	*x = a, *y = b;
	int				 c;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if ((c = strcmp(x->protocol, y->protocol)) != 0)
		return c;
	if ((c = strcmp(x->address, y->address)) != 0)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

/* Free the owners kept. */
void
collect_os_forget(void)
{
	free(collect_owners.root);
	free(collect_owners.socks);
	memset(&collect_owners, 0, sizeof(collect_owners));
}

/* Keep the owners just found (nothing when out of memory). */
static void
collect_owners_keep(struct collect_job *job, struct collect_listen_state *s)
{
	collect_os_forget();
	if (s->nsocks == 0 ||
	    (collect_owners.root = strdup(job->opts->root)) == NULL ||
	    (collect_owners.socks = calloc(s->nsocks,
	    sizeof(*s->socks))) == NULL) {
		collect_os_forget();
		return;
	}
	memcpy(collect_owners.socks, s->socks, s->nsocks * sizeof(*s->socks));
	collect_owners.n = s->nsocks;
	qsort(collect_owners.socks, collect_owners.n, sizeof(*s->socks),
	    collect_inode_cmp);
}

/*
 * A poll whose sockets are those of the last walk: take their owners.
 * Returns 1 when it did (no walk needed), else 0.
 */
static int
collect_owners_reuse(struct collect_job *job, struct collect_listen_state *s)
{
	size_t	 i;

	if (!job->opts->may_reuse || collect_owners.root == NULL ||
	    strcmp(collect_owners.root, job->opts->root) != 0 ||
	    collect_owners.n != s->nsocks)
		return 0;
	qsort(s->socks, s->nsocks, sizeof(*s->socks), collect_inode_cmp);
	for (i = 0; i < s->nsocks; i++)
		if (collect_inode_cmp(&s->socks[i],
		    &collect_owners.socks[i]) != 0)
			return 0;
	for (i = 0; i < s->nsocks; i++) {
		s->socks[i].pid = collect_owners.socks[i].pid;
		memcpy(s->socks[i].process, collect_owners.socks[i].process,
		    sizeof(s->socks[i].process));
	}
	return 1;
}

/* Free the listening collector's state. */
static void
collect_listen_cleanup(struct collect_job *job)
{
	struct collect_listen_state	*s = job->state;

	if (s->is_open)
		collect_lines_close(&s->lr);
	if (s->is_started) {
		if (s->diag_fd != -1)
			close(s->diag_fd);
		if (s->fds.fd != -1)
			close(s->fds.fd);
		if (s->proc.fd != -1)
			close(s->proc.fd);
	}
	free(s->socks);
	free(s->inodes);
}

/*
 * Keep a socket of the current phase: local address addr (an in_addr or
 * in6_addr, network order), port and inode. Returns 0, or -1 (out of
 * memory).
 */
static int
collect_add_socket(struct collect_listen_state *s, const void *addr,
    uint16_t port, uint64_t inode)
{
	struct collect_socket	*cs, *n;

	if (s->nsocks == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		if ((n = reallocarray(s->socks, s->cap, sizeof(*n))) == NULL)
			return -1;
		s->socks = n;
	}
	cs = &s->socks[s->nsocks++];
	memset(cs, 0, sizeof(*cs));
	cs->protocol = collect_net_files[s->phase].protocol;
	inet_ntop(collect_net_files[s->phase].family, addr, cs->address,
	    sizeof(cs->address));
	cs->port = port;
	cs->inode = inode;
	return 0;
}

/* One line of a /proc/net file: keep the socket if it listens. */
static int
collect_net_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct collect_listen_state	*s = arg;
	struct invparse_socket		 ps;
	static const struct in6_addr	 any6;
	int				 rc, is_tcp, family;

	family = collect_net_files[s->phase].family;
	is_tcp = collect_net_files[s->phase].is_tcp;
	if ((rc = invparse_net(line, len, family, &ps, err, errlen)) != 1)
		return rc;
	if (is_tcp && ps.state != TCP_STATE_LISTEN)
		return 0;
	/* UDP: bound and not connected. */
	if (!is_tcp && (ps.state != TCP_STATE_CLOSE || ps.remote_port != 0 ||
	    (family == AF_INET && ps.remote.v4.s_addr != 0) ||
	    (family == AF_INET6 && memcmp(&ps.remote.v6, &any6,
	    sizeof(any6)) != 0)))
		return 0;
	if (collect_add_socket(s, &ps.local, ps.local_port, ps.inode) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Ask sock_diag for the current phase's sockets: TCP in LISTEN, or UDP
 * unconnected (TCP_CLOSE), of the phase's family. Returns 0, or -errno.
 */
static int
collect_diag_request(struct collect_listen_state *s)
{
	struct {
		struct nlmsghdr		 nlh;
		struct inet_diag_req_v2	 req;
	}			 msg;
	struct sockaddr_nl	 sa;
	ssize_t			 n;
	int			 is_tcp = collect_net_files[s->phase].is_tcp;

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = ++s->diag_seq;
	msg.req.sdiag_family = (uint8_t)collect_net_files[s->phase].family;
	msg.req.sdiag_protocol = is_tcp ? IPPROTO_TCP : IPPROTO_UDP;
	msg.req.idiag_states = 1U << (is_tcp ? TCP_STATE_LISTEN :
	    TCP_STATE_CLOSE);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	do
		n = sendto(s->diag_fd, &msg, sizeof(msg), 0,
		    (struct sockaddr *)&sa, sizeof(sa));
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : 0;
}

/* One socket of sock_diag's reply. Returns 0, or -1 (out of memory). */
static int
collect_diag_socket(struct collect_listen_state *s,
    const struct inet_diag_msg *m)
{
	static const uint32_t	 any[4];
	int			 family = collect_net_files[s->phase].family;
	int			 is_tcp = collect_net_files[s->phase].is_tcp;

	if (m->idiag_family != family)
		return 0;
	/* The kernel filtered by state; UDP: not connected, as above. */
	if (is_tcp ? m->idiag_state != TCP_STATE_LISTEN :
	    m->idiag_state != TCP_STATE_CLOSE || m->id.idiag_dport != 0 ||
	    memcmp(m->id.idiag_dst, any, family == AF_INET ? 4 : 16) != 0)
		return 0;
	return collect_add_socket(s, m->id.idiag_src, ntohs(m->id.idiag_sport),
	    m->idiag_inode);
}

/*
 * Read one datagram of sock_diag's reply and keep its sockets. Returns 1
 * when the reply is complete, 0 when more follows, or -errno (the
 * kernel's error, EMSGSIZE, ENOMEM).
 */
static int
collect_diag_read(struct collect_listen_state *s)
{
	union {
		struct nlmsghdr	 h;
		char		 b[32768];
	}			 buf;
	struct sockaddr_nl	 sa;
	struct iovec		 iov = { &buf, sizeof(buf) };
	struct msghdr		 mh;
	struct nlmsghdr		*h;
	const struct nlmsgerr	*e;
	ssize_t			 n;
	int			 len, error;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do
		n = recvmsg(s->diag_fd, &mh, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (sa.nl_pid != 0)
		return 0;		/* not from the kernel */
	len = (int)n;
	for (h = &buf.h; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != s->diag_seq)
			continue;
		switch (h->nlmsg_type) {
		case NLMSG_DONE:
			/* A dump that failed says why after the header. */
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
				memcpy(&error, NLMSG_DATA(h), sizeof(error));
				if (error < 0)
					return error;
			}
			return 1;
		case NLMSG_ERROR:
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			e = NLMSG_DATA(h);
			return e->error < 0 ? e->error : -EPROTO;
		case SOCK_DIAG_BY_FAMILY:
			if (h->nlmsg_len <
			    NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -EBADMSG;
			if (collect_diag_socket(s, NLMSG_DATA(h)) == -1)
				return -ENOMEM;
			break;
		}
	}
	return 0;
}

/*
 * The current phase's sockets through sock_diag, while the step's time
 * lasts. Returns DONE when the phase is complete, MORE, or ERROR when
 * sock_diag cannot give them: then nothing of the phase is kept and
 * sock_diag is not asked again (the caller reads /proc/net instead).
 */
static enum collect_rc
collect_diag_phase(struct collect_job *job, struct collect_listen_state *s)
{
	int	 rc;

	if (s->diag == COLLECT_DIAG_UNTRIED) {
		s->diag_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		    NETLINK_SOCK_DIAG);
		if (s->diag_fd == -1) {
			rc = -errno;
			goto fail;
		}
		s->diag = COLLECT_DIAG_OPEN;
	}
	if (!s->is_dumping) {
		s->phase_start = s->nsocks;
		if ((rc = collect_diag_request(s)) < 0)
			goto fail;
		s->is_dumping = 1;
	}
	while (collect_time_left(job)) {
		if ((rc = collect_diag_read(s)) == 1) {
			s->is_dumping = 0;
			return COLLECT_DONE;
		}
		if (rc < 0)
			goto fail;
	}
	return COLLECT_MORE;
fail:
	log_debug("inventory: sock_diag for %s: %s; reading %s instead",
	    collect_net_files[s->phase].protocol, strerror(-rc),
	    collect_net_files[s->phase].path);
	s->nsocks = s->phase_start;
	s->is_dumping = 0;
	if (s->diag_fd != -1)
		close(s->diag_fd);
	s->diag_fd = -1;
	s->diag = COLLECT_DIAG_UNAVAILABLE;
	return COLLECT_ERROR;
}

/* Order inodes. */
static int
collect_u64_cmp(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Is the name all digits (a process directory)? */
static int
collect_is_pid(const char *name)
{
	if (*name == '\0')
		return 0;
	for (; *name != '\0'; name++)
		if (!isdigit((unsigned char)*name))
			return 0;
	return 1;
}

/* The socket inode an fd link names ("socket:[123]"), or 0. */
static uint64_t
collect_socket_inode(const char *link)
{
	uint64_t	 v = 0;
	const char	*p;

	if (strncmp(link, "socket:[", 8) != 0)
		return 0;
	for (p = link + 8; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return *p == ']' && p[1] == '\0' ? v : 0;
}

/*
 * The next name in a directory, "." and ".." left out. Returns 1 with
 * *name set, 0 at the end, or -1 (errno).
 */
static int
collect_dir_next(struct collect_dir *d, const char **name)
{
	const struct collect_dirent64	*de;
	long				 n;

	for (;;) {
		if (d->off >= d->len) {
			n = syscall(SYS_getdents64, d->fd, d->buf,
			    sizeof(d->buf));
			if (n <= 0)
				return (int)n;
			d->off = 0;
			d->len = (size_t)n;
		}
		de = (const struct collect_dirent64 *)(d->buf + d->off);
		d->off += de->d_reclen;
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		*name = de->d_name;
		return 1;
	}
}

/* Give inode's sockets the process pid (the first, lowest pid wins). */
static void
collect_owner(struct collect_job *job, struct collect_listen_state *s,
    uint64_t inode)
{
	char		 path[PATH_MAX], *comm = NULL;
	size_t		 i;

	if (bsearch(&inode, s->inodes, s->nsocks, sizeof(*s->inodes),
	    collect_u64_cmp) == NULL)
		return;
	for (i = 0; i < s->nsocks; i++) {
		if (s->socks[i].inode != inode || s->socks[i].pid != 0)
			continue;
		if (comm == NULL) {
			snprintf(path, sizeof(path), "/proc/%ld/comm", s->pid);
			if (collect_read_small(job, path, 64, &comm) != 0) {
				job->error[0] = '\0';	/* gone meanwhile */
				comm = strdup("");
				if (comm == NULL)
					return;
			}
		}
		s->socks[i].pid = s->pid;
		strlcpy(s->socks[i].process, comm, sizeof(s->socks[i].process));
		s->unresolved--;
	}
	free(comm);
}

/*
 * Walk ROOT/proc/PID/fd for the owners of the sockets, a bounded number
 * of entries per step, until every socket has its owner. The directories
 * are read with getdents64 and the links with readlinkat relative to the
 * fd directory, so no path is built or looked up per fd; kernel threads
 * and processes whose fds we may not read are skipped. Returns DONE when
 * the walk is over.
 */
static enum collect_rc
collect_walk(struct collect_job *job, struct collect_listen_state *s)
{
	const char	*name;
	char		 path[PATH_MAX], link[128];
	uint64_t	 inode;
	ssize_t		 n;

	if (s->proc.fd == -1) {
		collect_path(job, "/proc", path, sizeof(path));
		if ((s->proc.fd = open(path, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			return COLLECT_DONE;	/* no processes to name */
	}
	while (s->unresolved > 0 && collect_time_left(job)) {
		if (s->fds.fd == -1) {
			if (collect_dir_next(&s->proc, &name) != 1)
				return COLLECT_DONE;
			if (!collect_is_pid(name))
				continue;
			s->pid = strtol(name, NULL, 10);
			/*
			 * The host's kernel threads have no exe (and no
			 * fds), a process not ours to look into denies it as
			 * it denies its fds: skip them for one readlinkat
			 * instead of listing a directory.
			 */
			snprintf(path, sizeof(path), "%s/exe", name);
			if (s->is_host &&
			    readlinkat(s->proc.fd, path, link, 1) == -1 &&
			    (errno == ENOENT || errno == EACCES ||
			    errno == EPERM))
				continue;
			snprintf(path, sizeof(path), "%s/fd", name);
			/* Gone, or not ours to read: skip it. */
			if ((s->fds.fd = openat(s->proc.fd, path, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC)) == -1)
				continue;
			s->fds.off = s->fds.len = 0;
		}
		if (collect_dir_next(&s->fds, &name) != 1) {
			close(s->fds.fd);
			s->fds.fd = -1;
			continue;
		}
		if ((n = readlinkat(s->fds.fd, name, link,
		    sizeof(link) - 1)) <= 0) {
			/*
			 * Not ours to look into (a process of another user
			 * or security context): its other fds are not
			 * either, skip them.
			 */
			if (n == -1 && (errno == EACCES || errno == EPERM)) {
				close(s->fds.fd);
				s->fds.fd = -1;
			}
			continue;
		}
		link[n] = '\0';
		if ((inode = collect_socket_inode(link)) != 0)
			collect_owner(job, s, inode);
	}
	return s->unresolved == 0 ? COLLECT_DONE : COLLECT_MORE;
}

/* Order sockets: protocol, address, port, pid. */
static int
collect_socket_cmp(const void *a, const void *b)
{
	const struct collect_socket	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->protocol, y->protocol)) != 0)
		return c;
	if ((c = strcmp(x->address, y->address)) != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->process, y->process);
}

/* The sorted sockets as the section, duplicates (SO_REUSEPORT) merged. */
static struct json_object *
collect_listen_json(struct collect_listen_state *s)
{
	struct json_object	*arr = json_object_new_array(), *o;
	struct collect_socket	*cs;
	size_t			 i;

	if (s->nsocks > 0)
		qsort(s->socks, s->nsocks, sizeof(*s->socks),
		    collect_socket_cmp);
	for (i = 0; i < s->nsocks; i++) {
		cs = &s->socks[i];
		if (i > 0 && collect_socket_cmp(cs, cs - 1) == 0)
			continue;
		o = json_object_new_object();
		json_add_string(o, "protocol", cs->protocol);
		json_add_string(o, "address", cs->address);
		json_add_int64(o, "port", cs->port);
		if (cs->pid != 0) {
			json_add_int64(o, "pid", cs->pid);
			json_add_string(o, "process", cs->process);
		} else {
			json_object_object_add(o, "pid", NULL);
			json_object_object_add(o, "process", NULL);
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

/*
 * listening: the TCP sockets in LISTEN and the bound, unconnected UDP
 * sockets, with the process that holds each (found by walking
 * ROOT/proc/PID/fd). The host's sockets come from sock_diag netlink,
 * which does not go through every connection as /proc/net/tcp does; a
 * prepared root's, or the host's where sock_diag is not available, from
 * ROOT/proc/net/{tcp,tcp6,udp,udp6}.
 */
static enum collect_rc
collect_listening_step(struct collect_job *job)
{
	struct collect_listen_state	*s = job->state;
	enum collect_rc			 rc;
	size_t				 i;
	int				 orc;

	if (!s->is_started) {
		s->diag_fd = s->proc.fd = s->fds.fd = -1;
		if (!(s->is_host = collect_root_is_host(job)))
			s->diag = COLLECT_DIAG_UNAVAILABLE;
		s->is_started = 1;
	}
	while (s->phase < (int)nitems(collect_net_files)) {
		if (s->diag != COLLECT_DIAG_UNAVAILABLE) {
			rc = collect_diag_phase(job, s);
			if (rc == COLLECT_MORE)
				return rc;
			if (rc == COLLECT_DONE) {
				s->phase++;
				continue;
			}
			/* ERROR: this phase and the next from /proc/net. */
		}
		if (!s->is_open) {
			orc = collect_lines_open(job, &s->lr,
			    collect_net_files[s->phase].path);
			if (orc == -1)
				return COLLECT_ERROR;
			if (orc == -ENOENT) {	/* no IPv6, say */
				s->phase++;
				continue;
			}
			s->is_open = 1;
		}
		rc = collect_each_line(job, &s->lr, collect_net_line, s);
		if (rc != COLLECT_DONE)
			return rc;
		collect_lines_close(&s->lr);
		s->is_open = 0;
		s->phase++;
		if (!collect_time_left(job))
			return COLLECT_MORE;
	}
	if (s->diag_fd != -1) {
		close(s->diag_fd);
		s->diag_fd = -1;
	}
	if (s->inodes == NULL && collect_owners_reuse(job, s))
		return collect_done(job, collect_listen_json(s));
	if (s->inodes == NULL && s->nsocks > 0) {
		if ((s->inodes = calloc(s->nsocks, sizeof(*s->inodes))) ==
		    NULL)
			return collect_fail(job, "out of memory");
		for (i = 0; i < s->nsocks; i++)
			s->inodes[i] = s->socks[i].inode;
		qsort(s->inodes, s->nsocks, sizeof(*s->inodes),
		    collect_u64_cmp);
		for (i = 0; i < s->nsocks; i++)
			if (s->socks[i].inode != 0)
				s->unresolved++;
	}
	if (s->unresolved > 0 && collect_walk(job, s) == COLLECT_MORE)
		return COLLECT_MORE;
	collect_owners_keep(job, s);
	return collect_done(job, collect_listen_json(s));
}

const struct collector collect_listening = { "listening",
    sizeof(struct collect_listen_state), collect_listening_step,
    collect_listen_cleanup };

/* One line of /proc/modules. */
static int
collect_module_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct json_object	*arr = arg, *o;
	struct invparse_span	 name;
	uint64_t		 size;
	int			 rc;

	if ((rc = invparse_module(line, len, &name, &size, err, errlen)) != 1)
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string_len(name.p,
	    (int)name.len));
	json_add_int64(o, "size", (int64_t)size);
	json_object_array_add(arr, o);
	return 0;
}

/* Order modules by name. */
static int
collect_module_cmp(const void *a, const void *b)
{
	return strcmp(collect_member(*(struct json_object *const *)a, "name"),
	    collect_member(*(struct json_object *const *)b, "name"));
}

/* The state of kernel_modules. */
struct collect_modules_state {
	struct collect_lines	 lr;
	int			 is_open;
	struct json_object	*arr;
};

/* Free kernel_modules' state. */
static void
collect_modules_cleanup(struct collect_job *job)
{
	struct collect_modules_state	*s = job->state;

	if (s->is_open)
		collect_lines_close(&s->lr);
	json_object_put(s->arr);
}

/*
 * kernel_modules: ROOT/proc/modules sorted by name (a kernel without
 * loadable modules has none: an empty list).
 */
static enum collect_rc
collect_modules_step(struct collect_job *job)
{
	struct collect_modules_state	*s = job->state;
	enum collect_rc			 rc;
	int				 orc;

	if (s->arr == NULL) {
		s->arr = json_object_new_array();
		orc = collect_lines_open(job, &s->lr, "/proc/modules");
		if (orc == -1)
			return COLLECT_ERROR;
		s->is_open = orc == 0;
	}
	if (s->is_open && (rc = collect_each_line(job, &s->lr,
	    collect_module_line, s->arr)) != COLLECT_DONE)
		return rc;
	collect_sort_array(s->arr, collect_module_cmp);
	rc = collect_done(job, s->arr);
	s->arr = NULL;
	return rc;
}

const struct collector collect_kernel_modules = { "kernel_modules",
    sizeof(struct collect_modules_state), collect_modules_step,
    collect_modules_cleanup };

/* Order strings. */
static int
collect_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The interfaces of ROOT/sys/class/net, sorted; *names NULL when the
 * directory does not exist. Returns 0, or -1 (collect_fail).
 */
int
collect_os_interfaces(struct collect_job *job, char ***names, size_t *count)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX], **v = NULL, **nv;
	size_t		 n = 0, cap = 0;

	*names = NULL;
	*count = 0;
	collect_path(job, "/sys/class/net", path, sizeof(path));
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		collect_fail(job, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		goto nomem_closed;
	qsort(v, n, sizeof(*v), collect_str_cmp);
	*names = v;
	*count = n;
	return 0;
nomem:
	closedir(d);
nomem_closed:
	while (n > 0)
		free(v[--n]);
	free(v);
	collect_fail(job, "%s: out of memory", path);
	return -1;
}

/* Is s a link-layer address: hex pairs separated by ':'? */
static int
collect_is_mac(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len < 2 || len % 3 != 2)
		return 0;
	for (i = 0; i < len; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The MAC of ROOT/sys/class/net/NAME/address, or "" (collect_fail). */
void
collect_os_mac(struct collect_job *job, const char *name, char *buf,
    size_t len)
{
	char	 path[PATH_MAX], full[PATH_MAX], *text;
	size_t	 i;

	buf[0] = '\0';
	if (strchr(name, '/') != NULL || strcmp(name, "..") == 0)
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	if (collect_read_small(job, path, 256, &text) != 0)
		return;		/* none (ENOENT), or collect_fail() */
	if (text[0] != '\0' && !collect_is_mac(text)) {
		collect_fail(job, "%s: not a link-layer address: \"%.64s\"",
		    collect_path(job, path, full, sizeof(full)), text);
		free(text);
		return;
	}
	for (i = 0; text[i] != '\0'; i++)
		text[i] = (char)tolower((unsigned char)text[i]);
	strlcpy(buf, text, len);
	free(text);
}
