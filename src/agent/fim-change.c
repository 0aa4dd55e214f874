/*
 * fim-change.c: the file changes a decoded syscall event describes (see
 * fim-change.h). No I/O here: what only the live system knows (which
 * directory a process's descriptor names) is asked of a resolver.
 *
 * A table lists the syscalls that change files, by number for each
 * architecture, with the class of change and the roles of their
 * arguments (open flags, directory descriptors); the PATH items of the
 * event (CREATE, DELETE, PARENT, NORMAL) say which files, and their names
 * are made absolute against the directory descriptor or the cwd, and
 * cleaned lexically.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "fim-change.h"

#define FIM_AT_FDCWD		(-100)

#define FIM_ARCH_X86_64		0xc000003eU
#define FIM_ARCH_AARCH64	0xc00000b7U

/* How a syscall changes files. */
enum fim_class {
	FIM_C_OPEN,		/* flags in arg flags_arg */
	FIM_C_OPEN2,		/* openat2: flags behind a pointer */
	FIM_C_CREAT,
	FIM_C_TRUNCATE,		/* by path */
	FIM_C_FTRUNCATE,	/* by descriptor (a0) */
	FIM_C_RENAME,
	FIM_C_UNLINK,
	FIM_C_MAKE,		/* mkdir, mknod, link, symlink */
	FIM_C_ATTR,		/* by path */
	FIM_C_FATTR		/* by descriptor (a0) */
};

/* One syscall: its numbers, class and argument roles. */
struct fim_syscall_info {
	const char	*name;
	int		 x86_64;	/* -1: none */
	int		 aarch64;
	enum fim_class	 cls;
	int		 flags_arg;	/* open flags, or -1 */
	int		 dirfd_arg;	/* the (first) directory fd, or -1 */
	int		 dirfd2_arg;	/* the second (rename, link), or -1 */
};

static const struct fim_syscall_info fim_syscalls[] = {
	{ "open", 2, -1, FIM_C_OPEN, 1, -1, -1 },
	{ "openat", 257, 56, FIM_C_OPEN, 2, 0, -1 },
	{ "openat2", 437, 437, FIM_C_OPEN2, -1, 0, -1 },
	{ "creat", 85, -1, FIM_C_CREAT, -1, -1, -1 },
	{ "truncate", 76, 45, FIM_C_TRUNCATE, -1, -1, -1 },
	{ "ftruncate", 77, 46, FIM_C_FTRUNCATE, -1, -1, -1 },
	{ "fallocate", 285, 47, FIM_C_FTRUNCATE, -1, -1, -1 },
	{ "rename", 82, -1, FIM_C_RENAME, -1, -1, -1 },
	{ "renameat", 264, 38, FIM_C_RENAME, -1, 0, 2 },
	{ "renameat2", 316, 276, FIM_C_RENAME, -1, 0, 2 },
	{ "unlink", 87, -1, FIM_C_UNLINK, -1, -1, -1 },
	{ "unlinkat", 263, 35, FIM_C_UNLINK, -1, 0, -1 },
	{ "rmdir", 84, -1, FIM_C_UNLINK, -1, -1, -1 },
	{ "mkdir", 83, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "mkdirat", 258, 34, FIM_C_MAKE, -1, 0, -1 },
	{ "mknod", 133, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "mknodat", 259, 33, FIM_C_MAKE, -1, 0, -1 },
	{ "link", 86, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "linkat", 265, 37, FIM_C_MAKE, -1, 0, 2 },
	{ "symlink", 88, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "symlinkat", 266, 36, FIM_C_MAKE, -1, 1, -1 },
	{ "chmod", 90, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchmod", 91, 52, FIM_C_FATTR, -1, -1, -1 },
	{ "fchmodat", 268, 53, FIM_C_ATTR, -1, 0, -1 },
	{ "fchmodat2", 452, 452, FIM_C_ATTR, -1, 0, -1 },
	{ "chown", 92, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchown", 93, 55, FIM_C_FATTR, -1, -1, -1 },
	{ "lchown", 94, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchownat", 260, 54, FIM_C_ATTR, -1, 0, -1 },
	{ "setxattr", 188, 5, FIM_C_ATTR, -1, -1, -1 },
	{ "lsetxattr", 189, 6, FIM_C_ATTR, -1, -1, -1 },
	{ "fsetxattr", 190, 7, FIM_C_FATTR, -1, -1, -1 },
	{ "removexattr", 197, 14, FIM_C_ATTR, -1, -1, -1 },
	{ "lremovexattr", 198, 15, FIM_C_ATTR, -1, -1, -1 },
	{ "fremovexattr", 199, 16, FIM_C_FATTR, -1, -1, -1 },
	{ "setxattrat", 463, 463, FIM_C_ATTR, -1, 0, -1 },
	{ "removexattrat", 466, 466, FIM_C_ATTR, -1, 0, -1 },
	{ "utime", 132, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "utimes", 235, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "futimesat", 261, -1, FIM_C_ATTR, -1, 0, -1 },
	{ "utimensat", 280, 88, FIM_C_ATTR, -1, 0, -1 },
};

/* The table row of a syscall, or NULL. */
static const struct fim_syscall_info *
fim_syscall_info(uint32_t arch, int nr)
{
	size_t	 i;

	for (i = 0; i < nitems(fim_syscalls); i++) {
		if (arch == FIM_ARCH_X86_64 && fim_syscalls[i].x86_64 == nr)
			return &fim_syscalls[i];
		if (arch == FIM_ARCH_AARCH64 && fim_syscalls[i].aarch64 == nr)
			return &fim_syscalls[i];
	}
	return NULL;
}

/* The syscall's name, or NULL. */
const char *
fim_syscall_name(uint32_t arch, int nr)
{
	const struct fim_syscall_info	*si = fim_syscall_info(arch, nr);

	return si != NULL ? si->name : NULL;
}

/* The names of the actions, by enum fim_action. */
static const char *const fim_action_names[FIM_NACTIONS] = {
	"create", "modify", "attrib", "delete", "rename"
};

/* The action's name. */
const char *
fim_action_name(enum fim_action a)
{
	return (unsigned int)a < FIM_NACTIONS ? fim_action_names[a] : "?";
}

/* Parse an action name. Returns it, or -1. */
int
fim_action_parse(const char *s)
{
	int	 i;

	for (i = 0; i < FIM_NACTIONS; i++)
		if (strcmp(s, fim_action_names[i]) == 0)
			return i;
	return -1;
}

/* ---- Paths ---- */

/*
 * Append the segments of path s to out (*lenp bytes so far), cleaning as
 * they come: empty and "." segments dropped, ".." taking the last one
 * back. Returns 0, or -1 if it does not fit in outlen.
 */
static int
fim_path_append(char *out, size_t outlen, size_t *lenp, const char *s)
{
	const char	*seg;
	size_t		 len = *lenp, n;

	while (*s != '\0') {
		while (*s == '/')
			s++;
		seg = s;
		while (*s != '\0' && *s != '/')
			s++;
		n = (size_t)(s - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > outlen) {
			out[len] = '\0';
			return -1;
		}
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
	}
	out[len] = '\0';
	*lenp = len;
	return 0;
}

/* Join and clean a path. Returns 0, or -1 if it does not fit. */
int
fim_path_join(const char *base, const char *name, char *out, size_t outlen)
{
	size_t	 len = 0;

	if (outlen < 2)
		return -1;
	if (name[0] == '/' || base == NULL || base[0] == '\0')
		base = NULL;
	/* The limit of the joined text ("base/name" or "/name"). */
	if ((base != NULL ? strlen(base) : 0) + 1 + strlen(name) >=
	    FIM_PATH_MAX * 2 + 2)
		return -1;
	out[0] = '\0';
	if (base != NULL && fim_path_append(out, outlen, &len, base) == -1)
		return -1;
	if (fim_path_append(out, outlen, &len, name) == -1)
		return -1;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* A descriptor argument as an int (AT_FDCWD is 0xffffff9c). */
static int
fim_fd_arg(uint64_t v)
{
	return (int)(int32_t)(uint32_t)v;
}

/*
 * The directory a relative name of item is relative to, in *base: the
 * directory fd argument (resolved through the process into buf), else the
 * cwd. parent is the PARENT item of the name, if known. Returns 1 if
 * certain, 0 if guessed.
 */
static int
fim_base_dir(const struct fim_syscall *sc, int dirfd_arg,
    const struct fim_item *parent, fim_resolve_fn resolve, void *arg,
    char *buf, size_t buflen, const char **base)
{
	int	 fd;

	*base = sc->cwd != NULL ? sc->cwd : "/";
	if (dirfd_arg >= 0) {
		fd = fim_fd_arg(sc->a[dirfd_arg]);
		if (fd != FIM_AT_FDCWD) {
			if (resolve != NULL && resolve(sc->pid, fd,
			    parent != NULL && parent->has_inode ?
			    parent->inode : 0, parent != NULL ? parent->dev :
			    "", buf, buflen, arg) == 0) {
				*base = buf;
				return 1;
			}
			/* The parent's name is then the cwd: a guess. */
			return 0;
		}
	}
	return sc->cwd != NULL;
}

/*
 * The absolute path of item: its name joined to the base directory for
 * dirfd_arg. Returns 1 (certain), 0 (guessed), or -1 (no path).
 */
static int
fim_item_path(const struct fim_syscall *sc, const struct fim_item *it,
    int dirfd_arg, const struct fim_item *parent, fim_resolve_fn resolve,
    void *arg, char *out, size_t outlen)
{
	char		 buf[FIM_PATH_MAX];
	const char	*base;
	int		 certain;

	if (it->name == NULL) {
		/* By descriptor (fchmod, ftruncate): ask the process. */
		if (resolve != NULL && resolve(sc->pid, fim_fd_arg(sc->a[0]),
		    0, it->dev, out, outlen, arg) == 0)
			return 1;
		return -1;
	}
	if (it->name[0] == '/')
		return fim_path_join(NULL, it->name, out, outlen) == 0 ? 1 :
		    -1;
	certain = fim_base_dir(sc, dirfd_arg, parent, resolve, arg, buf,
	    sizeof(buf), &base);
	if (fim_path_join(base, it->name, out, outlen) == -1)
		return -1;
	return certain;
}

/* The n-th (0-based) item of nametype t, or NULL. */
static const struct fim_item *
fim_find_item(const struct fim_syscall *sc, enum fim_nametype t, int n)
{
	int	 i;

	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype == t && n-- == 0)
			return &sc->items[i];
	return NULL;
}

/* The first item that names the object itself (not its directory). */
static const struct fim_item *
fim_object_item(const struct fim_syscall *sc)
{
	int	 i;

	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype == FIM_NAME_NORMAL ||
		    sc->items[i].nametype == FIM_NAME_UNKNOWN)
			return &sc->items[i];
	return NULL;
}

/* Fill one change for item. Returns 1, or 0 if it has no path. */
static int
fim_change(const struct fim_syscall *sc, enum fim_action action,
    const struct fim_item *it, int dirfd_arg, const struct fim_item *parent,
    fim_resolve_fn resolve, void *arg, struct fim_change *ch)
{
	int	 rc;

	if (it == NULL)
		return 0;
	rc = fim_item_path(sc, it, dirfd_arg, parent, resolve, arg, ch->path,
	    sizeof(ch->path));
	if (rc == -1)
		return 0;
	ch->old_path[0] = '\0';
	ch->action = action;
	ch->item = it;
	ch->is_resolved = rc;
	return 1;
}

/*
 * The change of a syscall the table does not know, from what its PATH
 * items say (parents given). Returns 1, or 0 if none.
 */
static int
fim_changes_unknown(const struct fim_syscall *sc, int is_ours,
    const struct fim_item *parent, const struct fim_item *parent2,
    fim_resolve_fn resolve, void *arg, struct fim_change *out)
{
	const struct fim_item	*it, *old;

	it = fim_find_item(sc, FIM_NAME_CREATE, 0);
	old = fim_find_item(sc, FIM_NAME_DELETE, 0);
	if (it != NULL && old != NULL) {
		if (!fim_change(sc, FIM_RENAME, it, -1, parent2, resolve, arg,
		    out))
			return 0;
		if (fim_item_path(sc, old, -1, parent, resolve, arg,
		    out->old_path, sizeof(out->old_path)) == -1)
			return 0;
		return 1;
	}
	if (it != NULL)
		return fim_change(sc, FIM_CREATE, it, -1, parent, resolve, arg,
		    out);
	if (old != NULL)
		return fim_change(sc, FIM_DELETE, old, -1, parent, resolve,
		    arg, out);
	if (is_ours && (it = fim_object_item(sc)) != NULL)
		return fim_change(sc, FIM_MODIFY, it, -1, parent, resolve, arg,
		    out);
	return 0;
}

/* The changes of a decoded syscall event. Returns their number. */
int
fim_changes(const struct fim_syscall *sc, int is_ours,
    fim_resolve_fn resolve, void *arg, struct fim_change *out, int max)
{
	const struct fim_syscall_info	*si;
	const struct fim_item		*it, *old, *parent, *parent2;
	uint64_t			 flags;
	int				 dirfd, dirfd2, rc;

	if (!sc->has_syscall || max < 1)
		return 0;
	si = fim_syscall_info(sc->arch, sc->syscall);
	dirfd = si != NULL ? si->dirfd_arg : -1;
	dirfd2 = si != NULL && si->dirfd2_arg >= 0 ? si->dirfd2_arg : dirfd;
	parent = fim_find_item(sc, FIM_NAME_PARENT, 0);
	parent2 = fim_find_item(sc, FIM_NAME_PARENT, 1);
	if (parent2 == NULL)
		parent2 = parent;
	if (si == NULL)
		return fim_changes_unknown(sc, is_ours, parent, parent2,
		    resolve, arg, out);
	switch (si->cls) {
	case FIM_C_OPEN:
	case FIM_C_OPEN2:
	case FIM_C_CREAT:
		if ((it = fim_find_item(sc, FIM_NAME_CREATE, 0)) != NULL)
			return fim_change(sc, FIM_CREATE, it, dirfd, parent,
			    resolve, arg, out);
		if (si->cls == FIM_C_OPEN) {
			flags = sc->a[si->flags_arg];
			if ((flags & O_ACCMODE) == O_RDONLY &&
			    !(flags & O_TRUNC))
				return 0;
		} else if (si->cls == FIM_C_OPEN2 && !is_ours)
			return 0;
		return fim_change(sc, FIM_MODIFY, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	case FIM_C_TRUNCATE:
	case FIM_C_FTRUNCATE:
		return fim_change(sc, FIM_MODIFY, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	case FIM_C_RENAME:
		it = fim_find_item(sc, FIM_NAME_CREATE, 0);
		old = fim_find_item(sc, FIM_NAME_DELETE, 0);
		if (it == NULL || old == NULL)
			return 0;
		if (!fim_change(sc, FIM_RENAME, it, dirfd2, parent2, resolve,
		    arg, out))
			return 0;
		rc = fim_item_path(sc, old, dirfd, parent, resolve, arg,
		    out->old_path, sizeof(out->old_path));
		if (rc == -1)
			return 0;
		if (rc == 0)
			out->is_resolved = 0;
		return 1;
	case FIM_C_UNLINK:
		return fim_change(sc, FIM_DELETE,
		    fim_find_item(sc, FIM_NAME_DELETE, 0), dirfd, parent,
		    resolve, arg, out);
	case FIM_C_MAKE:
		return fim_change(sc, FIM_CREATE,
		    fim_find_item(sc, FIM_NAME_CREATE, 0),
		    si->dirfd2_arg >= 0 ? si->dirfd2_arg : dirfd, parent2,
		    resolve, arg, out);
	case FIM_C_ATTR:
	case FIM_C_FATTR:
		return fim_change(sc, FIM_ATTRIB, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	}
	return 0;
}
