/*
 * update-fetch.h: the download of one agent release from the platform
 * (update-fetch.c, docs/protocol.md 3.10): its signed manifest first,
 * checked at once, then each file in ranges of UPDATE_CHUNK bytes,
 * spooled to state_dir/versions/.download-VERSION so that a download cut
 * short (network, restart) goes on where it stopped, then every file
 * checked against the manifest. Requests go through the agent's platform
 * client: the same HTTPS, proxies and pinning as every other request.
 */
#ifndef OUTPOST_UPDATE_FETCH_H
#define OUTPOST_UPDATE_FETCH_H

#include <stdint.h>

#include "errors.h"
#include "release.h"

struct checkin;
struct evp_pkey_st;
struct update_fetch;

#define UPDATE_CHUNK		(1024 * 1024)	/* bytes per request */
#define UPDATE_STAGING_PREFIX	".download-"	/* under versions/ */
#define UPDATE_PART_SUFFIX	".part"		/* a file being fetched */

/* What to fetch, and what the release must be. */
struct update_fetch_request {
	struct checkin		*checkin;	/* its platform client */
	const char		*versions_dir;	/* state_dir/versions */
	const char		*version;
	const char		*os;
	const char		*arch;
	const char		*running;	/* the running version */
	int			 allow_older;	/* a pinned version */
	struct evp_pkey_st	*key;		/* the release key */
};

/*
 * The end of a fetch: ERR_NONE with the checked manifest and the staging
 * directory (files still named NAME UPDATE_PART_SUFFIX), or the code of
 * what failed with a one-line message (m and dir NULL). A fetch that ends
 * with ERR_RELEASE_DOWNLOAD can be started again and resumes.
 */
typedef void	(*update_fetch_cb)(void *arg, enum error_code,
		    const char *message, const struct release_manifest *m,
		    const char *dir);

/*
 * Start fetching; cb is called once, later, from the event loop, unless
 * the fetch is cancelled first. Returns it, or NULL (out of memory, or
 * not activated: nothing to fetch with).
 */
struct update_fetch *update_fetch_start(const struct update_fetch_request *,
		    update_fetch_cb, void *arg);
/* Bytes on disk and in all, for the status. */
void		 update_fetch_progress(const struct update_fetch *,
		    uint64_t *bytes, uint64_t *total);
/* Remove the files in dir, and dir itself unless keep_dir (logged). */
void		 update_dir_remove(const char *dir, int keep_dir);
/* Stop and free (no callback). */
void		 update_fetch_cancel(struct update_fetch *);
/*
 * Free a fetch whose request the platform client dropped already (the
 * configuration was reloaded): no callback, nothing cancelled.
 */
void		 update_fetch_abandon(struct update_fetch *);

#endif /* OUTPOST_UPDATE_FETCH_H */
