/*
 * test_pki.c: unit tests of pki.c: manifest signatures, and the random
 * identifiers, hashes and comparison the APIs use for credentials.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "log.h"
#include "pki.h"
#include "platform.h"

/* An Ed25519 manifest-signing key. */
static int
setup(void **state)
{
	EVP_PKEY	*key;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(key);
	*state = key;
	return 0;
}

/* Free the key. */
static int
teardown(void **state)
{
	EVP_PKEY_free(*state);
	return 0;
}

/* Manifests are signed so that pki_manifest_verify accepts them. */
static void
test_manifest_signature(void **state)
{
	EVP_PKEY	*signer = *state;
	const char	*body = "{\"signatures\":[]}";
	char		*sig, *pem;

	sig = pki_manifest_sign(signer, "vulnsigs", 3, body, strlen(body));
	assert_non_null(sig);
	assert_true(pki_manifest_verify(signer, "vulnsigs", 3, body,
	    strlen(body), sig));
	assert_false(pki_manifest_verify(signer, "vulnsigs", 2, body,
	    strlen(body), sig));
	assert_false(pki_manifest_verify(signer, "fim", 3, body,
	    strlen(body), sig));
	assert_false(pki_manifest_verify(signer, "vulnsigs", 3, "{}", 2,
	    sig));
	free(sig);
	pem = pki_public_pem(signer);
	assert_non_null(pem);
	assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	free(pem);
}

/* UUIDs are random version 4, lower case, 8-4-4-4-12. */
static void
test_uuid(void **state)
{
	char	 a[PLATFORM_UUID_LEN + 1], b[PLATFORM_UUID_LEN + 1];
	int	 i;

	assert_int_equal(pki_uuid(a), 0);
	assert_int_equal(pki_uuid(b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), PLATFORM_UUID_LEN);
	for (i = 0; i < PLATFORM_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
}

/* Random hex: 2 * nbytes lower-case digits; at most 64 bytes. */
static void
test_random_hex(void **state)
{
	char	 buf[2 * 64 + 1];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(pki_random_hex(buf, 32), 0);
	buf[64] = '\0';
	assert_int_equal(strspn(buf, "0123456789abcdef"), 64);
	assert_int_equal(pki_random_hex(buf, 65), -1);
}

/* SHA-256 in lower-case hex (the credential hash). */
static void
test_sha256_hex(void **state)
{
	char	 out[65];

	pki_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	pki_sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

/* Secrets compare equal only when the same and not empty. */
static void
test_equal(void **state)
{
	assert_true(pki_equal("0123abcd", "0123abcd"));
	assert_false(pki_equal("0123abcd", "0123abce"));
	assert_false(pki_equal("0123abcd", "0123abc"));
	assert_false(pki_equal("0123abc", "0123abcd"));
	assert_false(pki_equal("", ""));
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_manifest_signature,
		    setup, teardown),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_random_hex),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_equal),
	};
	int	 rc;

	log_init("test_pki", 1, LOG_LEVEL_WARN);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pki_shutdown();
	return rc;
}
