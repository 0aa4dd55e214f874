/*
 * test_correlation_wire.c: unit tests of src/common/correlation-wire.c,
 * the line the correlation ID service sends and outpost-scan reads:
 * formatted exactly, parsed strictly byte by byte (the error names the
 * byte), and the correlation id's own form.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "correlation-wire.h"

#define CID	"5b0e2a7c9d1f4e3a8b6c0d2e4f6a8b1c"

/* The wire line: formatted exactly, parsed strictly, byte by byte. */
static void
test_wire(void **unused)
{
	char	 buf[CORR_WIRE_LEN + 1], cid[CORR_ID_LEN + 1], err[256];
	int	 len;

	len = corr_wire_format(CID, buf, sizeof(buf));
	assert_int_equal(len, CORR_WIRE_LEN);
	assert_string_equal(buf, "OUTPOST-CID/1 " CID "\r\n");
	assert_int_equal(corr_wire_format("XYZ", buf, sizeof(buf)), -1);
	assert_int_equal(corr_wire_format(CID, buf, 10), -1);

	assert_int_equal(corr_wire_parse(buf, (size_t)len, cid, err,
	    sizeof(err)), 1);
	assert_string_equal(cid, CID);
	assert_int_equal(corr_wire_parse(buf, 20, cid, err, sizeof(err)), 0);
	assert_int_equal(corr_wire_parse(buf, 0, cid, err, sizeof(err)), 0);
	assert_int_equal(corr_wire_parse("SSH-2.0-OpenSSH\r\n", 17, cid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 0"));
	assert_non_null(strstr(err, "not an outpost correlation service"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 5B0E", 18, cid, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "byte 15"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\n", 47, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected CR"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\r\r", 48, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected LF"));
	assert_int_equal(corr_wire_parse("OUTPOST-CID/1 " CID "\r\nX", 49, cid,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1 unexpected bytes"));

	assert_int_equal(corr_id_is_valid(CID), 1);
	assert_int_equal(corr_id_is_valid(CID "0"), 0);
	assert_int_equal(corr_id_is_valid("5B0E2A7C9D1F4E3A8B6C0D2E4F6A8B1C"),
	    0);
	assert_int_equal(corr_id_is_valid(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
