/*
 * upload-queue.h: the durable upload queue. Every upload to the platform
 * (inventory, FIM batches, error reports) goes through the one on-disk
 * spool (spool.h) and the agent API client (api-client.h): upload_put()
 * returns once the record is fsync'd; the record leaves the disk when the
 * platform acknowledged it. Records are sent oldest first, one at a time,
 * with back-off on failure, whenever the agent is activated.
 *
 * Each record's JSON body carries "sequence": its spool sequence number
 * (per agent, increasing, never reused), which lets the platform store a
 * resent record only once.
 */
#ifndef OUTPOST_UPLOAD_QUEUE_H
#define OUTPOST_UPLOAD_QUEUE_H

#include <stdint.h>

#include "errors.h"

struct event_base;
struct json_object;
struct spool_record;
struct upload;
struct api_client;
struct api_client_reply;

/* What to do with a record after the platform answered. */
enum upload_verdict {
	UPLOAD_ACK = 0,		/* done: remove it */
	UPLOAD_RETRY,		/* keep it; try again after back-off */
	UPLOAD_DROP		/* remove it unsent (logged and counted) */
};

/* A kind of record and where it goes. */
struct upload_kind {
	const char	*kind;	/* spool kind: "inventory", "fim-events" */
	const char	*path;	/* "/agent/v1/inventory" */
	/*
	 * The platform's answer to one record (NULL: an answer that holds
	 * its contract acks; the platform's own 400/404/413/415 refusal
	 * drops; anything else, a redirect or a proxy's page included,
	 * retries with back-off). An answer that echoes "sequence" with
	 * another record's number comes here as ERR_ANSWER_INVALID. The
	 * record is valid during the call.
	 */
	enum upload_verdict (*reply)(const struct api_client_reply *,
			    const struct spool_record *, void *arg);
	void		*arg;
};

/* The verdict of a kind without a reply handler, for handlers to end with. */
enum upload_verdict upload_default_verdict(const struct api_client_reply *);
/*
 * Is r the platform's own refusal of a record (its 400, 404, 413 or 415
 * error body), which resending cannot change? Returns 1 or 0.
 */
int		 upload_is_refusal(const struct api_client_reply *);

/*
 * The uploader over the spool in dir, limited to max_size bytes. Returns
 * it, or NULL (logged).
 */
struct upload	*upload_new(struct event_base *, const char *dir,
		    uint64_t max_size);
/* Where the uploader's errors go (NULL: only logged). */
void		 upload_set_error_fn(struct upload *,
		    void (*)(enum error_code, const char *message, void *),
		    void *);
/* Register a kind (up to 8). Returns 0, or -1. */
int		 upload_register(struct upload *, const struct upload_kind *);
/*
 * Spool body (a JSON object; "sequence" is added) as a record of kind.
 * Returns its sequence (>= 1) once it is on disk, or -errno (logged).
 */
int64_t		 upload_put(struct upload *, const char *kind,
		    struct json_object *body);
/*
 * The same with body given as the JSON text of len bytes of an object
 * with at least one member ("sequence" is added).
 */
int64_t		 upload_put_text(struct upload *, const char *kind,
		    const char *body, size_t len);
/* Send through this client (NULL: not activated, hold everything). */
void		 upload_set_client(struct upload *, struct api_client *);
/*
 * The platform answered a check-in: send now, unless the back-off comes
 * from a bad answer to an upload.
 */
void		 upload_kick(struct upload *);
/* Change the size limit (reload). */
void		 upload_set_max_size(struct upload *, uint64_t);
/* {"depth","bytes","max_size","dropped",...,"sent","next_try"}. */
struct json_object *upload_status_json(struct upload *);
/* Records waiting. */
uint64_t	 upload_depth(struct upload *);
/* The sequence number the next record spooled will get (0: no queue). */
uint64_t	 upload_next_sequence(struct upload *);
/* Is record seq still in the spool (not acknowledged)? 1 or 0. */
int		 upload_has_record(struct upload *, uint64_t seq);
/* Stop (records stay on disk) and free. */
void		 upload_free(struct upload *);

#endif /* OUTPOST_UPLOAD_QUEUE_H */
