/*
 * test_release.c: unit tests of src/common/release.c, the agent release
 * format: the manifest's checks (each member refused with a reason), the
 * names and versions a release may carry, the order of versions, and the
 * Ed25519 signature over the manifest's bytes with a key loaded from a
 * PEM file (another key, another byte, or a key of another type fail).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "release.h"

#define SHA_A	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char good[] =
    "{\"format\":\"outpost-release-v1\",\"version\":\"0.2.0\",\"os\":\"linux\","
    "\"arch\":\"x86_64\",\"created_at\":1764662400,\"files\":["
    "{\"name\":\"outpostd\",\"size\":0,\"sha256\":\"" SHA_A "\",\"mode\":\"0755\"},"
    "{\"name\":\"outpostctl\",\"size\":12,\"sha256\":\"" SHA_A "\"}],"
    "\"future\":true}";

/* Parse text; expect a failure whose reason contains why. */
static void
refused(const char *text, const char *why)
{
	struct release_manifest	 m;
	char			 err[256];

	err[0] = '\0';
	assert_int_equal(release_manifest_parse(text, strlen(text), &m, err,
	    sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, why);
}

/* A good manifest, and unknown members ignored. */
static void
test_release_parse(void **unused)
{
	struct release_manifest		 m;
	const struct release_file	*f;
	char				 err[256];

	assert_int_equal(release_manifest_parse(good, strlen(good), &m, err,
	    sizeof(err)), 0);
	assert_string_equal(m.version, "0.2.0");
	assert_string_equal(m.os, "linux");
	assert_string_equal(m.arch, "x86_64");
	assert_int_equal(m.created_at, 1764662400);
	assert_int_equal(m.nfiles, 2);
	f = release_manifest_file(&m, "outpostctl");
	assert_non_null(f);
	assert_int_equal(f->size, 12);
	assert_int_equal(f->mode, 0755);
	assert_null(release_manifest_file(&m, "nothere"));
	/* The length is what counts, not a NUL. */
	assert_int_equal(release_manifest_parse(good, 10, &m, err,
	    sizeof(err)), -1);
}

/* Each member of a manifest refused with its reason. */
static void
test_release_refused(void **unused)
{
	refused("[]", "not a JSON object");
	refused("{\"format\":\"outpost-manifest-v1\"}", "format");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"v1\"}",
	    "version: not a valid value");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"li/nux\"}", "os: not a valid value");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":-1}",
	    "created_at");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,"
	    "\"files\":[]}", "files: expected an array of 1 to 16");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"outpostctl\",\"size\":1,\"sha256\":\"" SHA_A "\"}]}",
	    "files: no outpostd");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"outpostd\",\"size\":1,\"sha256\":\"" SHA_A "\"},"
	    "{\"name\":\"outpostd\",\"size\":1,\"sha256\":\"" SHA_A "\"}]}",
	    "named twice");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"../outpostd\",\"size\":1,\"sha256\":\"" SHA_A "\"}]}",
	    "files[0].name");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"release.sig\",\"size\":1,\"sha256\":\"" SHA_A "\"}]}",
	    "the release's own");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"outpostd\",\"size\":1,\"sha256\":\"ABC\"}]}",
	    "sha256");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"outpostd\",\"size\":1,\"sha256\":\"" SHA_A "\","
	    "\"mode\":\"0999\"}]}", "mode");
	refused("{\"format\":\"outpost-release-v1\",\"version\":\"1\","
	    "\"os\":\"linux\",\"arch\":\"x86\",\"created_at\":1,\"files\":["
	    "{\"name\":\"outpostd\",\"size\":268435457,\"sha256\":\""
	    SHA_A "\"}]}", "size");
}

/* Versions and names. */
static void
test_release_versions(void **unused)
{
	assert_true(release_version_valid("0.1.0"));
	assert_true(release_version_valid("0.2.0~rc1"));
	assert_true(release_version_valid("1.0-1+deb12u1"));
	assert_false(release_version_valid(""));
	assert_false(release_version_valid("v1.0"));
	assert_false(release_version_valid("1.0-"));
	assert_false(release_version_valid("1.0 beta"));
	assert_false(release_version_valid("1.0/2"));
	assert_false(release_version_valid("1:2.0"));
	assert_false(release_version_valid(
	    "12345678901234567890123456789012345678901234567890123456789012345"));
	assert_int_equal(release_version_cmp("0.2.0~rc1", "0.2.0"), -1);
	assert_int_equal(release_version_cmp("0.2.0", "0.2.0-1"), -1);
	assert_int_equal(release_version_cmp("0.2.0-1", "0.2.0.1"), -1);
	assert_int_equal(release_version_cmp("0.10.0", "0.9.9"), 1);
	assert_int_equal(release_version_cmp("1.0", "1.0"), 0);
	assert_int_equal(release_version_cmp("0~low", "0.1.0"), -1);
	assert_true(release_name_valid("x86_64"));
	assert_true(release_name_valid("linux"));
	assert_false(release_name_valid(".hidden"));
	assert_false(release_name_valid("a/b"));
	assert_false(release_name_valid(""));
}

/* Write key's public half as PEM into a temporary file; its path in buf. */
static void
write_pub(EVP_PKEY *key, char *buf, size_t len)
{
	FILE	*fp;
	int	 fd;

	snprintf(buf, len, "/tmp/test_release.XXXXXX");
	assert_true((fd = mkstemp(buf)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, key), 1);
	fclose(fp);
}

/* Sign text with key; the base64 signature into sig64 (89 bytes). */
static void
sign(EVP_PKEY *key, const char *text, char *sig64)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[64];
	size_t		 len = sizeof(sig);

	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len,
	    (const unsigned char *)text, strlen(text)), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)sig64, sig, 64), 88);
}

/* The signature over the manifest's bytes, with keys from PEM files. */
static void
test_release_signature(void **unused)
{
	EVP_PKEY	*key = NULL, *other = NULL, *ec = NULL, *pub;
	char		 path[64], sig64[96], err[256], *copy;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	assert_non_null(other);
	assert_non_null(ec);
	write_pub(key, path, sizeof(path));
	assert_non_null(pub = release_key_load(path, err, sizeof(err)));
	unlink(path);
	sign(key, good, sig64);
	assert_int_equal(release_signature_verify(pub, good, strlen(good),
	    sig64), 1);
	/* One byte of the manifest, one of the signature, another key. */
	assert_non_null(copy = strdup(good));
	copy[40] ^= 1;
	assert_int_equal(release_signature_verify(pub, copy, strlen(copy),
	    sig64), 0);
	free(copy);
	sig64[10] = sig64[10] == 'A' ? 'B' : 'A';
	assert_int_equal(release_signature_verify(pub, good, strlen(good),
	    sig64), 0);
	sign(other, good, sig64);
	assert_int_equal(release_signature_verify(pub, good, strlen(good),
	    sig64), 0);
	assert_int_equal(release_signature_verify(pub, good, strlen(good),
	    "short"), 0);
	assert_int_equal(release_signature_verify(NULL, good, strlen(good),
	    sig64), 0);
	/* Keys that are not Ed25519 public keys. */
	write_pub(ec, path, sizeof(path));
	assert_null(release_key_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not an Ed25519 public key"));
	unlink(path);
	assert_null(release_key_load("/nonexistent/release.pub", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "cannot read"));
	EVP_PKEY_free(pub);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(ec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_parse),
		cmocka_unit_test(test_release_refused),
		cmocka_unit_test(test_release_versions),
		cmocka_unit_test(test_release_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
