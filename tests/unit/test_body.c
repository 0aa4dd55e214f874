/* test_body.c: unit tests of body.c (capped gzip inflation). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "body.h"

/* Gzip len bytes of in into a new buffer. Returns it with *outlen set. */
static unsigned char *
gzip_buf(const void *in, size_t len, size_t *outlen)
{
	z_stream	 zs;
	unsigned char	*out;
	size_t		 cap = compressBound(len) + 64;

	out = malloc(cap);
	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* A small document inflates back exactly. */
static void
test_roundtrip(void **state)
{
	const char	*doc = "{\"type\":\"full\",\"data\":{}}";
	unsigned char	*gz;
	char		*out;
	size_t		 gzlen, outlen;

	gz = gzip_buf(doc, strlen(doc), &gzlen);
	assert_int_equal(body_inflate(gz, gzlen, 1024, &out, &outlen),
	    BODY_OK);
	assert_int_equal(outlen, strlen(doc));
	assert_string_equal(out, doc);
	free(out);
	free(gz);
}

/* A body bigger than the cap is refused; exactly the cap is accepted. */
static void
test_cap(void **state)
{
	size_t		 n = 1 << 20, gzlen, outlen;
	char		*zeros = calloc(1, n), *out;
	unsigned char	*gz;

	assert_non_null(zeros);
	gz = gzip_buf(zeros, n, &gzlen);
	assert_int_equal(body_inflate(gz, gzlen, n - 1, &out, &outlen),
	    BODY_TOO_LARGE);
	assert_null(out);
	assert_int_equal(body_inflate(gz, gzlen, n, &out, &outlen), BODY_OK);
	assert_int_equal(outlen, n);
	free(out);
	free(gz);
	free(zeros);
}

/* Garbage, truncated streams and trailing bytes are corrupt. */
static void
test_corrupt(void **state)
{
	const char	*doc = "{\"a\":1}";
	unsigned char	*gz, *more;
	char		*out;
	size_t		 gzlen, outlen;

	assert_int_equal(body_inflate("not gzip", 8, 1024, &out, &outlen),
	    BODY_CORRUPT);
	gz = gzip_buf(doc, strlen(doc), &gzlen);
	assert_int_equal(body_inflate(gz, gzlen / 2, 1024, &out, &outlen),
	    BODY_CORRUPT);
	more = malloc(gzlen + 4);
	assert_non_null(more);
	memcpy(more, gz, gzlen);
	memcpy(more + gzlen, "junk", 4);
	assert_int_equal(body_inflate(more, gzlen + 4, 1024, &out, &outlen),
	    BODY_CORRUPT);
	gz[gzlen - 1] ^= 0xff;	/* bad length in the trailer */
	assert_int_equal(body_inflate(gz, gzlen, 1024, &out, &outlen),
	    BODY_CORRUPT);
	free(more);
	free(gz);
}

/* An empty document inflates to an empty string. */
static void
test_empty(void **state)
{
	unsigned char	*gz;
	char		*out;
	size_t		 gzlen, outlen;

	gz = gzip_buf("", 0, &gzlen);
	assert_int_equal(body_inflate(gz, gzlen, 16, &out, &outlen), BODY_OK);
	assert_int_equal(outlen, 0);
	assert_string_equal(out, "");
	free(out);
	free(gz);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
