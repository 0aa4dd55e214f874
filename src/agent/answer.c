/*
 * answer.c: the answer contracts of the agent API (answer.h).
 *
 * One table holds a contract per endpoint: the success status, 304 to a
 * conditional request, the body cap, the parse budget and the members
 * with their types; docs/protocol.md section 7 and outpostd(8) ANSWERS
 * FROM THE PLATFORM follow it. A body is first scanned by a small JSON
 * lexer that builds nothing and counts nesting, values, objects and
 * arrays and string lengths; only a body within the budget is handed to
 * json-c, whose memory is then bounded by the budget (about 100 bytes a
 * value and 800 an object or array, measured with json-c 0.16, plus the
 * bytes of the strings). Signed manifests are only lexed here: their
 * body is verified by the caller over the exact bytes before anything
 * parses it.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "answer.h"
#include "compat.h"
#include "jsonutil.h"
#include "mansig.h"
#include "state.h"

#define KIB	((size_t)1024)
#define MIB	(1024 * KIB)

/* Small answers: acknowledgements, heartbeat, deregistration. */
#define BUDGET_SMALL	{ 64 * KIB, 8, 1024, 128, 4096 }
/* A profile, and an activation answer that carries one. */
#define BUDGET_PROFILE	{ 1 * MIB, 16, 81920, 4096, 8192 }
#define BUDGET_ACTIVATE	{ 1 * MIB + 64 * KIB, 17, 81920 + 64, 4096 + 8, \
			    8192 }
/* The body of an error answer (>= 400), within the endpoint's cap. */
#define BUDGET_ERROR	{ 0, 8, 256, 32, 4096 }
/* Manifest envelopes (flat objects) and their signed bodies. */
#define ENVELOPE(n)	{ n, 1, 16, 1, n }
#define BUDGET_NONE	{ 0, 0, 0, 0, 0 }

static const struct answer_member activate_members[] = {
	{ "agent_id", ANSWER_UUID, 1, 0 },
	{ "credential", ANSWER_CREDENTIAL, 1, 0 },
	{ "correlation_id", ANSWER_HEX32, 1, 0 },
	{ "manifest_public_key", ANSWER_PEM, 1, 4096 },
	{ "customer_id", ANSWER_UUID, 0, 0 },
	{ "status", ANSWER_STRING, 0, 64 },
	{ "profile", ANSWER_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 }
};
static const struct answer_member heartbeat_members[] = {
	{ "agent_id", ANSWER_UUID, 1, 0 },
	{ "commands", ANSWER_STRINGS, 1, 0 },
	{ "server_time", ANSWER_COUNT, 1, 0 },
	{ "profile_id", ANSWER_POSITIVE, 0, 0 },
	{ "profile_version", ANSWER_POSITIVE, 0, 0 },
	{ "heartbeat_interval", ANSWER_INTEGER, 0, 0 },
	{ "manifests", ANSWER_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 }
};
static const struct answer_member profile_members[] = {
	{ "id", ANSWER_POSITIVE, 1, 0 },
	{ "version", ANSWER_POSITIVE, 1, 0 },
	{ "name", ANSWER_STRING, 0, 128 },
	{ "heartbeat_interval", ANSWER_INTEGER, 0, 0 },
	{ "inventory_interval", ANSWER_INTEGER, 0, 0 },
	{ "data_collection_paused", ANSWER_BOOL, 0, 0 },
	{ "fim", ANSWER_OBJECT, 0, 0 },
	{ "correlation", ANSWER_OBJECT, 0, 0 },
	{ "log_level", ANSWER_STRING, 0, 16 },
	{ NULL, 0, 0, 0 }
};
static const struct answer_member inventory_members[] = {
	{ "inventory_version", ANSWER_POSITIVE, 1, 0 },
	{ "status", ANSWER_STRING, 0, 64 },
	{ NULL, 0, 0, 0 }
};
static const struct answer_member fim_events_members[] = {
	{ "sequence", ANSWER_POSITIVE, 1, 0 },
	{ "stored", ANSWER_COUNT, 1, 0 },
	{ "duplicate", ANSWER_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 }
};
/* The agent always sends a sequence, so the answer must echo it. */
static const struct answer_member errors_members[] = {
	{ "stored", ANSWER_COUNT, 1, 0 },
	{ "sequence", ANSWER_POSITIVE, 1, 0 },
	{ "duplicate", ANSWER_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 }
};
static const struct answer_member deregister_members[] = {
	{ "agent_id", ANSWER_UUID, 1, 0 },
	{ "deleted", ANSWER_BOOL, 1, 0 },
	{ NULL, 0, 0, 0 }
};

/* The contracts, indexed by enum answer_kind. */
static const struct answer_contract answer_contracts[ANSWER_NKINDS] = {
	{ ANSWER_ACTIVATE, "POST", "/agent/v1/activate", 201, 0, 0, 0, 0,
	    BUDGET_ACTIVATE, BUDGET_NONE, activate_members },
	{ ANSWER_HEARTBEAT, "POST", "/agent/v1/heartbeat", 200, 0, 0, 0, 0,
	    BUDGET_SMALL, BUDGET_NONE, heartbeat_members },
	{ ANSWER_PROFILE, "GET", "/agent/v1/profile", 200, 1, 0, 0, 0,
	    BUDGET_PROFILE, BUDGET_NONE, profile_members },
	{ ANSWER_MANIFEST_INVENTORY, "GET", "/agent/v1/manifests/inventory",
	    200, 1, 1, 0, 0, ENVELOPE(256 * KIB),
	    { 256 * KIB, 16, 16384, 1024, 8192 }, NULL },
	{ ANSWER_MANIFEST_FIM, "GET", "/agent/v1/manifests/fim", 200, 1, 1,
	    0, 0, ENVELOPE(2 * MIB), { 2 * MIB, 16, 98304, 8192, 8192 }, NULL },
	/* Stored for detection, never parsed by the agent: only scanned. */
	{ ANSWER_MANIFEST_VULNSIGS, "GET", "/agent/v1/manifests/vulnsigs",
	    200, 1, 1, 0, 0, ENVELOPE(16 * MIB),
	    { 16 * MIB, 16, 16 * MIB, 4 * MIB, 64 * KIB }, NULL },
	{ ANSWER_INVENTORY, "POST", "/agent/v1/inventory", 200, 0, 0, 0, 0,
	    BUDGET_SMALL, BUDGET_NONE, inventory_members },
	{ ANSWER_FIM_EVENTS, "POST", "/agent/v1/fim-events", 200, 0, 0, 0, 0,
	    BUDGET_SMALL, BUDGET_NONE, fim_events_members },
	{ ANSWER_ERRORS, "POST", "/agent/v1/errors", 200, 0, 0, 0, 0,
	    BUDGET_SMALL, BUDGET_NONE, errors_members },
	{ ANSWER_DEREGISTER, "POST", "/agent/v1/deregister", 200, 0, 0, 0, 0,
	    BUDGET_SMALL, BUDGET_NONE, deregister_members },
	/* A release's manifest; update-verify.c checks it and its signature. */
	{ ANSWER_RELEASE, "GET", "/agent/v1/releases/", 200, 0, 0, 0, 1,
	    { 256 * KIB, 16, 4096, 512, 8192 }, BUDGET_NONE, NULL },
	/* The bytes of a release file, at most one range of 1 MiB. */
	{ ANSWER_RELEASE_FILE, "GET", "/agent/v1/releases/*/files/", 206, 0,
	    0, 1, 1, { 1 * MIB + 64 * KIB, 0, 0, 0, 0 }, BUDGET_NONE, NULL },
};

/* The lexer's position in one text. */
struct answer_lex {
	const unsigned char	*start;
	const unsigned char	*p;
	const unsigned char	*end;
	const struct answer_budget *b;
	size_t			 values;
	size_t			 containers;
	char			*err;
	size_t			 errlen;
	enum error_code		 error;
};

/* The contract of kind. */
const struct answer_contract *
answer_contract(enum answer_kind kind)
{
	if ((int)kind < 0 || kind >= ANSWER_NKINDS)
		return NULL;
	return &answer_contracts[kind];
}

/*
 * Does path start with pattern, where a "*" of the pattern stands for one
 * path segment (no "/", "?")? Returns 1 or 0.
 */
static int
answer_prefix_match(const char *pattern, const char *path)
{
	while (*pattern != '\0') {
		if (*pattern == '*') {
			if (*path == '\0' || *path == '/' || *path == '?')
				return 0;
			path += strcspn(path, "/?");
			pattern++;
		} else if (*pattern++ != *path++)
			return 0;
	}
	return 1;
}

/* The contract of method and path, or NULL. */
const struct answer_contract *
answer_contract_find(const char *method, const char *path)
{
	const struct answer_contract	*c, *best = NULL;
	size_t				 i;

	for (i = 0; i < nitems(answer_contracts); i++) {
		c = &answer_contracts[i];
		if (strcmp(c->method, method) != 0)
			continue;
		if (!c->is_prefix) {
			if (strcmp(c->path, path) == 0)
				return c;
		} else if (answer_prefix_match(c->path, path) &&
		    (best == NULL || strlen(c->path) > strlen(best->path)))
			best = c;
	}
	return best;
}

/* Copy text for a log line, unprintable bytes as '?'. Returns buf. */
const char *
answer_printable(const char *text, char *buf, size_t len)
{
	size_t	 i;

	if (len == 0)
		return buf;
	for (i = 0; text != NULL && text[i] != '\0' && i + 1 < len; i++)
		buf[i] = (text[i] >= 0x20 && text[i] <= 0x7e) ? text[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Clamp v into min..max; *is_clamped says whether it moved. */
int64_t
answer_clamp(int64_t v, int64_t min, int64_t max, int *is_clamped)
{
	*is_clamped = v < min || v > max;
	if (v < min)
		return min;
	if (v > max)
		return max;
	return v;
}

/* Fail the lexer with code and a reason at its offset. Returns -1. */
static int __attribute__((format(printf, 3, 4)))
answer_lex_fail(struct answer_lex *l, enum error_code code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 why[160];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	l->error = code;
	snprintf(l->err, l->errlen, "offset %zu: %s",
	    (size_t)(l->p - l->start), why);
	return -1;
}

/* Skip white space. */
static void
answer_lex_ws(struct answer_lex *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
	    *l->p == '\n' || *l->p == '\r'))
		l->p++;
}

/* Lex 4 hex digits at l->p into *cp. Returns 0, or -1. */
static int
answer_lex_hex4(struct answer_lex *l, unsigned long *cp)
{
	int	 i;

	*cp = 0;
	for (i = 0; i < 4; i++, l->p++) {
		if (l->p >= l->end || !isxdigit(*l->p))
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "bad \\u escape");
		*cp = *cp * 16 + (unsigned long)(isdigit(*l->p) ? *l->p - '0' :
		    (tolower(*l->p) - 'a' + 10));
	}
	return 0;
}

/*
 * Lex a string at l->p (the opening quote); with out, decode it there
 * (room for the raw length + 1). Returns its raw length, or -1.
 */
static long
answer_lex_string(struct answer_lex *l, size_t max, char *out,
    size_t *outlen)
{
	const unsigned char	*s = ++l->p;
	unsigned long		 cp, lo;
	size_t			 o = 0;
	int			 c;

	for (;;) {
		if (l->p >= l->end)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "unterminated string");
		if ((size_t)(l->p - s) > max)
			return answer_lex_fail(l, ERR_ANSWER_OVER_LIMIT,
			    "a string longer than %zu bytes", max);
		c = *l->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "control character 0x%02x in a string", c);
		if (c != '\\') {
			if (out != NULL)
				out[o++] = (char)c;
			l->p++;
			continue;
		}
		if (l->end - l->p < 2)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "unterminated escape");
		c = l->p[1];
		l->p += 2;
		if (c != 'u') {
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";
			const char *at = c != '\0' ? strchr(from, c) : NULL;

			if (at == NULL)
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "bad escape \\%c", isprint(c) ? c : '?');
			if (out != NULL)
				out[o++] = to[at - from];
			continue;
		}
		if (answer_lex_hex4(l, &cp) == -1)
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* A high surrogate needs its low half. */
			if (l->end - l->p < 6 || l->p[0] != '\\' ||
			    l->p[1] != 'u')
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "lone surrogate \\u%04lx", cp);
			l->p += 2;
			if (answer_lex_hex4(l, &lo) == -1)
				return -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "lone surrogate \\u%04lx", cp);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp >= 0xdc00 && cp <= 0xdfff)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "lone surrogate \\u%04lx", cp);
		if (out == NULL)
			continue;
		/* UTF-8 is never longer than the escape it comes from. */
		if (cp < 0x80)
			out[o++] = (char)cp;
		else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | (cp >> 18));
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	l->p++;
	if (out != NULL) {
		out[o] = '\0';
		*outlen = o;
	}
	return (long)(l->p - s - 1);
}

/*
 * Lex a number (RFC 8259) at l->p; with out (ANSWER_NUMBER_MAX + 1
 * bytes), copy it there. Returns 0, or -1.
 */
static int
answer_lex_number(struct answer_lex *l, char *out)
{
	const unsigned char	*s = l->p;

	if (l->p < l->end && *l->p == '-')
		l->p++;
	if (l->p < l->end && *l->p == '0')
		l->p++;
	else if (l->p < l->end && *l->p >= '1' && *l->p <= '9')
		while (l->p < l->end && isdigit(*l->p))
			l->p++;
	else
		return answer_lex_fail(l, ERR_BAD_RESPONSE, "bad number");
	if (l->p < l->end && *l->p == '.') {
		l->p++;
		if (l->p >= l->end || !isdigit(*l->p))
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "bad number");
		while (l->p < l->end && isdigit(*l->p))
			l->p++;
	}
	if (l->p < l->end && (*l->p == 'e' || *l->p == 'E')) {
		l->p++;
		if (l->p < l->end && (*l->p == '+' || *l->p == '-'))
			l->p++;
		if (l->p >= l->end || !isdigit(*l->p))
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "bad number");
		while (l->p < l->end && isdigit(*l->p))
			l->p++;
	}
	if (l->p - s > ANSWER_NUMBER_MAX)
		return answer_lex_fail(l, ERR_ANSWER_OVER_LIMIT, "a number "
		    "longer than %d characters", ANSWER_NUMBER_MAX);
	if (out != NULL) {
		memcpy(out, s, (size_t)(l->p - s));
		out[l->p - s] = '\0';
	}
	return 0;
}

/* Lex true, false or null at l->p. Returns 0, or -1. */
static int
answer_lex_literal(struct answer_lex *l)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t			 i, n;

	for (i = 0; i < nitems(words); i++) {
		n = strlen(words[i]);
		if ((size_t)(l->end - l->p) >= n &&
		    memcmp(l->p, words[i], n) == 0) {
			l->p += n;
			return 0;
		}
	}
	return answer_lex_fail(l, ERR_BAD_RESPONSE, "unexpected '%c'",
	    isprint(*l->p) ? *l->p : '?');
}

/* Count one more value (and container) against the budget. */
static int
answer_lex_count(struct answer_lex *l, int is_container)
{
	if (++l->values > l->b->max_values)
		return answer_lex_fail(l, ERR_ANSWER_OVER_LIMIT, "more than "
		    "%zu values", l->b->max_values);
	if (is_container && ++l->containers > l->b->max_containers)
		return answer_lex_fail(l, ERR_ANSWER_OVER_LIMIT, "more than "
		    "%zu objects and arrays", l->b->max_containers);
	return 0;
}

/* Scan the text of l: one object within l->b. Returns 0, or -1. */
static int
answer_lex_scan(struct answer_lex *l)
{
	char	 stack[ANSWER_MAX_DEPTH];
	int	 depth = 0, want_key = 0, c;
	size_t	 maxdepth = (size_t)l->b->max_depth;

	answer_lex_ws(l);
	if (l->p >= l->end)
		return answer_lex_fail(l, ERR_BAD_RESPONSE, "empty body");
	if (*l->p != '{')
		return answer_lex_fail(l, ERR_BAD_RESPONSE, "not a JSON "
		    "object");
	if (maxdepth > sizeof(stack))
		maxdepth = sizeof(stack);
	for (;;) {
		/* A value is due (or a key, in an object). */
		answer_lex_ws(l);
		if (l->p >= l->end)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "document ends early");
		c = *l->p;
		if (want_key) {
			if (c != '"')
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "expected a member name");
			if (answer_lex_string(l, l->b->max_string, NULL,
			    NULL) == -1)
				return -1;
			answer_lex_ws(l);
			if (l->p >= l->end || *l->p != ':')
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "expected ':'");
			l->p++;
			want_key = 0;
			continue;
		}
		if (depth > 0 && answer_lex_count(l, c == '{' || c == '[') ==
		    -1)
			return -1;
		if (c == '{' || c == '[') {
			if ((size_t)depth >= maxdepth)
				return answer_lex_fail(l,
				    ERR_ANSWER_OVER_LIMIT, "nesting deeper "
				    "than %zu", maxdepth);
			stack[depth++] = (char)c;
			l->p++;
			answer_lex_ws(l);
			if (l->p < l->end && *l->p == (c == '{' ? '}' : ']'))
				depth--, l->p++;
			else if (c == '{') {
				want_key = 1;
				continue;
			} else
				continue;
		} else if (c == '"') {
			if (answer_lex_string(l, l->b->max_string, NULL,
			    NULL) == -1)
				return -1;
		} else if (c == '-' || isdigit(c)) {
			if (answer_lex_number(l, NULL) == -1)
				return -1;
		} else if (answer_lex_literal(l) == -1)
			return -1;
		/* After a value: ',' or the end of its containers. */
		for (;;) {
			answer_lex_ws(l);
			if (depth == 0) {
				if (l->p != l->end)
					return answer_lex_fail(l,
					    ERR_BAD_RESPONSE,
					    "data after the object");
				return 0;
			}
			if (l->p >= l->end)
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "document ends early");
			c = *l->p++;
			if (c == ',') {
				want_key = stack[depth - 1] == '{';
				break;
			}
			if (c != (stack[depth - 1] == '{' ? '}' : ']')) {
				l->p--;
				return answer_lex_fail(l, ERR_BAD_RESPONSE,
				    "expected ',' or '%c'",
				    stack[depth - 1] == '{' ? '}' : ']');
			}
			depth--;
		}
	}
}

/* Check text against budget b without building anything. */
enum error_code
answer_scan(const char *text, size_t len, const struct answer_budget *b,
    char *err, size_t errlen)
{
	struct answer_lex	 l;

	memset(&l, 0, sizeof(l));
	l.start = l.p = (const unsigned char *)text;
	l.end = l.p + len;
	l.b = b;
	l.err = err;
	l.errlen = errlen;
	if (b->max_bytes > 0 && len > b->max_bytes) {
		snprintf(err, errlen, "%zu bytes, more than %zu", len,
		    b->max_bytes);
		return ERR_ANSWER_OVER_LIMIT;
	}
	if (answer_lex_scan(&l) == -1)
		return l.error;
	return ERR_NONE;
}

/* Scan, then build the object. */
enum error_code
answer_parse(const char *text, size_t len, const struct answer_budget *b,
    struct json_object **out, char *err, size_t errlen)
{
	enum error_code	 code;

	*out = NULL;
	if ((code = answer_scan(text, len, b, err, errlen)) != ERR_NONE)
		return code;
	if ((*out = json_parse_object(text, len, err, errlen)) == NULL)
		return ERR_BAD_RESPONSE;
	return ERR_NONE;
}

/* Is s n lower-case hex digits? */
static int
answer_is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* Is s a lower-case UUID? Returns 1 or 0. */
int
answer_is_uuid(const char *s)
{
	static const int	 groups[] = { 8, 4, 4, 4, 12 };
	size_t			 i;
	int			 g;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (g = 0, i = 0; g < 5; g++) {
		if (strspn(s + i, "0123456789abcdef") < (size_t)groups[g])
			return 0;
		i += (size_t)groups[g];
		if (g < 4 && s[i++] != '-')
			return 0;
	}
	return 1;
}

/* Is pem an Ed25519 public key in SPKI PEM? Returns 1 or 0. */
static int
answer_is_ed25519_pem(const char *pem)
{
	EVP_PKEY	*key;
	BIO		*bio;
	int		 ok;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return 0;
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	ok = key != NULL && EVP_PKEY_id(key) == EVP_PKEY_ED25519;
	EVP_PKEY_free(key);
	return ok;
}

/* Check one string member v of type t. Returns NULL, or why not. */
static const char *
answer_check_string(const struct answer_member *m, const char *v, size_t n)
{
	const char	*dot;
	char		 id[37];

	switch (m->type) {
	case ANSWER_STRING:
		return n == 0 || (m->max_len > 0 && n > m->max_len) ?
		    "a string of the wrong length" : NULL;
	case ANSWER_UUID:
		return answer_is_uuid(v) ? NULL : "expected a lower-case UUID";
	case ANSWER_HEX32:
		return answer_is_hex(v, 32) ? NULL :
		    "expected 32 lower-case hex digits";
	case ANSWER_CREDENTIAL:
		dot = strchr(v, '.');
		if (n != 36 + 1 + 64 || dot == NULL || dot - v != 36)
			return "expected <agent_id>.<64 hex digits> "
			    "(101 bytes)";
		if (strlen(v) != n)
			return "a NUL byte in the credential";
		memcpy(id, v, 36);
		id[36] = '\0';
		if (!answer_is_uuid(id) || !answer_is_hex(dot + 1, 64))
			return "expected <agent_id>.<64 lower-case hex digits>";
		return NULL;
	case ANSWER_PEM:
		if (n > m->max_len || strlen(v) != n)
			return "a public key of the wrong length";
		return answer_is_ed25519_pem(v) ? NULL :
		    "not an Ed25519 public key in PEM";
	default:
		return "not a string";
	}
}

/* Check one member value v. Returns NULL, or why not. */
static const char *
answer_check_value(const struct answer_member *m, struct json_object *v)
{
	size_t	 i, n;

	switch (m->type) {
	case ANSWER_INTEGER:
	case ANSWER_COUNT:
	case ANSWER_POSITIVE:
		if (!json_object_is_type(v, json_type_int))
			return "expected an integer";
		if (m->type == ANSWER_COUNT && json_object_get_int64(v) < 0)
			return "expected an integer >= 0";
		if (m->type == ANSWER_POSITIVE && json_object_get_int64(v) < 1)
			return "expected an integer >= 1";
		return NULL;
	case ANSWER_BOOL:
		return json_object_is_type(v, json_type_boolean) ? NULL :
		    "expected true or false";
	case ANSWER_OBJECT:
		return json_object_is_type(v, json_type_object) ? NULL :
		    "expected an object";
	case ANSWER_STRINGS:
		if (!json_object_is_type(v, json_type_array))
			return "expected an array of strings";
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!json_object_is_type(json_object_array_get_idx(v,
			    i), json_type_string))
				return "expected an array of strings";
		return NULL;
	default:
		if (!json_object_is_type(v, json_type_string))
			return "expected a string";
		return answer_check_string(m, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	}
}

/* Check the members of obj against list. Returns 0, or -1 with err. */
int
answer_check_members(const struct answer_member *list,
    struct json_object *obj, char *err, size_t errlen)
{
	struct json_object	*v;
	const char		*why;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	for (; list != NULL && list->name != NULL; list++) {
		if (!json_object_object_get_ex(obj, list->name, &v) ||
		    json_object_is_type(v, json_type_null)) {
			if (!list->is_required)
				continue;
			snprintf(err, errlen, "member \"%s\" missing",
			    list->name);
			return -1;
		}
		if ((why = answer_check_value(list, v)) != NULL) {
			snprintf(err, errlen, "member \"%s\": %s", list->name,
			    why);
			return -1;
		}
	}
	return 0;
}

/* Map the platform's error code to the agent's. */
static enum error_code
answer_map_error(const char *api_error, enum error_code dflt)
{
	static const struct {
		const char	*name;
		enum error_code	 code;
	} map[] = {
		{ "agent_uninstalled", ERR_UNINSTALLED },
		{ "credential_revoked", ERR_CREDENTIAL_REVOKED },
		{ "invalid_credential", ERR_CREDENTIAL_REVOKED },
		{ "unknown_agent", ERR_CREDENTIAL_REVOKED },
		{ "missing_credential", ERR_CREDENTIAL_REVOKED },
		{ "invalid_activation_id", ERR_ACTIVATION_REJECTED },
		{ "invalid_customer_id", ERR_ACTIVATION_REJECTED },
		{ "activation_key_disabled", ERR_ACTIVATION_REJECTED },
	};
	size_t	 i;

	for (i = 0; api_error != NULL && i < nitems(map); i++)
		if (strcmp(api_error, map[i].name) == 0)
			return map[i].code;
	return dflt;
}

/* Is the answer's Content-Type JSON? */
static int
answer_is_json(const char *content_type)
{
	return content_type != NULL &&
	    strncasecmp(content_type, "application/json", 16) == 0 &&
	    (content_type[16] == '\0' || content_type[16] == ';' ||
	    content_type[16] == ' ');
}

/* Write the detail of a with the request's line in front. */
static void __attribute__((format(printf, 3, 4)))
answer_say(const struct answer_wire *w, struct answer *a, const char *fmt,
    ...)
{
	va_list	 ap;
	char	 proxy[160];
	int	 n;

	n = snprintf(a->buf, sizeof(a->buf), "%s %s: ", w->method, w->path);
	if (n < 0 || (size_t)n >= sizeof(a->buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(a->buf + n, sizeof(a->buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (w->proxy != NULL) {
		n = (int)strlen(a->buf);
		snprintf(a->buf + n, sizeof(a->buf) - (size_t)n,
		    " (via proxy %s)", answer_printable(w->proxy, proxy,
		    sizeof(proxy)));
	}
	a->detail = a->buf;
}

/* An error answer (>= 400): the platform's code and message. */
static void
answer_judge_error(const struct answer_contract *c,
    const struct answer_wire *w, struct answer *a)
{
	struct answer_budget	 b = BUDGET_ERROR;
	const char		*message = NULL;
	char			 err[160], code[72], text[264];

	b.max_bytes = c->budget.max_bytes;
	if (w->body_len > 0 && answer_is_json(w->content_type) &&
	    answer_parse(w->body, w->body_len, &b, &a->json, err,
	    sizeof(err)) == ERR_NONE) {
		a->api_error = json_get_string(a->json, "error");
		message = json_get_string(a->json, "message");
	}
	a->error = answer_map_error(a->api_error, w->transport != ERR_NONE ?
	    w->transport : ERR_HTTP);
	answer_say(w, a, "HTTP %ld%s%s%s%s%s", w->status,
	    a->api_error != NULL ? " " : "", a->api_error != NULL ?
	    answer_printable(a->api_error, code, sizeof(code)) : "",
	    message != NULL ? ": " : "", message != NULL ?
	    answer_printable(message, text, sizeof(text)) : "",
	    a->api_error == NULL ? " (not a platform error body)" : "");
}

/* A success status: the body must hold the contract. */
static void
answer_judge_body(const struct answer_contract *c,
    const struct answer_wire *w, struct answer *a)
{
	char	 err[256], type[64];

	if (w->body_len == 0) {
		a->error = ERR_BAD_RESPONSE;
		answer_say(w, a, "HTTP %ld with an empty body", w->status);
		return;
	}
	if (c->is_binary) {
		if (w->content_type == NULL || strncasecmp(w->content_type,
		    "application/octet-stream", 24) != 0) {
			a->error = ERR_BAD_RESPONSE;
			answer_say(w, a, "HTTP %ld with Content-Type %s, not "
			    "application/octet-stream", w->status,
			    w->content_type != NULL ? answer_printable(
			    w->content_type, type, sizeof(type)) : "missing");
		}
		return;
	}
	if (!answer_is_json(w->content_type)) {
		a->error = ERR_BAD_RESPONSE;
		answer_say(w, a, "HTTP %ld with Content-Type %s, not "
		    "application/json", w->status, w->content_type != NULL ?
		    answer_printable(w->content_type, type, sizeof(type)) :
		    "missing");
		return;
	}
	if (c->is_raw) {
		a->error = ERR_NONE;
		return;
	}
	if ((a->error = answer_parse(w->body, w->body_len, &c->budget,
	    &a->json, err, sizeof(err))) != ERR_NONE) {
		answer_say(w, a, "HTTP %ld body %s: %s", w->status,
		    a->error == ERR_ANSWER_OVER_LIMIT ? "over the parse "
		    "limits" : "is not one JSON object", err);
		return;
	}
	if (answer_check_members(c->members, a->json, err, sizeof(err)) ==
	    -1) {
		a->error = ERR_ANSWER_INVALID;
		answer_say(w, a, "HTTP %ld answer: %s", w->status, err);
		json_object_put(a->json);
		a->json = NULL;
	}
}

/* Judge what came back against contract c. */
void
answer_judge(const struct answer_contract *c, const struct answer_wire *w,
    struct answer *a)
{
	char	 where[208];

	memset(a, 0, sizeof(*a));
	a->error = ERR_NONE;
	a->detail = w->transport_detail;
	if (w->transport != ERR_NONE && w->transport != ERR_HTTP) {
		/* The transfer failed (timeout, too large, TLS...). */
		a->error = w->transport;
		return;
	}
	if (w->status >= 400) {
		answer_judge_error(c, w, a);
		return;
	}
	if (w->status == 304 && c->not_modified && w->is_conditional) {
		a->is_not_modified = 1;
		return;
	}
	if (w->status == 304) {
		a->error = ERR_UNEXPECTED_STATUS;
		answer_say(w, a, "HTTP 304 to a request %s", c->not_modified ?
		    "without If-None-Match" : "that is never conditional");
		return;
	}
	if (w->status >= 300 && w->status < 400) {
		a->error = ERR_REDIRECTED;
		answer_say(w, a, "HTTP %ld redirect to %s, not followed",
		    w->status, w->location != NULL ? answer_printable(
		    w->location, where, sizeof(where)) : "nowhere");
		return;
	}
	if (w->status != c->status) {
		a->error = ERR_UNEXPECTED_STATUS;
		answer_say(w, a, "HTTP %ld, expected %d", w->status,
		    c->status);
		return;
	}
	answer_judge_body(c, w, a);
}

/* Release what answer_judge() made. */
void
answer_clear(struct answer *a)
{
	json_object_put(a->json);
	a->json = NULL;
}

/*
 * Lex one flat member value of an envelope into e, strings decoded in
 * place. Returns 0, or -1.
 */
static int
answer_envelope_value(struct answer_lex *l, const char *name,
    struct answer_envelope *e)
{
	char		 num[ANSWER_NUMBER_MAX + 1], *end, *out;
	size_t		 n;
	long long	 v;

	if (*l->p == '{' || *l->p == '[')
		return answer_lex_fail(l, ERR_ANSWER_OVER_LIMIT, "member "
		    "\"%s\": a manifest is a flat object", name);
	if (*l->p == '"') {
		/* Decoded bytes never outrun the escapes they come from. */
		out = (char *)(uintptr_t)(l->p + 1);
		if (answer_lex_string(l, l->b->max_string, out, &n) == -1)
			return -1;
		if (strcmp(name, "body") == 0) {
			e->body = out;
			e->body_len = n;
		} else if (strcmp(name, "type") == 0 ||
		    strcmp(name, "signature") == 0) {
			if (n >= (strcmp(name, "type") == 0 ? sizeof(e->type) :
			    sizeof(e->signature)) || strlen(out) != n)
				return answer_lex_fail(l, ERR_ANSWER_INVALID,
				    "member \"%s\" is too long", name);
			memcpy(strcmp(name, "type") == 0 ? e->type :
			    e->signature, out, n + 1);
		}
		return 0;
	}
	if (*l->p == '-' || isdigit(*l->p)) {
		if (answer_lex_number(l, num) == -1)
			return -1;
		if (strcmp(name, "version") != 0)
			return 0;
		v = strtoll(num, &end, 10);
		if (*end != '\0' || v < 1 || v > INT64_MAX / 2)
			return answer_lex_fail(l, ERR_ANSWER_INVALID, "member "
			    "\"version\": expected an integer >= 1");
		e->version = v;
		return 0;
	}
	return answer_lex_literal(l);
}

/* Lex the members of an envelope (l->p after '{'). Returns 0, or -1. */
static int
answer_envelope_members(struct answer_lex *l, struct answer_envelope *e)
{
	char	 name[32], seen[16][32], *out;
	size_t	 n;
	int	 nseen = 0, i;

	answer_lex_ws(l);
	if (l->p < l->end && *l->p == '}') {
		l->p++;
		return 0;
	}
	for (;;) {
		answer_lex_ws(l);
		if (l->p >= l->end || *l->p != '"')
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "expected a member name");
		if (answer_lex_count(l, 0) == -1)
			return -1;
		out = (char *)(uintptr_t)(l->p + 1);
		if (answer_lex_string(l, 1024, out, &n) == -1)
			return -1;
		strlcpy(name, n < sizeof(name) ? out : "", sizeof(name));
		for (i = 0; name[0] != '\0' && i < nseen; i++)
			if (strcmp(seen[i], name) == 0)
				return answer_lex_fail(l, ERR_ANSWER_INVALID,
				    "member \"%s\" named twice", name);
		if (name[0] != '\0' && nseen < (int)nitems(seen))
			strlcpy(seen[nseen++], name, sizeof(seen[0]));
		answer_lex_ws(l);
		if (l->p >= l->end || *l->p != ':')
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "expected ':'");
		l->p++;
		answer_lex_ws(l);
		if (l->p >= l->end)
			return answer_lex_fail(l, ERR_BAD_RESPONSE,
			    "document ends early");
		if (answer_envelope_value(l, name, e) == -1)
			return -1;
		answer_lex_ws(l);
		if (l->p < l->end && *l->p == ',') {
			l->p++;
			continue;
		}
		if (l->p < l->end && *l->p == '}') {
			l->p++;
			return 0;
		}
		return answer_lex_fail(l, ERR_BAD_RESPONSE,
		    "expected ',' or '}'");
	}
}

/* Lex a served manifest in place into e. */
enum error_code
answer_envelope(char *text, size_t len, struct answer_envelope *e,
    char *err, size_t errlen)
{
	struct answer_budget	 b = ENVELOPE(len);
	struct answer_lex	 l;
	char			 head[MANSIG_HEAD_MAX];
	int			 n;

	memset(e, 0, sizeof(*e));
	memset(&l, 0, sizeof(l));
	l.start = l.p = (const unsigned char *)text;
	l.end = l.p + len;
	l.b = &b;
	l.err = err;
	l.errlen = errlen;
	answer_lex_ws(&l);
	if (l.p >= l.end || *l.p != '{') {
		answer_lex_fail(&l, ERR_BAD_RESPONSE, "not a JSON object");
		return l.error;
	}
	l.p++;
	if (answer_envelope_members(&l, e) == -1)
		return l.error;
	answer_lex_ws(&l);
	if (l.p != l.end) {
		answer_lex_fail(&l, ERR_BAD_RESPONSE, "data after the object");
		return l.error;
	}
	if (e->type[0] == '\0' || e->version == 0 || e->body == NULL ||
	    e->signature[0] == '\0') {
		snprintf(err, errlen, "member \"%s\" missing or of the wrong "
		    "type", e->type[0] == '\0' ? "type" : e->version == 0 ?
		    "version" : e->body == NULL ? "body" : "signature");
		e->body = NULL;
		return ERR_ANSWER_INVALID;
	}
	/*
	 * The signed byte string is the head and the body: the body moves
	 * to just after the head at the start of the text. Every other
	 * member (the signature alone is 88 bytes) took more room than the
	 * head needs.
	 */
	n = mansig_head(e->type, e->version, head, sizeof(head));
	if (n == -1 || (size_t)n + e->body_len >= len) {
		snprintf(err, errlen, "no room for the signed head");
		e->body = NULL;
		return ERR_ANSWER_INVALID;
	}
	memmove(text + n, e->body, e->body_len);
	memcpy(text, head, (size_t)n);
	text[n + e->body_len] = '\0';
	e->msg = text;
	e->msg_len = (size_t)n + e->body_len;
	e->body = text + n;
	return ERR_NONE;
}

/* Copy member key of a checked object into *field. Returns 0, or -1. */
static int
answer_take(struct json_object *obj, const char *key, char **field)
{
	const char	*v = json_get_string(obj, key);

	if (v == NULL)
		return 0;
	return (*field = strdup(v)) != NULL ? 0 : -1;
}

/* The identity of a checked activation answer into st. */
int
answer_activation(struct json_object *json, const char *customer_id,
    struct state *st, char *err, size_t errlen)
{
	const char	*id, *cred, *customer;

	memset(st, 0, sizeof(*st));
	if (answer_check_members(activate_members, json, err, errlen) == -1)
		return -1;
	id = json_get_string(json, "agent_id");
	cred = json_get_string(json, "credential");
	customer = json_get_string(json, "customer_id");
	if (strncmp(cred, id, 36) != 0) {
		snprintf(err, errlen, "member \"credential\" belongs to "
		    "another agent than %s", id);
		return -1;
	}
	if (customer != NULL && customer_id != NULL && customer_id[0] != '\0' &&
	    strcmp(customer, customer_id) != 0) {
		snprintf(err, errlen, "member \"customer_id\" is %s, not the "
		    "configured %s", customer, customer_id);
		return -1;
	}
	if (answer_take(json, "agent_id", &st->agent_id) == -1 ||
	    answer_take(json, "credential", &st->credential) == -1 ||
	    answer_take(json, "correlation_id", &st->correlation_id) == -1 ||
	    answer_take(json, "customer_id", &st->customer_id) == -1 ||
	    answer_take(json, "manifest_public_key",
	    &st->manifest_public_key) == -1) {
		state_free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* What a checked heartbeat answer says, into hb. */
void
answer_heartbeat(struct json_object *json, struct answer_heartbeat *hb)
{
	struct json_object	*cmds, *v;
	const char		*name;
	size_t			 i, n;

	memset(hb, 0, sizeof(*hb));
	hb->profile_id = hb->profile_version = -1;
	hb->agent_id = json_get_string(json, "agent_id");
	if (json_get_int64(json, "profile_id", &hb->profile_id) == -1)
		hb->profile_id = -1;
	if (json_get_int64(json, "profile_version",
	    &hb->profile_version) == -1)
		hb->profile_version = -1;
	hb->has_interval = json_get_int64(json, "heartbeat_interval",
	    &hb->interval) == 0;
	hb->has_server_time = json_get_int64(json, "server_time",
	    &hb->server_time) == 0;
	if (!json_object_object_get_ex(json, "commands", &cmds) ||
	    !json_object_is_type(cmds, json_type_array))
		return;
	n = json_object_array_length(cmds);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(cmds, i);
		if ((name = json_object_get_string(v)) == NULL ||
		    !json_object_is_type(v, json_type_string))
			continue;
		if (strcmp(name, "uninstall") == 0)
			hb->uninstall = 1;
		else if (strcmp(name, "reactivate") == 0)
			hb->reactivate = 1;
		else
			hb->unknown++;
	}
}
