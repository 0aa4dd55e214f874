/*
 * release.h: an agent release (docs/protocol.md section 8), shared by the
 * platform that stores and serves releases and the agent that verifies
 * and installs them: the signed manifest (release.json) that names the
 * version, the OS and architecture and each file with its size and
 * SHA-256, its Ed25519 signature by the release key, and the order of
 * release versions.
 */
#ifndef OUTPOST_RELEASE_H
#define OUTPOST_RELEASE_H

#include <stddef.h>
#include <stdint.h>

struct evp_pkey_st;

#define RELEASE_FORMAT		"outpost-release-v1"
#define RELEASE_MANIFEST_NAME	"release.json"
#define RELEASE_SIGNATURE_NAME	"release.sig"
#define RELEASE_PROGRAM		"outpostd"	/* every release has it */
#define RELEASE_VERSION_MAX	64	/* bytes of a version */
#define RELEASE_NAME_MAX	64	/* bytes of an os, arch or file name */
#define RELEASE_MAX_FILES	16
#define RELEASE_FILE_MAX	(256ULL * 1024 * 1024)	/* bytes of a file */
#define RELEASE_MANIFEST_MAX	(64 * 1024)	/* bytes of release.json */
#define RELEASE_SIG_LEN		88	/* base64 of 64 bytes */

/* One file of a release, as its manifest names it. */
struct release_file {
	char		 name[RELEASE_NAME_MAX + 1];
	uint64_t	 size;
	char		 sha256[65];	/* lower-case hex */
	int		 mode;		/* permission bits, e.g. 0755 */
};

/* A parsed and checked release manifest. */
struct release_manifest {
	char			 version[RELEASE_VERSION_MAX + 1];
	char			 os[RELEASE_NAME_MAX + 1];
	char			 arch[RELEASE_NAME_MAX + 1];
	int64_t			 created_at;
	int			 nfiles;
	struct release_file	 files[RELEASE_MAX_FILES];
};

/*
 * Parse len bytes of release.json into m and check every member (format,
 * version, os, arch, created_at, 1..RELEASE_MAX_FILES files with distinct
 * valid names, one of them RELEASE_PROGRAM, sizes up to RELEASE_FILE_MAX,
 * SHA-256 in hex, modes). Members not named here are ignored. Returns 0,
 * or -1 with the reason in err.
 */
int	release_manifest_parse(const char *text, size_t len,
	    struct release_manifest *m, char *err, size_t errlen);
/* The file called name of m, or NULL. */
const struct release_file *release_manifest_file(
	    const struct release_manifest *m, const char *name);
/*
 * Verify sig64 (base64 of a 64-byte Ed25519 signature) over the len bytes
 * of text with key. Returns 1 when it verifies, else 0.
 */
int	release_signature_verify(struct evp_pkey_st *key, const char *text,
	    size_t len, const char *sig64);
/*
 * Load an Ed25519 public key (PEM, SubjectPublicKeyInfo) from path.
 * Returns it, or NULL with the reason in err.
 */
struct evp_pkey_st *release_key_load(const char *path, char *err,
	    size_t errlen);
/*
 * Whether s is a release version: 1..RELEASE_VERSION_MAX bytes of
 * [0-9A-Za-z.+~-], starting with a digit, that dpkg accepts as a version
 * (no empty revision: "1.0-"). Returns 1/0.
 */
int	release_version_valid(const char *s);
/*
 * Whether s is an os, arch or file name: 1..RELEASE_NAME_MAX bytes of
 * [A-Za-z0-9._-], starting with a letter or digit. Returns 1/0.
 */
int	release_name_valid(const char *s);
/*
 * Compare two release versions as Debian versions (dpkg
 * --compare-versions, vercmp.h): runs of digits as numbers, '~' before
 * everything, even the end ("0.2.0~rc1" < "0.2.0" < "0.2.0-1" <
 * "0.2.0.1"). Returns -1 (a is older), 0 or 1.
 */
int	release_version_cmp(const char *a, const char *b);

#endif /* OUTPOST_RELEASE_H */
