/*
 * spool.h: the agent's on-disk queue of uploads. A record is durable (in
 * its own fsync'd file) when spool_put() returns, and leaves the disk only
 * when spool_ack() says the platform acknowledged it, or when the spool
 * passes its size limit (oldest first; every such loss is counted).
 */
#ifndef OUTPOST_SPOOL_H
#define OUTPOST_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct json_object;
struct spool;

/* One record as read back. */
struct spool_record {
	uint64_t	 seq;		/* per-agent, increasing, never reused */
	char		 kind[32];	/* "inventory", "fim-events", "errors" */
	time_t		 created;
	char		*data;
	size_t		 len;
};

/*
 * Open (creating) the spool in dir, limited to max_size bytes (0 = no
 * limit). Torn temporary files are removed, corrupt records moved to
 * dir/corrupt and counted. Returns 0 and *out, or -errno.
 */
int		 spool_open(const char *dir, uint64_t max_size,
		    struct spool **out);
/* Close the spool (records stay on disk). */
void		 spool_close(struct spool *);
/* Change the size limit; takes effect at the next spool_put(). */
void		 spool_set_max_size(struct spool *, uint64_t);
/*
 * Store a record durably. Returns its sequence number (>= 1), or -errno
 * (-EFBIG if the record alone is larger than the limit).
 */
int64_t		 spool_put(struct spool *, const char *kind, const void *data,
		    size_t len);
/*
 * Read the oldest record. Returns 1 with *rec filled (free it with
 * spool_record_free()), 0 if the spool is empty, or -errno.
 */
int		 spool_peek(struct spool *, struct spool_record *rec);
/* Free a record read by spool_peek(). */
void		 spool_record_free(struct spool_record *);
/* Remove an acknowledged record. Returns 0, or -errno (-ENOENT unknown). */
int		 spool_ack(struct spool *, uint64_t seq);
/* Is record seq in the spool? 1 or 0. */
int		 spool_has(const struct spool *, uint64_t seq);
/* The sequence number the next spool_put() will give. */
uint64_t	 spool_next_sequence(const struct spool *);
/* The size limit (0 = none). */
uint64_t	 spool_status_max_size(const struct spool *);
/* Records waiting. */
size_t		 spool_depth(const struct spool *);
/* Bytes waiting. */
uint64_t	 spool_bytes(const struct spool *);
/* Records dropped because of the size limit since the spool was made. */
uint64_t	 spool_dropped(const struct spool *);
/* {"depth","bytes","max_size","dropped","corrupt","next_sequence"}. */
struct json_object *spool_status_json(const struct spool *);

#endif /* OUTPOST_SPOOL_H */
