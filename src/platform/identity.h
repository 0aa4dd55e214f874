/*
 * identity.h: who an activation or a heartbeat comes from (identity.c).
 * A re-activation keeps an agent's record only with proof (the agent's
 * credential); a second process presenting one identity (a cloned VM) is
 * told apart by its instance id and split off as a new agent. Pure
 * decisions over what the store knows (struct agent_auth), so they are
 * tested on their own.
 */
#ifndef OUTPOST_IDENTITY_H
#define OUTPOST_IDENTITY_H

#include <stdint.h>

#include "store.h"

/* What a re-activation naming an existing agent proves. */
enum identity_proof {
	PROOF_NONE,		/* no previous_credential */
	PROOF_WRONG,		/* malformed, another agent's, or not its secret */
	PROOF_CURRENT,		/* the agent's credential */
	PROOF_REVOKED		/* the credential its last re-activation replaced */
};

/* What an activation that names previous_agent_id gets. */
enum identity_outcome {
	IDENTITY_NEW,		/* a new agent, as a first activation */
	IDENTITY_REKEY,		/* the agent keeps its record, new credential */
	IDENTITY_RETRY,		/* the same, again: the answer was lost */
	IDENTITY_CLONE,		/* a new agent split from it: a clone */
	IDENTITY_UNPROVEN	/* a new agent; the claim is recorded */
};

/* What a heartbeat's instance id tells. */
struct identity_beat {
	const char	*instance;	/* to store, or NULL */
	const char	*prev_instance;	/* to store, or NULL */
	const char	*clone_instance; /* to store, or NULL */
	int		 clone_detected; /* just now: two instances alive */
	int		 reactivate;	/* this instance must activate anew */
};

/* Whether s is an instance id (32 lower-case hex digits). Returns 1/0. */
int			 identity_is_instance(const char *);
/*
 * Check previous_credential against agent prev_id's credential hashes.
 * Returns what it proves.
 */
enum identity_proof	 identity_proof(const struct agent_auth *,
			    const char *prev_id, const char *credential);
/*
 * Decide an activation naming an agent found with that customer, given
 * the proof and the activating instance (or NULL).
 */
enum identity_outcome	 identity_activation(const struct agent_auth *,
			    enum identity_proof, const char *instance);
/*
 * Decide the instance bookkeeping of a heartbeat of agent a sent by
 * instance (NULL: an agent that sends none) at now.
 */
void			 identity_heartbeat(const struct agent_auth *,
			    const char *instance, int64_t now,
			    struct identity_beat *);
/* A name for an outcome, for the log. */
const char		*identity_outcome_name(enum identity_outcome);

#endif /* OUTPOST_IDENTITY_H */
