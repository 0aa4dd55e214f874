/*
 * fim-record.h: kernel audit records as text, parsed and assembled into
 * events, and the file changes those events describe. Pure code: no I/O,
 * no clock; unit-tested against real record texts and fuzzed.
 *
 * A record reads "audit(1700000000.123:42): key=value key="value" ...";
 * the records of one event share the stamp (time and serial) and arrive
 * as SYSCALL, CWD, PATH (one per item), PROCTITLE, ..., then EOE. The
 * assembler groups them by serial, drops the second copy of a record that
 * came by both unicast and multicast (during a handover), flushes an
 * event at EOE or after a timeout, and counts the serials that never
 * arrived (gaps).
 */
#ifndef OUTPOST_FIM_RECORD_H
#define OUTPOST_FIM_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define FIM_PATH_MAX		4096
#define FIM_EVENT_RECORDS	32	/* records kept per event */
#define FIM_EVENT_ITEMS		16	/* PATH items kept per event */

/* Record types we read (linux/audit.h values, for portable code). */
#define FIM_T_SYSCALL		1300
#define FIM_T_PATH		1302
#define FIM_T_CONFIG_CHANGE	1305
#define FIM_T_CWD		1307
#define FIM_T_EOE		1320
#define FIM_T_PROCTITLE		1327

/* The stamp of a record: time and serial. */
struct fim_stamp {
	int64_t		sec;
	int		msec;
	uint32_t	serial;
};

/*
 * Parse the stamp at the start of text. Returns the offset of the body
 * (after "): "), or -1 with the reason in err.
 */
int	fim_parse_stamp(const char *text, size_t len, struct fim_stamp *,
	    char *err, size_t errlen);

/*
 * Find field name in a record body and copy its value, decoded (quotes
 * removed, hex-encoded untrusted strings decoded), into out. Returns 1,
 * 0 if absent, or -1 if the body is malformed (reason in err) or the value
 * does not fit.
 */
int	fim_field(const char *body, const char *name, char *out, size_t outlen,
	    char *err, size_t errlen);

/* One record of an event. */
struct fim_record {
	int		 type;
	char		*body;		/* after the stamp, NUL-terminated */
};

/* An assembled event: its records in arrival order. */
struct fim_raw_event {
	struct fim_stamp	 stamp;
	int			 source;	/* who delivered it first */
	int			 complete;	/* EOE seen */
	int			 nrecords;
	struct fim_record	 records[FIM_EVENT_RECORDS];
};

/* What the assembler counted. */
struct fim_asm_stats {
	uint64_t	records;	/* accepted */
	uint64_t	events;		/* emitted */
	uint64_t	duplicates;	/* second copies dropped */
	uint64_t	malformed;	/* records refused */
	uint64_t	incomplete;	/* emitted without EOE (timeout) */
	uint64_t	partial;	/* syscall records without SYSCALL */
	uint64_t	evicted;	/* emitted early: table full */
	uint64_t	truncated;	/* records beyond FIM_EVENT_RECORDS */
	uint64_t	gaps;		/* serials that never arrived */
};

struct fim_assembler;

/* Called with each finished event (valid during the call). */
typedef void	(*fim_event_fn)(const struct fim_raw_event *, void *arg);

/*
 * A new assembler: events go to fn; an event without EOE is flushed
 * timeout_ms after its first record. Returns it, or NULL.
 */
struct fim_assembler *fim_asm_new(fim_event_fn fn, void *arg,
		    unsigned int timeout_ms);
/*
 * Add one record of type from source at now_ms. Returns 0 (taken), 1 (a
 * duplicate, dropped), or -1 (malformed, reason in err).
 */
int		 fim_asm_add(struct fim_assembler *, int type, const char *text,
		    size_t len, int source, uint64_t now_ms, char *err,
		    size_t errlen);
/*
 * Flush events older than the timeout and account for serials below the
 * highest seen one tick ago that never arrived. Call it every few hundred
 * milliseconds.
 */
void		 fim_asm_tick(struct fim_assembler *, uint64_t now_ms);
/* Flush every event in progress (shutdown, pause). */
void		 fim_asm_flush(struct fim_assembler *);
/* Forget serials: the next record starts a new sequence (after a pause). */
void		 fim_asm_restart(struct fim_assembler *);
/* The counters. */
void		 fim_asm_stats(const struct fim_assembler *,
		    struct fim_asm_stats *);
/* Events in progress. */
int		 fim_asm_pending(const struct fim_assembler *);
void		 fim_asm_free(struct fim_assembler *);

/* What a PATH item says about its name. */
enum fim_nametype {
	FIM_NAME_UNKNOWN = 0,
	FIM_NAME_NORMAL,
	FIM_NAME_PARENT,
	FIM_NAME_CREATE,
	FIM_NAME_DELETE
};

/* One PATH item. */
struct fim_item {
	int			 index;
	char			*name;		/* decoded; NULL: "(null)" */
	uint64_t		 inode;
	int			 has_inode;
	char			 dev[16];	/* "fe:00" */
	unsigned int		 mode;
	int			 has_mode;
	int64_t			 ouid;
	int64_t			 ogid;
	enum fim_nametype	 nametype;
};

/* A syscall event, decoded. Strings are NULL when absent. */
struct fim_syscall {
	struct fim_stamp	 stamp;
	int			 has_syscall;
	int			 complete;
	uint32_t		 arch;
	int			 syscall;
	int			 success;	/* 1 yes, 0 no, -1 unknown */
	int64_t			 exit;
	uint64_t		 a[4];
	int64_t			 pid;
	int64_t			 ppid;
	int64_t			 uid;
	int64_t			 gid;
	int64_t			 euid;
	int64_t			 auid;		/* -1: unset */
	int64_t			 ses;
	char			*comm;
	char			*exe;
	char			*key;
	char			*cwd;
	char			*proctitle;	/* NULs as spaces */
	char			*tty;
	int			 nitems;
	struct fim_item		 items[FIM_EVENT_ITEMS];
	char			*strings;	/* holds every string above */
};

/*
 * Decode an assembled event into sc (zeroed first, but for the items
 * past nitems; free it with fim_syscall_clear()). Returns 1 for a syscall
 * event, 0 for another kind (no SYSCALL record), or -1 with the reason in
 * err.
 */
int	fim_syscall_decode(const struct fim_raw_event *, struct fim_syscall *,
	    char *err, size_t errlen);
void	fim_syscall_clear(struct fim_syscall *);
/* The syscall's name for its arch ("openat"), or NULL if unknown. */
const char *fim_syscall_name(uint32_t arch, int syscall);

/* What happened to a file. */
enum fim_action {
	FIM_CREATE = 0,
	FIM_MODIFY,
	FIM_ATTRIB,
	FIM_DELETE,
	FIM_RENAME,
	FIM_NACTIONS
};

/* The action's name ("create"), and back (-1 if unknown). */
const char	*fim_action_name(enum fim_action);
int		 fim_action_parse(const char *);

/* One change to a file that an event describes. */
struct fim_change {
	enum fim_action		 action;
	char			 path[FIM_PATH_MAX];
	char			 old_path[FIM_PATH_MAX];	/* rename */
	const struct fim_item	*item;		/* the file's PATH item */
	int			 is_resolved;	/* the path is certain */
};

/*
 * Find the directory a process's file descriptor fd names (for *at()
 * syscalls and fd-based ones), or, failing that, the directory with
 * inode dir_inode on device dev (0: unknown). Returns 0 with the path in
 * out, or -1.
 */
typedef int	(*fim_resolve_fn)(int64_t pid, int fd, uint64_t dir_inode,
		    const char *dev, char *out, size_t outlen, void *arg);

/*
 * The file changes of a decoded syscall event: at most max into out.
 * is_ours says the kernel matched one of our rules (its key), which
 * settles syscalls whose flags cannot be read (openat2). resolve may be
 * NULL. Returns the number of changes (0: none, e.g. a read-only open).
 */
int	fim_changes(const struct fim_syscall *, int is_ours,
	    fim_resolve_fn resolve, void *arg, struct fim_change *out,
	    int max);

/*
 * Make path absolute and lexically clean: join a relative name to base,
 * collapse "//", "/./" and "dir/..". Returns 0, or -1 if it does not fit.
 */
int	fim_path_join(const char *base, const char *name, char *out,
	    size_t outlen);

#endif /* OUTPOST_FIM_RECORD_H */
