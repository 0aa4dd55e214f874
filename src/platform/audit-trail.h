/*
 * audit-trail.h: the record of every admin write (audit-trail.c): who,
 * when, from where, what and with which outcome, written in the
 * transaction of the change; GET /api/v1/audit; its retention.
 */
#ifndef OUTPOST_AUDIT_TRAIL_H
#define OUTPOST_AUDIT_TRAIL_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

#define AUDIT_TRAIL_SUMMARY_MAX	512	/* bytes of a summary */

struct json_object;
struct store;

int	 audit_trail_record(struct api *, struct api_request *,
	    struct api_response *);
int	 audit_trail_command(struct store *, int64_t now, const char *actor,
	    const char *resource, const char *summary);
void	 audit_trail_summarize(struct json_object *, const char *extra,
	    char *, size_t);
int	 audit_trail_prune(struct api *, int64_t now);

api_handler	 audit_trail_list;

#endif /* OUTPOST_AUDIT_TRAIL_H */
