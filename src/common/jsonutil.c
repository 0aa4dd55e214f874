/* jsonutil.c: small helpers over json-c shared by every program. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jsonutil.h"

/*
 * The tokener of this thread, made once and reset for each document: the
 * platform parses one on every request.
 */
static _Thread_local struct json_tokener *json_tok;

/* Parse one JSON object from buf. Returns it, or NULL with err set. */
struct json_object *
json_parse_object(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	enum json_tokener_error	 jerr;

	if (len > INT32_MAX) {
		snprintf(err, errlen, "document too large");
		return NULL;
	}
	if (json_tok == NULL && (json_tok = json_tokener_new_ex(64)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tok = json_tok;
	json_tokener_reset(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		snprintf(err, errlen, "offset %zu: document ends early", len);
		goto fail;
	}
	if (obj == NULL || jerr != json_tokener_success) {
		snprintf(err, errlen, "offset %zu: %s",
		    json_tokener_get_parse_end(tok),
		    json_tokener_error_desc(jerr));
		goto fail;
	}
	if (json_tokener_get_parse_end(tok) < len) {
		snprintf(err, errlen, "offset %zu: data after the document",
		    json_tokener_get_parse_end(tok));
		goto fail;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "expected a JSON object");
		goto fail;
	}
	return obj;
fail:
	json_object_put(obj);
	return NULL;
}

/* Return the string member key, or NULL. */
const char *
json_get_string(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Read the integer member key. Returns 0, or -1. */
int
json_get_int64(struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

/* Read the boolean member key. Returns 0, or -1. */
int
json_get_bool(struct json_object *obj, const char *key, int *out)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

/* Add a string (or null) member. */
void
json_add_string(struct json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key,
	    value != NULL ? json_object_new_string(value) : NULL);
}

/* Add an integer member. */
void
json_add_int64(struct json_object *obj, const char *key, int64_t value)
{
	json_object_object_add(obj, key, json_object_new_int64(value));
}

/* Add a time member as UTC ISO 8601, or null for 0. */
void
json_add_time(struct json_object *obj, const char *key, time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		json_object_object_add(obj, key, NULL);
		return;
	}
	json_object_object_add(obj, key, json_object_new_string(buf));
}

/* Add a boolean member. */
void
json_add_bool(struct json_object *obj, const char *key, int value)
{
	json_object_object_add(obj, key, json_object_new_boolean(value));
}
