/*
 * fim-change.h: the file changes that a decoded syscall event describes
 * (create, modify, attrib, delete, rename of which paths), from a table of
 * the syscalls that change files. Pure code: what only the live system
 * knows (the directory behind a process's descriptor) is asked of the
 * caller's resolver.
 */
#ifndef OUTPOST_FIM_CHANGE_H
#define OUTPOST_FIM_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "fim-record.h"

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

#endif /* OUTPOST_FIM_CHANGE_H */
