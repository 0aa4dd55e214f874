/*
 * release.c: an agent release (docs/protocol.md section 8): the signed
 * manifest release.json, its Ed25519 signature by the release key, and
 * the order of release versions (Debian's, vercmp.c).
 *
 * The signature is over the raw bytes of release.json as the release was
 * made, so the platform stores and serves those bytes untouched and the
 * agent verifies them before it parses anything else. The manifest names
 * its own format, so a signature made for something else cannot pass for
 * a release.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "compat.h"
#include "jsonutil.h"
#include "release.h"
#include "vercmp.h"

/* Whether s is a release version. Returns 1/0. */
int
release_version_valid(const char *s)
{
	size_t	 len = strlen(s);

	if (len == 0 || len > RELEASE_VERSION_MAX ||
	    !isdigit((unsigned char)s[0]) ||
	    strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~-") != len)
		return 0;
	/* No empty revision ("1.0-"): dpkg would refuse it. */
	return vercmp_deb_valid(s, NULL, 0) == 0;
}

/* Whether s is an os, arch or file name. Returns 1/0. */
int
release_name_valid(const char *s)
{
	size_t	 len = strlen(s);

	return len > 0 && len <= RELEASE_NAME_MAX &&
	    isalnum((unsigned char)s[0]) &&
	    strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == len;
}

/* Compare two release versions as Debian versions. Returns -1, 0 or 1. */
int
release_version_cmp(const char *a, const char *b)
{
	return vercmp_deb(a, b);
}

/*
 * Copy the string member key of obj (checked by valid) into buf. Returns
 * 0, or -1 with err.
 */
static int
release_take(struct json_object *obj, const char *key, int (*valid)(const
    char *), char *buf, size_t len, const char *where, char *err,
    size_t errlen)
{
	const char	*v = json_get_string(obj, key);

	if (v == NULL || strlen(v) >= len || !valid(v)) {
		snprintf(err, errlen, "%s%s: %s", where, key, v == NULL ?
		    "missing or not a string" : "not a valid value");
		return -1;
	}
	strlcpy(buf, v, len);
	return 0;
}

/* Whether s is 64 lower-case hex digits. Returns 1/0. */
static int
release_is_sha256(const char *s)
{
	return s != NULL && strlen(s) == 64 &&
	    strspn(s, "0123456789abcdef") == 64;
}

/* Parse file i of the manifest into f. Returns 0, or -1 with err. */
static int
release_file_parse(struct json_object *obj, size_t i, struct release_file *f,
    char *err, size_t errlen)
{
	const char	*s;
	char		 where[32], *end;
	int64_t		 size;
	long		 mode;

	snprintf(where, sizeof(where), "files[%zu].", i);
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "files[%zu]: expected an object", i);
		return -1;
	}
	if (release_take(obj, "name", release_name_valid, f->name,
	    sizeof(f->name), where, err, errlen) == -1)
		return -1;
	if (json_get_int64(obj, "size", &size) == -1 || size < 0 ||
	    (uint64_t)size > RELEASE_FILE_MAX) {
		snprintf(err, errlen, "%ssize: expected 0 to %llu bytes", where,
		    (unsigned long long)RELEASE_FILE_MAX);
		return -1;
	}
	f->size = (uint64_t)size;
	s = json_get_string(obj, "sha256");
	if (!release_is_sha256(s)) {
		snprintf(err, errlen, "%ssha256: expected 64 lower-case hex "
		    "digits", where);
		return -1;
	}
	strlcpy(f->sha256, s, sizeof(f->sha256));
	f->mode = 0755;
	if ((s = json_get_string(obj, "mode")) != NULL) {
		mode = strtol(s, &end, 8);
		if (s[0] == '\0' || *end != '\0' || mode < 0 || mode > 0777 ||
		    strlen(s) > 4) {
			snprintf(err, errlen, "%smode: expected octal "
			    "permissions such as \"0755\"", where);
			return -1;
		}
		f->mode = (int)mode;
	}
	return 0;
}

/* Parse the files array of the manifest. Returns 0, or -1 with err. */
static int
release_files_parse(struct json_object *doc, struct release_manifest *m,
    char *err, size_t errlen)
{
	struct json_object	*files;
	size_t			 i, j, n;

	if (!json_object_object_get_ex(doc, "files", &files) ||
	    !json_object_is_type(files, json_type_array) ||
	    (n = json_object_array_length(files)) == 0 ||
	    n > RELEASE_MAX_FILES) {
		snprintf(err, errlen, "files: expected an array of 1 to %d "
		    "files", RELEASE_MAX_FILES);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (release_file_parse(json_object_array_get_idx(files, i), i,
		    &m->files[i], err, errlen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(m->files[j].name, m->files[i].name) == 0) {
				snprintf(err, errlen, "files[%zu].name: %s is "
				    "named twice", i, m->files[i].name);
				return -1;
			}
		if (strcmp(m->files[i].name, RELEASE_MANIFEST_NAME) == 0 ||
		    strcmp(m->files[i].name, RELEASE_SIGNATURE_NAME) == 0) {
			snprintf(err, errlen, "files[%zu].name: %s is the "
			    "release's own", i, m->files[i].name);
			return -1;
		}
	}
	m->nfiles = (int)n;
	if (release_manifest_file(m, RELEASE_PROGRAM) == NULL) {
		snprintf(err, errlen, "files: no %s", RELEASE_PROGRAM);
		return -1;
	}
	return 0;
}

/* Parse and check release.json. Returns 0, or -1 with err. */
int
release_manifest_parse(const char *text, size_t len,
    struct release_manifest *m, char *err, size_t errlen)
{
	struct json_object	*doc;
	const char		*format;
	char			 perr[128];
	int			 rc = -1;

	memset(m, 0, sizeof(*m));
	if (len > RELEASE_MANIFEST_MAX) {
		snprintf(err, errlen, "larger than %d bytes",
		    RELEASE_MANIFEST_MAX);
		return -1;
	}
	if ((doc = json_parse_object(text, len, perr, sizeof(perr))) == NULL) {
		snprintf(err, errlen, "not a JSON object: %s", perr);
		return -1;
	}
	format = json_get_string(doc, "format");
	if (format == NULL || strcmp(format, RELEASE_FORMAT) != 0)
		snprintf(err, errlen, "format: expected \"%s\"",
		    RELEASE_FORMAT);
	else if (release_take(doc, "version", release_version_valid,
	    m->version, sizeof(m->version), "", err, errlen) == -1 ||
	    release_take(doc, "os", release_name_valid, m->os, sizeof(m->os),
	    "", err, errlen) == -1 ||
	    release_take(doc, "arch", release_name_valid, m->arch,
	    sizeof(m->arch), "", err, errlen) == -1)
		;
	else if (json_get_int64(doc, "created_at", &m->created_at) == -1 ||
	    m->created_at < 0)
		snprintf(err, errlen, "created_at: expected a time");
	else
		rc = release_files_parse(doc, m, err, errlen);
	json_object_put(doc);
	return rc;
}

/* The file called name, or NULL. */
const struct release_file *
release_manifest_file(const struct release_manifest *m, const char *name)
{
	int	 i;

	for (i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].name, name) == 0)
			return &m->files[i];
	return NULL;
}

/* Verify a base64 Ed25519 signature over text. Returns 1 if good, else 0. */
int
release_signature_verify(EVP_PKEY *key, const char *text, size_t len,
    const char *sig64)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 sig[72];
	int		 ok = 0;

	if (key == NULL || sig64 == NULL ||
	    strlen(sig64) != RELEASE_SIG_LEN ||
	    sig64[RELEASE_SIG_LEN - 2] != '=' ||
	    sig64[RELEASE_SIG_LEN - 1] != '=' ||
	    EVP_DecodeBlock(sig, (const unsigned char *)sig64,
	    RELEASE_SIG_LEN) != 66)
		return 0;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)text,
	    len) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* Load an Ed25519 public key from a PEM file. Returns it, or NULL. */
EVP_PKEY *
release_key_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY	*key = NULL;
	BIO		*bio;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read %s", path);
		ERR_clear_error();
		return NULL;
	}
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (key == NULL) {
		snprintf(err, errlen, "%s is not a PEM public key", path);
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s is not an Ed25519 public key", path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}
