/*
 * invitem.h: the items of the inventory's array sections (packages,
 * interfaces, listening, users, groups, kernel_modules) for item-level
 * deltas (docs/protocol.md 3.6): which members are an item's key, the
 * order of a section (by its key members), and the platform's check and
 * application of a delta's "items". Shared by the agent and the platform.
 *
 * An item's key is the object of its key members (null ones left out);
 * its key text is that object as plain JSON with the members in the
 * order of the table, so that equal keys have equal texts.
 */
#ifndef OUTPOST_INVITEM_H
#define OUTPOST_INVITEM_H

#include <stddef.h>

#define INVITEM_SECTIONS	6
#define INVITEM_MAX_ITEMS	100000	/* per section, and per put/delete */
#define INVITEM_MAX_KEY_LEN	256	/* bytes of a key string */

struct json_object;

/* The type of a key member. */
enum invitem_type {
	INVITEM_STRING,
	INVITEM_INT
};

/* A key member of a section's items. */
struct invitem_key {
	const char		*name;
	enum invitem_type	 type;
	int			 is_required;
};

/* An array section with item-level changes. */
struct invitem_section {
	const char			*name;
	const struct invitem_key	*keys;
	size_t				 nkeys;
	/* Order of two items (json_object_array_sort() style). */
	int	(*cmp)(const void *, const void *);
};

/* The sections, INVITEM_SECTIONS of them. */
extern const struct invitem_section invitem_sections[INVITEM_SECTIONS];

/* The section named name, or NULL. */
const struct invitem_section *invitem_find(const char *name);
/* The index of a section in invitem_sections. */
size_t	invitem_index(const struct invitem_section *);
/* The key text of an item (the caller frees it), or NULL. */
char	*invitem_key_text(const struct invitem_section *,
	    struct json_object *item);
/*
 * Is arr an array of objects in strictly increasing order of the
 * section (so every key is there once)? Returns 1 or 0.
 */
int	invitem_is_ordered(const struct invitem_section *,
	    struct json_object *arr);
/*
 * Apply a delta's "items" ({"section": {"put": [...], "delete": [...]}})
 * to doc, the stored sections: every item of a put replaces the held item
 * of its key or is added, every delete removes the held item of its key,
 * and the section is sorted again. Everything is checked before doc is
 * touched. Returns 0; -1 (bad request) with the field and why; or 1 (doc
 * lacks the section or an item a delete names: a full snapshot is
 * needed) with why in msg.
 */
int	invitem_apply(struct json_object *doc, struct json_object *items,
	    char *field, size_t fieldlen, char *msg, size_t msglen);
/*
 * Check an item of "put" (is_delete 0) or "delete" (1) named where: an
 * object whose key members have their type (strings of 1..256 bytes
 * without NUL, integers), the required ones present; a delete holds
 * nothing else. Returns 0, or -1 with the field and why.
 */
int	invitem_check(const struct invitem_section *, struct json_object *item,
	    const char *where, int is_delete, char *field, size_t fieldlen,
	    char *msg, size_t msglen);

#endif /* OUTPOST_INVITEM_H */
