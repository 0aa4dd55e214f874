/*
 * scan-submit.h: outpost-scan --submit, the results posted to the
 * platform's POST /api/v1/scans over HTTPS (libcurl, verified against
 * --cacert or the system store) with the admin token.
 */
#ifndef OUTPOST_SCAN_SUBMIT_H
#define OUTPOST_SCAN_SUBMIT_H

#include <stddef.h>

struct json_object;
struct scan_submit;

/* What became of one submission. */
struct scan_submission {
	long			 status;	/* HTTP status; 0: not sent */
	int			 is_ok;		/* 201 */
	struct json_object	*answer;	/* the 201 body, or NULL */
	char			 message[512];	/* one line for people */
};

/*
 * Prepare submissions to the platform at url (its base URL, or the full
 * .../api/v1/scans URL), with the admin token read from token_file and
 * the CA in cacert (NULL: the system trust store). Returns the handle,
 * or NULL with the reason in err.
 */
struct scan_submit *scan_submit_new(const char *url, const char *token_file,
	    const char *cacert, char *err, size_t errlen);
/* Post one body. Returns 0 if stored (201), or -1; out says what came. */
int	scan_submit_post(struct scan_submit *, struct json_object *body,
	    struct scan_submission *out);
/* Free what a submission holds. */
void	scan_submission_clear(struct scan_submission *);
/* Free the handle (NULL is fine). */
void	scan_submit_free(struct scan_submit *);

#endif /* OUTPOST_SCAN_SUBMIT_H */
