/*
 * api-fixture.h: what the unit tests of the platform's store and dispatch
 * share (test_store.c, test_api.c, test_session.c, test_audit_trail.c):
 * an in-memory store, and a seeded platform on one (api-fixture.c).
 * Include after <cmocka.h>.
 */
#ifndef OUTPOST_TEST_API_FIXTURE_H
#define OUTPOST_TEST_API_FIXTURE_H

#include "api.h"
#include "platform.h"

#define FIXTURE_TOKEN	"0123456789abcdef0123456789abcdef"

/* An in-memory store, migrated (the test fails otherwise). */
struct store	*fixture_store(void);
/*
 * A seeded platform in api: an in-memory store, a manifest key, the admin
 * token FIXTURE_TOKEN; the new customer and activation key ids.
 */
void		 fixture_api(struct api *, char [PLATFORM_UUID_LEN + 1],
		    char [PLATFORM_UUID_LEN + 1]);
/* Free what fixture_api made. */
void		 fixture_api_free(struct api *);
/* cmocka set-up and tear-down of an in-memory store as the state. */
int		 fixture_store_setup(void **);
int		 fixture_store_teardown(void **);
/*
 * cmocka tear-down of a fixture allocated with malloc whose first member
 * is the struct api fixture_api filled.
 */
int		 fixture_api_teardown(void **);

#endif /* OUTPOST_TEST_API_FIXTURE_H */
