/*
 * fim-scan.h: what changed while the agent was not running.
 *
 * At a clean stop the module lists the watched trees (a snapshot: path,
 * inode, mode, owner, size, times) into state_dir/fim-baseline; at the
 * next start, once the rules are back in the kernel, it lists them again
 * in slices from the event loop and reports the differences as FIM events
 * (source "scan"): created, modified, attribute changes, renamed (same
 * inode, new path) and deleted files. Changes made after the rules were
 * back (ctime at or after that moment) are left to the audit events.
 */
#ifndef OUTPOST_FIM_SCAN_H
#define OUTPOST_FIM_SCAN_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "fim-change.h"

struct fim_rules;
struct fim_snapshot;
struct fim_walk;

#define FIM_SNAPSHOT_MAX	200000	/* entries */

/* What a snapshot knows of one path. */
struct fim_fstate {
	char		*path;
	uint64_t	 dev;
	uint64_t	 ino;
	uint32_t	 mode;
	uint32_t	 uid;
	uint32_t	 gid;
	int64_t		 size;
	int64_t		 mtime_sec;
	long		 mtime_nsec;
	int64_t		 ctime_sec;
	long		 ctime_nsec;
	int		 mark;		/* used by the diff */
	int		 is_gone;	/* removed by fim_snap_refresh() */
};

struct fim_snapshot *fim_snap_new(void);
void		 fim_snap_free(struct fim_snapshot *);
/* Add path with sb. Returns 0, 1 (already there), or -1 (full). */
int		 fim_snap_add(struct fim_snapshot *, const char *path,
		    const struct stat *);
size_t		 fim_snap_count(const struct fim_snapshot *);
/* The entry of path, or NULL (also for one that is gone). */
struct fim_fstate *fim_snap_find(struct fim_snapshot *, const char *path);
/*
 * Bring path's entry up to date with the file system (lstat): added or
 * updated when it exists, marked gone when not. Returns 0, or -1 (full).
 */
int		 fim_snap_refresh(struct fim_snapshot *, const char *path);

/*
 * Write the snapshot to file atomically (mode 0600) with the signature of
 * the rules it lists and the time of the stop. Returns 0, or -errno.
 */
int		 fim_snap_save(const struct fim_snapshot *, const char *file,
		    const char *signature, int64_t stopped_sec,
		    long stopped_nsec);
/*
 * Read a snapshot written by fim_snap_save(). Returns it with the
 * signature (65 bytes) and stop time, or NULL with the reason ("line 7:
 * expected ...") in err.
 */
struct fim_snapshot *fim_snap_parse(const char *text, size_t len,
		    char *signature, int64_t *stopped_sec, long *stopped_nsec,
		    char *err, size_t errlen);

/* The rules' signature: hex SHA-256 of what decides the listing. */
void		 fim_rules_signature(const struct fim_rules *, char out[65]);

/* A listing of the rules' trees, done a few entries at a time. */
struct fim_walk	*fim_walk_new(const struct fim_rules *);
/*
 * List up to max more entries into snap. Returns 1 when done, 0 when
 * there is more, -1 when the snapshot is full.
 */
int		 fim_walk_step(struct fim_walk *, struct fim_snapshot *,
		    int max);
void		 fim_walk_free(struct fim_walk *);

/*
 * One difference: action on path (old_path for a rename), the state
 * before (NULL for a create) and now (NULL for a delete).
 */
typedef void	(*fim_diff_fn)(enum fim_action, const char *path,
		    const char *old_path, const struct fim_fstate *before,
		    const struct fim_fstate *now, void *arg);
/*
 * Report what differs from before to now. Entries of now whose ctime is
 * at or after since were changed under audit and are not reported.
 */
void		 fim_snap_diff(struct fim_snapshot *before,
		    struct fim_snapshot *now, int64_t since_sec,
		    long since_nsec, fim_diff_fn, void *arg);

#endif /* OUTPOST_FIM_SCAN_H */
