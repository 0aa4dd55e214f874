/*
 * fim-dirs.c: directories learnt from audit events, by device and inode.
 *
 * A syscall relative to a directory descriptor (unlinkat(fd, "name"), as
 * rm -r does) leaves in its records the name, the cwd as the PARENT name,
 * and the directory's inode; the descriptor itself is read from
 * /proc/PID/fd, but the process has often closed it, or exited, by the
 * time the records are read. The paths of directories seen in earlier
 * events (PARENT names of absolute paths, directories created or renamed)
 * are kept here by (device, inode), so that the name can still be put in
 * its directory. An entry is trusted only while its path names the same
 * inode, or nothing (the directory was removed right after its entries).
 * The table is open-addressed and emptied when three quarters full.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fim-dirs.h"
#include "log.h"

#define FIM_DIRS_SLOTS		16384

/* A directory learnt from events: its device, inode and path. */
struct fim_dir {
	char		 dev[16];
	uint64_t	 ino;
	char		*path;
};

/* Allocate the table. Returns 0, or -1. */
int
fim_dirs_init(struct fim_dirs *d)
{
	d->n = 0;
	d->slots = calloc(FIM_DIRS_SLOTS, sizeof(*d->slots));
	return d->slots != NULL ? 0 : -1;
}

/* The slot of (dev, ino). */
static unsigned int
fim_dirs_hash(const char *dev, uint64_t ino)
{
	uint64_t	 h = ino * 0x9e3779b97f4a7c15ULL;

	while (*dev != '\0')
		h = (h ^ (unsigned char)*dev++) * 0x100000001b3ULL;
	return (unsigned int)(h % FIM_DIRS_SLOTS);
}

/* Forget every directory. */
static void
fim_dirs_clear(struct fim_dirs *d)
{
	int	 i;

	if (d->slots == NULL)
		return;
	for (i = 0; i < FIM_DIRS_SLOTS; i++) {
		free(d->slots[i].path);
		d->slots[i].path = NULL;
	}
	d->n = 0;
}

/* Forget every directory and free the table. */
void
fim_dirs_free(struct fim_dirs *d)
{
	fim_dirs_clear(d);
	free(d->slots);
	d->slots = NULL;
}

/* Learn that directory (dev, ino) is path. */
static void
fim_dirs_learn(struct fim_dirs *d, const char *dev, uint64_t ino,
    const char *path)
{
	unsigned int	 i;
	struct fim_dir	*e;

	if (d->slots == NULL || dev[0] == '\0' || ino == 0 || path[0] != '/')
		return;
	if (d->n >= FIM_DIRS_SLOTS * 3 / 4)
		fim_dirs_clear(d);
	for (i = fim_dirs_hash(dev, ino); ; i = (i + 1) % FIM_DIRS_SLOTS) {
		e = &d->slots[i];
		if (e->path == NULL)
			break;
		if (e->ino == ino && strcmp(e->dev, dev) == 0) {
			if (strcmp(e->path, path) == 0)
				return;
			free(e->path);
			e->path = strdup(path);
			return;
		}
	}
	strlcpy(e->dev, dev, sizeof(e->dev));
	e->ino = ino;
	if ((e->path = strdup(path)) != NULL)
		d->n++;
}

/* The path of directory (dev, ino), or NULL. */
static const char *
fim_dirs_find(const struct fim_dirs *d, const char *dev, uint64_t ino)
{
	unsigned int		 i;
	const struct fim_dir	*e;

	if (d->slots == NULL)
		return NULL;
	for (i = fim_dirs_hash(dev, ino); ; i = (i + 1) % FIM_DIRS_SLOTS) {
		e = &d->slots[i];
		if (e->path == NULL)
			return NULL;
		if (e->ino == ino && strcmp(e->dev, dev) == 0)
			return e->path;
	}
}

/* Learn directories from a decoded event (for later *at() syscalls). */
void
fim_dirs_learn_event(struct fim_dirs *d, const struct fim_syscall *sc,
    const struct fim_change *ch, int n)
{
	int	 i, trusted = 0;

	/*
	 * A PARENT name is the directory part of the path the process gave;
	 * for a bare name relative to a directory fd the kernel writes the
	 * cwd instead. Only learn from events that gave absolute paths.
	 */
	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype != FIM_NAME_PARENT &&
		    sc->items[i].name != NULL && sc->items[i].name[0] == '/')
			trusted = 1;
	for (i = 0; trusted && i < sc->nitems; i++)
		if (sc->items[i].nametype == FIM_NAME_PARENT &&
		    sc->items[i].name != NULL && sc->items[i].name[0] == '/' &&
		    sc->items[i].has_inode)
			fim_dirs_learn(d, sc->items[i].dev,
			    sc->items[i].inode, sc->items[i].name);
	for (i = 0; i < n; i++)
		if (ch[i].is_resolved && ch[i].item != NULL &&
		    ch[i].item->has_mode && S_ISDIR(ch[i].item->mode) &&
		    ch[i].action != FIM_DELETE)
			fim_dirs_learn(d, ch[i].item->dev, ch[i].item->inode,
			    ch[i].path);
}

/* The directory that fd of pid names, from /proc. Returns 0, or -1. */
static int
fim_dirs_proc_fd(int64_t pid, int fd, char *out, size_t outlen)
{
	char		 link[64];
	ssize_t		 n;
	size_t		 len;

	snprintf(link, sizeof(link), "/proc/%lld/fd/%d", (long long)pid, fd);
	n = readlink(link, out, outlen - 1);
	if (n <= 0 || out[0] != '/')
		return -1;
	out[n] = '\0';
	len = (size_t)n;
	if (len > 10 && strcmp(out + len - 10, " (deleted)") == 0)
		out[len - 10] = '\0';
	return 0;
}

/*
 * Resolve a process's directory fd (or the directory with inode ino).
 * Returns 0 with the path, or -1.
 */
int
fim_dirs_resolve(int64_t pid, int fd, uint64_t ino, const char *dev,
    char *out, size_t outlen, void *arg)
{
	const struct fim_dirs	*d = arg;
	struct stat		 sb;
	const char		*path;

	if (fd >= 0 && pid > 0 && fim_dirs_proc_fd(pid, fd, out, outlen) == 0)
		return 0;
	/*
	 * A directory seen before; when its path names another inode now
	 * the entry is stale. Gone is fine: rm -r removes the directory
	 * right after its entries, before we read the records.
	 */
	if (ino != 0 && dev != NULL &&
	    (path = fim_dirs_find(d, dev, ino)) != NULL &&
	    (lstat(path, &sb) == -1 ? errno == ENOENT :
	    (uint64_t)sb.st_ino == ino)) {
		strlcpy(out, path, outlen);
		return 0;
	}
	log_debug("fim: cannot tell which directory fd %d of pid %lld is "
	    "(inode %llu on %s)", fd, (long long)pid, (unsigned long long)ino,
	    dev != NULL ? dev : "?");
	return -1;
}
