/*
 * httpget: test driver of the HTTPS client. It runs one event loop, starts
 * COUNT requests for the first URL with the http.c API in parallel, then
 * (once they are done) COUNT for the next URL, and so on; it optionally
 * ticks a repeating timer on the same loop, and prints what it saw as
 * lines for the shell tests (N numbers the requests across the URLs):
 *
 *	result N status=200 error=E000 proxy=direct attempts=1 body_len=12
 *	attempt N 1 http://127.0.0.1:3128 E301
 *	detail N <detail line>
 *	header N etag <value>
 *	peer N subject <certificate subject>		(with -I)
 *	ticks <count> maxgap_ms <ms> elapsed_ms <ms>
 *
 * Exit status: 0 when every request ended without error, 1 otherwise, 2 on
 * a usage or set-up error.
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "errors.h"
#include "http.h"
#include "log.h"
#include "proxy.h"

#define HTTPGET_MAX_HEADERS	16

/* One request's slot. */
struct httpget_slot {
	struct httpget	*g;
	int		 index;
};

/* The driver's state. */
struct httpget {
	struct event_base	*base;
	struct http		*http;
	struct http_call	**calls;
	struct http_request	*req;
	struct httpget_slot	*slots;
	char			**urls;
	int			 nurls;
	int			 stage;		/* the URL being requested */
	int			 count;
	int			 left;
	int			 failed;
	const char		*out_path;
	struct event		*tick;
	struct timeval		 tick_interval;
	long			 ticks;
	double			 last_tick_ms;
	double			 max_gap_ms;
	double			 start_ms;
	struct event		*cancel;
};

/* Milliseconds of the monotonic clock. */
static double
httpget_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Print usage and exit 2. */
static void
httpget_usage(void)
{
	fprintf(stderr, "usage: httpget [-DIz] [-c cafile] [-p pin] "
	    "[-P proxyfile | -e] [-V proxy_number]\n"
	    "\t[-X method] [-d data] [-H header]...\n"
	    "\t[-m max_response] [-C connect_ms] [-T timeout_ms] "
	    "[-t tick_ms] [-k cancel_ms]\n"
	    "\t[-n count] [-s seed] [-o outfile] url...\n");
	exit(2);
}

static void	httpget_done_cb(const struct http_response *, void *);
static void	httpget_maybe_exit(struct httpget *);

/* Start COUNT requests for the URL of the current stage. Returns 0, -1. */
static int
httpget_start_stage(struct httpget *g)
{
	struct httpget_slot	*slot;
	int			 i;

	g->req->url = g->urls[g->stage];
	for (i = 0; i < g->count; i++) {
		slot = &g->slots[g->stage * g->count + i];
		slot->g = g;
		slot->index = g->stage * g->count + i;
		if ((g->calls[i] = http_request(g->http, g->req,
		    httpget_done_cb, slot)) == NULL)
			return -1;
		g->left++;
	}
	return 0;
}

/* Go on with the next URL, or stop the loop once nothing is left. */
static void
httpget_maybe_exit(struct httpget *g)
{
	if (g->left == 0 && g->stage + 1 < g->nurls) {
		g->stage++;
		if (httpget_start_stage(g) == 0)
			return;
		g->failed++;
		g->stage = g->nurls;
	}
	if (g->left == 0) {
		if (g->tick != NULL)
			event_del(g->tick);
		if (g->cancel != NULL)
			event_del(g->cancel);
		event_base_loopexit(g->base, NULL);
	}
}

/* Completion callback: print the response as lines. */
static void
httpget_done_cb(const struct http_response *r, void *arg)
{
	struct httpget_slot	*slot = arg;
	struct httpget		*g = slot->g;
	FILE			*fp;
	int			 i;

	printf("result %d status=%ld error=%s proxy=%s attempts=%d "
	    "body_len=%zu\n", slot->index, r->status, error_id(r->error),
	    r->proxy != NULL ? r->proxy : "direct", r->nattempts,
	    r->body_len);
	for (i = 0; i < r->nattempts; i++)
		printf("attempt %d %d %s %s\n", slot->index, i + 1,
		    r->attempts[i].proxy, error_id(r->attempts[i].error));
	printf("detail %d %s\n", slot->index, r->detail);
	if (r->etag != NULL)
		printf("header %d etag %s\n", slot->index, r->etag);
	if (r->date != NULL)
		printf("header %d date %s\n", slot->index, r->date);
	if (r->peer.subject != NULL)
		printf("peer %d subject %s\n", slot->index, r->peer.subject);
	if (r->peer.issuer != NULL)
		printf("peer %d issuer %s\n", slot->index, r->peer.issuer);
	if (r->peer.not_after != NULL)
		printf("peer %d not_after %s\n", slot->index,
		    r->peer.not_after);
	if (r->content_type != NULL)
		printf("header %d content-type %s\n", slot->index,
		    r->content_type);
	fflush(stdout);
	if (g->out_path != NULL && slot->index == 0) {
		if ((fp = fopen(g->out_path, "w")) != NULL) {
			fwrite(r->body, 1, r->body_len, fp);
			fclose(fp);
		}
	}
	if (r->error != ERR_NONE)
		g->failed++;
	g->calls[slot->index % g->count] = NULL;
	g->left--;
	httpget_maybe_exit(g);
}

/* The repeating timer: count ticks and the longest gap between them. */
static void
httpget_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpget	*g = arg;
	double		 now = httpget_now_ms();

	if (g->ticks > 0 && now - g->last_tick_ms > g->max_gap_ms)
		g->max_gap_ms = now - g->last_tick_ms;
	g->last_tick_ms = now;
	g->ticks++;
}

/* The cancel timer: abort every call still in flight. */
static void
httpget_cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpget	*g = arg;
	int		 i;

	for (i = 0; i < g->count; i++) {
		if (g->calls[i] == NULL)
			continue;
		http_cancel(g->calls[i]);
		g->calls[i] = NULL;
		printf("cancelled %d\n", g->stage * g->count + i);
		g->failed++;
		g->left--;
	}
	fflush(stdout);
	httpget_maybe_exit(g);
}

/* Run the requests on one loop and print their outcomes. Returns 0, 1, 2. */
int
main(int argc, char *argv[])
{
	struct httpget		 g;
	struct http_settings	 s;
	struct http_request	 req;
	struct proxy_config	 pc;
	struct timeval		 tv;
	const char		*headers[HTTPGET_MAX_HEADERS + 1];
	const char		*proxy_file = NULL;
	int			 ch, nheaders = 0, use_env = 0, have_pc = 0;
	int			 rc = 2;
	long			 tick_ms = 0, cancel_ms = 0;

	memset(&g, 0, sizeof(g));
	memset(&s, 0, sizeof(s));
	memset(&req, 0, sizeof(req));
	memset(&pc, 0, sizeof(pc));
	g.count = 1;
	req.method = "GET";
	log_init("httpget", 1, LOG_LEVEL_DEBUG);

	while ((ch = getopt(argc, argv, "C:c:Dd:eH:Ik:m:n:o:P:p:s:T:t:V:X:z")) !=
	    -1) {
		switch (ch) {
		case 'C':
			s.connect_timeout_ms = atol(optarg);
			break;
		case 'c':
			s.ca_file = optarg;
			break;
		case 'D':
			req.route = HTTP_ROUTE_DIRECT;
			break;
		case 'd':
			req.body = optarg;
			req.body_len = strlen(optarg);
			break;
		case 'e':
			use_env = 1;
			break;
		case 'H':
			if (nheaders == HTTPGET_MAX_HEADERS)
				httpget_usage();
			headers[nheaders++] = optarg;
			break;
		case 'I':
			req.want_certificate = 1;
			break;
		case 'k':
			cancel_ms = atol(optarg);
			break;
		case 'm':
			s.max_response = (size_t)atol(optarg);
			break;
		case 'n':
			g.count = atoi(optarg);
			break;
		case 'o':
			g.out_path = optarg;
			break;
		case 'P':
			proxy_file = optarg;
			break;
		case 'p':
			s.pin_sha256 = optarg;
			break;
		case 's':
			s.seed = (unsigned int)atol(optarg);
			break;
		case 'T':
			s.timeout_ms = atol(optarg);
			break;
		case 't':
			tick_ms = atol(optarg);
			break;
		case 'V':
			req.route = HTTP_ROUTE_PROXY;
			req.route_proxy = atoi(optarg) - 1;
			break;
		case 'X':
			req.method = optarg;
			break;
		case 'z':
			req.gzip_body = 1;
			break;
		default:
			httpget_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || g.count < 1 || g.count > 1000)
		httpget_usage();
	headers[nheaders] = NULL;
	req.headers = headers;
	g.req = &req;
	g.urls = argv;
	g.nurls = argc;

	if (proxy_file != NULL || use_env) {
		if (proxy_config_load(&pc, proxy_file, NULL, NULL) == -1) {
			fprintf(stderr, "httpget: proxy configuration "
			    "refused\n");
			printf("result 0 status=0 error=%s proxy=none "
			    "attempts=0 body_len=0\n",
			    error_id(ERR_PROXY_CONFIG));
			return 1;
		}
		have_pc = 1;
		s.proxies = &pc;
	}

	if ((g.base = event_base_new()) == NULL)
		goto out;
	if ((g.http = http_new(g.base, &s)) == NULL)
		goto out;
	if ((g.calls = calloc(g.count, sizeof(*g.calls))) == NULL ||
	    (g.slots = calloc((size_t)g.count * g.nurls,
	    sizeof(*g.slots))) == NULL)
		goto out;
	if (tick_ms > 0) {
		g.tick_interval.tv_sec = tick_ms / 1000;
		g.tick_interval.tv_usec = (tick_ms % 1000) * 1000;
		if ((g.tick = event_new(g.base, -1, EV_PERSIST,
		    httpget_tick_cb, &g)) == NULL)
			goto out;
		event_add(g.tick, &g.tick_interval);
	}
	if (cancel_ms > 0) {
		if ((g.cancel = evtimer_new(g.base, httpget_cancel_cb, &g)) ==
		    NULL)
			goto out;
		tv.tv_sec = cancel_ms / 1000;
		tv.tv_usec = (cancel_ms % 1000) * 1000;
		evtimer_add(g.cancel, &tv);
	}
	if (httpget_start_stage(&g) == -1)
		goto out;
	g.start_ms = httpget_now_ms();
	event_base_dispatch(g.base);
	if (tick_ms > 0)
		printf("ticks %ld maxgap_ms %.0f elapsed_ms %.0f\n", g.ticks,
		    g.max_gap_ms, httpget_now_ms() - g.start_ms);
	printf("pending %d\n", http_pending(g.http));
	rc = g.failed > 0 ? 1 : 0;
out:
	if (g.tick != NULL)
		event_free(g.tick);
	if (g.cancel != NULL)
		event_free(g.cancel);
	http_free(g.http);
	if (g.base != NULL)
		event_base_free(g.base);
	free(g.calls);
	free(g.slots);
	if (have_pc)
		proxy_config_free(&pc);
	return rc;
}
