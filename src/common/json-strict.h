/*
 * json-strict.h: RFC 8259 JSON, strictly. json-c's strict mode still
 * takes single-quoted strings, NaN and Infinity, "1.", duplicate member
 * names (the last wins), raw control characters and invalid UTF-8 in
 * strings, lone surrogate escapes, and clamps integers past 64 bits; this
 * pass refuses all of them before json-c parses the text, and says which
 * member is at fault when the text is JSON but a value is not acceptable.
 */
#ifndef OUTPOST_JSON_STRICT_H
#define OUTPOST_JSON_STRICT_H

#include <stddef.h>

struct json_object;

#define JSON_STRICT_MAX_DEPTH	64	/* arrays and objects nested */
#define JSON_STRICT_FIELD_MAX	256	/* longest field path reported */

/* What json_strict_check() found. */
enum json_strict_result {
	JSON_STRICT_OK = 0,
	JSON_STRICT_SYNTAX,	/* not one RFC 8259 JSON text: invalid_json */
	JSON_STRICT_FIELD,	/* JSON, but a string or number is refused */
	JSON_STRICT_NOMEM
};

struct json_strict_error {
	size_t	 offset;			/* byte of the text at fault */
	char	 field[JSON_STRICT_FIELD_MAX];	/* "events[3].path" */
	char	 message[160];
};

/*
 * Check that len bytes are exactly one JSON text (RFC 8259): no comments,
 * single quotes, bare words, trailing commas, leading zeros or data after
 * it, no duplicate member names in an object, nesting at most
 * JSON_STRICT_MAX_DEPTH deep. Strings (values and member names) must be
 * strict UTF-8 without NUL, escapes included (no lone surrogates, no
 * \u0000); integers must fit in int64 and other numbers in a double.
 * Returns JSON_STRICT_OK, or the result with err filled: for
 * JSON_STRICT_SYNTAX the offset and message, for JSON_STRICT_FIELD also
 * the dotted path of the member ("host.hostname", "events[2].path").
 */
enum json_strict_result	 json_strict_check(const char *, size_t len,
			    struct json_strict_error *err);
/*
 * json_strict_check() with flags: JSON_STRICT_ANY_INTEGER takes integers
 * of any size (RFC 8259 does; an answer may hold one stored before).
 */
#define JSON_STRICT_ANY_INTEGER	0x1
enum json_strict_result	 json_strict_check_flags(const char *, size_t len,
			    int flags, struct json_strict_error *err);
/*
 * Whether every string and member name in obj is strict UTF-8 without
 * NUL and every number finite. Returns 1 or 0.
 */
int			 json_strict_is_clean(struct json_object *);
/*
 * A deep copy of obj in which every ill-formed byte (and NUL) of a string
 * or member name is replaced by U+FFFD, NaN and Infinity by null, and
 * numbers by what json-c writes for them (not the text they were parsed
 * from, which may be "1."). Returns a new reference, or NULL when out of
 * memory (or for a number that is not finite).
 */
struct json_object	*json_strict_sanitize(struct json_object *);

/*
 * Repair a JSON text of len bytes whose strings are not all strict UTF-8
 * (json_strict_sanitize over json-c's lenient parse), so that a peer
 * holding to these rules takes it. Returns the new text (malloc'd, its
 * length in *outlen), or NULL when it is not JSON json-c can read, or out
 * of memory.
 */
char			*json_strict_repair(const char *, size_t len,
			    size_t *outlen);

#endif /* OUTPOST_JSON_STRICT_H */
