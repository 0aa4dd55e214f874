/*
 * collect.h: the inventory collectors and the scan that runs them from
 * the event loop.
 *
 * A collector fills one section of the inventory (docs/protocol.md 3.6,
 * "os", "packages", ...) from files below a root directory ("/" or a
 * prepared tree). It works in steps: each call does a bounded amount of
 * work (it stops when collect_time_left() says so) and returns
 * COLLECT_MORE to be called again from the loop, COLLECT_WAIT when it
 * waits for I/O of its own (a child's pipe) and will call collect_wake(),
 * COLLECT_DONE with its section set, or COLLECT_ERROR with the reason.
 *
 * Common collectors live in collect.c; what differs per system in
 * collect-linux.c (/proc, /sys) or collect-portable.c; the package databases
 * in collect-packages.c.
 */
#ifndef OUTPOST_COLLECT_H
#define OUTPOST_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct json_object;
struct route;
struct collect_job;
struct collect_scan;

/* What a collector step returns. */
enum collect_rc {
	COLLECT_DONE = 0,
	COLLECT_MORE,
	COLLECT_WAIT,
	COLLECT_ERROR
};

/* One collector. */
struct collector {
	const char	*name;		/* its section */
	size_t		 state_size;	/* zeroed before the first step */
	/* Do some work; NULL: not available on this system. */
	enum collect_rc	(*step)(struct collect_job *);
	/* Free the state (after DONE, ERROR or a cancelled scan). */
	void		(*cleanup)(struct collect_job *);
};

/* What a scan reads and how. */
struct collect_opts {
	struct event_base	*base;
	const char		*root;		/* "/" or a prepared tree */
	struct route		*route;		/* addresses; NULL: none */
	long			 budget_usec;	/* work per step (0: 5 ms) */
	/*
	 * A poll: a collector may reuse what its last run found where a
	 * cheap check shows that it still holds (the listening sockets'
	 * owners when the sockets are the same).
	 */
	int			 may_reuse;
};

/* One collector's run in a scan. */
struct collect_job {
	const struct collector		*collector;
	const struct collect_opts	*opts;
	struct collect_scan		*scan;
	void				*state;
	struct json_object		*result;	/* the section */
	char				 error[512];
	struct timespec			 deadline;
	int				 is_waiting;
	unsigned long			 steps;
	double				 ms;		/* time spent */
};

/* The collectors, in the order a scan runs them. */
extern const struct collector *const collect_table[];
/* The collector named name, or NULL. */
const struct collector	*collect_find(const char *name);
/* Is it available on this system? */
int			 collect_is_supported(const struct collector *);

/* The system-specific collectors (collect-linux.c, collect-portable.c). */
extern const struct collector	collect_cpu, collect_memory,
				collect_listening, collect_kernel_modules,
				collect_packages;
/* Free what the system-specific collectors keep between scans. */
void	collect_os_forget(void);
/* The interface names of the host, sorted (collect-linux.c/-other.c). */
int	collect_os_interfaces(struct collect_job *, char ***names,
	    size_t *count);
/* The MAC address of interface name into buf, or "" if none. */
void	collect_os_mac(struct collect_job *, const char *name, char *buf,
	    size_t len);

/*
 * Scan: run the collectors named in names (NULL-terminated; NULL = all
 * available) one step per loop iteration; done(scan, arg) is called from
 * the loop once all are done. Returns the scan, or NULL (out of memory).
 */
struct collect_scan	*collect_scan_start(const struct collect_opts *,
			    const char *const *names,
			    void (*done)(struct collect_scan *, void *),
			    void *arg);
/* Stop a scan (done is not called) and free it. */
void			 collect_scan_free(struct collect_scan *);
/*
 * The sections collected: {"os": {...}, "packages": [...]} (borrowed;
 * failed collectors have none).
 */
struct json_object	*collect_scan_sections(struct collect_scan *);
/* [{"collector","error"}] of the collectors that failed (borrowed). */
struct json_object	*collect_scan_errors(struct collect_scan *);
/* The scan's numbers. */
struct collect_stats {
	double		 duration_ms;	/* from start to done */
	double		 busy_ms;	/* time spent in steps */
	double		 longest_step_ms;
	const char	*longest_step_collector;
	unsigned long	 steps;
};
void			 collect_scan_stats(struct collect_scan *,
			    struct collect_stats *);
/* Per collector {"name": {"ms","steps"}} (new object). */
struct json_object	*collect_scan_timings(struct collect_scan *);

/* For collectors. */

/* root + path ("/etc/passwd") into buf. Returns buf. */
const char	*collect_path(struct collect_job *, const char *path,
		    char *buf, size_t len);
/* Set the error (one line naming the file and why); returns ERROR. */
enum collect_rc	 collect_fail(struct collect_job *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Set the section (consumed); returns DONE. */
enum collect_rc	 collect_done(struct collect_job *, struct json_object *);
/* May the step go on? (Its time budget is not used up.) */
int		 collect_time_left(struct collect_job *);
/* A waiting collector is ready for its next step. */
void		 collect_wake(struct collect_job *);
/* Is the root the running system's own "/"? */
int		 collect_root_is_host(struct collect_job *);

/*
 * A text file read in chunks, line by line, so that a large file (the
 * dpkg status) is read across several steps.
 */
struct collect_lines {
	int		 fd;
	char		*buf;
	size_t		 len, cap, off;
	size_t		 lineno;
	int		 is_eof;
	char		 path[1024];
};
/*
 * Open root + path. Returns 0, -ENOENT when it does not exist, or -1
 * after collect_fail().
 */
int	collect_lines_open(struct collect_job *, struct collect_lines *,
	    const char *path);
/*
 * Feed the lines of lr to fn (0, or -1 with the reason in err) while the
 * step's time lasts. Returns COLLECT_DONE at the end of the file,
 * COLLECT_MORE, or COLLECT_ERROR ("file:line: reason").
 */
enum collect_rc collect_each_line(struct collect_job *,
	    struct collect_lines *,
	    int (*fn)(const char *, size_t, void *, char *, size_t), void *);
/* Close and free. */
void	collect_lines_close(struct collect_lines *);
/*
 * Read a whole small file (at most max bytes) below root into a new
 * buffer, NUL-terminated, trailing newlines removed. Returns 0, -ENOENT,
 * or -1 after collect_fail().
 */
int	collect_read_small(struct collect_job *, const char *path,
	    size_t max, char **out);

/* Sort a JSON array in place by cmp. */
void	collect_sort_array(struct json_object *,
	    int (*cmp)(const void *, const void *));
/* A string member for sorting ("" when absent). */
const char *collect_member(struct json_object *, const char *key);

#endif /* OUTPOST_COLLECT_H */
