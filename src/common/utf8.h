/*
 * utf8.h: strict UTF-8 (RFC 3629, Unicode table 3-7), for the strings
 * the platform takes from agents and admins and the answers it sends: no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF, no NUL.
 */
#ifndef OUTPOST_UTF8_H
#define OUTPOST_UTF8_H

#include <stddef.h>

/* Why bytes are not strict UTF-8 (UTF8_OK when they are). */
enum utf8_error {
	UTF8_OK = 0,
	UTF8_BAD_BYTE,		/* a byte no sequence starts or continues with */
	UTF8_TRUNCATED,		/* the text ends inside a sequence */
	UTF8_OVERLONG,		/* a longer form than the code point needs */
	UTF8_SURROGATE,		/* U+D800..U+DFFF encoded */
	UTF8_TOO_LARGE,		/* above U+10FFFF */
	UTF8_NUL		/* U+0000 */
};

/*
 * Check len bytes. Returns UTF8_OK, or the first error with *offset (when
 * not NULL) at the first byte of the bad sequence.
 */
enum utf8_error	 utf8_check(const void *, size_t len, size_t *offset);
/*
 * The length (1..4) of the well-formed sequence at the start of s, or 0
 * with the reason in *err. len must be at least 1.
 */
size_t		 utf8_sequence(const unsigned char *s, size_t len,
		    enum utf8_error *err);
/* A short English text for an error ("overlong encoding"). */
const char	*utf8_error_text(enum utf8_error);
/*
 * Copy len bytes with every ill-formed byte and every NUL replaced by
 * U+FFFD. Returns a new NUL-terminated string (its length in *outlen
 * when not NULL), or NULL when out of memory.
 */
char		*utf8_sanitize(const char *, size_t len, size_t *outlen);

#endif /* OUTPOST_UTF8_H */
