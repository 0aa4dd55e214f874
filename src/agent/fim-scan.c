/*
 * fim-scan.c: snapshots of the watched trees, their file format, the walk
 * that makes them in slices, and the differences between two of them
 * (see fim-scan.h).
 *
 * The file: a header, one line per path, then the events still pending:
 *	outpost-fim-baseline 2
 *	signature <64 hex>
 *	stopped <sec>.<nsec>
 *	generation <n>
 *	next_id <n>
 *	state clean|running
 *	complete 0|1
 *	count <n>
 *	<dev> <ino> <mode octal> <uid> <gid> <size> <msec>.<mnsec> <csec>.<cnsec> <path>
 *	pending <m>
 *	<id> <event JSON>
 *	dirty <k>
 *	<path>
 * where the path has '\\' and newline escaped as "\\\\" and "\\n". A
 * version 1 file (written by older agents at a clean stop) has only the
 * signature, stopped and count lines and the entries.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "compat.h"
#include "fileio.h"
#include "fim-rules.h"
#include "fim-scan.h"

#define FIM_SNAP_MAGIC		"outpost-fim-baseline 2"
#define FIM_SNAP_MAGIC_V1	"outpost-fim-baseline 1"
#define FIM_WALK_DEPTH		64

/* The snapshot: entries, and an open-addressed index by path. */
struct fim_snapshot {
	struct fim_fstate	*e;
	size_t			 n;
	size_t			 cap;
	size_t			*slot;		/* index + 1; 0 = empty */
	size_t			 nslots;
};

/* FNV-1a of a path. */
static uint64_t
fim_snap_hash(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* A new, empty snapshot. */
struct fim_snapshot *
fim_snap_new(void)
{
	return calloc(1, sizeof(struct fim_snapshot));
}

/* Free a snapshot. */
void
fim_snap_free(struct fim_snapshot *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	free(s->slot);
	free(s);
}

/* Entries. */
size_t
fim_snap_count(const struct fim_snapshot *s)
{
	size_t	 i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!s->e[i].is_gone)
			n++;
	return n;
}

/* The slot where path is, or would go. */
static size_t
fim_snap_slot(const struct fim_snapshot *s, const char *path)
{
	size_t	 i = (size_t)(fim_snap_hash(path) % s->nslots);

	while (s->slot[i] != 0 && strcmp(s->e[s->slot[i] - 1].path,
	    path) != 0)
		i = (i + 1) % s->nslots;
	return i;
}

/* Grow the index to twice the entries. Returns 0, or -1. */
static int
fim_snap_rehash(struct fim_snapshot *s, size_t want)
{
	size_t	*old = s->slot, oldn = s->nslots, i;

	if ((s->slot = calloc(want, sizeof(*s->slot))) == NULL) {
		s->slot = old;
		return -1;
	}
	s->nslots = want;
	for (i = 0; i < oldn; i++)
		if (old[i] != 0)
			s->slot[fim_snap_slot(s, s->e[old[i] - 1].path)] =
			    old[i];
	free(old);
	return 0;
}

/* The entry of path, or NULL. */
struct fim_fstate *
fim_snap_find(struct fim_snapshot *s, const char *path)
{
	size_t	 i;

	if (s->nslots == 0)
		return NULL;
	i = fim_snap_slot(s, path);
	if (s->slot[i] == 0 || s->e[s->slot[i] - 1].is_gone)
		return NULL;
	return &s->e[s->slot[i] - 1];
}

/* Fill f's state from sb (path untouched). */
void
fim_snap_fill(struct fim_fstate *f, const struct stat *sb)
{
	f->dev = (uint64_t)sb->st_dev;
	f->ino = (uint64_t)sb->st_ino;
	f->mode = (uint32_t)sb->st_mode;
	f->uid = (uint32_t)sb->st_uid;
	f->gid = (uint32_t)sb->st_gid;
	f->size = (int64_t)sb->st_size;
	f->mtime_sec = (int64_t)sb->st_mtim.tv_sec;
	f->mtime_nsec = sb->st_mtim.tv_nsec;
	f->ctime_sec = (int64_t)sb->st_ctim.tv_sec;
	f->ctime_nsec = sb->st_ctim.tv_nsec;
}

/* Bring path's entry up to date. Returns 0, or -1. */
int
fim_snap_refresh(struct fim_snapshot *s, const char *path)
{
	struct stat	 sb;
	size_t		 i;
	int		 exists = lstat(path, &sb) == 0;

	if (s->nslots > 0) {
		i = fim_snap_slot(s, path);
		if (s->slot[i] != 0) {
			s->e[s->slot[i] - 1].is_gone = !exists;
			if (exists)
				fim_snap_fill(&s->e[s->slot[i] - 1], &sb);
			return 0;
		}
	}
	if (!exists)
		return 0;
	return fim_snap_add(s, path, &sb) == -1 ? -1 : 0;
}

/* Add an entry (path copied). Returns 0, 1 (there already), or -1. */
static int
fim_snap_put(struct fim_snapshot *s, const struct fim_fstate *f)
{
	struct fim_fstate	*grown, *e;
	char			*path;
	size_t			 i;

	if (s->nslots == 0 || (s->n + 1) * 2 > s->nslots)
		if (fim_snap_rehash(s, s->nslots ? s->nslots * 2 : 1024) ==
		    -1)
			return -1;
	i = fim_snap_slot(s, f->path);
	if (s->slot[i] != 0) {
		e = &s->e[s->slot[i] - 1];
		if (!e->is_gone)
			return 1;
		/* Back after it was gone. */
		path = e->path;
		*e = *f;
		e->path = path;
		e->mark = e->is_gone = 0;
		return 0;
	}
	if (s->n >= FIM_SNAPSHOT_MAX)
		return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((grown = reallocarray(s->e, s->cap, sizeof(*s->e))) ==
		    NULL)
			return -1;
		s->e = grown;
	}
	s->e[s->n] = *f;
	if ((s->e[s->n].path = strdup(f->path)) == NULL)
		return -1;
	s->e[s->n].mark = s->e[s->n].is_gone = 0;
	s->n++;
	s->slot[i] = s->n;
	return 0;
}

/* Add path with what lstat said. Returns 0, 1, or -1 (full). */
int
fim_snap_add(struct fim_snapshot *s, const char *path, const struct stat *sb)
{
	struct fim_fstate	 f;

	memset(&f, 0, sizeof(f));
	f.path = (char *)path;
	fim_snap_fill(&f, sb);
	return fim_snap_put(s, &f);
}

/* Append path to fp with '\\' and newline escaped. */
static void
fim_snap_put_path(FILE *fp, const char *path)
{
	const char	*p = path;
	size_t		 n;

	for (;;) {
		n = strcspn(p, "\\\n");
		fwrite(p, 1, n, fp);
		p += n;
		if (*p == '\0')
			break;
		fputs(*p == '\\' ? "\\\\" : "\\n", fp);
		p++;
	}
}

/* Set path's entry to f (added, or replaced). Returns 0, or -1 (full). */
int
fim_snap_set(struct fim_snapshot *s, const struct fim_fstate *f)
{
	struct fim_fstate	*e;
	char			*path;
	size_t			 i;

	if (s->nslots > 0) {
		i = fim_snap_slot(s, f->path);
		if (s->slot[i] != 0) {
			e = &s->e[s->slot[i] - 1];
			path = e->path;
			*e = *f;
			e->path = path;
			e->mark = e->is_gone = 0;
			return 0;
		}
	}
	return fim_snap_put(s, f) == -1 ? -1 : 0;
}

/* Mark path's entry gone (nothing when there is none). */
void
fim_snap_gone(struct fim_snapshot *s, const char *path)
{
	struct fim_fstate	*e;

	if ((e = fim_snap_find(s, path)) != NULL)
		e->is_gone = 1;
}

/* Is path from, or below it? */
static int
fim_snap_is_below(const char *path, const char *from, size_t flen)
{
	return strncmp(path, from, flen) == 0 &&
	    (path[flen] == '\0' || path[flen] == '/');
}

/*
 * A rename: the entry of from and those below it move to to. Returns 0,
 * or -1 (full or out of memory).
 */
int
fim_snap_move(struct fim_snapshot *s, const char *from, const char *to)
{
	struct fim_fstate	 f;
	size_t			 flen = strlen(from), i, n = s->n;
	char			 path[FIM_PATH_MAX];
	int			 rc = 0;

	for (i = 0; i < n; i++) {
		if (s->e[i].is_gone ||
		    !fim_snap_is_below(s->e[i].path, from, flen))
			continue;
		if (snprintf(path, sizeof(path), "%s%s", to,
		    s->e[i].path + flen) >= (int)sizeof(path))
			continue;
		f = s->e[i];
		f.path = path;
		s->e[i].is_gone = 1;
		/* s->e may move: f is a copy. */
		if (fim_snap_set(s, &f) == -1)
			rc = -1;
	}
	return rc;
}

/* Drop the gone entries (they only take memory). Returns 0, or -1. */
int
fim_snap_prune(struct fim_snapshot *s)
{
	size_t	 i, j;

	for (i = j = 0; i < s->n; i++) {
		if (s->e[i].is_gone) {
			free(s->e[i].path);
			continue;
		}
		s->e[j++] = s->e[i];
	}
	if (j == s->n)
		return 0;
	s->n = j;
	free(s->slot);
	s->slot = NULL;
	s->nslots = 0;
	if (fim_snap_rehash(s, j * 2 > 1024 ? j * 4 : 1024) == -1)
		return -1;
	for (i = 0; i < s->n; i++)
		s->slot[fim_snap_slot(s, s->e[i].path)] = i + 1;
	return 0;
}

/* Entry i (gone ones included; i below fim_snap_size()). */
struct fim_fstate *
fim_snap_entry(struct fim_snapshot *s, size_t i)
{
	return i < s->n ? &s->e[i] : NULL;
}

/* Entries, gone ones included. */
size_t
fim_snap_size(const struct fim_snapshot *s)
{
	return s->n;
}

/* Write the snapshot with its header and extras. Returns 0, or -errno. */
int
fim_snap_save(const struct fim_snapshot *s, const char *file,
    const struct fim_snap_header *h, const char *pending, size_t pending_len,
    size_t npending, const struct fim_snapshot *dirty)
{
	char		*buf = NULL;
	size_t		 len = 0, i;
	FILE		*fp;
	int		 rc;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return -errno;
	fprintf(fp, "%s\nsignature %s\nstopped %" PRId64 ".%09ld\n"
	    "generation %" PRIu64 "\nnext_id %" PRIu64 "\nstate %s\n"
	    "complete %d\ncount %zu\n", FIM_SNAP_MAGIC, h->signature,
	    h->stopped_sec, h->stopped_nsec, h->generation, h->next_id,
	    h->is_clean ? "clean" : "running", h->is_complete ? 1 : 0,
	    fim_snap_count(s));
	for (i = 0; i < s->n; i++) {
		if (s->e[i].is_gone)
			continue;
		fprintf(fp, "%" PRIu64 " %" PRIu64 " %o %u %u %" PRId64
		    " %" PRId64 ".%09ld %" PRId64 ".%09ld ", s->e[i].dev,
		    s->e[i].ino, s->e[i].mode, s->e[i].uid, s->e[i].gid,
		    s->e[i].size, s->e[i].mtime_sec, s->e[i].mtime_nsec,
		    s->e[i].ctime_sec, s->e[i].ctime_nsec);
		fim_snap_put_path(fp, s->e[i].path);
		fputc('\n', fp);
	}
	fprintf(fp, "pending %zu\n", npending);
	if (pending_len > 0)
		fwrite(pending, 1, pending_len, fp);
	fprintf(fp, "dirty %zu\n", dirty != NULL ? fim_snap_count(dirty) : 0);
	for (i = 0; dirty != NULL && i < dirty->n; i++) {
		if (dirty->e[i].is_gone)
			continue;
		fim_snap_put_path(fp, dirty->e[i].path);
		fputc('\n', fp);
	}
	if (fclose(fp) != 0) {
		free(buf);
		return -ENOMEM;
	}
	rc = fileio_write_atomic(file, buf, len, 0600);
	free(buf);
	return rc;
}

/* Parse "<sec>.<9 digits>" at *p. Returns 0, or -1. */
static int
fim_snap_time(char **p, int64_t *sec, long *nsec)
{
	char		*end;
	long long	 s;
	long		 ns;

	errno = 0;
	s = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p || *end != '.' || s < 0)
		return -1;
	*p = end + 1;
	ns = strtol(*p, &end, 10);
	if (errno != 0 || end - *p != 9 || ns < 0)
		return -1;
	*p = end;
	*sec = s;
	*nsec = ns;
	return 0;
}

/* Parse an unsigned number in base, then one space. Returns 0, or -1. */
static int
fim_snap_num(char **p, int base, uint64_t max, uint64_t *v)
{
	char			*end;
	unsigned long long	 n;

	if (!(**p >= '0' && **p <= '9'))
		return -1;
	errno = 0;
	n = strtoull(*p, &end, base);
	if (errno != 0 || end == *p || *end != ' ' || n > max)
		return -1;
	*p = end + 1;
	*v = n;
	return 0;
}

/* Set f's dev, ino, mode, uid, gid and size from v, checked by the caller. */
void
fim_fstate_numbers(struct fim_fstate *f, const uint64_t v[6])
{
	f->dev = v[0];
	f->ino = v[1];
	f->mode = (uint32_t)v[2];
	f->uid = (uint32_t)v[3];
	f->gid = (uint32_t)v[4];
	f->size = (int64_t)v[5];
}

/* Parse one entry line into f (path unescaped in place). */
static int
fim_snap_line(char *line, struct fim_fstate *f)
{
	char		*p = line, *w;
	uint64_t	 v[6];

	memset(f, 0, sizeof(*f));
	if (fim_snap_num(&p, 10, UINT64_MAX, &v[0]) == -1 ||
	    fim_snap_num(&p, 10, UINT64_MAX, &v[1]) == -1 ||
	    fim_snap_num(&p, 8, 0177777, &v[2]) == -1 ||
	    fim_snap_num(&p, 10, UINT32_MAX, &v[3]) == -1 ||
	    fim_snap_num(&p, 10, UINT32_MAX, &v[4]) == -1 ||
	    fim_snap_num(&p, 10, INT64_MAX, &v[5]) == -1)
		return -1;
	if (fim_snap_time(&p, &f->mtime_sec, &f->mtime_nsec) == -1 ||
	    *p++ != ' ' ||
	    fim_snap_time(&p, &f->ctime_sec, &f->ctime_nsec) == -1 ||
	    *p++ != ' ' || *p != '/')
		return -1;
	fim_fstate_numbers(f, v);
	f->path = p;
	for (w = p; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\\')
				*w++ = '\\';
			else if (p[1] == 'n')
				*w++ = '\n';
			else
				return -1;
			p++;
		} else
			*w++ = *p;
	}
	*w = '\0';
	return strlen(f->path) < FIM_PATH_MAX ? 0 : -1;
}

/* Where fim_snap_parse() is in the file. */
enum fim_snap_phase {
	FIM_SNAP_HEADER = 0,
	FIM_SNAP_ENTRIES,
	FIM_SNAP_PENDING,
	FIM_SNAP_DIRTY_COUNT,
	FIM_SNAP_DIRTY,
	FIM_SNAP_END
};

/* The parse of a saved snapshot in progress. */
struct fim_snap_reader {
	struct fim_snapshot	*s;
	struct fim_snap_header	*h;
	enum fim_snap_phase	 phase;
	int			 version;	/* 1 or 2 */
	int			 has_signature;
	int			 has_stopped;
	unsigned long long	 count;		/* entries */
	unsigned long long	 npending;
	unsigned long long	 ndirty;
	const struct fim_snap_extra *extra;
};

/* Parse "signature <64 hex>" of line. Returns 0, or -1. */
static int
fim_snap_signature(const char *line, struct fim_snap_header *h)
{
	if (strncmp(line, "signature ", 10) != 0 || strlen(line + 10) != 64 ||
	    strspn(line + 10, "0123456789abcdef") != 64)
		return -1;
	memcpy(h->signature, line + 10, 65);
	return 0;
}

/* Parse "stopped <sec>.<nsec>" of line. Returns 0, or -1. */
static int
fim_snap_stopped(char *line, struct fim_snap_header *h)
{
	char	*p = line + 8;

	if (strncmp(line, "stopped ", 8) != 0 ||
	    fim_snap_time(&p, &h->stopped_sec, &h->stopped_nsec) == -1 ||
	    *p != '\0')
		return -1;
	return 0;
}

/* Parse "count <n>" of line. Returns 0, or -1. */
static int
fim_snap_count_line(const char *line, unsigned long long *count)
{
	char	 end;

	if (sscanf(line, "count %llu%c", count, &end) != 1 ||
	    *count > FIM_SNAPSHOT_MAX)
		return -1;
	return 0;
}

/* One header line of a version 2 file. Returns 0, or -1 with err. */
static int
fim_snap_header2(struct fim_snap_reader *r, char *line, char *err,
    size_t errlen)
{
	unsigned long long	 v;
	char			 word[16], end;

	if (strncmp(line, "signature ", 10) == 0) {
		r->has_signature = fim_snap_signature(line, r->h) == 0;
		if (!r->has_signature)
			goto bad;
	} else if (strncmp(line, "stopped ", 8) == 0) {
		r->has_stopped = fim_snap_stopped(line, r->h) == 0;
		if (!r->has_stopped)
			goto bad;
	} else if (sscanf(line, "generation %llu%c", &v, &end) == 1)
		r->h->generation = v;
	else if (sscanf(line, "next_id %llu%c", &v, &end) == 1 && v > 0)
		r->h->next_id = v;
	else if (sscanf(line, "state %15s%c", word, &end) == 1 &&
	    (strcmp(word, "clean") == 0 || strcmp(word, "running") == 0))
		r->h->is_clean = strcmp(word, "clean") == 0;
	else if (sscanf(line, "complete %llu%c", &v, &end) == 1 && v <= 1)
		r->h->is_complete = (int)v;
	else if (strncmp(line, "count ", 6) == 0) {
		if (fim_snap_count_line(line, &r->count) == -1)
			goto bad;
		if (!r->has_signature || !r->has_stopped) {
			snprintf(err, errlen, "no signature or stop time "
			    "before the entries");
			return -1;
		}
		r->phase = FIM_SNAP_ENTRIES;
	} else
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad header line (expected signature, stopped, "
	    "generation, next_id, state, complete or count)");
	return -1;
}

/* One header line of a version 1 file (line lineno). Returns 0 or -1. */
static int
fim_snap_header1(struct fim_snap_reader *r, char *line, size_t lineno,
    char *err, size_t errlen)
{
	if (lineno == 2 && fim_snap_signature(line, r->h) == -1) {
		snprintf(err, errlen, "expected \"signature\" and 64 hex "
		    "digits");
		return -1;
	}
	if (lineno == 3 && fim_snap_stopped(line, r->h) == -1) {
		snprintf(err, errlen, "expected \"stopped\" and "
		    "SEC.NANOSECONDS");
		return -1;
	}
	if (lineno == 4) {
		if (fim_snap_count_line(line, &r->count) == -1) {
			snprintf(err, errlen, "expected \"count\" and at most "
			    "%d entries", FIM_SNAPSHOT_MAX);
			return -1;
		}
		r->phase = FIM_SNAP_ENTRIES;
	}
	return 0;
}

/* One pending event line "<id> <json>". Returns 0, or -1 with err. */
static int
fim_snap_pending_line(struct fim_snap_reader *r, char *line, char *err,
    size_t errlen)
{
	unsigned long long	 id;
	char			*end;

	errno = 0;
	id = strtoull(line, &end, 10);
	if (errno != 0 || end == line || id == 0 || *end != ' ' ||
	    end[1] != '{') {
		snprintf(err, errlen, "expected ID {EVENT}");
		return -1;
	}
	if (r->extra != NULL && r->extra->pending != NULL &&
	    r->extra->pending(id, end + 1, strlen(end + 1),
	    r->extra->arg) == -1) {
		snprintf(err, errlen, "bad pending event");
		return -1;
	}
	if (--r->npending == 0)
		r->phase = FIM_SNAP_DIRTY_COUNT;
	return 0;
}

/* One line of the dirty section: a count, or a path. 0, or -1 + err. */
static int
fim_snap_dirty_line(struct fim_snap_reader *r, char *line, char *err,
    size_t errlen)
{
	char	*w, *p, end;

	if (r->phase == FIM_SNAP_DIRTY_COUNT) {
		if (sscanf(line, "dirty %llu%c", &r->ndirty, &end) != 1 ||
		    r->ndirty > FIM_SNAPSHOT_MAX) {
			snprintf(err, errlen, "expected \"dirty\" and a count");
			return -1;
		}
		r->phase = r->ndirty > 0 ? FIM_SNAP_DIRTY : FIM_SNAP_END;
		return 0;
	}
	for (w = p = line; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] != '\\' && p[1] != 'n')
				goto bad;
			*w++ = p[1] == 'n' ? '\n' : '\\';
			p++;
		} else
			*w++ = *p;
	}
	*w = '\0';
	if (line[0] != '/' || strlen(line) >= FIM_PATH_MAX)
		goto bad;
	if (r->extra != NULL && r->extra->dirty != NULL &&
	    r->extra->dirty(line, r->extra->arg) == -1)
		goto bad;
	if (--r->ndirty == 0)
		r->phase = FIM_SNAP_END;
	return 0;
bad:
	snprintf(err, errlen, "expected an absolute path");
	return -1;
}

/* One line (lineno) of a saved snapshot. Returns 0, or -1 with err. */
static int
fim_snap_parse_line(struct fim_snap_reader *r, char *line, size_t lineno,
    char *err, size_t errlen)
{
	struct fim_fstate	 f;
	char			 end;
	int			 rc;

	switch (r->phase) {
	case FIM_SNAP_HEADER:
		if (lineno == 1) {
			r->version = strcmp(line, FIM_SNAP_MAGIC) == 0 ? 2 :
			    strcmp(line, FIM_SNAP_MAGIC_V1) == 0 ? 1 : 0;
			if (r->version == 0) {
				snprintf(err, errlen, "expected \"%s\"",
				    FIM_SNAP_MAGIC);
				return -1;
			}
			/* A version 1 file was written at a clean stop. */
			r->h->is_clean = r->h->is_complete = r->version == 1;
			return 0;
		}
		if (r->version == 1)
			return fim_snap_header1(r, line, lineno, err, errlen);
		return fim_snap_header2(r, line, err, errlen);
	case FIM_SNAP_ENTRIES:
		if (r->s->n == r->count) {
			if (r->version == 2 && sscanf(line, "pending %llu%c",
			    &r->npending, &end) == 1 &&
			    r->npending <= FIM_PENDING_MAX) {
				r->phase = r->npending > 0 ? FIM_SNAP_PENDING :
				    FIM_SNAP_DIRTY_COUNT;
				return 0;
			}
			snprintf(err, errlen, "%zu entries where the header "
			    "says %llu", r->s->n + 1, r->count);
			return -1;
		}
		if (fim_snap_line(line, &f) == -1) {
			snprintf(err, errlen, "expected DEV INO MODE UID GID "
			    "SIZE MTIME CTIME /PATH");
			return -1;
		}
		if ((rc = fim_snap_put(r->s, &f)) != 0) {
			snprintf(err, errlen, "%s", rc == 1 ?
			    "the path is listed twice" : "too many entries");
			return -1;
		}
		return 0;
	case FIM_SNAP_PENDING:
		return fim_snap_pending_line(r, line, err, errlen);
	case FIM_SNAP_DIRTY_COUNT:
	case FIM_SNAP_DIRTY:
		return fim_snap_dirty_line(r, line, err, errlen);
	default:
		snprintf(err, errlen, "more lines than the file announces");
		return -1;
	}
}

/* Parse a saved snapshot. Returns it, or NULL with err. */
struct fim_snapshot *
fim_snap_parse(const char *text, size_t len, struct fim_snap_header *h,
    const struct fim_snap_extra *extra, char *err, size_t errlen)
{
	struct fim_snap_reader	 r;
	char			*copy, *line, *next, reason[192];
	size_t			 lineno = 0, i;

	memset(h, 0, sizeof(*h));
	h->next_id = 1;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in the file");
		return NULL;
	}
	memset(&r, 0, sizeof(r));
	r.h = h;
	r.extra = extra;
	if ((copy = strndup(text, len)) == NULL ||
	    (r.s = fim_snap_new()) == NULL) {
		free(copy);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else {
			snprintf(err, errlen, "line %zu: not terminated "
			    "(truncated file)", lineno);
			goto fail;
		}
		if (fim_snap_parse_line(&r, line, lineno, reason,
		    sizeof(reason)) == -1) {
			snprintf(err, errlen, "line %zu: %s", lineno, reason);
			goto fail;
		}
	}
	/* A version 1 file ends after its entries. */
	if (r.phase == FIM_SNAP_ENTRIES && r.version == 1 && r.s->n == r.count)
		r.phase = FIM_SNAP_END;
	if (r.phase != FIM_SNAP_END) {
		snprintf(err, errlen, "%zu entries where the header says "
		    "%llu, or the file ends early", r.s->n, r.count);
		goto fail;
	}
	for (i = 0; i < r.s->n; i++)
		r.s->e[i].mark = 0;
	free(copy);
	return r.s;
fail:
	free(copy);
	fim_snap_free(r.s);
	return NULL;
}

/* The signature of the rules' listing. */
void
fim_rules_signature(const struct fim_rules *r, char out[65])
{
	EVP_MD_CTX	*md;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0;
	int		 k, j;

	memset(out, '0', 64);
	out[64] = '\0';
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (k = 0; k < r->nrules; k++) {
		EVP_DigestUpdate(md, r->rules[k].path,
		    strlen(r->rules[k].path) + 1);
		EVP_DigestUpdate(md, r->rules[k].is_recursive ? "r" : "n", 1);
		for (j = 0; j < r->rules[k].nexcludes; j++)
			EVP_DigestUpdate(md, r->rules[k].excludes[j],
			    strlen(r->rules[k].excludes[j]) + 1);
		EVP_DigestUpdate(md, "\n", 1);
	}
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	hex_encode(d, dlen < 32 ? dlen : 32, out);
}

/* One directory being listed. */
struct fim_wframe {
	char		*dir;
	char		**names;
	size_t		 nnames;
	size_t		 next;
	int		 is_read;
	int		 recurse;
	int		 rule;
};

/* The walk over the rules' trees. */
struct fim_walk {
	const struct fim_rules	*rules;
	int			 next_rule;
	struct fim_wframe	 stack[FIM_WALK_DEPTH];
	int			 depth;
};

/* Start a walk. */
struct fim_walk *
fim_walk_new(const struct fim_rules *rules)
{
	struct fim_walk	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->rules = rules;
	return w;
}

/* Drop the top directory. */
static void
fim_walk_pop(struct fim_walk *w)
{
	struct fim_wframe	*f = &w->stack[--w->depth];
	size_t			 i;

	for (i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->names);
	free(f->dir);
	memset(f, 0, sizeof(*f));
}

/* Free a walk. */
void
fim_walk_free(struct fim_walk *w)
{
	if (w == NULL)
		return;
	while (w->depth > 0)
		fim_walk_pop(w);
	free(w);
}

/* Enter directory dir for rule. */
static void
fim_walk_push(struct fim_walk *w, const char *dir, int rule, int recurse)
{
	struct fim_wframe	*f;

	if (w->depth >= FIM_WALK_DEPTH)
		return;
	f = &w->stack[w->depth];
	memset(f, 0, sizeof(*f));
	if ((f->dir = strdup(dir)) == NULL)
		return;
	f->rule = rule;
	f->recurse = recurse;
	w->depth++;
}

/* Read the names of the top directory (closing it at once). */
static void
fim_walk_read(struct fim_wframe *f)
{
	DIR		*d;
	struct dirent	*de;
	char		**grown;
	size_t		 cap = 0;

	f->is_read = 1;
	if ((d = opendir(f->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (f->nnames == cap) {
			cap = cap ? cap * 2 : 32;
			if ((grown = reallocarray(f->names, cap,
			    sizeof(*f->names))) == NULL)
				break;
			f->names = grown;
		}
		if ((f->names[f->nnames] = strdup(de->d_name)) == NULL)
			break;
		f->nnames++;
	}
	closedir(d);
}

/* List up to max entries. Returns 1 (done), 0 (more), -1 (full). */
int
fim_walk_step(struct fim_walk *w, struct fim_snapshot *snap, int max)
{
	const struct fim_rule	*rule;
	struct fim_wframe	*f;
	struct stat		 sb;
	char			 path[FIM_PATH_MAX];
	int			 count = 0, rc;

	while (count < max) {
		if (w->depth == 0) {
			if (w->next_rule >= w->rules->nrules)
				return 1;
			rule = &w->rules->rules[w->next_rule++];
			if (lstat(rule->path, &sb) == -1)
				continue;
			if ((rc = fim_snap_add(snap, rule->path, &sb)) == -1)
				return -1;
			count++;
			if (S_ISDIR(sb.st_mode))
				fim_walk_push(w, rule->path, w->next_rule - 1,
				    rule->is_recursive);
			continue;
		}
		f = &w->stack[w->depth - 1];
		if (!f->is_read)
			fim_walk_read(f);
		if (f->next >= f->nnames) {
			fim_walk_pop(w);
			continue;
		}
		if (fim_path_join(f->dir, f->names[f->next++], path,
		    sizeof(path)) == -1)
			continue;
		rule = &w->rules->rules[f->rule];
		if (fim_rules_excluded(rule, path) || lstat(path, &sb) == -1)
			continue;
		if ((rc = fim_snap_add(snap, path, &sb)) == -1)
			return -1;
		count++;
		if (rc == 0 && S_ISDIR(sb.st_mode) && f->recurse)
			fim_walk_push(w, path, f->rule, 1);
	}
	return 0;
}

/* Is a changed at or after since? */
static int
fim_snap_after(int64_t sec, long nsec, int64_t since_sec, long since_nsec)
{
	return sec > since_sec || (sec == since_sec && nsec >= since_nsec);
}

/* Order entries by device and inode. */
static int
fim_snap_cmp_inode(const void *a, const void *b)
{
	const struct fim_fstate	*x = *(struct fim_fstate *const *)a;
	const struct fim_fstate	*y = *(struct fim_fstate *const *)b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/*
 * Is now, found under a new path with the inode of the vanished before,
 * the same file renamed, rather than a new file that reuses the inode of
 * a deleted one? A rename keeps the type, and a file's size and mtime; a
 * file created since has its own mtime. (A file both renamed and changed
 * while the agent was stopped is reported as deleted and created.)
 */
static int
fim_snap_same_file(const struct fim_fstate *before,
    const struct fim_fstate *now)
{
	if ((before->mode & S_IFMT) != (now->mode & S_IFMT))
		return 0;
	if (S_ISDIR(now->mode))
		return 1;
	return before->size == now->size &&
	    before->mtime_sec == now->mtime_sec &&
	    before->mtime_nsec == now->mtime_nsec;
}

/* Report the differences from before to now. */
void
fim_snap_diff(struct fim_snapshot *before, struct fim_snapshot *now,
    int64_t since_sec, long since_nsec, fim_diff_fn fn, void *arg)
{
	struct fim_fstate	*n, *b, **gone = NULL, **hit, key;
	size_t			 i, ngone = 0;
	int			 content, meta;

	/* Gone entries take no part: marked as done. */
	for (i = 0; i < before->n; i++)
		before->e[i].mark = before->e[i].is_gone;
	/* Same path, same inode: modified or not. */
	for (i = 0; i < now->n; i++) {
		n = &now->e[i];
		n->mark = n->is_gone;
		if (n->mark)
			continue;
		b = fim_snap_find(before, n->path);
		if (fim_snap_after(n->ctime_sec, n->ctime_nsec, since_sec,
		    since_nsec)) {
			/* Changed under audit: its events tell. */
			n->mark = 1;
			if (b != NULL)
				b->mark = 1;
			continue;
		}
		if (b == NULL || b->dev != n->dev || b->ino != n->ino)
			continue;
		b->mark = n->mark = 1;
		/* A directory's size and mtime follow its entries. */
		content = !S_ISDIR(n->mode) && (b->size != n->size ||
		    b->mtime_sec != n->mtime_sec ||
		    b->mtime_nsec != n->mtime_nsec);
		meta = b->mode != n->mode || b->uid != n->uid ||
		    b->gid != n->gid || b->ctime_sec != n->ctime_sec ||
		    b->ctime_nsec != n->ctime_nsec;
		if (content)
			fn(FIM_MODIFY, n->path, NULL, b, n, arg);
		else if (meta && !S_ISDIR(n->mode))
			fn(FIM_ATTRIB, n->path, NULL, b, n, arg);
		else if (S_ISDIR(n->mode) && (b->mode != n->mode ||
		    b->uid != n->uid || b->gid != n->gid))
			fn(FIM_ATTRIB, n->path, NULL, b, n, arg);
	}
	/* New paths: an inode that left another path was renamed. */
	if (before->n > 0 && (gone = calloc(before->n, sizeof(*gone))) != NULL) {
		for (i = 0; i < before->n; i++)
			if (!before->e[i].mark &&
			    fim_snap_find(now, before->e[i].path) == NULL)
				gone[ngone++] = &before->e[i];
		qsort(gone, ngone, sizeof(*gone), fim_snap_cmp_inode);
	}
	for (i = 0; i < now->n; i++) {
		n = &now->e[i];
		if (n->mark)
			continue;
		key.dev = n->dev;
		key.ino = n->ino;
		b = &key;
		hit = ngone > 0 ? bsearch(&b, gone, ngone, sizeof(*gone),
		    fim_snap_cmp_inode) : NULL;
		if (hit != NULL && !(*hit)->mark &&
		    fim_snap_same_file(*hit, n)) {
			b = *hit;
			b->mark = n->mark = 1;
			fn(FIM_RENAME, n->path, b->path, b, n, arg);
			continue;
		}
		n->mark = 1;
		b = fim_snap_find(before, n->path);
		if (b != NULL && !b->mark) {
			/* Replaced by another inode at the same path. */
			b->mark = 1;
			fn(FIM_MODIFY, n->path, NULL, b, n, arg);
		} else
			fn(FIM_CREATE, n->path, NULL, NULL, n, arg);
	}
	for (i = 0; i < before->n; i++)
		if (!before->e[i].mark)
			fn(FIM_DELETE, before->e[i].path, NULL, &before->e[i],
			    NULL, arg);
	free(gone);
}
