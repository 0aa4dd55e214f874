/*
 * feed-json.c: a streaming reader of feeds' JSON, one record at a time.
 *
 * A feed is one JSON value of tens of megabytes: the Debian tracker's is
 * an object with a member per source package, an OSV file is a record or
 * an array of records. This
 * reader walks the top level itself, a byte at a time across chunks, and
 * hands the bytes of each member or element to json-c's incremental
 * tokener (json_tokener_parse_ex), so that one record at a time is held
 * in memory, whatever the size of the feed. A record is at most
 * FEED_MAX_RECORD bytes and must be an object; a member's key at most
 * FEED_MAX_KEY bytes.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "feed.h"

/* Where the reader is in the top-level value. */
enum feed_json_state {
	FJ_START,	/* before the top-level value */
	FJ_KEY_FIRST,	/* after '{': a key or '}' */
	FJ_KEY,		/* after ',': a key */
	FJ_KEY_BODY,	/* inside a key's string */
	FJ_COLON,	/* after a key */
	FJ_VALUE_START,	/* before a record */
	FJ_ELEM_FIRST,	/* after '[': a record or ']' */
	FJ_VALUE,	/* inside a record: bytes go to the tokener */
	FJ_AFTER,	/* after a record: ',' or the closing bracket */
	FJ_DONE		/* after the top-level value: white space only */
};

/* The reader. */
struct feed_json {
	enum feed_json_shape	 shape;
	enum feed_json_state	 state;
	int			 single;	/* the top level is a record */
	feed_record_fn		 fn;
	void			*arg;
	struct json_tokener	*tok;
	size_t			 record_bytes;
	char			 key[FEED_MAX_KEY + 3];	/* with its quotes */
	size_t			 keylen;
	int			 escaped;
	int64_t			 offset;	/* of the byte being read */
};

/* Whether c is JSON white space. */
static int
feed_json_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A reader calling fn(arg, key, record) for each record; NULL: no memory. */
struct feed_json *
feed_json_new(enum feed_json_shape shape, feed_record_fn fn, void *arg)
{
	struct feed_json	*fj;

	if ((fj = calloc(1, sizeof(*fj))) == NULL)
		return NULL;
	fj->shape = shape;
	fj->fn = fn;
	fj->arg = arg;
	return fj;
}

/* Free the reader. */
void
feed_json_free(struct feed_json *fj)
{
	if (fj == NULL)
		return;
	if (fj->tok != NULL)
		json_tokener_free(fj->tok);
	free(fj);
}

/* Set err to "byte N: what". Returns -1. */
static int
feed_json_fail(struct feed_json *fj, char *err, size_t errlen,
    const char *what)
{
	snprintf(err, errlen, "byte %lld: %s", (long long)fj->offset, what);
	return -1;
}

/* Start a record's tokener. Returns 0, or -1. */
static int
feed_json_start_record(struct feed_json *fj, char *err, size_t errlen)
{
	if (fj->tok == NULL && (fj->tok = json_tokener_new_ex(64)) == NULL)
		return feed_json_fail(fj, err, errlen, "out of memory");
	json_tokener_reset(fj->tok);
	json_tokener_set_flags(fj->tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
	fj->record_bytes = 0;
	fj->state = FJ_VALUE;
	return 0;
}

/* The key just read, unquoted into fj->key. Returns 0, or -1. */
static int
feed_json_end_key(struct feed_json *fj, char *err, size_t errlen)
{
	struct json_object	*s;
	const char		*v;
	size_t			 len;

	fj->key[fj->keylen] = '\0';
	if ((s = json_tokener_parse(fj->key)) == NULL ||
	    !json_object_is_type(s, json_type_string)) {
		json_object_put(s);
		return feed_json_fail(fj, err, errlen, "invalid member name");
	}
	v = json_object_get_string(s);
	len = (size_t)json_object_get_string_len(s);
	if (len == 0 || strlen(v) != len) {
		json_object_put(s);
		return feed_json_fail(fj, err, errlen,
		    "empty member name or one holding a NUL");
	}
	memcpy(fj->key, v, len + 1);
	json_object_put(s);
	fj->state = FJ_COLON;
	return 0;
}

/*
 * Feed the bytes of a record to the tokener; hand the record over when it
 * ends. Returns the bytes used, or -1.
 */
static ssize_t
feed_json_record_bytes(struct feed_json *fj, const char *p, size_t n,
    char *err, size_t errlen)
{
	struct json_object	*obj;
	enum json_tokener_error	 jerr;
	size_t			 used;
	int			 rc;
	char			 msg[160];

	if (n > FEED_MAX_RECORD - fj->record_bytes)
		n = FEED_MAX_RECORD - fj->record_bytes + 1;
	obj = json_tokener_parse_ex(fj->tok, p, (int)n);
	jerr = json_tokener_get_error(fj->tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		fj->record_bytes += n;
		if (fj->record_bytes > FEED_MAX_RECORD) {
			snprintf(msg, sizeof(msg), "a record over %d bytes",
			    FEED_MAX_RECORD);
			return feed_json_fail(fj, err, errlen, msg);
		}
		return (ssize_t)n;
	}
	if (obj == NULL) {
		snprintf(msg, sizeof(msg), "invalid JSON: %s",
		    json_tokener_error_desc(jerr));
		return feed_json_fail(fj, err, errlen, msg);
	}
	used = json_tokener_get_parse_end(fj->tok);
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return feed_json_fail(fj, err, errlen,
		    "a record is not an object");
	}
	rc = fj->fn(fj->arg, fj->shape == FEED_JSON_MEMBERS ? fj->key : NULL,
	    obj);
	json_object_put(obj);
	if (rc != 0) {
		snprintf(err, errlen, "stopped");
		return -1;
	}
	fj->state = fj->single ? FJ_DONE : FJ_AFTER;
	return (ssize_t)used;
}

/* One byte outside a record. Returns 0, or -1. */
static int
feed_json_byte(struct feed_json *fj, char c, char *err, size_t errlen)
{
	switch (fj->state) {
	case FJ_START:
		if (c == '{' && fj->shape == FEED_JSON_MEMBERS)
			fj->state = FJ_KEY_FIRST;
		else if (c == '[' && fj->shape == FEED_JSON_RECORDS)
			fj->state = FJ_ELEM_FIRST;
		else
			return feed_json_fail(fj, err, errlen,
			    fj->shape == FEED_JSON_MEMBERS ?
			    "expected an object" :
			    "expected an object or an array");
		return 0;
	case FJ_KEY_FIRST:
	case FJ_KEY:
		if (c == '}' && fj->state == FJ_KEY_FIRST) {
			fj->state = FJ_DONE;
			return 0;
		}
		if (c != '"')
			return feed_json_fail(fj, err, errlen,
			    "expected a member name");
		fj->key[0] = '"';
		fj->keylen = 1;
		fj->escaped = 0;
		fj->state = FJ_KEY_BODY;
		return 0;
	case FJ_KEY_BODY:
		if (fj->keylen >= FEED_MAX_KEY + 1)
			return feed_json_fail(fj, err, errlen,
			    "member name too long");
		fj->key[fj->keylen++] = c;
		if (fj->escaped)
			fj->escaped = 0;
		else if (c == '\\')
			fj->escaped = 1;
		else if (c == '"')
			return feed_json_end_key(fj, err, errlen);
		return 0;
	case FJ_COLON:
		if (c != ':')
			return feed_json_fail(fj, err, errlen, "expected ':'");
		fj->state = FJ_VALUE_START;
		return 0;
	case FJ_AFTER:
		if (c == ',') {
			fj->state = fj->shape == FEED_JSON_MEMBERS ? FJ_KEY :
			    FJ_VALUE_START;
			return 0;
		}
		if ((c == '}' && fj->shape == FEED_JSON_MEMBERS) ||
		    (c == ']' && fj->shape == FEED_JSON_RECORDS)) {
			fj->state = FJ_DONE;
			return 0;
		}
		return feed_json_fail(fj, err, errlen,
		    "expected ',' or the end of the top-level value");
	case FJ_ELEM_FIRST:
		if (c == ']') {
			fj->state = FJ_DONE;
			return 0;
		}
		/* FALLTHROUGH */
	default:
		return feed_json_fail(fj, err, errlen,
		    "unexpected character after the top-level value");
	}
}

/*
 * Read the next len bytes of the feed, calling the record callback for
 * each record they complete. Returns 0, or -1 with err.
 */
int
feed_json_feed(struct feed_json *fj, const char *buf, size_t len, char *err,
    size_t errlen)
{
	size_t	 i = 0;
	ssize_t	 used;

	while (i < len) {
		if (fj->state == FJ_VALUE) {
			used = feed_json_record_bytes(fj, buf + i, len - i,
			    err, errlen);
			if (used == -1)
				return -1;
			i += (size_t)used;
			fj->offset += used;
			continue;
		}
		if (fj->state != FJ_KEY_BODY && feed_json_is_space(buf[i])) {
			i++;
			fj->offset++;
			continue;
		}
		if ((fj->state == FJ_VALUE_START ||
		    fj->state == FJ_ELEM_FIRST || (fj->state == FJ_START &&
		    fj->shape == FEED_JSON_RECORDS)) && buf[i] == '{') {
			if (fj->state == FJ_START)
				fj->single = 1;
			if (feed_json_start_record(fj, err, errlen) == -1)
				return -1;
			continue;
		}
		if (fj->state == FJ_VALUE_START)
			return feed_json_fail(fj, err, errlen,
			    "a record is not an object");
		if (feed_json_byte(fj, buf[i], err, errlen) == -1)
			return -1;
		i++;
		fj->offset++;
	}
	return 0;
}

/* The feed ended. Returns 0 if its top-level value was whole, or -1. */
int
feed_json_end(struct feed_json *fj, char *err, size_t errlen)
{
	if (fj->state != FJ_DONE)
		return feed_json_fail(fj, err, errlen,
		    fj->state == FJ_START ? "empty document" :
		    "the document ends inside its top-level value");
	return 0;
}
