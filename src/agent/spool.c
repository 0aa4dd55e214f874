/*
 * spool.c: the on-disk queue of uploads: one fsync'd file per record,
 * named by its sequence number, plus a file holding the last sequence
 * number handed out (so numbers are never reused, even after the spool
 * emptied) and the count of records dropped for space.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "fileio.h"
#include "jsonutil.h"
#include "log.h"
#include "spool.h"

#define SPOOL_MAGIC		"OUTPOST-SPOOL/1\n"
#define SPOOL_COUNTERS		"counters.json"
#define SPOOL_MAX_HEADER	512
#define SPOOL_MAX_RECORD	(512ULL * 1024 * 1024)

/* What the index knows of one record on disk. */
struct spool_entry {
	uint64_t	 seq;
	uint64_t	 size;		/* bytes of the file */
};

/* The spool. */
struct spool {
	char			*dir;
	uint64_t		 max_size;
	struct spool_entry	*entries;	/* sorted by seq */
	size_t			 n;
	size_t			 cap;
	uint64_t		 bytes;
	uint64_t		 last_seq;	/* last handed out */
	uint64_t		 dropped;
	uint64_t		 corrupt;
};

/* The path of record seq. */
static void
spool_path(const struct spool *sp, uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%020" PRIu64 ".rec", sp->dir, seq);
}

/* Persist last_seq and dropped. Returns 0, or -errno. */
static int
spool_save_counters(struct spool *sp)
{
	char	 path[PATH_MAX], text[128];
	int	 len;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, SPOOL_COUNTERS);
	len = snprintf(text, sizeof(text),
	    "{\"last_sequence\":%" PRIu64 ",\"dropped\":%" PRIu64 "}\n",
	    sp->last_seq, sp->dropped);
	return fileio_write_atomic(path, text, (size_t)len, 0600);
}

/* Read last_seq and dropped back. Returns 0 (absent is fine), or -1. */
static int
spool_load_counters(struct spool *sp)
{
	struct json_object	*obj;
	char			 path[PATH_MAX], err[128], *buf;
	size_t			 len;
	int64_t			 v;
	int			 rc;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, SPOOL_COUNTERS);
	if ((rc = fileio_read_all(path, 4096, &buf, &len)) == -ENOENT)
		return 0;
	if (rc < 0) {
		errno = -rc;
		log_warn("spool: %s", path);
		return -1;
	}
	obj = json_parse_object(buf, len, err, sizeof(err));
	free(buf);
	if (obj == NULL) {
		log_warnx("spool: %s: %s; sequence numbers continue from the "
		    "newest record", path, err);
		return -1;
	}
	if (json_get_int64(obj, "last_sequence", &v) == 0 && v > 0)
		sp->last_seq = (uint64_t)v;
	if (json_get_int64(obj, "dropped", &v) == 0 && v > 0)
		sp->dropped = (uint64_t)v;
	json_object_put(obj);
	return 0;
}

/* Insert an entry keeping the index sorted. Returns 0, or -ENOMEM. */
static int
spool_index_add(struct spool *sp, uint64_t seq, uint64_t size)
{
	struct spool_entry	*grown;
	size_t			 i;

	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? sp->cap * 2 : 64;
		grown = reallocarray(sp->entries, sp->cap, sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		sp->entries = grown;
	}
	for (i = sp->n; i > 0 && sp->entries[i - 1].seq > seq; i--)
		sp->entries[i] = sp->entries[i - 1];
	sp->entries[i].seq = seq;
	sp->entries[i].size = size;
	sp->n++;
	sp->bytes += size;
	return 0;
}

/* Remove index entry i. */
static void
spool_index_remove(struct spool *sp, size_t i)
{
	sp->bytes -= sp->entries[i].size;
	memmove(&sp->entries[i], &sp->entries[i + 1],
	    (sp->n - i - 1) * sizeof(*sp->entries));
	sp->n--;
}

/* Move a bad record file aside into dir/corrupt and count it. */
static void
spool_quarantine(struct spool *sp, const char *name)
{
	char	 from[PATH_MAX], to[PATH_MAX];

	snprintf(from, sizeof(from), "%s/%s", sp->dir, name);
	snprintf(to, sizeof(to), "%s/corrupt", sp->dir);
	if (mkdir(to, 0700) == -1 && errno != EEXIST)
		log_warn("spool: mkdir %s", to);
	snprintf(to, sizeof(to), "%s/corrupt/%s", sp->dir, name);
	if (rename(from, to) == -1) {
		log_warn("spool: cannot move corrupt record %s aside", from);
		unlink(from);
	} else
		log_warnx("spool: corrupt record moved to %s", to);
	sp->corrupt++;
}

/* Scan dir: index records, remove torn temporaries. Returns 0 or -errno. */
static int
spool_scan(struct spool *sp)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX], *end;
	uint64_t	 seq;
	int		 rc = 0;

	if ((d = opendir(sp->dir)) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", sp->dir, de->d_name);
		if (strstr(de->d_name, ".tmp.") != NULL) {
			/* Never acknowledged to anyone: a torn write. */
			log_info("spool: removing unfinished write %s", path);
			unlink(path);
			continue;
		}
		end = strrchr(de->d_name, '.');
		if (end == NULL || strcmp(end, ".rec") != 0)
			continue;
		errno = 0;
		seq = strtoull(de->d_name, &end, 10);
		if (errno != 0 || seq == 0 || strcmp(end, ".rec") != 0 ||
		    stat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
			spool_quarantine(sp, de->d_name);
			continue;
		}
		if ((rc = spool_index_add(sp, seq, (uint64_t)st.st_size)) < 0)
			break;
		if (seq > sp->last_seq)
			sp->last_seq = seq;
	}
	closedir(d);
	return rc;
}

/* Open the spool in dir. Returns 0 and *out, or -errno. */
int
spool_open(const char *dir, uint64_t max_size, struct spool **out)
{
	struct spool	*sp;
	int		 rc;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -errno;
	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (sp->dir = strdup(dir)) == NULL) {
		free(sp);
		return -ENOMEM;
	}
	sp->max_size = max_size;
	spool_load_counters(sp);
	if ((rc = spool_scan(sp)) < 0) {
		spool_close(sp);
		return rc;
	}
	if (sp->n > 0)
		log_info("spool: %zu record%s (%" PRIu64 " bytes) waiting from "
		    "before", sp->n, sp->n == 1 ? "" : "s", sp->bytes);
	*out = sp;
	return 0;
}

/* Close the spool; records stay on disk. */
void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	free(sp->entries);
	free(sp->dir);
	free(sp);
}

/* Change the size limit. */
void
spool_set_max_size(struct spool *sp, uint64_t max_size)
{
	sp->max_size = max_size;
}

/* Drop the oldest records until need more bytes fit. */
static void
spool_make_room(struct spool *sp, uint64_t need)
{
	char		 path[PATH_MAX];
	uint64_t	 first = 0, count = 0;

	while (sp->max_size > 0 && sp->n > 0 &&
	    sp->bytes + need > sp->max_size) {
		if (count == 0)
			first = sp->entries[0].seq;
		spool_path(sp, sp->entries[0].seq, path, sizeof(path));
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("spool: cannot drop %s", path);
		spool_index_remove(sp, 0);
		count++;
	}
	if (count > 0) {
		sp->dropped += count;
		log_warnx("spool: full (limit %" PRIu64 " bytes): dropped %"
		    PRIu64 " oldest record%s from sequence %" PRIu64 " (%"
		    PRIu64 " dropped in all)", sp->max_size, count,
		    count == 1 ? "" : "s", first, sp->dropped);
	}
}

/* Store a record durably. Returns its sequence number, or -errno. */
int64_t
spool_put(struct spool *sp, const char *kind, const void *data, size_t len)
{
	char		 path[PATH_MAX], header[SPOOL_MAX_HEADER], *buf;
	size_t		 magic = sizeof(SPOOL_MAGIC) - 1, total;
	uint64_t	 seq = sp->last_seq + 1;
	int		 hlen, rc;

	if (strlen(kind) >= sizeof(((struct spool_record *)0)->kind) ||
	    strpbrk(kind, "\"\\\n") != NULL)
		return -EINVAL;
	hlen = snprintf(header, sizeof(header),
	    "{\"seq\":%" PRIu64 ",\"kind\":\"%s\",\"created\":%lld,"
	    "\"length\":%zu}\n", seq, kind, (long long)time(NULL), len);
	total = magic + (size_t)hlen + len;
	if (len > SPOOL_MAX_RECORD ||
	    (sp->max_size > 0 && total > sp->max_size))
		return -EFBIG;
	spool_make_room(sp, total);
	/* The number is spent before the record exists: never reused. */
	sp->last_seq = seq;
	if ((rc = spool_save_counters(sp)) < 0)
		return rc;
	if ((buf = malloc(total)) == NULL)
		return -ENOMEM;
	memcpy(buf, SPOOL_MAGIC, magic);
	memcpy(buf + magic, header, (size_t)hlen);
	memcpy(buf + magic + hlen, data, len);
	spool_path(sp, seq, path, sizeof(path));
	rc = fileio_write_atomic(path, buf, total, 0600);
	free(buf);
	if (rc < 0)
		return rc;
	if ((rc = spool_index_add(sp, seq, total)) < 0)
		return rc;
	return (int64_t)seq;
}

/* Parse a record file's contents into rec. Returns 0, or -1 if corrupt. */
static int
spool_parse(const char *buf, size_t len, uint64_t seq,
    struct spool_record *rec)
{
	struct json_object	*hdr;
	const char		*nl, *kind;
	size_t			 magic = sizeof(SPOOL_MAGIC) - 1;
	int64_t			 v, length;
	char			 err[128];

	if (len < magic || memcmp(buf, SPOOL_MAGIC, magic) != 0)
		return -1;
	nl = memchr(buf + magic, '\n', len - magic);
	if (nl == NULL || nl - (buf + magic) > SPOOL_MAX_HEADER)
		return -1;
	hdr = json_parse_object(buf + magic, (size_t)(nl - (buf + magic)), err,
	    sizeof(err));
	if (hdr == NULL)
		return -1;
	kind = json_get_string(hdr, "kind");
	if (json_get_int64(hdr, "seq", &v) == -1 || (uint64_t)v != seq ||
	    json_get_int64(hdr, "length", &length) == -1 || length < 0 ||
	    (size_t)length != len - (size_t)(nl + 1 - buf) || kind == NULL ||
	    strlen(kind) >= sizeof(rec->kind)) {
		json_object_put(hdr);
		return -1;
	}
	memset(rec, 0, sizeof(*rec));
	rec->seq = seq;
	strlcpy(rec->kind, kind, sizeof(rec->kind));
	if (json_get_int64(hdr, "created", &v) == 0)
		rec->created = (time_t)v;
	json_object_put(hdr);
	rec->len = (size_t)length;
	if ((rec->data = malloc(rec->len + 1)) == NULL)
		return -1;
	memcpy(rec->data, nl + 1, rec->len);
	rec->data[rec->len] = '\0';
	return 0;
}

/* Read the oldest record. Returns 1, 0 if empty, or -errno. */
int
spool_peek(struct spool *sp, struct spool_record *rec)
{
	char		 path[PATH_MAX], name[64], *buf;
	size_t		 len;
	uint64_t	 seq;
	int		 rc;

	while (sp->n > 0) {
		seq = sp->entries[0].seq;
		spool_path(sp, seq, path, sizeof(path));
		rc = fileio_read_all(path, SPOOL_MAX_RECORD + 4096, &buf, &len);
		if (rc == -ENOENT) {
			spool_index_remove(sp, 0);
			continue;
		}
		if (rc < 0 && rc != -EFBIG)
			return rc;
		if (rc == 0 && spool_parse(buf, len, seq, rec) == 0) {
			free(buf);
			return 1;
		}
		if (rc == 0)
			free(buf);
		snprintf(name, sizeof(name), "%020" PRIu64 ".rec", seq);
		spool_index_remove(sp, 0);
		spool_quarantine(sp, name);
	}
	return 0;
}

/* Free a record. */
void
spool_record_free(struct spool_record *rec)
{
	free(rec->data);
	rec->data = NULL;
}

/* Remove an acknowledged record. Returns 0, or -errno. */
int
spool_ack(struct spool *sp, uint64_t seq)
{
	char	 path[PATH_MAX];
	size_t	 i;

	for (i = 0; i < sp->n; i++)
		if (sp->entries[i].seq == seq)
			break;
	if (i == sp->n)
		return -ENOENT;
	spool_path(sp, seq, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	spool_index_remove(sp, i);
	return 0;
}

/* Is record seq in the spool (the index is sorted by seq)? */
int
spool_has(const struct spool *sp, uint64_t seq)
{
	size_t	 lo = 0, hi = sp->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sp->entries[mid].seq == seq)
			return 1;
		if (sp->entries[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Records waiting. */
size_t
spool_depth(const struct spool *sp)
{
	return sp->n;
}

/* Bytes waiting. */
uint64_t
spool_bytes(const struct spool *sp)
{
	return sp->bytes;
}

/* Records dropped for space. */
uint64_t
spool_dropped(const struct spool *sp)
{
	return sp->dropped;
}

/* The sequence number the next spool_put() will give. */
uint64_t
spool_next_sequence(const struct spool *sp)
{
	return sp->last_seq + 1;
}

/* The size limit. */
uint64_t
spool_status_max_size(const struct spool *sp)
{
	return sp->max_size;
}

/* The spool's state as JSON. */
struct json_object *
spool_status_json(const struct spool *sp)
{
	struct json_object	*o = json_object_new_object();

	json_add_int64(o, "depth", (int64_t)sp->n);
	json_add_int64(o, "bytes", (int64_t)sp->bytes);
	json_add_int64(o, "max_size", (int64_t)sp->max_size);
	json_add_int64(o, "dropped", (int64_t)sp->dropped);
	json_add_int64(o, "corrupt", (int64_t)sp->corrupt);
	json_add_int64(o, "next_sequence", (int64_t)(sp->last_seq + 1));
	return o;
}
