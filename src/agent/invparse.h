/*
 * invparse.h: line parsers for the files the inventory collectors read
 * (os-release, passwd, group, hosts, /proc/modules, /proc/cpuinfo,
 * /proc/meminfo, /proc/net/{tcp,udp}[6]) and for the lines of the rpm
 * query. Each takes one line without its newline, never allocates, and
 * refuses garbage with the reason in err (the caller adds file:line).
 * Returns are 1 (a record in *out), 0 (nothing: a comment, a blank or a
 * header line), or -1.
 */
#ifndef OUTPOST_INVPARSE_H
#define OUTPOST_INVPARSE_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

/* A piece of a line: not NUL-terminated. */
struct invparse_span {
	const char	*p;
	size_t		 len;
};

/*
 * os-release(5): KEY=VALUE with shell quoting. The unquoted value is
 * written to value (NUL-terminated, at most valuelen - 1 bytes).
 */
int	invparse_os_release(const char *line, size_t len,
	    struct invparse_span *key, char *value, size_t valuelen,
	    char *err, size_t errlen);

/* One passwd(5) entry. */
struct invparse_user {
	struct invparse_span	 name, home, shell;
	uint32_t		 uid, gid;
};
/* passwd(5): name:password:uid:gid:gecos:home:shell. NIS +/- lines: 0. */
int	invparse_passwd(const char *line, size_t len, struct invparse_user *,
	    char *err, size_t errlen);

/* One group(5) entry; members stay a comma-separated span. */
struct invparse_group {
	struct invparse_span	 name, members;
	uint32_t		 gid;
};
/* group(5): name:password:gid:member,member. */
int	invparse_group(const char *line, size_t len, struct invparse_group *,
	    char *err, size_t errlen);

/* /proc/modules: "name size refcount deps state address". */
int	invparse_module(const char *line, size_t len,
	    struct invparse_span *name, uint64_t *size, char *err,
	    size_t errlen);

/*
 * "key : value" lines of /proc/cpuinfo and "Key: value" of /proc/meminfo
 * (blanks around both trimmed). A blank line gives 0.
 */
int	invparse_colon(const char *line, size_t len, struct invparse_span *key,
	    struct invparse_span *value, char *err, size_t errlen);
/* A /proc/meminfo value "16318412 kB" in bytes. Returns 0, or -1. */
int	invparse_kib(const struct invparse_span *, uint64_t *bytes);

/* One socket of /proc/net/tcp, tcp6, udp or udp6. */
struct invparse_socket {
	int			 family;	/* AF_INET, AF_INET6 */
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 local, remote;
	uint16_t		 local_port, remote_port;
	unsigned int		 state;		/* TCP_LISTEN = 10, ... */
	uint64_t		 inode;
};
/* A line of /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6). */
int	invparse_net(const char *line, size_t len, int family,
	    struct invparse_socket *, char *err, size_t errlen);

/*
 * hosts(5): the address and up to max names. Returns 1 with *nnames, 0
 * for comments and blanks, or -1.
 */
int	invparse_hosts(const char *line, size_t len,
	    struct invparse_span *addr, struct invparse_span *names,
	    size_t max, size_t *nnames, char *err, size_t errlen);

/*
 * One line of "rpm -qa --queryformat" with INVPARSE_RPM_FORMAT: name,
 * epoch ("(none)" when unset), version, release, arch, source rpm, tab
 * separated.
 */
#define INVPARSE_RPM_FORMAT \
	"%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"
struct invparse_rpm {
	struct invparse_span	 name, epoch, version, release, arch, source;
};
int	invparse_rpm(const char *line, size_t len, struct invparse_rpm *,
	    char *err, size_t errlen);

/* Is the span equal to the NUL-terminated string s? */
int	invparse_span_is(const struct invparse_span *, const char *s);

#endif /* OUTPOST_INVPARSE_H */
