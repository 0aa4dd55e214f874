/*
 * test_release_tar.c: unit tests of src/platform/release-tar.c, the
 * release archive: ustar archives built here member by member are read
 * back; what is not a plain release is refused with a reason (a bad
 * checksum, a directory or a link, a path, a truncated member, no end
 * blocks, too many members); a release whose files differ from its
 * manifest, lack one, hold an extra one or have no signature is refused;
 * and the maintenance window's times of day of releases.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "compat.h"
#include "release-tar.h"
#include "releases.h"

#define SIG "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

/* An archive being built. */
struct tarbuf {
	unsigned char	 data[65536];
	size_t		 len;
};

/* Append a member with type flag type. */
static void
tar_add(struct tarbuf *t, const char *name, const char *content, char type)
{
	unsigned char	*h = t->data + t->len;
	size_t		 len = strlen(content), i;
	unsigned int	 sum = 0;

	memset(h, 0, 512);
	strncpy((char *)h, name, 100);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011o", (unsigned int)(len & 07777777777));
	memcpy(h + 136, "00000000000", 12);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->len += 512;
	memcpy(t->data + t->len, content, len);
	t->len += (len + 511) / 512 * 512;
}

/* End the archive. */
static void
tar_end(struct tarbuf *t)
{
	memset(t->data + t->len, 0, 1024);
	t->len += 1024;
}

/* The manifest of a release of the files outpostd and README. */
static void
manifest(char *buf, size_t len, const char *outpostd, const char *readme)
{
	unsigned char	 md[32];
	char		 a[65], b[65];

	EVP_Digest(outpostd, strlen(outpostd), md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 32, a);
	EVP_Digest(readme, strlen(readme), md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 32, b);
	snprintf(buf, len, "{\"format\":\"outpost-release-v1\",\"version\":"
	    "\"1.0\",\"os\":\"linux\",\"arch\":\"x86_64\",\"created_at\":1,"
	    "\"files\":[{\"name\":\"outpostd\",\"size\":%zu,\"sha256\":\"%s\"},"
	    "{\"name\":\"README\",\"size\":%zu,\"sha256\":\"%s\"}]}",
	    strlen(outpostd), a, strlen(readme), b);
}

/* Read t as a release; expect a failure whose reason contains why. */
static void
bundle_refused(struct tarbuf *t, const char *why)
{
	struct release_bundle	 b;
	char			 err[512];

	err[0] = '\0';
	assert_int_equal(release_bundle_read(t->data, t->len, &b, err,
	    sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, why);
}

/* A good release, read back. */
static void
test_release_tar_good(void **unused)
{
	struct tarbuf		 t = { .len = 0 };
	struct release_bundle	 b;
	char			 m[1024], err[512];

	manifest(m, sizeof(m), "#!/bin/sh\n", "read me\n");
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.sig", SIG "\n", '0');
	tar_add(&t, "outpostd", "#!/bin/sh\n", '0');
	tar_add(&t, "README", "read me\n", '\0');
	tar_end(&t);
	assert_int_equal(release_bundle_read(t.data, t.len, &b, err,
	    sizeof(err)), 0);
	assert_int_equal(b.nentries, 4);
	assert_string_equal(b.m.version, "1.0");
	assert_int_equal(b.manifest_len, strlen(m));
	assert_memory_equal(b.manifest, m, strlen(m));
	assert_string_equal(b.signature, SIG);
	assert_int_equal(b.entries[2].size, 10);
}

/* Archives that are not plain releases. */
static void
test_release_tar_refused(void **unused)
{
	struct tarbuf	 t;
	char		 m[1024];
	int		 i;

	manifest(m, sizeof(m), "#!/bin/sh\n", "read me\n");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "outpostd", "#!/bin/sh\n", '5');
	tar_end(&t);
	bundle_refused(&t, "is not a regular file (type '5')");
	t.len = 0;
	tar_add(&t, "bin/outpostd", "#!/bin/sh\n", '0');
	tar_end(&t);
	bundle_refused(&t, "not a plain file name");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	t.data[150] ^= 1;
	tar_end(&t);
	bundle_refused(&t, "bad header checksum");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	bundle_refused(&t, "truncated archive");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	t.len -= 512;
	bundle_refused(&t, "beyond the end of the archive");
	t.len = 0;
	for (i = 0; i < RELEASE_TAR_ENTRIES + 1; i++)
		tar_add(&t, "x", "", '0');
	tar_end(&t);
	bundle_refused(&t, "more than");
	t.len = 0;
	memset(t.data, 'x', 1024);
	t.len = 1024;
	bundle_refused(&t, "not a ustar archive");
}

/* Releases whose members differ from their manifests. */
static void
test_release_tar_mismatch(void **unused)
{
	struct tarbuf	 t;
	char		 m[1024];

	manifest(m, sizeof(m), "#!/bin/sh\n", "read me\n");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.sig", SIG, '0');
	tar_add(&t, "outpostd", "#!/bin/sh\n", '0');
	tar_add(&t, "README", "read me!\n", '0');
	tar_end(&t);
	bundle_refused(&t, "README: 9 bytes with SHA-256");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.sig", SIG, '0');
	tar_add(&t, "outpostd", "#!/bin/sh\n", '0');
	tar_end(&t);
	bundle_refused(&t, "the manifest names README");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.sig", SIG, '0');
	tar_add(&t, "outpostd", "#!/bin/sh\n", '0');
	tar_add(&t, "README", "read me\n", '0');
	tar_add(&t, "extra", "", '0');
	tar_end(&t);
	bundle_refused(&t, "holds extra, which the manifest does not name");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.sig", "not base64", '0');
	tar_end(&t);
	bundle_refused(&t, "release.sig: expected the base64");
	t.len = 0;
	tar_add(&t, "release.json", m, '0');
	tar_add(&t, "release.json", m, '0');
	tar_end(&t);
	bundle_refused(&t, "in the archive twice");
	t.len = 0;
	tar_add(&t, "release.json", "{\"format\":1}", '0');
	tar_add(&t, "release.sig", SIG, '0');
	tar_end(&t);
	bundle_refused(&t, "release.json: format");
}

/* Times of day of the maintenance window. */
static void
test_release_time_of_day(void **unused)
{
	assert_int_equal(releases_time_of_day("00:00"), 0);
	assert_int_equal(releases_time_of_day("02:30"), 150);
	assert_int_equal(releases_time_of_day("23:59"), 1439);
	assert_int_equal(releases_time_of_day("24:00"), -1);
	assert_int_equal(releases_time_of_day("12:60"), -1);
	assert_int_equal(releases_time_of_day("2:30"), -1);
	assert_int_equal(releases_time_of_day("02:30Z"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_tar_good),
		cmocka_unit_test(test_release_tar_refused),
		cmocka_unit_test(test_release_tar_mismatch),
		cmocka_unit_test(test_release_time_of_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
