/*
 * fuzz_json_strict.c: libFuzzer target for src/common/json-strict.c. Any
 * input: the check never fails to end, and what it says holds: a text it
 * takes parses with json-c into a document whose strings are strict
 * UTF-8, whose numbers are finite and which writes back as a text it
 * takes again; a field it names is strict UTF-8 and short. Whatever json-c
 * itself makes of the input (lenient mode, as data stored before the
 * check was), the repair writes a text the check takes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-strict.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort with what went wrong. */
static void
fuzz_fail(const char *what, const char *text)
{
	fprintf(stderr, "%s: %s\n", what, text);
	abort();
}

/* json-c's text of obj must pass the check. */
static void
fuzz_strict_out(struct json_object *obj, const char *what)
{
	struct json_strict_error	 err;
	const char			*text;

	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (json_strict_check_flags(text, strlen(text),
	    JSON_STRICT_ANY_INTEGER, &err) != JSON_STRICT_OK)
		fuzz_fail(what, err.message);
}

/* Parse with json-c: strict or lenient. Returns the value, or NULL. */
static struct json_object *
fuzz_parse(const uint8_t *data, size_t size, int strict, int *ok)
{
	struct json_tokener	*tok;
	struct json_object	*obj;

	*ok = 0;
	if ((tok = json_tokener_new_ex(JSON_STRICT_MAX_DEPTH + 2)) == NULL)
		return NULL;
	if (strict)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	*ok = json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == size;
	json_tokener_free(tok);
	return obj;
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_strict_error	 err;
	struct json_object		*obj, *clean;
	enum json_strict_result		 res;
	int				 ok;

	if (size > 1 << 20)
		return 0;
	res = json_strict_check((const char *)data, size, &err);
	if (res == JSON_STRICT_FIELD && (strlen(err.field) >=
	    JSON_STRICT_FIELD_MAX || utf8_check(err.field, strlen(err.field),
	    NULL) != UTF8_OK))
		fuzz_fail("bad field name", err.field);
	if (res == JSON_STRICT_OK) {
		obj = fuzz_parse(data, size, 1, &ok);
		if (ok) {
			if (!json_strict_is_clean(obj))
				fuzz_fail("taken, but json-c made unclean data",
				    json_object_to_json_string(obj));
			fuzz_strict_out(obj, "taken, but json-c writes it back "
			    "as a text refused");
		}
		json_object_put(obj);
	}
	obj = fuzz_parse(data, size, 0, &ok);
	if (obj != NULL) {
		clean = json_strict_sanitize(obj);
		if (clean != NULL) {
			if (!json_strict_is_clean(clean))
				fuzz_fail("repaired, but not clean",
				    json_object_to_json_string(clean));
			fuzz_strict_out(clean, "repaired, but refused");
		}
		json_object_put(clean);
	}
	json_object_put(obj);
	return 0;
}
