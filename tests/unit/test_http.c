/*
 * test_http.c: the parts of http.c that need no network: pin forms,
 * settings that are refused, requests that are refused, and freeing a
 * client with calls in flight (no callback, nothing leaked).
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "http.h"
#include "log.h"
#include "proxy.h"

#define PIN_HEX	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define PIN_B64	"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8="

static int	callbacks;

/* A completion callback that must not run in these tests. */
static void
count_cb(const struct http_response *r, void *arg)
{
	callbacks++;
}

/* Hex (either case), base64 and "sha256//" forms give curl's form. */
static void
test_pin_forms(void **state)
{
	char	 buf[128], upper[65];
	size_t	 i;

	assert_int_equal(http_pin_normalize(PIN_HEX, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sha256//" PIN_B64);
	for (i = 0; i < 64; i++)
		upper[i] = (char)(PIN_HEX[i] >= 'a' ? PIN_HEX[i] - 32 :
		    PIN_HEX[i]);
	upper[64] = '\0';
	assert_int_equal(http_pin_normalize(upper, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sha256//" PIN_B64);
	assert_int_equal(http_pin_normalize(PIN_B64, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sha256//" PIN_B64);
	assert_int_equal(http_pin_normalize("sha256//" PIN_B64, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "sha256//" PIN_B64);
}

/* Anything else is refused. */
static void
test_pin_bad(void **state)
{
	static const char *const bad[] = {
		"", "abc", PIN_HEX "00", "g123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef",
		"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8",
		"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrz==",
		"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrz!8=",
		"sha256//" PIN_HEX "0",
	};
	char	 buf[128];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_pin_normalize(bad[i], buf, sizeof(buf)),
		    -1);
	/* Too small an output buffer. */
	assert_int_equal(http_pin_normalize(PIN_HEX, buf, 20), -1);
}

/* A malformed pin makes http_new() fail. */
static void
test_new_bad_pin(void **state)
{
	struct event_base	*base;
	struct http_settings	 s;

	assert_non_null(base = event_base_new());
	memset(&s, 0, sizeof(s));
	s.pin_sha256 = "not-a-pin";
	assert_null(http_new(base, &s));
	s.pin_sha256 = PIN_HEX;
	http_free(http_new(base, &s));
	event_base_free(base);
}

/* Non-https URLs and unknown proxies are refused at once. */
static void
test_request_refused(void **state)
{
	struct event_base	*base;
	struct http_settings	 s;
	struct http_request	 req;
	struct http		*h;

	assert_non_null(base = event_base_new());
	memset(&s, 0, sizeof(s));
	assert_non_null(h = http_new(base, &s));
	memset(&req, 0, sizeof(req));
	req.url = "http://platform.example/";
	assert_null(http_request(h, &req, count_cb, NULL));
	req.url = "not a url";
	assert_null(http_request(h, &req, count_cb, NULL));
	req.url = "https://platform.example/";
	req.route = HTTP_ROUTE_PROXY;
	req.route_proxy = 0;
	assert_null(http_request(h, &req, count_cb, NULL));
	assert_int_equal(http_pending(h), 0);
	http_free(h);
	event_base_free(base);
}

/* Freeing a client cancels its calls without calling back. */
static void
test_free_with_calls(void **state)
{
	struct event_base	*base;
	struct http_settings	 s;
	struct http_request	 req;
	struct http		*h;
	struct http_call	*c1, *c2;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct timeval		 tv = { 0, 200000 };
	static const char *const headers[] = { "X-Test: 1", NULL };
	char			 url[64];
	int			 fd;

	/* A peer that accepts TCP (backlog) but never speaks TLS. */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/",
	    ntohs(sin.sin_port));
	callbacks = 0;
	assert_non_null(base = event_base_new());
	memset(&s, 0, sizeof(s));
	assert_non_null(h = http_new(base, &s));
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = "hello";
	req.body_len = 5;
	req.gzip_body = 1;
	assert_non_null(c1 = http_request(h, &req, count_cb, NULL));
	req.gzip_body = 0;
	assert_non_null(c2 = http_request(h, &req, count_cb, NULL));
	assert_int_equal(http_pending(h), 2);
	http_cancel(c1);
	assert_int_equal(http_pending(h), 1);
	/* Let the transfer connect and wait for the TLS answer. */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(callbacks, 0);
	assert_int_equal(http_pending(h), 1);
	http_free(h);
	event_base_free(base);
	close(fd);
	assert_int_equal(callbacks, 0);
	(void)c2;
}

/* Run every test. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_forms),
		cmocka_unit_test(test_pin_bad),
		cmocka_unit_test(test_new_bad_pin),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_free_with_calls),
	};

	log_init("test_http", 0, LOG_LEVEL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
