/*
 * api-fixture.c: the in-memory store and seeded platform the unit tests
 * of the platform share (api-fixture.h).
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

#include "api-admin.h"
#include "api-fixture.h"
#include "pki.h"
#include "store.h"

/* An in-memory store, migrated (the test fails otherwise). */
struct store *
fixture_store(void)
{
	struct store	*s;
	char		 err[PLATFORM_ERRLEN];

	if ((s = store_open(":memory:", err, sizeof(err))) == NULL)
		fail_msg("store_open: %s", err);
	return s;
}

/* A seeded platform in api, its customer and activation key ids. */
void
fixture_api(struct api *api, char customer_id[PLATFORM_UUID_LEN + 1],
    char activation_id[PLATFORM_UUID_LEN + 1])
{
	memset(api, 0, sizeof(*api));
	api->store = fixture_store();
	api->signer = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(api->signer);
	api->public_pem = pki_public_pem(api->signer);
	snprintf(api->admin_token, sizeof(api->admin_token), "%s",
	    FIXTURE_TOKEN);
	assert_int_equal(store_begin(api->store), 0);
	assert_int_equal(api_admin_seed(api, customer_id, activation_id), 0);
	assert_int_equal(store_commit(api->store), 0);
}

/* Free what fixture_api made. */
void
fixture_api_free(struct api *api)
{
	store_close(api->store);
	EVP_PKEY_free(api->signer);
	free(api->public_pem);
}

/* cmocka set-up: an in-memory store as the state. Returns 0. */
int
fixture_store_setup(void **state)
{
	*state = fixture_store();
	return 0;
}

/* cmocka tear-down: close the store of the state. Returns 0. */
int
fixture_store_teardown(void **state)
{
	store_close(*state);
	return 0;
}

/*
 * cmocka tear-down of a malloc'd fixture whose first member is a struct
 * api made by fixture_api. Returns 0.
 */
int
fixture_api_teardown(void **state)
{
	fixture_api_free(*state);
	free(*state);
	return 0;
}
