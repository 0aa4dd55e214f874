/*
 * manifest.h: the platform's signed manifests (docs/protocol.md section 5)
 * on the agent: downloaded when the heartbeat names a newer version than
 * the active one, verified with the Ed25519 key pinned at activation,
 * stored atomically as state_dir/manifests/TYPE.json, and handed to the
 * modules that subscribed. A manifest that fails verification is refused
 * (E601) and the previous version stays active. While the profile pauses
 * data collection, the fim manifest is not downloaded.
 */
#ifndef OUTPOST_MANIFEST_H
#define OUTPOST_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "module.h"

struct evp_pkey_st;
struct json_object;
struct manifests;

#define MANIFEST_TYPES	{ "inventory", "fim", "vulnsigs" }

/*
 * A new version of type is active: body is the verified content (the
 * parsed "body" string of the manifest), valid during the call (take a
 * reference to keep it).
 */
typedef void	(*manifest_fn)(const char *type, int64_t version,
		    struct json_object *body, void *arg);

/*
 * Start: load and verify the cached manifests (with the key in
 * state.json) so that subscribers get them at once. Returns the module,
 * or NULL (logged).
 */
struct manifests *manifests_new(const struct agent_env *);
/* The module's operations (heartbeat manifest_versions, status, ...). */
extern const struct agent_module_ops manifests_ops;
/*
 * Call fn for every new active version of type; at once with the active
 * one, if any. Returns 0, or -1 when full.
 */
int		 manifests_subscribe(struct manifests *, const char *type,
		    manifest_fn, void *arg);

/*
 * Verify a served manifest of type with key (len bytes in doc, which is
 * overwritten): the envelope is lexed in place, the Ed25519 signature
 * checked over the exact body bytes, and only then is the body scanned
 * against the budget of its type and, for inventory and fim, parsed into
 * *body (vulnsigs are stored, never parsed: *body is NULL). Returns
 * ERR_NONE with *version, or the error (E406, E409, E410, E601) with err.
 */
enum error_code	 manifest_verify(struct evp_pkey_st *key, const char *type,
		    char *doc, size_t len, int64_t *version,
		    struct json_object **body, char *err, size_t errlen);

#endif /* OUTPOST_MANIFEST_H */
