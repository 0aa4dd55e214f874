/*
 * fim-record.h: kernel audit records as text: the fields of a record body,
 * the stamp at its start, the events they are assembled into
 * (fim-assemble.h) and the decoding of a syscall event. Pure code: no
 * I/O, no clock; unit-tested against real record texts and fuzzed.
 *
 * A record reads "audit(1700000000.123:42): key=value key="value" ...";
 * the records of one event share the stamp (time and serial) and arrive
 * as SYSCALL, CWD, PATH (one per item), PROCTITLE, ..., then EOE.
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

#endif /* OUTPOST_FIM_RECORD_H */
