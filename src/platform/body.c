/*
 * body.c: request body decoding. A gzip body is inflated in a streaming
 * fashion into a buffer that never grows past a cap, so a small body that
 * would inflate to gigabytes ("gzip bomb") costs at most the cap.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "body.h"

#define BODY_CHUNK	(64 * 1024)

/*
 * Inflate the gzip stream in (len bytes) into a new NUL-terminated buffer
 * of at most cap bytes. Returns BODY_OK with out and outlen set, or
 * BODY_TOO_LARGE, BODY_CORRUPT or BODY_NOMEM (nothing allocated).
 */
enum body_result
body_inflate(const void *in, size_t len, size_t cap, char **out,
    size_t *outlen)
{
	z_stream		 zs;
	char			*buf = NULL, *nbuf;
	size_t			 size = 0, used = 0, want;
	enum body_result	 res = BODY_CORRUPT;
	int			 zrc;

	*out = NULL;
	*outlen = 0;
	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: gzip header and trailer only. */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return BODY_NOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = 0;
	for (;;) {
		if (zs.avail_in == 0 && len > 0) {
			want = len > (1U << 30) ? (1U << 30) : len;
			zs.avail_in = (uInt)want;
			len -= want;
		}
		if (used == size) {
			if (size >= cap) {
				res = BODY_TOO_LARGE;
				goto fail;
			}
			want = size == 0 ? BODY_CHUNK : size * 2;
			if (want > cap)
				want = cap;
			if ((nbuf = realloc(buf, want + 1)) == NULL) {
				res = BODY_NOMEM;
				goto fail;
			}
			buf = nbuf;
			size = want;
		}
		zs.next_out = (Bytef *)buf + used;
		zs.avail_out = (uInt)(size - used);
		zrc = inflate(&zs, Z_NO_FLUSH);
		used = size - zs.avail_out;
		if (zrc == Z_STREAM_END) {
			/* Trailing data after the stream is refused. */
			if (zs.avail_in != 0 || len != 0)
				goto fail;
			break;
		}
		if (zrc == Z_BUF_ERROR && zs.avail_in == 0 && len == 0)
			goto fail;	/* truncated */
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			res = zrc == Z_MEM_ERROR ? BODY_NOMEM : BODY_CORRUPT;
			goto fail;
		}
	}
	inflateEnd(&zs);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return BODY_NOMEM;
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	return BODY_OK;
fail:
	inflateEnd(&zs);
	free(buf);
	return res;
}
