/* jsonutil.h: small helpers over json-c shared by every program. */
#ifndef OUTPOST_JSONUTIL_H
#define OUTPOST_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

/*
 * Parse len bytes of JSON text that must hold one object. Returns it, or
 * NULL with a reason ("offset 12: unexpected token") in err.
 */
struct json_object	*json_parse_object(const char *, size_t, char *, size_t);
/* The string member key of obj, or NULL if absent or not a string. */
const char		*json_get_string(struct json_object *, const char *);
/* The integer member key of obj into *out. Returns 0, or -1. */
int			 json_get_int64(struct json_object *, const char *,
			    int64_t *);
/* The boolean member key of obj into *out. Returns 0, or -1. */
int			 json_get_bool(struct json_object *, const char *,
			    int *);
/* Add key = string (NULL adds JSON null). */
void			 json_add_string(struct json_object *, const char *,
			    const char *);
void			 json_add_int64(struct json_object *, const char *,
			    int64_t);
void			 json_add_bool(struct json_object *, const char *,
			    int);
/* Add key = t as UTC ISO 8601 ("2026-11-21T09:30:00Z"); 0 adds null. */
void			 json_add_time(struct json_object *, const char *,
			    time_t);

#endif /* OUTPOST_JSONUTIL_H */
