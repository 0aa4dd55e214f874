/*
 * test_users.c: unit tests of users.c: user names and roles, scrypt
 * password hashes (RFC 7914 test vectors, salts, tampering, malformed
 * hash strings) and API tokens.
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

#include "compat.h"
#include "pki.h"
#include "platform.h"
#include "users.h"

#define FAST_N	16	/* scrypt's N in tests: fast */

/* User names: 1..64 of [A-Za-z0-9._@-], a letter or digit first. */
static void
test_names(void **state)
{
	char	 long_name[PLATFORM_USER_MAX + 2];

	assert_true(users_name_valid("alice"));
	assert_true(users_name_valid("a.b-c_d@example.net"));
	assert_true(users_name_valid("0"));
	assert_false(users_name_valid(""));
	assert_false(users_name_valid(".alice"));
	assert_false(users_name_valid("-alice"));
	assert_false(users_name_valid("al ice"));
	assert_false(users_name_valid("al/ice"));
	assert_false(users_name_valid("\xc3\xa9ric"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[PLATFORM_USER_MAX] = '\0';
	assert_true(users_name_valid(long_name));
	long_name[PLATFORM_USER_MAX] = 'a';
	long_name[PLATFORM_USER_MAX + 1] = '\0';
	assert_false(users_name_valid(long_name));
}

/* Roles and password rules. */
static void
test_roles_passwords(void **state)
{
	enum api_role	 r;
	char		 pw[USERS_PASSWORD_MAX + 2];

	assert_int_equal(users_role_parse("admin", &r), 0);
	assert_int_equal(r, ROLE_ADMIN);
	assert_int_equal(users_role_parse("reader", &r), 0);
	assert_int_equal(r, ROLE_READER);
	assert_int_equal(users_role_parse("Admin", &r), -1);
	assert_int_equal(users_role_parse("", &r), -1);
	assert_non_null(users_password_problem("1234567"));
	assert_null(users_password_problem("12345678"));
	memset(pw, 'x', sizeof(pw));
	pw[USERS_PASSWORD_MAX] = '\0';
	assert_null(users_password_problem(pw));
	pw[USERS_PASSWORD_MAX] = 'x';
	pw[USERS_PASSWORD_MAX + 1] = '\0';
	assert_non_null(users_password_problem(pw));
}

/* The test vectors of RFC 7914 section 12, as hash strings. */
static void
test_rfc7914(void **state)
{
	static const char v1[] = "$scrypt$ln=10,r=8,p=16$TmFDbA$"
	    "/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDa"
	    "xyevuUqD7m2DYMvfoswGQA";
	static const char v2[] = "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
	    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr5"
	    "5h6F3A1lHkDfzwF7RVdYhw";

	assert_int_equal(users_password_verify("password", v1), 1);
	assert_int_equal(users_password_verify("Password", v1), 0);
	assert_int_equal(users_password_verify("pleaseletmein", v2), 1);
	assert_int_equal(users_password_verify("pleaseletmein!", v2), 0);
}

/* Hashes made here verify, with a salt of their own each. */
static void
test_hash_verify(void **state)
{
	char	 a[USERS_HASH_MAX], b[USERS_HASH_MAX], bad[USERS_HASH_MAX];
	char	*p;

	assert_int_equal(users_password_hash("correct horse", FAST_N, a,
	    sizeof(a)), 0);
	assert_int_equal(strncmp(a, "$scrypt$ln=4,r=8,p=1$", 21), 0);
	assert_int_equal(users_password_hash("correct horse", FAST_N, b,
	    sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(users_password_verify("correct horse", a), 1);
	assert_int_equal(users_password_verify("correct horse", b), 1);
	assert_int_equal(users_password_verify("correct horsf", a), 0);
	assert_int_equal(users_password_verify("", a), 0);
	/* One changed character of the hash: no match. */
	strlcpy(bad, a, sizeof(bad));
	p = bad + strlen(bad) - 2;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(users_password_verify("correct horse", bad), 0);
	/* N must be a power of two; the output must fit. */
	assert_int_equal(users_password_hash("x", 1000, a, sizeof(a)), -1);
	assert_int_equal(users_password_hash("x", FAST_N, a, 20), -1);
	/* The default cost is what the man page says. */
	assert_int_equal(users_password_hash("x", USERS_SCRYPT_N, a,
	    sizeof(a)), 0);
	assert_int_equal(strncmp(a, "$scrypt$ln=16,r=8,p=1$", 22), 0);
}

/* Hash strings this program does not make are refused, not crashed on. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "$scrypt$", "$2b$10$abcdefghijklmnopqrstuv",
		"$scrypt$ln=4,r=8,p=1$", "$scrypt$ln=4,r=8,p=1$$",
		"$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$",
		"$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$%%%%%%%%%%%%%%%%%%%%%%",
		"$scrypt$ln=0,r=8,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=21,r=8,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=20,r=32,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=4,r=8,p=17$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=4,r=-8,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=4,p=1,r=8$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=4,r=8,p=1$c2E$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$c2Fsd",
		"$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ=$c2FsdHNhbHRzYWx0c2FsdA",
		"$scrypt$ln=00000004,r=8,p=1$c2FsdHNhbHQ$"
		    "c2FsdHNhbHRzYWx0c2FsdA",
	};
	char	 dummy[USERS_HASH_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(users_password_verify("saltsalt", bad[i]), -1);
	/* A well-formed hash string, just not of this password. */
	assert_int_equal(users_password_verify("saltsalt",
	    "$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA"), 0);
	/* The dummy of an unknown user: well formed, never matching. */
	users_password_dummy(FAST_N, dummy, sizeof(dummy));
	assert_int_equal(strncmp(dummy, "$scrypt$ln=4,r=8,p=1$", 21), 0);
	assert_int_equal(users_password_verify("", dummy), 0);
	assert_int_equal(users_password_verify("password", dummy), 0);
}

/* API tokens: the form, the id and the hash of the secret. */
static void
test_tokens(void **state)
{
	char	 id[PLATFORM_TOKEN_ID_LEN + 1], id2[PLATFORM_TOKEN_ID_LEN + 1];
	char	 tok[USERS_TOKEN_LEN + 1], bad[USERS_TOKEN_LEN + 2];
	char	 hash[65], hash2[65];

	assert_int_equal(users_token_make(id, tok, hash), 0);
	assert_int_equal(strlen(tok), USERS_TOKEN_LEN);
	assert_int_equal(strncmp(tok, "opt_", 4), 0);
	assert_int_equal(strncmp(tok + 4, id, PLATFORM_TOKEN_ID_LEN), 0);
	assert_int_equal(users_token_parse(tok, id2, hash2), 0);
	assert_string_equal(id, id2);
	assert_string_equal(hash, hash2);
	pki_sha256_hex(tok + 4 + PLATFORM_TOKEN_ID_LEN + 1, 64, hash2);
	assert_string_equal(hash, hash2);
	/* Not the token's form. */
	strlcpy(bad, tok, sizeof(bad));
	bad[0] = 'x';
	assert_int_equal(users_token_parse(bad, id2, hash2), -1);
	strlcpy(bad, tok, sizeof(bad));
	bad[4 + PLATFORM_TOKEN_ID_LEN] = '.';
	assert_int_equal(users_token_parse(bad, id2, hash2), -1);
	strlcpy(bad, tok, sizeof(bad));
	bad[USERS_TOKEN_LEN - 1] = 'F';
	assert_int_equal(users_token_parse(bad, id2, hash2), -1);
	strlcpy(bad, tok, sizeof(bad));
	strlcat(bad, "0", sizeof(bad));
	assert_int_equal(users_token_parse(bad, id2, hash2), -1);
	bad[USERS_TOKEN_LEN - 1] = '\0';
	assert_int_equal(users_token_parse(bad, id2, hash2), -1);
	assert_int_equal(users_token_parse("", id2, hash2), -1);
	/* Two tokens never share an id or a secret. */
	assert_int_equal(users_token_make(id2, bad, hash2), 0);
	assert_string_not_equal(id, id2);
	assert_string_not_equal(hash, hash2);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_roles_passwords),
		cmocka_unit_test(test_rfc7914),
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
