/*
 * profile-doc.h: configuration profile documents (profile-doc.c,
 * docs/protocol.md 3.4 and 4.3): the defaults of a new profile, and the
 * validation and merge of what an admin sends. Pure functions on json-c
 * objects; the store keeps the documents.
 */
#ifndef OUTPOST_PROFILE_DOC_H
#define OUTPOST_PROFILE_DOC_H

#include <stddef.h>

struct json_object;

/* The largest profile JSON agents accept (1 MiB), less room for the
   members the API adds (id, name, version). */
#define PROFILE_DOC_MAX	(1048576 - 4096)

struct json_object *profile_doc_default(void);
int	 profile_doc_apply(struct json_object *doc, struct json_object *in,
	    char *field, size_t fieldlen, char *msg, size_t msglen);
int	 profile_doc_heartbeat_interval(struct json_object *);
int	 profile_doc_is_paused(struct json_object *);

#endif /* OUTPOST_PROFILE_DOC_H */
