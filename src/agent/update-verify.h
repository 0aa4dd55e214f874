/*
 * update-verify.h: the checks a release passes on the agent before any of
 * it is executed (update-verify.c): the signature of its manifest with
 * the release key of outpost.conf, and the size and SHA-256 of every
 * file against the manifest. The download (update-fetch.c) and the
 * launcher (update-launch.c, at every start, before it runs an installed
 * version) use the same checks.
 */
#ifndef OUTPOST_UPDATE_VERIFY_H
#define OUTPOST_UPDATE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "release.h"

struct evp_pkey_st;

/*
 * Check a release manifest (text, len bytes) and its signature sig64
 * with key, and parse it into m. Returns ERR_NONE, or ERR_RELEASE_KEY (no
 * key), ERR_RELEASE_SIGNATURE or ERR_RELEASE_INVALID with the reason in
 * err.
 */
enum error_code update_verify_manifest(struct evp_pkey_st *key,
	    const char *text, size_t len, const char *sig64,
	    struct release_manifest *m, char *err, size_t errlen);
/*
 * Check the release in directory dir: dir/release.json signed by key
 * (dir/release.sig), for version, os and arch, and each of its files in
 * dir with its size and SHA-256 (file names get suffix, "" for none).
 * Returns ERR_NONE with the manifest in m, or the code of the first
 * failure (ERR_RELEASE_SIGNATURE, ERR_RELEASE_INVALID, ERR_RELEASE_FILE,
 * ERR_RELEASE_KEY) with the reason in err.
 */
enum error_code update_verify_dir(struct evp_pkey_st *key, const char *dir,
	    const char *suffix, const char *version, const char *os,
	    const char *arch, struct release_manifest *m, char *err,
	    size_t errlen);
/*
 * The OS and architecture names of this host as releases use them
 * ("linux", "x86_64": uname(2) lower-cased). Returns 0, or -1.
 */
int	update_host_platform(char *os, size_t oslen, char *arch,
	    size_t archlen);

#endif /* OUTPOST_UPDATE_VERIFY_H */
