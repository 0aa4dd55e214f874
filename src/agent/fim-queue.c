/*
 * fim-queue.c: FIM events waiting for their file's state and hash, then
 * batched into spooled "fim-events" uploads. Hashing runs in slices of
 * FIM_HASH_SLICE_MS from the event loop, one file at a time, so a large
 * file never stalls the loop. A queued event is kept as its JSON text
 * (a few hundred bytes, not a json-c object of several kB); what is
 * learnt about its file is added as text, and batches are built as text.
 * Events are written as text from the start (struct fim_text), without
 * json-c objects.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "clock.h"
#include "compat.h"
#include "fim-queue.h"
#include "jsonutil.h"
#include "log.h"
#include "spool.h"
#include "upload-queue.h"
#include "api-client.h"

#define FIM_READ_CHUNK		(128 * 1024)
#define FIM_HASH_TRIES		3	/* the file kept changing: give up */
#define FIM_SPOOL_RETRIES	30	/* seconds a batch waits for the spool */
#define FIM_SHA256_EMPTY	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One queued event. */
struct fim_qentry {
	struct fim_qentry	*next;
	uint64_t		 id;		/* for the hooks */
	uint64_t		 inode;
	uint64_t		 ready_ms;	/* not before (monotonic) */
	size_t			 len;		/* of the JSON text */
	int64_t			 ev_inode;	/* taken out of it, or -1 */
	enum fim_look		 look;
	int			 tries;
	char			*path;		/* in text, or NULL */
	char			 text[];	/* JSON text, NUL, path, NUL */
};

/* The file being hashed (for the head of the queue). */
struct fim_hashing {
	int		 fd;
	EVP_MD_CTX	*md;
	struct stat	 before;
	uint64_t	 done;
};

/* The last hash made, reused for the same unchanged file. */
struct fim_last_hash {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct timespec	 ctime;
	char		 hex[65];
};

struct fim_queue {
	struct event_base	*base;
	struct upload		*upload;
	struct fim_queue_hooks	 hooks;
	uint64_t		 batch_last_id;	/* of the open batch */
	uint64_t		 hash_max;
	struct fim_qentry	*head;
	struct fim_qentry	*tail;
	struct event		*step;
	struct event		*batch_timer;
	struct fim_hashing	 h;
	struct fim_last_hash	 last;
	struct fim_text		 extra;		/* learnt about the head */
	int			 extra_has_inode;
	char			*batch;		/* {"events":[... or NULL */
	size_t			 batch_len;
	size_t			 batch_size;
	uint64_t		 batch_started;	/* monotonic ms */
	struct fim_queue_stats	 st;
	unsigned char		*buf;
	int			 was_busy;	/* a burst since the last trim */
	int			 spool_retries;	/* the spool directory is gone */
	int			 is_final;	/* flushing for good */
};

static void	fim_queue_step_cb(evutil_socket_t, short, void *);
static void	fim_queue_batch_cb(evutil_socket_t, short, void *);
static enum upload_verdict fim_queue_reply(const struct api_client_reply *,
		    const struct spool_record *, void *);

/* Make room for n more bytes (and a NUL). Returns 0, or -1. */
static int
fim_text_room(struct fim_text *t, size_t n)
{
	size_t	 size;
	char	*p;

	if (t->is_failed)
		return -1;
	if (t->len + n + 1 <= t->size)
		return 0;
	size = t->size > 0 ? t->size : 1024;
	while (size < t->len + n + 1)
		size *= 2;
	if ((p = realloc(t->buf, size)) == NULL) {
		t->is_failed = 1;
		return -1;
	}
	t->buf = p;
	t->size = size;
	return 0;
}

/* Append n bytes. */
static void
fim_text_put(struct fim_text *t, const char *s, size_t n)
{
	if (fim_text_room(t, n) == -1)
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* Append s as a JSON string, quotes included. */
static void
fim_text_quoted(struct fim_text *t, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);
	char			*o;

	/* At worst every byte is \u00XX. */
	if (fim_text_room(t, 6 * n + 2) == -1)
		return;
	o = t->buf + t->len;
	*o++ = '"';
	for (; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '\\';
		switch (*p) {
		case '"':
		case '\\':
			*o++ = (char)*p;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
			break;
		}
	}
	*o++ = '"';
	*o = '\0';
	t->len = (size_t)(o - t->buf);
}

/* Start a member: the comma, the key and its colon. */
static void
fim_text_key(struct fim_text *t, const char *key)
{
	if (t->need_comma)
		fim_text_put(t, ",", 1);
	t->need_comma = 1;
	fim_text_quoted(t, key);
	fim_text_put(t, ":", 1);
}

/* Start an object, or bare members. */
void
fim_text_begin(struct fim_text *t, int is_members_only)
{
	t->len = 0;
	t->need_comma = 0;
	t->is_failed = 0;
	if (fim_text_room(t, 1) == 0)
		t->buf[0] = '\0';
	if (!is_members_only)
		fim_text_put(t, "{", 1);
}

/* Add a string member. */
void
fim_text_string(struct fim_text *t, const char *key, const char *value)
{
	fim_text_key(t, key);
	if (value == NULL)
		fim_text_put(t, "null", 4);
	else
		fim_text_quoted(t, value);
}

/* Add an integer member. */
void
fim_text_int(struct fim_text *t, const char *key, int64_t n)
{
	char	 num[24];
	int	 len;

	fim_text_key(t, key);
	len = snprintf(num, sizeof(num), "%lld", (long long)n);
	fim_text_put(t, num, (size_t)len);
}

/* Add a boolean member. */
void
fim_text_bool(struct fim_text *t, const char *key, int value)
{
	fim_text_key(t, key);
	if (value)
		fim_text_put(t, "true", 4);
	else
		fim_text_put(t, "false", 5);
}

/* Add a null member. */
void
fim_text_null(struct fim_text *t, const char *key)
{
	fim_text_key(t, key);
	fim_text_put(t, "null", 4);
}

/* Open an object member. */
void
fim_text_open(struct fim_text *t, const char *key)
{
	fim_text_key(t, key);
	fim_text_put(t, "{", 1);
	t->need_comma = 0;
}

/* Close an object. */
void
fim_text_close(struct fim_text *t)
{
	fim_text_put(t, "}", 1);
	t->need_comma = 1;
}

/* Append JSON the caller wrote. */
void
fim_text_raw(struct fim_text *t, const char *s, size_t n)
{
	fim_text_put(t, s, n);
}

/* Append a string value. */
void
fim_text_value(struct fim_text *t, const char *s)
{
	fim_text_quoted(t, s);
}

/* Free the buffer. */
void
fim_text_free(struct fim_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* Make the queue. Returns it, or NULL. */
struct fim_queue *
fim_queue_new(struct event_base *base, struct upload *upload,
    const struct fim_queue_hooks *hooks)
{
	struct fim_queue	*q;
	struct upload_kind	 kind = { "fim-events", "/agent/v1/fim-events",
	    fim_queue_reply, NULL };

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->base = base;
	q->upload = upload;
	if (hooks != NULL)
		q->hooks = *hooks;
	q->h.fd = -1;
	q->hash_max = 50ULL * 1024 * 1024;
	q->step = evtimer_new(base, fim_queue_step_cb, q);
	q->batch_timer = evtimer_new(base, fim_queue_batch_cb, q);
	q->buf = malloc(FIM_READ_CHUNK);
	if (q->step == NULL || q->batch_timer == NULL || q->buf == NULL) {
		fim_queue_free(q);
		return NULL;
	}
	kind.arg = q;
	if (upload != NULL && upload_register(upload, &kind) == -1)
		log_warnx("fim: cannot register the fim-events upload");
	return q;
}

/* Set the hash size limit. */
void
fim_queue_set_hash_max(struct fim_queue *q, uint64_t max)
{
	q->hash_max = max;
}

/* The platform answered a batch: count what it stored. */
static enum upload_verdict
fim_queue_reply(const struct api_client_reply *r, const struct spool_record *rec,
    void *arg)
{
	struct fim_queue	*q = arg;
	int64_t			 stored = 0;

	enum upload_verdict	 v;

	if (r->error == ERR_NONE && r->json != NULL &&
	    json_get_int64(r->json, "stored", &stored) == 0 && stored > 0)
		q->st.acked += (uint64_t)stored;
	v = upload_default_verdict(r);
	if (v != UPLOAD_RETRY && q->hooks.done != NULL)
		q->hooks.done(rec->seq, q->hooks.arg);
	return v;
}

/*
 * A burst is over (the queue ran empty): give the memory it took back to
 * the system, the batch buffer and what the allocator keeps free.
 */
static void
fim_queue_trim(struct fim_queue *q)
{
	q->was_busy = 0;
	if (q->st.in_batch == 0) {
		free(q->batch);
		q->batch = NULL;
		q->batch_size = q->batch_len = 0;
	}
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Spool the open batch. */
static void
fim_queue_spool(struct fim_queue *q)
{
	struct timeval	 retry = { 1, 0 };
	int64_t		 seq;
	uint64_t	 next;
	size_t		 n;

	if (q->st.in_batch == 0)
		return;
	n = (size_t)q->st.in_batch;
	/* fim_queue_batch_add() left room for the end. */
	memcpy(q->batch + q->batch_len, "]}", 3);
	q->batch_len += 2;
	next = q->upload != NULL ? upload_next_sequence(q->upload) : 0;
	if (q->hooks.spooling != NULL)
		q->hooks.spooling(q->batch_last_id, next, q->hooks.arg);
	seq = q->upload != NULL ? upload_put_text(q->upload, "fim-events",
	    q->batch, q->batch_len) : -ENODEV;
	if (seq == -ENOENT && !q->is_final &&
	    q->spool_retries++ < FIM_SPOOL_RETRIES) {
		/*
		 * The spool directory is gone: the agent recreates it
		 * (dirs.c, at once on the write failure). Keep the batch.
		 */
		q->batch_len -= 2;
		evtimer_add(q->batch_timer, &retry);
		return;
	}
	q->spool_retries = 0;
	if (seq < 0 && next != 0 && q->hooks.done != NULL)
		q->hooks.done(next, q->hooks.arg);
	q->batch_len = 0;
	q->st.in_batch = 0;
	evtimer_del(q->batch_timer);
	if (seq < 0) {
		q->st.lost_spool += n;
		log_warnx("fim: %zu events lost: the spool refused their "
		    "batch: %s", n, strerror((int)-seq));
		return;
	}
	q->st.spooled += n;
	q->st.batches++;
	log_debug("fim: batch of %zu events spooled as record %lld", n,
	    (long long)seq);
	if (q->head == NULL && q->was_busy)
		fim_queue_trim(q);
}

/* The batch is old enough: spool it. */
static void
fim_queue_batch_cb(evutil_socket_t fd, short what, void *arg)
{
	fim_queue_spool(arg);
}

/*
 * Move an event into the open batch, its text (len bytes) with the
 * members of more (an object, or NULL) added; spool the batch when full.
 * Returns 0, or -1 (no memory: the event is counted lost).
 */
static int
fim_queue_batch_add(struct fim_queue *q, uint64_t id, const char *text,
    size_t len, const struct fim_text *more)
{
	struct timeval	 tv = { FIM_BATCH_SECONDS, 0 };
	const char	*mtext = NULL;
	size_t		 mlen = 0, need, size;
	char		*p;

	/* more holds bare members: "a":1,"b":2 */
	if (more != NULL && !more->is_failed && more->len > 0) {
		mtext = more->buf;
		mlen = more->len;
	}
	/* "{"events":[", ",", the event, the end "]}" and its NUL. */
	need = q->batch_len + 16 + len + mlen + 3;
	if (need > q->batch_size) {
		size = q->batch_size > 0 ? q->batch_size : 64 * 1024;
		while (size < need)
			size *= 2;
		if ((p = realloc(q->batch, size)) == NULL) {
			q->st.lost_spool++;
			return -1;
		}
		q->batch = p;
		q->batch_size = size;
	}
	if (q->st.in_batch == 0) {
		q->batch_len = strlcpy(q->batch, "{\"events\":[",
		    q->batch_size);
		q->batch_started = clock_mono_ms();
		evtimer_add(q->batch_timer, &tv);
	} else
		q->batch[q->batch_len++] = ',';
	if (mtext != NULL && len >= 2) {
		/* {a...} and b... make {a...,b...}; {} and b... {b...}. */
		memcpy(q->batch + q->batch_len, text, len - 1);
		q->batch_len += len - 1;
		if (len > 2)
			q->batch[q->batch_len++] = ',';
		memcpy(q->batch + q->batch_len, mtext, mlen);
		q->batch_len += mlen;
		q->batch[q->batch_len++] = '}';
	} else {
		memcpy(q->batch + q->batch_len, text, len);
		q->batch_len += len;
	}
	if (id != 0)
		q->batch_last_id = id;
	if (++q->st.in_batch >= FIM_BATCH_EVENTS)
		fim_queue_spool(q);
	return 0;
}

/* What is learnt about the head entry's file goes here (bare members). */
static struct fim_text *
fim_queue_extra(struct fim_queue *q)
{
	return &q->extra;
}

/* Stop hashing the current file. */
static void
fim_queue_hash_reset(struct fim_queue *q)
{
	if (q->h.fd != -1)
		close(q->h.fd);
	q->h.fd = -1;
	if (q->h.md != NULL)
		EVP_MD_CTX_free(q->h.md);
	q->h.md = NULL;
	q->h.done = 0;
}

/* The name of a file type. */
static const char *
fim_queue_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "char_device";
	case S_IFBLK:
		return "block_device";
	default:
		return "unknown";
	}
}

/* Add what stat says about the file now. */
static void
fim_queue_add_stat(struct fim_queue *q, const struct stat *sb)
{
	struct fim_text	*x = fim_queue_extra(q);
	char		 mode[16];

	snprintf(mode, sizeof(mode), "%04o", (unsigned int)(sb->st_mode &
	    07777));
	fim_text_string(x, "type", fim_queue_type(sb->st_mode));
	fim_text_string(x, "mode", mode);
	fim_text_int(x, "owner_uid", (int64_t)sb->st_uid);
	fim_text_int(x, "owner_gid", (int64_t)sb->st_gid);
	fim_text_int(x, "size", (int64_t)sb->st_size);
	fim_text_int(x, "inode", (int64_t)sb->st_ino);
	fim_text_int(x, "mtime", (int64_t)sb->st_mtim.tv_sec);
	q->extra_has_inode = 1;
}

/* Is the file as it was when the last hash was made? */
static int
fim_queue_same_as_last(const struct fim_queue *q, const char *path,
    const struct stat *sb)
{
	return q->last.path != NULL && strcmp(q->last.path, path) == 0 &&
	    q->last.dev == sb->st_dev && q->last.ino == sb->st_ino &&
	    q->last.size == sb->st_size &&
	    q->last.mtime.tv_sec == sb->st_mtim.tv_sec &&
	    q->last.mtime.tv_nsec == sb->st_mtim.tv_nsec &&
	    q->last.ctime.tv_sec == sb->st_ctim.tv_sec &&
	    q->last.ctime.tv_nsec == sb->st_ctim.tv_nsec;
}

/* Remember the hash of the file just hashed. */
static void
fim_queue_remember(struct fim_queue *q, const char *path,
    const struct stat *sb, const char *hex)
{
	free(q->last.path);
	q->last.path = strdup(path);
	q->last.dev = sb->st_dev;
	q->last.ino = sb->st_ino;
	q->last.size = sb->st_size;
	q->last.mtime = sb->st_mtim;
	q->last.ctime = sb->st_ctim;
	strlcpy(q->last.hex, hex, sizeof(q->last.hex));
}

/* Did the file change between two stats? */
static int
fim_queue_changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_size != b->st_size ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/*
 * Work on the head entry for at most until_ms. Returns 1 when the entry is
 * finished (ready for the batch), 0 when there is more to do.
 */
static int
fim_queue_look(struct fim_queue *q, struct fim_qentry *e, uint64_t until_ms)
{
	struct stat	 sb;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		 hex[65];
	ssize_t		 n;
	struct fim_text	*x = fim_queue_extra(q);

	if (q->h.fd == -1) {
		/* The file may be gone or replaced: say what is found. */
		if (lstat(e->path, &sb) == -1) {
			if (e->look == FIM_LOOK_HASH)
				fim_text_string(x, "hash_skipped", "gone");
			return 1;
		}
		fim_queue_add_stat(q, &sb);
		if (e->inode != 0 && (uint64_t)sb.st_ino != e->inode)
			fim_text_bool(x, "replaced", 1);
		if (e->look != FIM_LOOK_HASH)
			return 1;
		if (!S_ISREG(sb.st_mode)) {
			/* Never open devices or FIFOs. */
			fim_text_string(x, "hash_skipped", "not_regular");
			return 1;
		}
		if (sb.st_size == 0 && q->hash_max != 0) {
			/* Nothing to read: the hash of nothing. */
			fim_text_string(x, "sha256", FIM_SHA256_EMPTY);
			q->st.hashed++;
			return 1;
		}
		if (q->hash_max == 0 || (uint64_t)sb.st_size > q->hash_max) {
			fim_text_string(x, "hash_skipped", q->hash_max == 0 ?
			    "disabled" : "too_large");
			return 1;
		}
		q->h.fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC | O_NOATIME);
		if (q->h.fd == -1 && errno == EPERM)
			q->h.fd = open(e->path, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_CLOEXEC);
		if (q->h.fd == -1 || fstat(q->h.fd, &sb) == -1 ||
		    !S_ISREG(sb.st_mode)) {
			fim_text_string(x, "hash_skipped", "unreadable");
			fim_queue_hash_reset(q);
			return 1;
		}
		if (fim_queue_same_as_last(q, e->path, &sb)) {
			fim_text_string(x, "sha256", q->last.hex);
			fim_queue_hash_reset(q);
			return 1;
		}
		q->h.before = sb;
		if ((q->h.md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(q->h.md, EVP_sha256(), NULL) != 1) {
			fim_text_string(x, "hash_skipped", "error");
			fim_queue_hash_reset(q);
			return 1;
		}
	}
	for (;;) {
		n = read(q->h.fd, q->buf, FIM_READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fim_text_string(x, "hash_skipped", "unreadable");
			fim_queue_hash_reset(q);
			return 1;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(q->h.md, q->buf, (size_t)n);
		q->h.done += (uint64_t)n;
		if (q->h.done > q->hash_max) {
			/* It grew past the limit while we read. */
			fim_text_string(x, "hash_skipped", "too_large");
			fim_queue_hash_reset(q);
			return 1;
		}
		if (clock_mono_ms() >= until_ms)
			return 0;
	}
	if (fstat(q->h.fd, &sb) == 0 && fim_queue_changed(&q->h.before,
	    &sb) && ++e->tries < FIM_HASH_TRIES) {
		/* Still being written: start again a little later. */
		fim_queue_hash_reset(q);
		e->ready_ms = clock_mono_ms() + FIM_HASH_DELAY_MS;
		return 0;
	}
	mdlen = 0;
	EVP_DigestFinal_ex(q->h.md, md, &mdlen);
	hex_encode(md, mdlen < 32 ? mdlen : 32, hex);
	fim_text_string(x, "sha256", hex);
	if (e->tries >= FIM_HASH_TRIES)
		fim_text_bool(x, "hash_unstable", 1);
	fim_queue_remember(q, e->path, &q->h.before, hex);
	q->st.hashed++;
	fim_queue_hash_reset(q);
	return 1;
}

/* Free one entry. */
static void
fim_queue_entry_free(struct fim_qentry *e)
{
	free(e);
}

/*
 * The head entry is done: into the batch with what was learnt about its
 * file, then freed.
 */
static void
fim_queue_finish(struct fim_queue *q, struct fim_qentry *e)
{
	if (e->ev_inode >= 0 && !q->extra_has_inode)
		fim_text_int(fim_queue_extra(q), "inode", e->ev_inode);
	if (e->path != NULL && q->hooks.looked != NULL)
		q->hooks.looked(e->path, q->hooks.arg);
	/* An event lost here is still named to the hooks by the next one. */
	if (fim_queue_batch_add(q, e->id, e->text, e->len, &q->extra) == -1 &&
	    e->id != 0)
		q->batch_last_id = e->id;
	fim_text_begin(&q->extra, 1);
	q->extra_has_inode = 0;
	fim_queue_entry_free(e);
}

/* Take the head entry off the queue. */
static struct fim_qentry *
fim_queue_pop(struct fim_queue *q)
{
	struct fim_qentry	*e = q->head;

	if (e == NULL)
		return NULL;
	q->head = e->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->st.waiting--;
	return e;
}

/* Arm the step timer for the head entry. */
static void
fim_queue_schedule(struct fim_queue *q)
{
	struct timeval	 tv = { 0, 0 };
	uint64_t	 now;

	if (q->head == NULL)
		return;
	now = clock_mono_ms();
	/* Busy: at once (see fim_queue_step_cb). */
	if (q->head->ready_ms > now && q->st.waiting <= FIM_QUEUE_BUSY) {
		tv.tv_sec = (time_t)((q->head->ready_ms - now) / 1000);
		tv.tv_usec = (suseconds_t)((q->head->ready_ms - now) % 1000 *
		    1000);
	}
	evtimer_add(q->step, &tv);
}

/*
 * Work through the queue for one slice. Past FIM_QUEUE_BUSY waiting
 * events, files are looked at without waiting for their writer (marked
 * "hash_early"), so that a burst does not fill the queue.
 */
static void
fim_queue_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim_queue	*q = arg;
	struct fim_qentry	*e;
	uint64_t		 until, now;

	/* Busy: keep up with the records (the loop still turns in time). */
	until = clock_mono_ms() + (q->st.waiting > FIM_QUEUE_BUSY ?
	    FIM_BUSY_SLICE_MS : FIM_HASH_SLICE_MS);

	while ((e = q->head) != NULL) {
		now = clock_mono_ms();
		if (e->ready_ms > now) {
			if (q->st.waiting <= FIM_QUEUE_BUSY)
				break;
			if (e->look == FIM_LOOK_HASH && e->tries == 0 &&
			    q->h.fd == -1) {
				fim_text_bool(fim_queue_extra(q),
				    "hash_early", 1);
				q->st.early++;
			}
		}
		if (e->look != FIM_LOOK_NONE &&
		    !fim_queue_look(q, e, until))
			break;	/* out of time, or to be done again later */
		fim_queue_pop(q);
		fim_queue_finish(q, e);
		if (clock_mono_ms() >= until)
			break;
	}
	fim_queue_schedule(q);
}

/* Queue one event given as text. Returns 0, or -1 (full; counted). */
int
fim_queue_push_text(struct fim_queue *q, const char *text, size_t len,
    uint64_t id, int64_t ev_inode, enum fim_look look, const char *path,
    uint64_t inode)
{
	struct fim_qentry	*e;
	size_t			 plen;
	int			 was_empty = q->head == NULL;

	if (q->st.waiting >= FIM_QUEUE_MAX) {
		q->st.lost_queue++;
		return -1;
	}
	if (path == NULL)
		look = FIM_LOOK_NONE;
	plen = look != FIM_LOOK_NONE ? strlen(path) + 1 : 0;
	if (text == NULL || len < 2 ||
	    (e = malloc(sizeof(*e) + len + 1 + plen)) == NULL) {
		q->st.lost_queue++;
		return -1;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	e->id = id;
	e->ev_inode = ev_inode;
	e->look = look;
	e->inode = inode;
	if (plen > 0) {
		e->path = e->text + len + 1;
		memcpy(e->path, path, plen);
	}
	e->ready_ms = clock_mono_ms() + (e->look == FIM_LOOK_HASH ?
	    FIM_HASH_DELAY_MS : 0);
	if (q->tail != NULL)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->st.waiting++;
	q->st.queued++;
	if (q->st.waiting > FIM_QUEUE_BUSY)
		q->was_busy = 1;
	if (was_empty || q->st.waiting == FIM_QUEUE_BUSY + 1)
		fim_queue_schedule(q);
	return 0;
}

/* Spool what is queued. Returns the number of events spooled. */
int
fim_queue_flush(struct fim_queue *q, int is_final)
{
	struct fim_qentry	*e;
	uint64_t		 before = q->st.spooled;

	q->is_final = is_final;
	if (is_final) {
		fim_queue_hash_reset(q);
		while ((e = fim_queue_pop(q)) != NULL) {
			if (e->look == FIM_LOOK_HASH)
				fim_text_string(fim_queue_extra(q),
				    "hash_skipped", "shutdown");
			fim_queue_finish(q, e);
		}
		evtimer_del(q->step);
	}
	fim_queue_spool(q);
	q->is_final = 0;
	return (int)(q->st.spooled - before);
}

/* The counters. */
void
fim_queue_stats(const struct fim_queue *q, struct fim_queue_stats *st)
{
	*st = q->st;
}

/* Free the queue. */
void
fim_queue_free(struct fim_queue *q)
{
	struct fim_qentry	*e;

	if (q == NULL)
		return;
	fim_queue_hash_reset(q);
	while ((e = fim_queue_pop(q)) != NULL)
		fim_queue_entry_free(e);
	fim_text_free(&q->extra);
	free(q->batch);
	if (q->step != NULL)
		event_free(q->step);
	if (q->batch_timer != NULL)
		event_free(q->batch_timer);
	free(q->last.path);
	free(q->buf);
	free(q);
}
