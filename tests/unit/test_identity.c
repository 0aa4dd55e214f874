/*
 * test_identity.c: unit tests of src/platform/identity.c: what a
 * previous_credential proves (the current credential, the revoked one, or
 * nothing: none, malformed, another agent's, a wrong secret), what an
 * activation naming an agent gets for each proof (re-key only with proof
 * and a pending reactivate; a retry of the instance that re-keyed; a
 * clone split off; an unproven claim a new agent), and the instance
 * bookkeeping of heartbeats (first id, restart, a clone coming back while
 * the other one is alive, a process back after the other one is gone).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "identity.h"
#include "pki.h"

#define AGENT	"3f0c8a4e-5d7b-4c1e-9a2f-0b6d1e8c7a55"
#define OTHER	"00000000-0000-4000-8000-000000000000"
#define SECRET1	"1111111111111111111111111111111111111111111111111111111111111111"
#define SECRET2	"2222222222222222222222222222222222222222222222222222222222222222"
#define INST_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define INST_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define INST_C	"cccccccccccccccccccccccccccccccc"

/* An agent whose credential is SECRET2, re-keyed from SECRET1 by INST_A. */
static void
agent(struct agent_auth *a)
{
	memset(a, 0, sizeof(*a));
	pki_sha256_hex(SECRET2, 64, a->cred_hash);
	pki_sha256_hex(SECRET1, 64, a->revoked_hash);
	strcpy(a->customer_id, OTHER);
	strcpy(a->rekey_instance, INST_A);
	a->heartbeat_interval = 60;
}

/* What a previous_credential proves. */
static void
test_proof(void **unused)
{
	struct agent_auth	 a;

	agent(&a);
	assert_int_equal(identity_proof(&a, AGENT, NULL), PROOF_NONE);
	assert_int_equal(identity_proof(&a, AGENT, AGENT "." SECRET2),
	    PROOF_CURRENT);
	assert_int_equal(identity_proof(&a, AGENT, AGENT "." SECRET1),
	    PROOF_REVOKED);
	assert_int_equal(identity_proof(&a, AGENT, AGENT "." SECRET2 "0"),
	    PROOF_WRONG);
	assert_int_equal(identity_proof(&a, AGENT, OTHER "." SECRET2),
	    PROOF_WRONG);
	assert_int_equal(identity_proof(&a, AGENT, AGENT ":" SECRET2),
	    PROOF_WRONG);
	assert_int_equal(identity_proof(&a, AGENT, AGENT "."
	    "2222222222222222222222222222222222222222222222222222222222222223"),
	    PROOF_WRONG);
	assert_int_equal(identity_proof(&a, AGENT, AGENT "."
	    "222222222222222222222222222222222222222222222222222222222222222A"),
	    PROOF_WRONG);
	assert_int_equal(identity_proof(&a, AGENT, ""), PROOF_WRONG);
	/* Never re-activated: no revoked credential to match. */
	a.revoked_hash[0] = '\0';
	assert_int_equal(identity_proof(&a, AGENT, AGENT "." SECRET1),
	    PROOF_WRONG);
}

/* What an activation gets, by proof, pending command and instance. */
static void
test_activation(void **unused)
{
	static const struct {
		int			 reactivate;
		const char		*clone;		/* told to split off */
		enum identity_proof	 proof;
		const char		*instance;
		enum identity_outcome	 want;
	} cases[] = {
		/* Without proof, never the agent. */
		{ 1, NULL, PROOF_NONE, INST_B, IDENTITY_UNPROVEN },
		{ 1, NULL, PROOF_WRONG, NULL, IDENTITY_UNPROVEN },
		{ 1, INST_C, PROOF_NONE, INST_C, IDENTITY_UNPROVEN },
		/* With proof and the command pending: the agent, re-keyed. */
		{ 1, NULL, PROOF_CURRENT, INST_B, IDENTITY_REKEY },
		{ 1, NULL, PROOF_CURRENT, NULL, IDENTITY_REKEY },
		/* With proof, no command: as a re-install, a new agent. */
		{ 0, NULL, PROOF_CURRENT, INST_B, IDENTITY_NEW },
		/* The revoked credential: the instance that re-keyed lost the
		 * answer; anyone else holds a copy of the identity. */
		{ 0, NULL, PROOF_REVOKED, INST_A, IDENTITY_RETRY },
		{ 0, NULL, PROOF_REVOKED, INST_B, IDENTITY_CLONE },
		{ 0, NULL, PROOF_REVOKED, NULL, IDENTITY_CLONE },
		/* The instance told to split off as a clone, and the other. */
		{ 1, INST_C, PROOF_CURRENT, INST_C, IDENTITY_CLONE },
		{ 1, INST_C, PROOF_CURRENT, INST_B, IDENTITY_REKEY },
	};
	struct agent_auth	 a;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		agent(&a);
		a.reactivate = cases[i].reactivate;
		if (cases[i].clone != NULL)
			strcpy(a.clone_instance, cases[i].clone);
		if (identity_activation(&a, cases[i].proof,
		    cases[i].instance) != cases[i].want)
			fail_msg("case %zu: %s, expected %s", i,
			    identity_outcome_name(identity_activation(&a,
			    cases[i].proof, cases[i].instance)),
			    identity_outcome_name(cases[i].want));
	}
}

/* Heartbeats: restarts move the instance on, a clone is caught. */
static void
test_heartbeat(void **unused)
{
	struct identity_beat	 b;
	struct agent_auth	 a;
	int64_t			 now = 1000000;

	agent(&a);
	/* An agent that sends no instance id: nothing to say. */
	identity_heartbeat(&a, NULL, now, &b);
	assert_null(b.instance);
	assert_false(b.reactivate);
	/* The first id. */
	identity_heartbeat(&a, INST_A, now, &b);
	assert_string_equal(b.instance, INST_A);
	assert_null(b.prev_instance);
	assert_false(b.clone_detected);
	strcpy(a.instance, INST_A);
	a.last_checkin = now;
	/* The same process. */
	identity_heartbeat(&a, INST_A, now + 60, &b);
	assert_null(b.instance);
	assert_false(b.reactivate);
	/* A restart: B is current, A the one before. */
	identity_heartbeat(&a, INST_B, now + 60, &b);
	assert_string_equal(b.instance, INST_B);
	assert_string_equal(b.prev_instance, INST_A);
	assert_false(b.reactivate);
	strcpy(a.instance, INST_B);
	strcpy(a.prev_instance, INST_A);
	a.last_checkin = now + 60;
	/* A back while B heartbeated within two intervals: a clone. */
	identity_heartbeat(&a, INST_A, now + 100, &b);
	assert_true(b.clone_detected);
	assert_true(b.reactivate);
	assert_string_equal(b.clone_instance, INST_A);
	assert_null(b.instance);
	/* Until it splits off, it is told so again; B is left alone. */
	strcpy(a.clone_instance, INST_A);
	identity_heartbeat(&a, INST_A, now + 110, &b);
	assert_true(b.reactivate);
	assert_false(b.clone_detected);
	identity_heartbeat(&a, INST_B, now + 110, &b);
	assert_false(b.reactivate);
	/* A back after B went quiet (a restored snapshot): no clone. */
	a.clone_instance[0] = '\0';
	identity_heartbeat(&a, INST_A, now + 60 + 121, &b);
	assert_false(b.clone_detected);
	assert_string_equal(b.instance, INST_A);
	assert_string_equal(b.prev_instance, INST_B);
	/* A third process after a restart is a restart too. */
	identity_heartbeat(&a, INST_C, now + 70, &b);
	assert_false(b.clone_detected);
	assert_string_equal(b.instance, INST_C);
}

/* Instance ids: 32 lower-case hex digits. */
static void
test_instance(void **unused)
{
	assert_true(identity_is_instance(INST_A));
	assert_false(identity_is_instance(NULL));
	assert_false(identity_is_instance(""));
	assert_false(identity_is_instance("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_false(identity_is_instance(INST_A "a"));
	assert_false(identity_is_instance("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
