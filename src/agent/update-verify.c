/*
 * update-verify.c: the checks a release passes before any of it runs:
 * the Ed25519 signature of its manifest with the release key, then its
 * version, OS and architecture, then each file's size and SHA-256. The
 * key is the site's release key from outpost.conf, never the platform's
 * manifest key: the platform alone cannot make an agent run code.
 */
#include "config.h"

#include <sys/utsname.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "compat.h"
#include "fileio.h"
#include "release.h"
#include "update-verify.h"

/* The SHA-256 (hex) and size of a file. Returns 0, or -errno. */
static int
update_file_sha256(const char *path, char hex[65], uint64_t *size)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	ssize_t		 n;
	int		 fd, rc = 0;

	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		rc = -ENOMEM;
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		*size += (uint64_t)n;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			rc = -ENOMEM;
	}
	if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		rc = -ENOMEM;
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (rc == 0)
		hex_encode(md, mdlen, hex);
	return rc;
}

/* Check a manifest and its signature, parse it. Returns ERR_NONE or why. */
enum error_code
update_verify_manifest(EVP_PKEY *key, const char *text, size_t len,
    const char *sig64, struct release_manifest *m, char *err, size_t errlen)
{
	char	 why[256];

	if (key == NULL) {
		snprintf(err, errlen, "no release key to verify it with");
		return ERR_RELEASE_KEY;
	}
	if (!release_signature_verify(key, text, len, sig64)) {
		snprintf(err, errlen, "the Ed25519 signature of its manifest "
		    "does not verify with release_key");
		return ERR_RELEASE_SIGNATURE;
	}
	if (release_manifest_parse(text, len, m, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "signed manifest: %s", why);
		return ERR_RELEASE_INVALID;
	}
	return ERR_NONE;
}

/* Read dir/name (at most max bytes). Returns the text, or NULL with err. */
static char *
update_read(const char *dir, const char *name, size_t max, size_t *len,
    char *err, size_t errlen)
{
	char	 path[PATH_MAX], *text;
	int	 rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((rc = fileio_read_all(path, max, &text, len)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return NULL;
	}
	return text;
}

/* Check each file of m in dir. Returns ERR_NONE or ERR_RELEASE_FILE. */
static enum error_code
update_verify_files(const struct release_manifest *m, const char *dir,
    const char *suffix, char *err, size_t errlen)
{
	char		 path[PATH_MAX], hex[65];
	uint64_t	 size;
	int		 i, rc;

	for (i = 0; i < m->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, m->files[i].name,
		    suffix);
		if ((rc = update_file_sha256(path, hex, &size)) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			return ERR_RELEASE_FILE;
		}
		if (size != m->files[i].size ||
		    strcmp(hex, m->files[i].sha256) != 0) {
			snprintf(err, errlen, "%s: %llu bytes with SHA-256 %.16s..."
			    ", the signed manifest says %llu bytes with "
			    "%.16s...", m->files[i].name,
			    (unsigned long long)size, hex,
			    (unsigned long long)m->files[i].size,
			    m->files[i].sha256);
			return ERR_RELEASE_FILE;
		}
	}
	return ERR_NONE;
}

/* Check the release in dir. Returns ERR_NONE, or the first failure. */
enum error_code
update_verify_dir(EVP_PKEY *key, const char *dir, const char *suffix,
    const char *version, const char *os, const char *arch,
    struct release_manifest *m, char *err, size_t errlen)
{
	enum error_code	 code;
	char		*text, *sig;
	size_t		 len, siglen;

	if ((text = update_read(dir, RELEASE_MANIFEST_NAME,
	    RELEASE_MANIFEST_MAX, &len, err, errlen)) == NULL)
		return ERR_RELEASE_INVALID;
	if ((sig = update_read(dir, RELEASE_SIGNATURE_NAME, 1024, &siglen, err,
	    errlen)) == NULL) {
		free(text);
		return ERR_RELEASE_SIGNATURE;
	}
	while (siglen > 0 && isspace((unsigned char)sig[siglen - 1]))
		sig[--siglen] = '\0';
	code = update_verify_manifest(key, text, len, sig, m, err, errlen);
	free(text);
	free(sig);
	if (code != ERR_NONE)
		return code;
	if (strcmp(m->version, version) != 0 || strcmp(m->os, os) != 0 ||
	    strcmp(m->arch, arch) != 0) {
		snprintf(err, errlen, "the signed manifest is version %s for "
		    "%s/%s, not %s for %s/%s", m->version, m->os, m->arch,
		    version, os, arch);
		return ERR_RELEASE_INVALID;
	}
	return update_verify_files(m, dir, suffix, err, errlen);
}

/* This host's OS and architecture as releases name them. Returns 0, or -1. */
int
update_host_platform(char *os, size_t oslen, char *arch, size_t archlen)
{
	struct utsname	 un;
	size_t		 i;

	if (uname(&un) == -1)
		return -1;
	strlcpy(os, un.sysname, oslen);
	for (i = 0; os[i] != '\0'; i++)
		os[i] = (char)tolower((unsigned char)os[i]);
	strlcpy(arch, un.machine, archlen);
	return release_name_valid(os) && release_name_valid(arch) ? 0 : -1;
}
