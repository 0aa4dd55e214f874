/*
 * correlation-wire.h: the correlation ID wire format (docs/protocol.md
 * section 6), shared by the agent's service, its health check and
 * outpost-scan. On each accepted connection the agent writes exactly
 *
 *	OUTPOST-CID/1 <32 lower-case hex digits>\r\n
 *
 * and closes.
 */
#ifndef OUTPOST_CORRELATION_WIRE_H
#define OUTPOST_CORRELATION_WIRE_H

#include <stddef.h>

#define CORR_ID_LEN		32
#define CORR_WIRE_PREFIX	"OUTPOST-CID/1 "
#define CORR_WIRE_PREFIX_LEN	(sizeof(CORR_WIRE_PREFIX) - 1)
/* The length of the whole line, CR LF included. */
#define CORR_WIRE_LEN		(CORR_WIRE_PREFIX_LEN + CORR_ID_LEN + 2)
/* The default ports of the service (profile "correlation.ports"). */
#define CORR_DEFAULT_PORTS	{ 10001, 10002, 10003, 10004, 10005 }

/* Is s a correlation id (32 lower-case hex digits)? Returns 1 or 0. */
int	corr_id_is_valid(const char *s);
/*
 * Write the line for cid into buf (at least CORR_WIRE_LEN + 1 bytes).
 * Returns its length, or -1 if cid is not valid.
 */
int	corr_wire_format(const char *cid, char *buf, size_t len);
/*
 * Check the len bytes a service sent. Returns 1 for one complete line
 * (its id copied to cid), 0 when the bytes are a correct beginning of a
 * line and more must be read, or -1 when they are not the format (err
 * names the byte and why).
 */
int	corr_wire_parse(const char *buf, size_t len,
	    char cid[CORR_ID_LEN + 1], char *err, size_t errlen);

#endif /* OUTPOST_CORRELATION_WIRE_H */
