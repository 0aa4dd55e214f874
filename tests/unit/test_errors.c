/*
 * test_errors.c: the error table is complete and stable, and finished
 * transfers are classified into the right codes with useful details.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "errors.h"

/* Every row sits at its code's index and has unique ids and names. */
static void
test_table(void **state)
{
	const struct error_info	*a, *b;
	int			 i, j;

	for (i = 0; i < ERR_MAX; i++) {
		a = error_info((enum error_code)i);
		assert_int_equal(a->code, i);
		assert_int_equal(strlen(a->id), 4);
		assert_true(a->id[0] == 'E');
		assert_true(strlen(a->message) > 0);
		assert_true(strlen(a->cause) > 0);
		assert_true(strlen(a->check) > 0);
		assert_null(strchr(a->message, '\n'));
		assert_int_equal(error_lookup(a->id), i);
		assert_int_equal(error_lookup(a->name), i);
		for (j = 0; j < i; j++) {
			b = error_info((enum error_code)j);
			assert_string_not_equal(a->id, b->id);
			assert_string_not_equal(a->name, b->name);
		}
	}
	assert_int_equal(error_lookup("E999"), -1);
	assert_string_equal(error_info((enum error_code)9999)->id, "E901");
}

/* The stable ids the documentation and the platform rely on. */
static void
test_stable_ids(void **state)
{
	assert_string_equal(error_id(ERR_NONE), "E000");
	assert_string_equal(error_id(ERR_DNS), "E101");
	assert_string_equal(error_id(ERR_CONNECT_REFUSED), "E102");
	assert_string_equal(error_id(ERR_CONNECT_TIMEOUT), "E103");
	assert_string_equal(error_id(ERR_TLS_VERIFY), "E201");
	assert_string_equal(error_id(ERR_PIN_MISMATCH), "E202");
	assert_string_equal(error_id(ERR_PROXY_FAILURE), "E301");
	assert_string_equal(error_id(ERR_PROXY_AUTH), "E302");
	assert_string_equal(error_id(ERR_PROXY_REJECTED), "E303");
	assert_string_equal(error_id(ERR_HTTP), "E401");
	assert_string_equal(error_id(ERR_ACTIVATION_REJECTED), "E402");
	assert_string_equal(error_id(ERR_CREDENTIAL_REVOKED), "E403");
	assert_string_equal(error_id(ERR_UNINSTALLED), "E404");
	assert_string_equal(error_id(ERR_STATE_UNREADABLE), "E501");
	assert_string_equal(error_id(ERR_WRITE_FAILURE), "E502");
	assert_string_equal(error_id(ERR_DIR_MISSING), "E504");
	assert_string_equal(error_id(ERR_AUDIT_DISABLED), "E705");
	assert_string_equal(error_id(ERR_FIM_UNCLEAN), "E706");
	assert_true(error_is_proxy_failure(ERR_PROXY_FAILURE));
	assert_true(error_is_proxy_failure(ERR_PROXY_AUTH));
	assert_true(error_is_proxy_failure(ERR_PROXY_REJECTED));
	assert_false(error_is_proxy_failure(ERR_TLS_VERIFY));
	assert_false(error_is_proxy_failure(ERR_CONNECT_REFUSED));
}

/* The cause of a failure: the same but for what varies between tries. */
static void
test_cause(void **state)
{
	char	 a[256], b[256];

	error_cause_text("https://p:8443/x via direct: Connection timed out "
	    "after 10001 milliseconds", a, sizeof(a));
	error_cause_text("https://p:8443/x via direct: Connection timed out "
	    "after 10002 milliseconds", b, sizeof(b));
	assert_string_equal(a, b);
	assert_string_equal(a, "https://p:8443/x via direct: Connection "
	    "timed out after # milliseconds");
	error_cause_text("Failed to connect to p port 8443 after 3 ms: "
	    "refused; with 12 out of 40 bytes received", a, sizeof(a));
	assert_string_equal(a, "Failed to connect to p port 8443 after # ms: "
	    "refused; with # out of # bytes received");
	/* A port or an HTTP status is part of the cause. */
	error_cause_text("via direct: HTTP 503", a, sizeof(a));
	error_cause_text("via direct: HTTP 500", b, sizeof(b));
	assert_string_not_equal(a, b);
	assert_string_equal(error_write_cause(ENOENT),
	    "the directory is missing");
	assert_string_equal(error_write_cause(ENOSPC),
	    "the file system is full");
	assert_string_equal(error_write_cause(EROFS),
	    "the file system is read-only");
}

/* Classify one transfer; returns the code, detail in buf. */
static enum error_code
classify(int curl_code, long status, long connect_code, long os_errno,
    int connected, const char *proxy, char *buf, size_t len)
{
	struct error_transfer	 t;

	memset(&t, 0, sizeof(t));
	t.curl_code = curl_code;
	t.http_status = status;
	t.connect_code = connect_code;
	t.os_errno = os_errno;
	t.connected = connected;
	t.via_proxy = proxy != NULL;
	t.proxy = proxy;
	t.url = "https://platform.example:8443/agent/v1/checkin";
	return error_from_transfer(&t, buf, len);
}

/* Direct transfers: DNS, connect, timeouts, TLS, HTTP statuses. */
static void
test_direct(void **state)
{
	char	 d[512];

	assert_int_equal(classify(CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, 0,
	    NULL, d, sizeof(d)), ERR_DNS);
	assert_non_null(strstr(d, "https://platform.example:8443/agent/v1/"
	    "checkin via direct: cannot resolve the host (curl 6: "));
	assert_int_equal(classify(CURLE_COULDNT_CONNECT, 0, 0, ECONNREFUSED,
	    0, NULL, d, sizeof(d)), ERR_CONNECT_REFUSED);
	assert_non_null(strstr(d, "connection refused"));
	assert_non_null(strstr(d, strerror(ECONNREFUSED)));
	assert_int_equal(classify(CURLE_COULDNT_CONNECT, 0, 0, ETIMEDOUT, 0,
	    NULL, d, sizeof(d)), ERR_CONNECT_TIMEOUT);
	assert_int_equal(classify(CURLE_COULDNT_CONNECT, 0, 0, EHOSTUNREACH,
	    0, NULL, d, sizeof(d)), ERR_CONNECT_TIMEOUT);
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, NULL,
	    d, sizeof(d)), ERR_CONNECT_TIMEOUT);
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 1, NULL,
	    d, sizeof(d)), ERR_TIMEOUT);
	assert_int_equal(classify(CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0, 1,
	    NULL, d, sizeof(d)), ERR_TLS_VERIFY);
	assert_non_null(strstr(d, "certificate verification failed"));
	assert_int_equal(classify(CURLE_SSL_CACERT_BADFILE, 0, 0, 0, 1, NULL,
	    d, sizeof(d)), ERR_TLS_VERIFY);
	assert_int_equal(classify(CURLE_SSL_PINNEDPUBKEYNOTMATCH, 0, 0, 0, 1,
	    NULL, d, sizeof(d)), ERR_PIN_MISMATCH);
	assert_int_equal(classify(CURLE_SSL_CONNECT_ERROR, 0, 0, 0, 1, NULL,
	    d, sizeof(d)), ERR_TLS_HANDSHAKE);
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 0, ECONNRESET, 1,
	    NULL, d, sizeof(d)), ERR_NETWORK);
	assert_int_equal(classify(CURLE_BAD_CONTENT_ENCODING, 200, 0, 0, 1,
	    NULL, d, sizeof(d)), ERR_BAD_RESPONSE);
	assert_int_equal(classify(CURLE_FILESIZE_EXCEEDED, 200, 0, 0, 1,
	    NULL, d, sizeof(d)), ERR_RESPONSE_TOO_LARGE);
	assert_int_equal(classify(CURLE_OK, 200, 0, 0, 1, NULL, d,
	    sizeof(d)), ERR_NONE);
	assert_non_null(strstr(d, "via direct: HTTP 200"));
	assert_int_equal(classify(CURLE_OK, 304, 0, 0, 1, NULL, d,
	    sizeof(d)), ERR_NONE);
	assert_int_equal(classify(CURLE_OK, 500, 0, 0, 1, NULL, d,
	    sizeof(d)), ERR_HTTP);
	assert_non_null(strstr(d, "HTTP error 500"));
	assert_int_equal(classify(CURLE_OK, 0, 0, 0, 1, NULL, d, sizeof(d)),
	    ERR_BAD_RESPONSE);
}

/* Transfers through a proxy: which failures are the proxy's. */
static void
test_proxy(void **state)
{
	const char	*p = "http://agent:****@10.0.0.1:3128";
	char		 d[512];

	assert_int_equal(classify(CURLE_COULDNT_CONNECT, 0, 0, ECONNREFUSED,
	    0, p, d, sizeof(d)), ERR_PROXY_FAILURE);
	assert_non_null(strstr(d, "via http://agent:****@10.0.0.1:3128: "
	    "proxy refused the connection"));
	assert_int_equal(classify(CURLE_COULDNT_RESOLVE_PROXY, 0, 0, 0, 0, p,
	    d, sizeof(d)), ERR_PROXY_FAILURE);
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, p, d,
	    sizeof(d)), ERR_PROXY_FAILURE);
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_FAILURE);
	assert_int_equal(classify(CURLE_OPERATION_TIMEDOUT, 0, 200, 0, 1, p,
	    d, sizeof(d)), ERR_TIMEOUT);
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 407, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_AUTH);
	assert_non_null(strstr(d, "HTTP 407 to CONNECT"));
	assert_int_equal(classify(CURLE_OK, 407, 407, 0, 1, p, d, sizeof(d)),
	    ERR_PROXY_AUTH);
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 401, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_AUTH);
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 403, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_REJECTED);
	assert_non_null(strstr(d, "proxy rejected CONNECT (HTTP 403"));
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 502, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_REJECTED);
	assert_int_equal(classify(CURLE_GOT_NOTHING, 0, 0, 0, 1, p, d,
	    sizeof(d)), ERR_PROXY_FAILURE);
	/* Once the tunnel is up, failures are the platform's. */
	assert_int_equal(classify(CURLE_PEER_FAILED_VERIFICATION, 0, 200, 0,
	    1, p, d, sizeof(d)), ERR_TLS_VERIFY);
	assert_int_equal(classify(CURLE_OK, 503, 200, 0, 1, p, d, sizeof(d)),
	    ERR_HTTP);
	assert_int_equal(classify(CURLE_OK, 200, 200, 0, 1, p, d, sizeof(d)),
	    ERR_NONE);
	assert_int_equal(classify(CURLE_RECV_ERROR, 0, 200, 0, 1, p, d,
	    sizeof(d)), ERR_NETWORK);
}

/* A short buffer truncates the detail, never overflows it. */
static void
test_short_detail(void **state)
{
	char	 d[16];

	memset(d, 'x', sizeof(d));
	assert_int_equal(classify(CURLE_OK, 500, 0, 0, 1, NULL, d, 8),
	    ERR_HTTP);
	assert_int_equal(strlen(d), 7);
	assert_int_equal(d[8], 'x');
}

/* The printed table has one line per code. */
static void
test_print_table(void **state)
{
	FILE	*fp;
	char	 line[1024];
	int	 n = 0, rows;

	assert_non_null(fp = tmpfile());
	rows = errors_print_table(fp);
	assert_int_equal(rows, ERR_MAX - 1);
	rewind(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		assert_true(line[0] == 'E');
		assert_non_null(strstr(line, "(cause: "));
		n++;
	}
	assert_int_equal(n, rows);
	fclose(fp);
}

/* Run every test. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_stable_ids),
		cmocka_unit_test(test_cause),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_proxy),
		cmocka_unit_test(test_short_detail),
		cmocka_unit_test(test_print_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
