/*
 * body.h: request body decoding (body.c). A gzip body is inflated into a
 * buffer that never grows past a cap, so a small body that would inflate
 * to gigabytes costs at most the cap.
 */
#ifndef OUTPOST_BODY_H
#define OUTPOST_BODY_H

#include <stddef.h>

enum body_result {
	BODY_OK = 0,
	BODY_TOO_LARGE,
	BODY_CORRUPT,
	BODY_NOMEM
};

enum body_result body_inflate(const void *, size_t, size_t cap, char **,
	    size_t *);

#endif /* OUTPOST_BODY_H */
