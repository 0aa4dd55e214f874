/*
 * fim-queue.h: FIM events on their way to the platform. Events wait in a
 * bounded FIFO; those after a create or modify wait a moment (so that the
 * writer can finish), then the file is hashed (SHA-256) in steps of at
 * most a few milliseconds on the event loop, and the events go, in order,
 * into batches that are spooled as "fim-events" uploads when they reach
 * FIM_BATCH_EVENTS events or FIM_BATCH_SECONDS of age. Every event that
 * cannot be kept (queue full, spool refusing) is counted.
 */
#ifndef OUTPOST_FIM_QUEUE_H
#define OUTPOST_FIM_QUEUE_H

#include <stdint.h>

struct event_base;
struct json_object;
struct upload;
struct fim_queue;

#define FIM_QUEUE_MAX		10000	/* events waiting */
#define FIM_QUEUE_BUSY		1000	/* waiting: stop waiting for writers */
#define FIM_BATCH_EVENTS	500
#define FIM_BATCH_SECONDS	5
#define FIM_HASH_DELAY_MS	1000	/* after the event, before hashing */
#define FIM_HASH_SLICE_MS	5	/* hashing at a stretch */
#define FIM_BUSY_SLICE_MS	20	/* the same, past FIM_QUEUE_BUSY */

/* What to learn about the file of an event before it is sent. */
enum fim_look {
	FIM_LOOK_NONE = 0,	/* nothing (delete) */
	FIM_LOOK_STAT,		/* size, mode, owner now (attrib, rename) */
	FIM_LOOK_HASH		/* and the content's SHA-256 (create, modify) */
};

/*
 * The JSON text of an event, written member by member straight into a
 * buffer that is kept and reused (no json-c object per event). Strings
 * are escaped as json-c does (bytes from 0x80 pass as they are).
 */
struct fim_text {
	char	*buf;
	size_t	 len;
	size_t	 size;
	int	 need_comma;	/* a member came before */
	int	 is_failed;	/* out of memory: the text is unusable */
};

/* Start an object ("{"); with is_members_only, bare members (no braces). */
void	fim_text_begin(struct fim_text *, int is_members_only);
/* Add "key":"value" (value NULL: null). */
void	fim_text_string(struct fim_text *, const char *key, const char *value);
/* Add "key":n. */
void	fim_text_int(struct fim_text *, const char *key, int64_t n);
/* Add "key":true or false. */
void	fim_text_bool(struct fim_text *, const char *key, int value);
/* Add "key":null. */
void	fim_text_null(struct fim_text *, const char *key);
/* Open "key":{ ... and close it (or the object of fim_text_begin). */
void	fim_text_open(struct fim_text *, const char *key);
void	fim_text_close(struct fim_text *);
/* Append n bytes of JSON the caller wrote, as they are. */
void	fim_text_raw(struct fim_text *, const char *, size_t n);
/* Append s as a JSON string value (no key). */
void	fim_text_value(struct fim_text *, const char *s);
/* Free the buffer. */
void	fim_text_free(struct fim_text *);

/* Counters. */
struct fim_queue_stats {
	uint64_t	queued;		/* events taken */
	uint64_t	spooled;	/* events written to the spool */
	uint64_t	acked;		/* events the platform stored */
	uint64_t	batches;	/* uploads spooled */
	uint64_t	hashed;		/* files hashed */
	uint64_t	early;		/* looked at early: queue busy */
	uint64_t	lost_queue;	/* refused: queue full */
	uint64_t	lost_spool;	/* the spool refused their batch */
	int		waiting;	/* in the queue now */
	int		in_batch;	/* in the open batch */
};

/*
 * What the queue tells about its batches (fim-journal.c keeps track of
 * which events are safe in the spool). Every member may be NULL.
 */
struct fim_queue_hooks {
	/*
	 * The events up to last_id (their ids as pushed) go into spool
	 * record seq now: called just before the record is written (seq 0:
	 * there is no spool, the events are lost).
	 */
	void	(*spooling)(uint64_t last_id, uint64_t seq, void *arg);
	/* Record seq is gone: acknowledged, refused, or never written. */
	void	(*done)(uint64_t seq, void *arg);
	/* The file of an event was looked at (its state, its hash). */
	void	(*looked)(const char *path, void *arg);
	void	*arg;
};

/*
 * A queue on base spooling to upload (NULL: events are counted as lost
 * when their batch is due), telling hooks (may be NULL) about its
 * batches. Registers the "fim-events" upload kind. Returns it, or NULL.
 */
struct fim_queue *fim_queue_new(struct event_base *, struct upload *,
		    const struct fim_queue_hooks *);
/* Hash files up to max bytes (0: never hash). */
void		 fim_queue_set_hash_max(struct fim_queue *, uint64_t max);
/*
 * Queue one event given as JSON text ("{...}", len bytes, copied). id
 * names it to the hooks (ids grow with each push; 0: none). ev_inode is
 * the inode the event names (-1: none), added to the text unless the look
 * finds the file's. path is the file to look at (NULL with FIM_LOOK_NONE),
 * inode the one the event named (0: any). Returns 0, or -1 when the queue
 * is full (the event is counted lost).
 */
int		 fim_queue_push_text(struct fim_queue *, const char *text,
		    size_t len, uint64_t id, int64_t ev_inode, enum fim_look,
		    const char *path, uint64_t inode);
/*
 * Spool what is queued now: with is_final, without waiting or hashing
 * (shutdown, pause). Returns the number of events spooled.
 */
int		 fim_queue_flush(struct fim_queue *, int is_final);
void		 fim_queue_stats(const struct fim_queue *,
		    struct fim_queue_stats *);
/* Free (events still queued are dropped: flush first). */
void		 fim_queue_free(struct fim_queue *);

#endif /* OUTPOST_FIM_QUEUE_H */
