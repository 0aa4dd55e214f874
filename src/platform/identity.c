/*
 * identity.c: who an activation or a heartbeat comes from.
 *
 * Re-activation. An agent the platform told to "reactivate" activates
 * again naming its previous_agent_id, and proves it is that agent with
 * previous_credential, the credential it holds. With the agent's current
 * credential (and the reactivate command pending) it keeps its record,
 * its id and correlation id, and gets a new credential; the old one is
 * revoked. Without proof (none, malformed, or not that agent's) the
 * activation makes a new agent and records the claim, so that anyone
 * with an activation key cannot take over an agent due to re-activate.
 *
 * Clones. A cloned VM holds the same state.json, so two agent processes
 * present one credential. Each process sends a random instance id, new at
 * every start, in its heartbeats and activations. An instance that comes
 * back after another one took over, while that other one is alive (it
 * heartbeated within two heartbeat intervals), means two processes share
 * the identity: it is told to reactivate and, when it does (its proof is
 * good, its instance is the one told), gets a new agent split off as
 * "clone_of" the first. A re-activation that proves the credential a
 * re-activation already replaced is the other half of a clone (unless it
 * comes from the instance that re-activated, whose answer was lost): it
 * gets a new agent too. Neither fights the other for one record.
 */
#include "config.h"

#include <string.h>

#include "identity.h"
#include "pki.h"
#include "platform.h"

/* Whether s is an instance id (32 lower-case hex digits). Returns 1/0. */
int
identity_is_instance(const char *s)
{
	return s != NULL && strlen(s) == PLATFORM_INSTANCE_LEN &&
	    strspn(s, "0123456789abcdef") == PLATFORM_INSTANCE_LEN;
}

/* Check a previous_credential against a's hashes. Returns the proof. */
enum identity_proof
identity_proof(const struct agent_auth *a, const char *prev_id,
    const char *credential)
{
	const char	*secret;
	char		 hash[65];

	if (credential == NULL)
		return PROOF_NONE;
	if (strlen(credential) != PLATFORM_UUID_LEN + 1 +
	    PLATFORM_SECRET_HEX_LEN ||
	    strncmp(credential, prev_id, PLATFORM_UUID_LEN) != 0 ||
	    credential[PLATFORM_UUID_LEN] != '.')
		return PROOF_WRONG;
	secret = credential + PLATFORM_UUID_LEN + 1;
	if (strspn(secret, "0123456789abcdef") != PLATFORM_SECRET_HEX_LEN)
		return PROOF_WRONG;
	pki_sha256_hex(secret, PLATFORM_SECRET_HEX_LEN, hash);
	if (pki_equal(hash, a->cred_hash))
		return PROOF_CURRENT;
	if (a->revoked_hash[0] != '\0' && pki_equal(hash, a->revoked_hash))
		return PROOF_REVOKED;
	return PROOF_WRONG;
}

/*
 * Decide an activation naming agent a (of the same customer) with this
 * proof, from instance (or NULL). Returns the outcome.
 */
enum identity_outcome
identity_activation(const struct agent_auth *a, enum identity_proof proof,
    const char *instance)
{
	int	 told_clone, same_rekey;

	told_clone = instance != NULL && a->clone_instance[0] != '\0' &&
	    strcmp(instance, a->clone_instance) == 0;
	same_rekey = instance != NULL && a->rekey_instance[0] != '\0' &&
	    strcmp(instance, a->rekey_instance) == 0;
	switch (proof) {
	case PROOF_CURRENT:
		if (told_clone)
			return IDENTITY_CLONE;
		return a->reactivate ? IDENTITY_REKEY : IDENTITY_NEW;
	case PROOF_REVOKED:
		return same_rekey ? IDENTITY_RETRY : IDENTITY_CLONE;
	case PROOF_NONE:
	case PROOF_WRONG:
		break;
	}
	return IDENTITY_UNPROVEN;
}

/*
 * Decide what a heartbeat of agent a from instance (or NULL) at now
 * changes, and whether that instance must activate as a new agent.
 */
void
identity_heartbeat(const struct agent_auth *a, const char *instance,
    int64_t now, struct identity_beat *out)
{
	int64_t	 window = 2 * (int64_t)(a->heartbeat_interval > 0 ?
		    a->heartbeat_interval : 60);

	memset(out, 0, sizeof(*out));
	if (instance == NULL || strcmp(instance, a->instance) == 0)
		return;
	if (a->clone_instance[0] != '\0' &&
	    strcmp(instance, a->clone_instance) == 0) {
		out->reactivate = 1;
		return;
	}
	if (a->instance[0] != '\0' && strcmp(instance, a->prev_instance) == 0 &&
	    a->last_checkin != 0 && now - a->last_checkin <= window) {
		/* The one before came back while the current one is alive. */
		out->clone_instance = instance;
		out->clone_detected = 1;
		out->reactivate = 1;
		return;
	}
	/* A new process (a restart), or the first heartbeat with an id. */
	out->instance = instance;
	if (a->instance[0] != '\0')
		out->prev_instance = a->instance;
}

/* A name for an outcome, for the log. Returns it. */
const char *
identity_outcome_name(enum identity_outcome o)
{
	switch (o) {
	case IDENTITY_NEW:
		return "new agent";
	case IDENTITY_REKEY:
		return "re-activated";
	case IDENTITY_RETRY:
		return "re-activated again (lost answer)";
	case IDENTITY_CLONE:
		return "clone split off";
	case IDENTITY_UNPROVEN:
		return "new agent (unproven claim)";
	}
	return "?";
}
