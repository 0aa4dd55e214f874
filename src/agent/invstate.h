/*
 * invstate.h: the inventory's bookkeeping in state_dir/inventory.json:
 * what the platform acknowledged (its inventory_version and the SHA-256
 * digest of each section as it holds it) and the one record that may be
 * on its way (spool sequence, full or delta, and the digests the platform
 * will hold once it is applied). Written atomically, so that a restart,
 * even after SIGKILL, neither loses nor duplicates state.
 *
 * A section's digest is the SHA-256 of its canonical JSON: objects with
 * their members sorted by name (bytewise), no blanks, strings with '"',
 * '\\' and control characters escaped (\u00XX), integers in decimal.
 *
 * For the array sections of invitem.h the file also keeps, per section
 * the platform holds in key order, each item's key text and the digest
 * of the item's canonical JSON, so that the next delta (even after a
 * restart) names only the items that changed.
 */
#ifndef OUTPOST_INVSTATE_H
#define OUTPOST_INVSTATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "invitem.h"

#define INVSTATE_FILE_NAME	"inventory.json"
#define INVSTATE_FORMAT		1
#define INVSTATE_DIGEST_LEN	64	/* hex digits */
#define INVSTATE_DIGEST_SIZE	32	/* bytes */

struct json_object;

/* An item the platform holds: its key text and digest. */
struct invstate_item {
	char		*key;
	size_t		 index;		/* in its array, when built from one */
	unsigned char	 digest[INVSTATE_DIGEST_SIZE];
};

/* The items of an array section, sorted by key text. */
struct invstate_items {
	struct invstate_item	*v;
	size_t			 n;
	int			 is_known;	/* 0: send the whole section */
};

/* inventory.json in memory. */
struct invstate {
	char			*agent_id;	/* the agent it belongs to */
	int64_t			 acked_version;	/* 0: none; send a full one */
	uint64_t		 acked_sequence;
	time_t			 acked_time;
	struct json_object	*acked;		/* {"section": "digest"} */
	struct invstate_items	 items[INVITEM_SECTIONS];	/* acked */
	uint64_t		 pending_sequence;	/* 0: none */
	int			 pending_is_full;
	int64_t			 pending_base;
	time_t			 pending_time;
	struct json_object	*pending;	/* digests once applied */
	time_t			 last_scan;
};

/* An empty state for agent_id (may be NULL). Returns 0, or -1. */
int	invstate_init(struct invstate *, const char *agent_id);
/* Free what it holds. */
void	invstate_free(struct invstate *);
/*
 * Read dir/inventory.json. Returns 0, -ENOENT, -EINVAL (corrupt: the
 * reason in err), or -errno.
 */
int	invstate_load(const char *dir, struct invstate *, char *err,
	    size_t errlen);
/* Parse the text of inventory.json. Returns 0, or -1 with err. */
int	invstate_parse(const char *text, size_t len, struct invstate *,
	    char *err, size_t errlen);
/* Write dir/inventory.json atomically (0600). Returns 0, or -errno. */
int	invstate_save(const char *dir, const struct invstate *);
/* Remove dir/inventory.json. Returns 0 (also if absent), or -errno. */
int	invstate_remove(const char *dir);
/* The text invstate_save() writes (the caller frees it). */
char	*invstate_text(const struct invstate *);

/* The digest of a JSON value into hex (65 bytes). Returns 0, or -1. */
int	invstate_digest(struct json_object *, char *hex);
/*
 * The digests the platform holds after a record body is applied to base
 * ({"section":"digest"}): a full body's data, or base with a delta's set
 * and remove. Returns a new object, or NULL with the reason in err.
 */
struct json_object *invstate_apply(struct json_object *base,
	    struct json_object *body, char *err, size_t errlen);

/*
 * The items of arr, a section of sec, sorted by key text. Returns 0; 1
 * when arr is not an array of objects in the section's strict order (the
 * section then goes whole); or -1 (out of memory).
 */
int	invstate_items_build(const struct invitem_section *,
	    struct json_object *arr, struct invstate_items *);
/* Free the items (is_known becomes 0). */
void	invstate_items_free(struct invstate_items *);
/*
 * The item changes from acked to now (built from arr): the items of arr
 * that are new or differ into *put, the keys of the items that went into
 * *del (new arrays). Returns the number of changes, or -1.
 */
long	invstate_items_diff(const struct invstate_items *acked,
	    const struct invstate_items *now, struct json_object *arr,
	    struct json_object **put, struct json_object **del);
/*
 * Bring st->items to what the platform holds once it applied a record
 * body (full or delta). Returns 0, or -1 (out of memory: every section
 * then goes whole).
 */
int	invstate_items_apply(struct invstate *, struct json_object *body);

#endif /* OUTPOST_INVSTATE_H */
