/*
 * release-tar.h: the file "make agent-release" makes, a POSIX ustar
 * archive of release.json, release.sig and the release's files
 * (release-tar.c), read from memory and checked against its signed
 * manifest's names, sizes and SHA-256 before the platform stores it.
 */
#ifndef OUTPOST_RELEASE_TAR_H
#define OUTPOST_RELEASE_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "release.h"

#define RELEASE_TAR_ENTRIES	(RELEASE_MAX_FILES + 2)

/* One member of the archive: a range of the caller's buffer. */
struct release_tar_entry {
	char			 name[RELEASE_NAME_MAX + 1];
	const unsigned char	*data;
	size_t			 size;
};

/* A release read from its archive and checked. */
struct release_bundle {
	struct release_manifest	 m;
	const char		*manifest;	/* release.json, its bytes */
	size_t			 manifest_len;
	char			 signature[RELEASE_SIG_LEN + 1];
	int			 nentries;
	struct release_tar_entry entries[RELEASE_TAR_ENTRIES];
};

/*
 * Read and check the release in the archive buf: release.json parses
 * (release.h), release.sig is a signature's base64, and the other
 * members are exactly the manifest's files with their sizes and SHA-256.
 * The signature itself is the agents' to check (the platform does not
 * hold the release key). Returns 0 with b filled (pointing into buf), or
 * -1 with err.
 */
int	release_bundle_read(const unsigned char *buf, size_t len,
	    struct release_bundle *b, char *err, size_t errlen);

#endif /* OUTPOST_RELEASE_TAR_H */
