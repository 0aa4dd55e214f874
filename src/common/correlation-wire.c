/*
 * correlation-wire.c: format and check the correlation ID line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "correlation-wire.h"

/* Is c a lower-case hex digit? */
static int
corr_is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Is s a correlation id? Returns 1 or 0. */
int
corr_id_is_valid(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < CORR_ID_LEN; i++)
		if (!corr_is_hex((unsigned char)s[i]))
			return 0;
	return s[CORR_ID_LEN] == '\0';
}

/* Write the line for cid. Returns its length, or -1. */
int
corr_wire_format(const char *cid, char *buf, size_t len)
{
	if (!corr_id_is_valid(cid) || len < CORR_WIRE_LEN + 1)
		return -1;
	return snprintf(buf, len, "%s%s\r\n", CORR_WIRE_PREFIX, cid);
}

/* Describe byte c for an error message. */
static const char *
corr_byte_text(int c, char *buf, size_t len)
{
	if (c >= 0x21 && c <= 0x7e)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "0x%02x", (unsigned int)c);
	return buf;
}

/* Check what a service sent. Returns 1 (a line), 0 (more), or -1. */
int
corr_wire_parse(const char *buf, size_t len, char cid[CORR_ID_LEN + 1],
    char *err, size_t errlen)
{
	char	 got[8];
	size_t	 i;
	int	 c;

	for (i = 0; i < len && i < CORR_WIRE_LEN; i++) {
		c = (unsigned char)buf[i];
		if (i < CORR_WIRE_PREFIX_LEN) {
			if (c != CORR_WIRE_PREFIX[i]) {
				snprintf(err, errlen, "byte %zu: expected "
				    "\"%s\", got %s: not an outpost "
				    "correlation service", i, CORR_WIRE_PREFIX,
				    corr_byte_text(c, got, sizeof(got)));
				return -1;
			}
		} else if (i < CORR_WIRE_PREFIX_LEN + CORR_ID_LEN) {
			if (!corr_is_hex(c)) {
				snprintf(err, errlen, "byte %zu: expected a "
				    "lower-case hex digit of the correlation "
				    "id, got %s", i,
				    corr_byte_text(c, got, sizeof(got)));
				return -1;
			}
		} else if (i == CORR_WIRE_LEN - 2 && c != '\r') {
			snprintf(err, errlen, "byte %zu: expected CR after "
			    "the %d-digit correlation id, got %s", i,
			    CORR_ID_LEN, corr_byte_text(c, got, sizeof(got)));
			return -1;
		} else if (i == CORR_WIRE_LEN - 1 && c != '\n') {
			snprintf(err, errlen, "byte %zu: expected LF to end "
			    "the line, got %s", i,
			    corr_byte_text(c, got, sizeof(got)));
			return -1;
		}
	}
	if (len < CORR_WIRE_LEN)
		return 0;
	if (len > CORR_WIRE_LEN) {
		snprintf(err, errlen, "%zu unexpected bytes after the line",
		    len - CORR_WIRE_LEN);
		return -1;
	}
	memcpy(cid, buf + CORR_WIRE_PREFIX_LEN, CORR_ID_LEN);
	cid[CORR_ID_LEN] = '\0';
	return 1;
}
