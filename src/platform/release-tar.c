/*
 * release-tar.c: the release archive "make agent-release" makes (POSIX
 * ustar), read from memory and checked against its signed manifest's
 * names, sizes and SHA-256 (release-tar.h).
 *
 * A POSIX ustar archive is a series of 512-byte headers, each followed by
 * its file's bytes padded to 512, and ends with two zero blocks. Only
 * what the release tool writes is accepted: regular files ('0' or NUL)
 * with a plain name (no '/', no prefix), a valid header checksum and an
 * octal size. Anything else (directories, links, pax or GNU extension
 * headers, a truncated member) is refused with the reason, so a file
 * that is not a release never reaches the store.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "compat.h"
#include "release-tar.h"
#include "release.h"

#define TAR_BLOCK	512

/*
 * Read an octal field of len bytes (NUL- or space-terminated). Returns 0
 * with *out, or -1.
 */
static int
release_tar_octal(const unsigned char *p, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i = 0;

	while (i < len && p[i] == ' ')
		i++;
	if (i == len || p[i] < '0' || p[i] > '7')
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = (v << 3) | (uint64_t)(p[i] - '0');
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* Whether a header block's checksum is right. Returns 1/0. */
static int
release_tar_checksum(const unsigned char *h)
{
	uint64_t	 want, sum = 0;
	size_t		 i;

	if (release_tar_octal(h + 148, 8, &want) == -1)
		return 0;
	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* Whether the block at h is all zero. Returns 1/0. */
static int
release_tar_zero(const unsigned char *h)
{
	size_t	 i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (h[i] != 0)
			return 0;
	return 1;
}

/*
 * Read the header at h into e. Returns 0, or -1 with err. The name is
 * checked here; the size against what is left by the caller.
 */
static int
release_tar_header(const unsigned char *h, struct release_tar_entry *e,
    uint64_t *size, char *err, size_t errlen)
{
	char	 name[101];

	if (memcmp(h + 257, "ustar", 5) != 0) {
		snprintf(err, errlen, "not a ustar archive");
		return -1;
	}
	if (!release_tar_checksum(h)) {
		snprintf(err, errlen, "bad header checksum");
		return -1;
	}
	memcpy(name, h, 100);
	name[100] = '\0';
	if (h[156] != '0' && h[156] != '\0') {
		snprintf(err, errlen, "member \"%.64s\" is not a regular file "
		    "(type '%c')", name, isprint(h[156]) ? h[156] : '?');
		return -1;
	}
	if (h[345] != '\0') {
		snprintf(err, errlen, "member \"%.64s\" has a path prefix",
		    name);
		return -1;
	}
	if (!release_name_valid(name)) {
		snprintf(err, errlen, "member \"%.64s\": not a plain file name",
		    name);
		return -1;
	}
	if (release_tar_octal(h + 124, 12, size) == -1) {
		snprintf(err, errlen, "member %s: bad size field", name);
		return -1;
	}
	strlcpy(e->name, name, sizeof(e->name));
	return 0;
}

/*
 * Read the ustar archive in buf: only regular files with plain names, at
 * most max. Returns the number of entries, or -1 with err.
 */
static int
release_tar_read(const unsigned char *buf, size_t len,
    struct release_tar_entry *entries, int max, char *err, size_t errlen)
{
	size_t		 off = 0, padded;
	uint64_t	 size;
	int		 n = 0;

	for (;;) {
		if (len - off < TAR_BLOCK) {
			snprintf(err, errlen, "truncated archive (no end "
			    "blocks)");
			return -1;
		}
		if (release_tar_zero(buf + off))
			return n;
		if (n == max) {
			snprintf(err, errlen, "more than %d members", max);
			return -1;
		}
		if (release_tar_header(buf + off, &entries[n], &size, err,
		    errlen) == -1)
			return -1;
		off += TAR_BLOCK;
		if (size > RELEASE_FILE_MAX || size > len - off) {
			snprintf(err, errlen, "member %s: %llu bytes, beyond "
			    "the end of the archive or above %llu",
			    entries[n].name, (unsigned long long)size,
			    (unsigned long long)RELEASE_FILE_MAX);
			return -1;
		}
		entries[n].data = buf + off;
		entries[n].size = (size_t)size;
		padded = ((size_t)size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (padded > len - off) {
			snprintf(err, errlen, "member %s: truncated",
			    entries[n].name);
			return -1;
		}
		off += padded;
		n++;
	}
}

/* The entry called name, or NULL. */
static const struct release_tar_entry *
release_tar_find(const struct release_bundle *b, const char *name)
{
	int	 i;

	for (i = 0; i < b->nentries; i++)
		if (strcmp(b->entries[i].name, name) == 0)
			return &b->entries[i];
	return NULL;
}

/* Check each of the manifest's files against the archive. */
static int
release_bundle_files(const struct release_bundle *b, char *err,
    size_t errlen)
{
	const struct release_tar_entry	*e;
	unsigned char			 md[EVP_MAX_MD_SIZE];
	unsigned int			 mdlen;
	char				 hex[65];
	int				 i;

	for (i = 0; i < b->m.nfiles; i++) {
		if ((e = release_tar_find(b, b->m.files[i].name)) == NULL) {
			snprintf(err, errlen, "the manifest names %s, the "
			    "archive does not hold it", b->m.files[i].name);
			return -1;
		}
		if (EVP_Digest(e->data, e->size, md, &mdlen, EVP_sha256(),
		    NULL) != 1 || mdlen != 32) {
			snprintf(err, errlen, "cannot hash %s", e->name);
			return -1;
		}
		hex_encode(md, mdlen, hex);
		if (e->size != b->m.files[i].size ||
		    strcmp(hex, b->m.files[i].sha256) != 0) {
			snprintf(err, errlen, "%s: %zu bytes with SHA-256 %s, "
			    "the manifest says %llu bytes with %s", e->name,
			    e->size, hex,
			    (unsigned long long)b->m.files[i].size,
			    b->m.files[i].sha256);
			return -1;
		}
	}
	for (i = 0; i < b->nentries; i++)
		if (strcmp(b->entries[i].name, RELEASE_MANIFEST_NAME) != 0 &&
		    strcmp(b->entries[i].name, RELEASE_SIGNATURE_NAME) != 0 &&
		    release_manifest_file(&b->m, b->entries[i].name) == NULL) {
			snprintf(err, errlen, "the archive holds %s, which the "
			    "manifest does not name", b->entries[i].name);
			return -1;
		}
	return 0;
}

/* Read and check the release in an archive. Returns 0, or -1 with err. */
int
release_bundle_read(const unsigned char *buf, size_t len,
    struct release_bundle *b, char *err, size_t errlen)
{
	const struct release_tar_entry	*mf, *sig;
	char				 why[256];
	size_t				 n;
	int				 i, j;

	memset(b, 0, sizeof(*b));
	if ((b->nentries = release_tar_read(buf, len, b->entries,
	    RELEASE_TAR_ENTRIES, err, errlen)) == -1)
		return -1;
	for (i = 0; i < b->nentries; i++)
		for (j = 0; j < i; j++)
			if (strcmp(b->entries[i].name, b->entries[j].name) ==
			    0) {
				snprintf(err, errlen, "%s is in the archive "
				    "twice", b->entries[i].name);
				return -1;
			}
	if ((mf = release_tar_find(b, RELEASE_MANIFEST_NAME)) == NULL ||
	    (sig = release_tar_find(b, RELEASE_SIGNATURE_NAME)) == NULL) {
		snprintf(err, errlen, "no %s or %s in the archive",
		    RELEASE_MANIFEST_NAME, RELEASE_SIGNATURE_NAME);
		return -1;
	}
	if (memchr(mf->data, '\0', mf->size) != NULL ||
	    release_manifest_parse((const char *)mf->data, mf->size, &b->m,
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", RELEASE_MANIFEST_NAME,
		    memchr(mf->data, '\0', mf->size) != NULL ?
		    "holds a NUL byte" : why);
		return -1;
	}
	b->manifest = (const char *)mf->data;
	b->manifest_len = mf->size;
	n = sig->size;
	while (n > 0 && isspace(sig->data[n - 1]))
		n--;
	for (i = 0; i < (int)n && n == RELEASE_SIG_LEN; i++)
		if (!isalnum(sig->data[i]) && sig->data[i] != '+' &&
		    sig->data[i] != '/' && sig->data[i] != '=')
			break;
	if (n != RELEASE_SIG_LEN || i != (int)n) {
		snprintf(err, errlen, "%s: expected the base64 of a 64-byte "
		    "Ed25519 signature", RELEASE_SIGNATURE_NAME);
		return -1;
	}
	memcpy(b->signature, sig->data, n);
	b->signature[n] = '\0';
	return release_bundle_files(b, err, errlen);
}
