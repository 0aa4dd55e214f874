/*
 * utf8.c: strict UTF-8 checking and repair. A sequence is well formed
 * exactly when Unicode's table 3-7 says so; anything else is named
 * (overlong, surrogate, above U+10FFFF, truncated, stray byte) so that an
 * error answer can say what is wrong. Runs of ASCII are checked eight
 * bytes at a time, since almost everything the platform sees is ASCII.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define UTF8_HIGH_BITS	0x8080808080808080ULL
#define UTF8_LOW_BITS	0x0101010101010101ULL

/*
 * The length (1..4) of the well-formed sequence at the start of s, or 0
 * with the reason in *err.
 */
size_t
utf8_sequence(const unsigned char *s, size_t len, enum utf8_error *err)
{
	unsigned char	 c = s[0], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c == 0) {
		*err = UTF8_NUL;
		return 0;
	}
	if (c < 0x80)
		return 1;
	if (c < 0xc0) {
		*err = UTF8_BAD_BYTE;
		return 0;
	}
	if (c < 0xc2) {
		*err = UTF8_OVERLONG;
		return 0;
	}
	if (c < 0xe0)
		n = 2;
	else if (c < 0xf0)
		n = 3;
	else if (c < 0xf5)
		n = 4;
	else {
		*err = UTF8_TOO_LARGE;
		return 0;
	}
	/* The second byte's range depends on the first (table 3-7). */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++) {
		if (i >= len) {
			*err = UTF8_TRUNCATED;
			return 0;
		}
		if (s[i] < lo || s[i] > hi) {
			if (i > 1 || s[i] < 0x80 || s[i] > 0xbf)
				*err = UTF8_BAD_BYTE;
			else if (c == 0xed)
				*err = UTF8_SURROGATE;
			else if (c == 0xf4)
				*err = UTF8_TOO_LARGE;
			else
				*err = UTF8_OVERLONG;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/*
 * Check len bytes. Returns UTF8_OK, or the first error with *offset at
 * its first byte.
 */
enum utf8_error
utf8_check(const void *buf, size_t len, size_t *offset)
{
	const unsigned char	*s = buf;
	enum utf8_error		 err = UTF8_OK;
	uint64_t		 w;
	size_t			 i = 0, n;

	while (i < len) {
		/* Eight ASCII bytes, none of them NUL? */
		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (((w | ((w - UTF8_LOW_BITS) & ~w)) &
			    UTF8_HIGH_BITS) == 0) {
				i += 8;
				continue;
			}
		}
		if ((n = utf8_sequence(s + i, len - i, &err)) == 0) {
			if (offset != NULL)
				*offset = i;
			return err;
		}
		i += n;
	}
	return UTF8_OK;
}

/* A short English text for an error. Returns it. */
const char *
utf8_error_text(enum utf8_error err)
{
	switch (err) {
	case UTF8_OK:
		return "valid UTF-8";
	case UTF8_BAD_BYTE:
		return "invalid UTF-8 byte";
	case UTF8_TRUNCATED:
		return "truncated UTF-8 sequence";
	case UTF8_OVERLONG:
		return "overlong UTF-8 encoding";
	case UTF8_SURROGATE:
		return "UTF-16 surrogate encoded in UTF-8";
	case UTF8_TOO_LARGE:
		return "code point above U+10FFFF";
	case UTF8_NUL:
		return "NUL character";
	}
	return "invalid UTF-8";
}

/*
 * Copy len bytes with each ill-formed byte (and NUL) replaced by U+FFFD.
 * Returns a new string, or NULL.
 */
char *
utf8_sanitize(const char *buf, size_t len, size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)buf;
	enum utf8_error		 err;
	char			*out, *o;
	size_t			 i = 0, n;

	/* Each input byte becomes at most three output bytes. */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if ((n = utf8_sequence(s + i, len - i, &err)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, s + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return out;
}
