/*
 * server.c: the HTTPS front of the platform: evhttp over
 * bufferevent_openssl on the one event_base, body limits and gzip
 * decoding, and group commit: every request handled in one pass of the
 * event loop joins one SQLite transaction; the answers are sent only once
 * it is committed (fsync'ed), so an acknowledged write is durable.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <openssl/ssl.h>

#include "compat.h"
#include "platform.h"

#define SERVER_MAX_BATCH	256	/* answers held for one commit */
#define SERVER_MAX_BATCH_NSEC	5000000	/* oldest answer held at most 5 ms */
#define SERVER_MAX_HEADERS	(16 * 1024)
#define SERVER_PRIORITIES	3
#define SERVER_COMMIT_PRIORITY	2	/* after every ready connection */

/* One answer waiting for the commit of its transaction. */
struct pending {
	struct evhttp_request	*req;
	int			 status;
	struct evbuffer		*body;
};

struct server {
	struct event_base	*base;
	struct api		*api;
	struct evhttp		*http;
	SSL_CTX			*ctx;
	struct event		*commit_ev;
	struct pending		*pending;
	size_t			 npending;
	size_t			 cap;
	struct timespec		 batch_start;
	uint64_t		 max_body;
	uint64_t		 max_inflated;
};

/* Make a TLS bufferevent for a new connection (evhttp bevcb). */
static struct bufferevent *
server_bev_cb(struct event_base *base, void *arg)
{
	struct server		*srv = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(srv->ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Map an evhttp method to the API's. */
static enum api_method
server_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return API_GET;
	case EVHTTP_REQ_POST:
		return API_POST;
	case EVHTTP_REQ_PATCH:
		return API_PATCH;
	case EVHTTP_REQ_DELETE:
		return API_DELETE;
	case EVHTTP_REQ_PUT:
		return API_PUT;
	default:
		return API_OTHER;
	}
}

/* Send every held answer; on commit failure they become 503s. */
static void
server_flush(struct server *srv, int failed)
{
	struct pending	*p;
	size_t		 i;
	static const char busy[] = "{\"error\":\"store_unavailable\","
	    "\"message\":\"the database could not commit\"}";

	for (i = 0; i < srv->npending; i++) {
		p = &srv->pending[i];
		if (failed && p->status < 400) {
			evbuffer_drain(p->body, evbuffer_get_length(p->body));
			evbuffer_add(p->body, busy, sizeof(busy) - 1);
			evhttp_remove_header(evhttp_request_get_output_headers(
			    p->req), "ETag");
			p->status = 503;
		}
		evhttp_send_reply(p->req, p->status, NULL,
		    p->status == 304 ? NULL : p->body);
		evbuffer_free(p->body);
	}
	srv->npending = 0;
}

/* Commit the open transaction and send the answers it held. */
static void
server_commit(struct server *srv)
{
	int	 failed = 0;

	if (store_in_transaction(srv->api->store) &&
	    store_commit(srv->api->store) == -1) {
		log_warnx("commit failed: %s; answering 503 to %zu requests",
		    store_errmsg(srv->api->store), srv->npending);
		failed = 1;
	}
	server_flush(srv, failed);
}

/* The commit event: the loop has no more ready connections. */
static void
server_commit_cb(evutil_socket_t fd, short events, void *arg)
{
	server_commit(arg);
}

/* Hold an answer until the commit; commit now if the batch is full. */
static void
server_hold(struct server *srv, struct evhttp_request *req, int status,
    struct evbuffer *body)
{
	struct pending	*np;
	struct timespec	 now;
	size_t		 ncap;

	if (srv->npending == srv->cap) {
		ncap = srv->cap == 0 ? 64 : srv->cap * 2;
		if ((np = reallocarray(srv->pending, ncap, sizeof(*np))) ==
		    NULL) {
			/* Cannot hold it: commit what we have, then send. */
			server_commit(srv);
			evhttp_send_reply(req, status, NULL, body);
			evbuffer_free(body);
			return;
		}
		srv->pending = np;
		srv->cap = ncap;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (srv->npending == 0)
		srv->batch_start = now;
	srv->pending[srv->npending].req = req;
	srv->pending[srv->npending].status = status;
	srv->pending[srv->npending].body = body;
	srv->npending++;
	if (srv->npending >= SERVER_MAX_BATCH ||
	    (now.tv_sec - srv->batch_start.tv_sec) * 1000000000LL +
	    (now.tv_nsec - srv->batch_start.tv_nsec) >= SERVER_MAX_BATCH_NSEC)
		server_commit(srv);
	else
		event_active(srv->commit_ev, EV_TIMEOUT, 0);
}

/*
 * Decode the request body into req: gzip is inflated up to the cap.
 * Returns 0, or -1 with the error answer set. *owned is what to free.
 */
static int
server_body(struct server *srv, struct evhttp_request *ereq,
    struct api_request *req, struct api_response *res, char **owned)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(ereq);
	const char	*enc;
	size_t		 len = evbuffer_get_length(in);
	unsigned char	*data;

	*owned = NULL;
	enc = evhttp_find_header(evhttp_request_get_input_headers(ereq),
	    "Content-Encoding");
	if (len > srv->max_body) {
		api_error(res, 413, "body_too_large", NULL,
		    "body larger than %llu bytes",
		    (unsigned long long)srv->max_body);
		return -1;
	}
	if (len == 0) {
		req->body = NULL;
		req->body_len = 0;
		return 0;
	}
	data = evbuffer_pullup(in, -1);
	if (enc == NULL || strcasecmp(enc, "identity") == 0) {
		req->body = (const char *)data;
		req->body_len = len;
		return 0;
	}
	if (strcasecmp(enc, "gzip") != 0) {
		api_error(res, 415, "unsupported_encoding", NULL,
		    "Content-Encoding %.32s is not supported (use gzip)", enc);
		return -1;
	}
	switch (body_inflate(data, len, srv->max_inflated, owned,
	    &req->body_len)) {
	case BODY_OK:
		req->body = *owned;
		/* Give the compressed copy back now. */
		evbuffer_drain(in, len);
		return 0;
	case BODY_TOO_LARGE:
		api_error(res, 413, "body_too_large", NULL,
		    "body inflates past %llu bytes",
		    (unsigned long long)srv->max_inflated);
		return -1;
	case BODY_NOMEM:
		api_error(res, 503, "internal_error", NULL, "out of memory");
		return -1;
	case BODY_CORRUPT:
		break;
	}
	api_error(res, 415, "unsupported_encoding", NULL,
	    "corrupt gzip body");
	return -1;
}

/* Handle one HTTP request: route, authenticate, decode, run, hold. */
static void
server_request_cb(struct evhttp_request *ereq, void *arg)
{
	struct server			*srv = arg;
	struct api_request		 req;
	struct api_response		 res;
	const struct evhttp_uri		*uri;
	struct evkeyvalq		*in, *out;
	struct evbuffer			*body;
	const char			*text;
	char				*owned = NULL;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	in = evhttp_request_get_input_headers(ereq);
	out = evhttp_request_get_output_headers(ereq);
	uri = evhttp_request_get_evhttp_uri(ereq);
	req.method = server_method(evhttp_request_get_command(ereq));
	req.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	req.authorization = evhttp_find_header(in, "Authorization");
	req.if_none_match = evhttp_find_header(in, "If-None-Match");
	req.now = (int64_t)time(NULL);

	if (!store_in_transaction(srv->api->store) &&
	    store_begin(srv->api->store) == -1)
		api_error(&res, 503, "store_unavailable", NULL,
		    "database error");
	else if (api_prepare(srv->api, &req, &res) == 0 &&
	    (!req.route->needs_body ||
	    server_body(srv, ereq, &req, &res, &owned) == 0))
		api_execute(srv->api, &req, &res);

	if ((body = evbuffer_new()) == NULL) {
		evhttp_send_error(ereq, 500, NULL);
		goto done;
	}
	if (res.status != 304) {
		text = res.text;
		if (text == NULL && res.json != NULL)
			text = json_object_to_json_string_ext(res.json,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text != NULL) {
			evbuffer_add(body, text, strlen(text));
			evbuffer_add(body, "\n", 1);
		}
		evhttp_add_header(out, "Content-Type", "application/json");
	}
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (res.etag[0] != '\0')
		evhttp_add_header(out, "ETag", res.etag);
	if (res.allow[0] != '\0')
		evhttp_add_header(out, "Allow", res.allow);
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_debug("%s %s -> %d%s%s", api_method_name(req.method),
		    req.path != NULL ? req.path : "-", res.status,
		    req.agent_id[0] != '\0' ? " agent " : "", req.agent_id);
	if (store_in_transaction(srv->api->store))
		server_hold(srv, ereq, res.status, body);
	else {
		evhttp_send_reply(ereq, res.status, NULL,
		    res.status == 304 ? NULL : body);
		evbuffer_free(body);
	}
done:
	free(owned);
	api_request_clear(&req);
	api_response_clear(&res);
}

/*
 * Open a listening TCP socket on "ADDR:PORT" ("[v6]:PORT"). Returns the
 * non-blocking descriptor, or -1 with the reason in err.
 */
int
server_listen_socket(const char *listen_addr, char *err, size_t errlen)
{
	struct addrinfo	 hints, *ai;
	char		 host[256], port[16];
	int		 fd, on = 1, p, rc;

	if (platform_listen_parse(listen_addr, host, sizeof(host), &p) == -1) {
		snprintf(err, errlen, "listen \"%s\": expected ADDR:PORT",
		    listen_addr);
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen %s: %s", listen_addr,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1) {
		snprintf(err, errlen, "listen %s: %s", listen_addr,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Apply the limits of conf and a new TLS context (reload). */
void
server_configure(struct server *srv, SSL_CTX *ctx,
    const struct platform_conf *conf)
{
	if (ctx != NULL) {
		SSL_CTX_free(srv->ctx);
		srv->ctx = ctx;
	}
	srv->max_body = conf->max_body_size;
	srv->max_inflated = conf->max_inflated_size;
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)conf->max_body_size);
	evhttp_set_max_headers_size(srv->http, SERVER_MAX_HEADERS);
	evhttp_set_timeout(srv->http, conf->request_timeout);
}

/*
 * Serve HTTPS on the listening socket fd with ctx (owned from now on).
 * Returns the server, or NULL.
 */
struct server *
server_new(struct event_base *base, struct api *api, int fd, SSL_CTX *ctx,
    const struct platform_conf *conf)
{
	struct server	*srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->api = api;
	srv->ctx = ctx;
	if ((srv->http = evhttp_new(base)) == NULL ||
	    (srv->commit_ev = event_new(base, -1, 0, server_commit_cb,
	    srv)) == NULL ||
	    event_priority_set(srv->commit_ev, SERVER_COMMIT_PRIORITY) == -1) {
		log_warnx("cannot set up the HTTP server");
		goto fail;
	}
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_bevcb(srv->http, server_bev_cb, srv);
	evhttp_set_gencb(srv->http, server_request_cb, srv);
	server_configure(srv, NULL, conf);
	if (evhttp_accept_socket_with_handle(srv->http, fd) == NULL) {
		log_warnx("cannot accept on the listening socket");
		goto fail;
	}
	return srv;
fail:
	server_free(srv);
	return NULL;
}

/* Commit and answer what is held, close every connection, free. */
void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->api != NULL)
		server_commit(srv);
	if (srv->http != NULL)
		evhttp_free(srv->http);
	if (srv->commit_ev != NULL)
		event_free(srv->commit_ev);
	SSL_CTX_free(srv->ctx);
	free(srv->pending);
	free(srv);
}

/* The number of priorities the event base needs (call before use). */
int
server_priorities(void)
{
	return SERVER_PRIORITIES;
}
