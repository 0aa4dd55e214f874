/*
 * fim-scan.h: snapshots of the watched trees (path, inode, mode, owner,
 * size, times), their file format, the walk that lists the trees in
 * slices, and the differences between two snapshots.
 *
 * The FIM module keeps one snapshot as its durable baseline (fim-journal.c,
 * state_dir/fim-baseline) and, at start, compares it with a new listing
 * (fim-catchup.c): created, modified, attribute changes, renamed (same
 * inode, new path) and deleted files become FIM events (source "scan").
 * Changes made after the rules were back (ctime at or after that moment)
 * are left to the audit events.
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
 * Set f's dev, ino, mode, uid, gid and size from v[0..5] (the order of a
 * snapshot line; the caller checked their ranges).
 */
void		 fim_fstate_numbers(struct fim_fstate *f, const uint64_t v[6]);
/* Fill f's state (all but the path) from what lstat said. */
void		 fim_snap_fill(struct fim_fstate *f, const struct stat *);
/* Set path's entry to f (added or replaced). Returns 0, or -1 (full). */
int		 fim_snap_set(struct fim_snapshot *, const struct fim_fstate *);
/* Mark path's entry gone (nothing when there is none). */
void		 fim_snap_gone(struct fim_snapshot *, const char *path);
/*
 * A rename from from to to: the entry of from and those below it (a
 * directory) move. Returns 0, or -1 (full).
 */
int		 fim_snap_move(struct fim_snapshot *, const char *from,
		    const char *to);
/* Free the entries marked gone. Returns 0, or -1 (out of memory). */
int		 fim_snap_prune(struct fim_snapshot *);
/* Entries held, gone ones included (what fim_snap_prune() would free). */
size_t		 fim_snap_size(const struct fim_snapshot *);
/* Entry i of those (NULL past the end); check is_gone. */
struct fim_fstate *fim_snap_entry(struct fim_snapshot *, size_t i);

/* What the header of a saved snapshot says. */
struct fim_snap_header {
	char		 signature[65];	/* of the rules it lists */
	int64_t		 stopped_sec;	/* when it was written */
	long		 stopped_nsec;
	uint64_t	 generation;	/* the journal that follows it */
	uint64_t	 next_id;	/* journal event ids go on from here */
	int		 is_clean;	/* written at a clean stop */
	int		 is_complete;	/* every watched file is listed */
};

#define FIM_PENDING_MAX		100000	/* events pending in one file */

/* One pending event of a saved snapshot: return 0, or -1 to refuse it. */
typedef int	(*fim_pending_fn)(uint64_t id, const char *json, size_t len,
		    void *arg);

/* What a saved snapshot holds besides its entries. */
struct fim_snap_extra {
	fim_pending_fn	 pending;	/* each pending event, or NULL */
	/* Each dirty path (0, or -1 to refuse it), or NULL. */
	int		(*dirty)(const char *path, void *arg);
	void		*arg;
};

/*
 * Write the snapshot to file atomically (mode 0600) with its header,
 * npending lines of pending events ("<id> <event JSON>\n", pending_len
 * bytes) and the paths of dirty (may be NULL): files whose state is not
 * settled yet (fim-journal.c). Returns 0, or -errno.
 */
int		 fim_snap_save(const struct fim_snapshot *, const char *file,
		    const struct fim_snap_header *, const char *pending,
		    size_t pending_len, size_t npending,
		    const struct fim_snapshot *dirty);
/*
 * Read a snapshot written by fim_snap_save() (or the version 1 file of an
 * older agent): the header into h, the pending events and dirty paths to
 * extra (may be NULL). Returns the snapshot, or NULL with the reason
 * ("line 7: expected ...") in err.
 */
struct fim_snapshot *fim_snap_parse(const char *text, size_t len,
		    struct fim_snap_header *h, const struct fim_snap_extra *,
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
