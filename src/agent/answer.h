/*
 * answer.h: what the agent accepts as an answer from the platform.
 *
 * Every agent API call has one contract (docs/protocol.md section 7): the
 * one success status, whether 304 may answer a conditional request, a cap
 * on the body and a parse budget (nesting, values, objects and arrays,
 * string length) sized to what that answer can legitimately hold, and
 * the members the answer must carry with their types. answer_judge()
 * turns what came over the wire into a checked JSON object or into an
 * error code with the real cause: a redirect is never followed, an empty
 * or non-JSON body, a status the endpoint never answers, a missing member
 * or a wrong type is an error, and nothing is built from a body before
 * it passed the budget, so the memory one parse can take is bounded.
 */
#ifndef OUTPOST_ANSWER_H
#define OUTPOST_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

struct json_object;
struct state;

#define ANSWER_DETAIL_MAX	1024
#define ANSWER_MAX_DEPTH	64	/* the deepest any budget allows */
#define ANSWER_NUMBER_MAX	64	/* characters of one number */

/* The endpoints the agent calls, one contract each. */
enum answer_kind {
	ANSWER_ACTIVATE = 0,
	ANSWER_HEARTBEAT,
	ANSWER_PROFILE,
	ANSWER_MANIFEST_INVENTORY,
	ANSWER_MANIFEST_FIM,
	ANSWER_MANIFEST_VULNSIGS,
	ANSWER_INVENTORY,
	ANSWER_FIM_EVENTS,
	ANSWER_ERRORS,
	ANSWER_DEREGISTER,
	ANSWER_RELEASE,		/* GET /agent/v1/releases/V (prefix) */
	ANSWER_RELEASE_FILE,	/* GET .../files/NAME in ranges (prefix) */
	ANSWER_NKINDS
};

/* What one parse may use. */
struct answer_budget {
	size_t	 max_bytes;	/* the body, decoded: the HTTP cap */
	int	 max_depth;	/* nesting of objects and arrays */
	size_t	 max_values;	/* members' values and elements, in all */
	size_t	 max_containers;	/* objects and arrays, in all */
	size_t	 max_string;	/* bytes of one string or name, as sent */
};

/* The type a member must have. */
enum answer_type {
	ANSWER_STRING,		/* a string of 1..max_len bytes */
	ANSWER_INTEGER,		/* any integer (ranges are the caller's) */
	ANSWER_COUNT,		/* an integer >= 0 */
	ANSWER_POSITIVE,	/* an integer >= 1 */
	ANSWER_BOOL,
	ANSWER_OBJECT,
	ANSWER_STRINGS,		/* an array of strings */
	ANSWER_UUID,		/* lower-case 8-4-4-4-12 hex digits */
	ANSWER_HEX32,		/* 32 lower-case hex digits */
	ANSWER_CREDENTIAL,	/* <uuid>.<64 lower-case hex digits> */
	ANSWER_PEM		/* an Ed25519 public key, SPKI PEM */
};

/* One member of an answer. */
struct answer_member {
	const char	*name;		/* NULL ends a list */
	enum answer_type type;
	int		 is_required;
	size_t		 max_len;	/* ANSWER_STRING, ANSWER_PEM */
};

/* The contract of one endpoint. */
struct answer_contract {
	enum answer_kind	 kind;
	const char		*method;
	const char		*path;
	int			 status;	/* the success status */
	int			 not_modified;	/* 304 to If-None-Match */
	int			 is_raw;	/* the caller parses a 2xx
						   body (signed manifests) */
	int			 is_binary;	/* a 2xx body is bytes,
						   application/octet-stream */
	int			 is_prefix;	/* path is a prefix (with
						   variable parts, a query) */
	struct answer_budget	 budget;
	struct answer_budget	 content;	/* a manifest's signed body */
	const struct answer_member *members;
};

/* What came back for one request. */
struct answer_wire {
	const char	*method;
	const char	*path;
	enum error_code	 transport;	/* http.c's code for the transfer */
	const char	*transport_detail;
	long		 status;	/* 0: none */
	const char	*content_type;	/* NULL if absent */
	const char	*location;	/* NULL if absent */
	const char	*body;
	size_t		 body_len;
	int		 is_conditional;	/* sent If-None-Match */
	const char	*proxy;		/* masked, or NULL = direct */
};

/* The verdict on one answer. */
struct answer {
	enum error_code	 error;		/* ERR_NONE: the contract holds */
	const char	*detail;	/* one line: the real cause */
	struct json_object *json;	/* the checked object (not raw), or
					   the error body of a >= 400 */
	const char	*api_error;	/* the "error" of a >= 400 body */
	int		 is_not_modified;	/* a 304 the contract allows */
	char		 buf[ANSWER_DETAIL_MAX];
};

/* What a heartbeat answer says (docs/protocol.md 3.3). */
struct answer_heartbeat {
	const char	*agent_id;
	int		 uninstall;	/* "uninstall" among the commands */
	int		 reactivate;	/* "reactivate" among the commands */
	int		 unknown;	/* other commands (ignored) */
	int64_t		 profile_id;	/* -1: absent */
	int64_t		 profile_version;	/* -1: absent */
	int		 has_interval;
	int64_t		 interval;	/* as sent */
	int		 has_server_time;
	int64_t		 server_time;
};

/*
 * A signed manifest as served, lexed in place without building anything:
 * after answer_envelope() the text holds the signed byte string (the
 * head of docs/protocol.md 5 followed by the decoded body), ready to be
 * verified without another copy of the body.
 */
struct answer_envelope {
	char		 type[32];
	int64_t		 version;
	char		 signature[128];
	const char	*msg;		/* the signed byte string */
	size_t		 msg_len;
	const char	*body;		/* its body part, NUL-terminated */
	size_t		 body_len;
};

/* The contract of kind. */
const struct answer_contract *answer_contract(enum answer_kind);
/*
 * The contract of method and path (the longest prefix of a prefix
 * contract), or NULL if the agent has none.
 */
const struct answer_contract *answer_contract_find(const char *method,
		    const char *path);
/*
 * Judge what came back against contract c into a (a->json and the
 * detail stay valid until answer_clear()). Sets a->error: ERR_NONE when
 * the contract holds, else the real cause.
 */
void		 answer_judge(const struct answer_contract *c,
		    const struct answer_wire *w, struct answer *a);
/* Release what answer_judge() made. */
void		 answer_clear(struct answer *);
/*
 * Check len bytes of JSON text (one object) against budget b without
 * building anything. Returns ERR_NONE, ERR_BAD_RESPONSE (not one JSON
 * object) or ERR_ANSWER_OVER_LIMIT, with the reason and offset in err.
 */
enum error_code	 answer_scan(const char *, size_t, const struct answer_budget *,
		    char *err, size_t errlen);
/*
 * answer_scan() and then build the object into *out. Returns ERR_NONE,
 * ERR_BAD_RESPONSE or ERR_ANSWER_OVER_LIMIT (err says why).
 */
enum error_code	 answer_parse(const char *, size_t,
		    const struct answer_budget *, struct json_object **out,
		    char *err, size_t errlen);
/*
 * Check the members of obj against list (NULL-terminated). Returns 0,
 * or -1 with the member and the reason in err.
 */
int		 answer_check_members(const struct answer_member *list,
		    struct json_object *obj, char *err, size_t errlen);
/*
 * Lex a served manifest (docs/protocol.md 5) of len bytes in text: a
 * flat object whose "type", "version" and "signature" are copied into e,
 * and whose "body" string is decoded in place, without building any JSON
 * object. The text is overwritten with the signed byte string (e->msg).
 * Returns ERR_NONE, ERR_BAD_RESPONSE, ERR_ANSWER_OVER_LIMIT or
 * ERR_ANSWER_INVALID with err.
 */
enum error_code	 answer_envelope(char *text, size_t len,
		    struct answer_envelope *e, char *err, size_t errlen);
/*
 * The identity of a checked activation answer into st (zeroed first;
 * agent_id, credential, correlation_id, customer_id and
 * manifest_public_key): the credential must belong to the agent id and
 * customer_id, when present, must be the configured one. Returns 0, or
 * -1 with err (st then holds nothing).
 */
int		 answer_activation(struct json_object *,
		    const char *customer_id, struct state *st, char *err,
		    size_t errlen);
/* What a checked heartbeat answer says, into hb. */
void		 answer_heartbeat(struct json_object *,
		    struct answer_heartbeat *hb);
/* Is s a lower-case UUID? Returns 1 or 0. */
int		 answer_is_uuid(const char *s);
/*
 * Clamp v into min..max. Returns the value in range; *is_clamped says
 * whether it moved.
 */
int64_t		 answer_clamp(int64_t v, int64_t min, int64_t max,
		    int *is_clamped);
/*
 * Copy text into buf for a log line: at most len - 1 bytes, control
 * characters and bytes above 0x7e as '?'. Returns buf.
 */
const char	*answer_printable(const char *text, char *buf, size_t len);

#endif /* OUTPOST_ANSWER_H */
