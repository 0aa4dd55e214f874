/*
 * fim-dirs.h: directories learnt from audit events (fim-dirs.c): device and
 * inode to path, for the *at() syscalls whose directory descriptor is gone
 * from /proc by the time their records are read (rm -r).
 */
#ifndef OUTPOST_FIM_DIRS_H
#define OUTPOST_FIM_DIRS_H

#include <stddef.h>
#include <stdint.h>

#include "fim-change.h"

struct fim_dir;

/* The cache: an open-addressed table, emptied when three quarters full. */
struct fim_dirs {
	struct fim_dir	*slots;		/* NULL: out of memory, no cache */
	int		 n;
};

/* Allocate the table. Returns 0, or -1 (out of memory). */
int	fim_dirs_init(struct fim_dirs *);
/* Forget every directory and free the table. */
void	fim_dirs_free(struct fim_dirs *);
/* Learn the directories a decoded event and its n changes name. */
void	fim_dirs_learn_event(struct fim_dirs *, const struct fim_syscall *,
	    const struct fim_change *, int n);
/*
 * A fim_resolve_fn (arg: the struct fim_dirs): the directory behind fd of
 * pid from /proc, or the one learnt for (dev, ino) if its path still
 * names it. Returns 0 with the path in out, or -1.
 */
int	fim_dirs_resolve(int64_t pid, int fd, uint64_t ino, const char *dev,
	    char *out, size_t outlen, void *arg);

#endif /* OUTPOST_FIM_DIRS_H */
