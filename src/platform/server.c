/*
 * server.c: the HTTPS front of the platform: evhttp over
 * bufferevent_openssl on the one event_base, body limits and gzip
 * decoding, and group commit: every request handled in one pass of the
 * event loop joins one SQLite transaction, and its answers are sent only
 * once it is committed, so an acknowledged write survives a crash of the
 * process. With sync_acks a helper thread also fdatasync()s the WAL while
 * the loop goes on, and the answers wait for that too, so they survive a
 * crash of the machine. The same thread checkpoints the WAL, so the loop
 * never waits for the disk. Slow work of a request (password hashing)
 * runs on the worker thread (worker.c); the request is answered, in the
 * group commit like any other, once it is done. Every connection is admitted,
 * timed and counted by conn-limits.c, and libevent's own warnings are
 * rate-limited into the log.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
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
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/ssl.h>

#include "api.h"
#include "body.h"
#include "compat.h"
#include "console.h"
#include "conn-limits.h"
#include "jsonutil.h"
#include "log-rate.h"
#include "log.h"
#include "metrics.h"
#include "platform-conf.h"
#include "server.h"
#include "store.h"
#include "worker.h"

#define SERVER_MAX_BATCH	256	/* answers held for one commit */
#define SERVER_MAX_BATCH_NSEC	5000000	/* oldest answer held at most 5 ms */
#define SERVER_MAX_HEADERS	(16 * 1024)
#define SERVER_COALESCE_MAX	(64 * 1024)
#define SERVER_CHECKPOINT_PAGES	1000	/* WAL frames before a checkpoint */
#define SERVER_PRIORITIES	3
#define SERVER_COMMIT_PRIORITY	2	/* after every ready connection */
#define SERVER_MAX_JOBS		64	/* deferred requests waiting */

/* One answer waiting for the commit (and sync) of its transaction. */
struct pending {
	struct evhttp_request	*req;
	int			 status;
	struct evbuffer		*body;
	uint64_t		 gen;	/* commit generation; 0 = open */
	int			 route;	/* for the metrics */
	uint64_t		 start;	/* metrics_now() when read */
};

/*
 * The WAL helper thread, so that the event loop never waits for the disk:
 * it checkpoints the WAL into the database from its own connection when
 * the WAL grows, and (sync_acks) fdatasync()s the WAL after each group
 * commit, telling the loop through a pipe which generation is on disk.
 */
struct syncer {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	uint64_t		 requested;	/* newest generation to sync */
	uint64_t		 done;		/* newest generation on disk */
	uint64_t		 failed;	/* newest generation that failed */
	int			 stop;
	int			 running;
	int			 sync_acks;	/* answers wait for fdatasync */
	int			 checkpoint;	/* a checkpoint is asked for */
	int			 checkpointed;	/* one is done: finish it */
	char			*db_path;
	struct sqlite3		*ckpt_db;	/* the thread's connection */
	char			*wal_path;
	int			 wal_fd;
	int			 notify[2];
	struct event		*notify_ev;
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
	size_t			 nopen;		/* of pending, in the open tx */
	struct timespec		 batch_start;
	uint64_t		 gen;		/* last committed generation */
	int64_t			 changes;	/* store_changes() at last commit */
	struct syncer		 sync;
	struct worker		*worker;
	uint64_t		 max_body;
	uint64_t		 max_inflated;
	struct conns		*conns;
	struct metrics		*metrics;
};

static struct json_object *server_status_json(void *);
static void server_metrics_cb(void *, FILE *);

/* libevent's own warnings, at most a few per window. */
static struct log_rate server_libevent_rate = { "libevent warnings", 0, 0,
	0 };

/*
 * Keep a small answer in one piece as evhttp adds its header and body, so
 * bufferevent_openssl sends it as one TLS record in one write(2) instead
 * of one per buffer chain.
 */
static void
server_coalesce_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	if (info->n_added > 0 &&
	    evbuffer_get_length(buf) <= SERVER_COALESCE_MAX)
		evbuffer_pullup(buf, -1);
}

/*
 * Make a TLS bufferevent for a new connection (evhttp bevcb) and register
 * it with the connection limits. When that fails, a plain bufferevent is
 * returned (evhttp would make one anyway) and its requests are refused.
 */
static struct bufferevent *
server_bev_cb(struct event_base *base, void *arg)
{
	struct server		*srv = arg;
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(srv->ctx)) == NULL)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	if (conns_open(srv->conns, ssl, bev) == -1) {
		bufferevent_free(bev);
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	evbuffer_add_cb(bufferevent_get_output(bev), server_coalesce_cb, NULL);
	return bev;
}

/*
 * Whether an answer with status to a request of route (an index) went to
 * an authenticated agent. Returns 1/0.
 */
static int
server_is_agent(int route, int status)
{
	const struct api_route	*r;

	return route >= 0 && route < api_route_count() && status >= 200 &&
	    status < 400 &&
	    (r = api_route_at(route)) != NULL && r->auth == AUTH_AGENT;
}

/*
 * Send an answer (the connection's write deadline starts) and count it
 * for the route (an index, or METRICS_ROUTE_*) of a request read at start.
 */
static void
server_send(struct server *srv, struct evhttp_request *req, int status,
    struct evbuffer *body, int route, uint64_t start)
{
	metrics_request(srv->metrics, route, status, metrics_now() - start);
	conns_reply(srv->conns, req, server_is_agent(route, status));
	evhttp_send_reply(req, status, NULL, status == 304 ? NULL : body);
}

/* libevent's log callback: warnings and errors, rate-limited. */
static void
server_libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_rate_warnx(&server_libevent_rate, "libevent: %s", msg);
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

/* Turn a held success into a 503: its commit or sync failed. */
static void
server_fail_pending(struct pending *p)
{
	static const char busy[] = "{\"error\":\"store_unavailable\","
	    "\"message\":\"the database could not commit\"}\n";

	if (p->status >= 400)
		return;
	evbuffer_drain(p->body, evbuffer_get_length(p->body));
	evbuffer_add(p->body, busy, sizeof(busy) - 1);
	evhttp_remove_header(evhttp_request_get_output_headers(p->req),
	    "ETag");
	p->status = 503;
}

/*
 * Send the held answers whose generation is on disk (every committed one
 * when the syncer does not run), oldest first.
 */
static void
server_release(struct server *srv)
{
	struct pending	*p;
	uint64_t	 done, failed;
	size_t		 i, n;

	if (srv->sync.running && srv->sync.sync_acks) {
		pthread_mutex_lock(&srv->sync.lock);
		done = srv->sync.done;
		failed = srv->sync.failed;
		pthread_mutex_unlock(&srv->sync.lock);
	} else {
		done = srv->gen;
		failed = 0;
	}
	n = srv->npending - srv->nopen;
	for (i = 0; i < n; i++) {
		p = &srv->pending[i];
		if (p->gen > done)
			break;
		if (p->gen != 0 && p->gen <= failed)
			server_fail_pending(p);
		server_send(srv, p->req, p->status, p->body, p->route,
		    p->start);
		evbuffer_free(p->body);
	}
	if (i > 0) {
		memmove(srv->pending, srv->pending + i,
		    (srv->npending - i) * sizeof(*srv->pending));
		srv->npending -= i;
	}
}

/*
 * After a commit: ask the helper thread for the WAL sync of this
 * generation, and for a checkpoint when the WAL is large. Once the helper
 * has checkpointed, finish it here (a few frames) so the WAL restarts
 * instead of growing under a steady load.
 */
static void
server_wal_work(struct server *srv)
{
	struct syncer	*sy = &srv->sync;
	int		 finish = 0;

	pthread_mutex_lock(&sy->lock);
	if (sy->sync_acks)
		sy->requested = srv->gen;
	if (sy->checkpointed) {
		sy->checkpointed = 0;
		finish = 1;
	} else if (store_wal_pages(srv->api->store) >=
	    SERVER_CHECKPOINT_PAGES)
		sy->checkpoint = 1;
	pthread_cond_signal(&sy->cond);
	pthread_mutex_unlock(&sy->lock);
	if (finish && store_checkpoint_finish(srv->api->store) == -1)
		log_warnx("checkpoint: %s", store_errmsg(srv->api->store));
}

/*
 * Commit the open transaction. Its answers wait for the WAL sync when it
 * (or an earlier transaction it may have read) wrote anything; on failure
 * they become 503s.
 */
static void
server_commit(struct server *srv)
{
	struct pending	*p;
	int64_t		 changes;
	uint64_t	 start;
	size_t		 i;
	int		 failed = 0, wrote;

	if (store_in_transaction(srv->api->store)) {
		start = metrics_now();
		if (store_commit(srv->api->store) == -1) {
			log_warnx("commit failed: %s; answering 503 to %zu "
			    "requests", store_errmsg(srv->api->store),
			    srv->nopen);
			failed = 1;
		}
		metrics_commit(srv->metrics, metrics_now() - start, srv->nopen,
		    failed);
	}
	changes = store_changes(srv->api->store);
	wrote = !failed && changes != srv->changes;
	srv->changes = changes;
	if (wrote)
		srv->gen++;
	for (i = srv->npending - srv->nopen; i < srv->npending; i++) {
		p = &srv->pending[i];
		p->gen = srv->gen;
		if (failed)
			server_fail_pending(p);
	}
	srv->nopen = 0;
	if (wrote && srv->sync.running && (srv->sync.sync_acks ||
	    store_wal_pages(srv->api->store) >= SERVER_CHECKPOINT_PAGES))
		server_wal_work(srv);
	server_release(srv);
}

/* The commit event: the loop has no more ready connections. */
static void
server_commit_cb(evutil_socket_t fd, short events, void *arg)
{
	server_commit(arg);
}

/* The syncer finished a generation: send what it made durable. */
static void
server_synced_cb(evutil_socket_t fd, short events, void *arg)
{
	struct server	*srv = arg;
	char		 buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	server_release(srv);
}

/* fdatasync() the WAL (opened on first use). Returns 0, or -1. */
static int
syncer_sync(struct syncer *sy)
{
	if (sy->wal_fd == -1 &&
	    (sy->wal_fd = open(sy->wal_path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	return fdatasync(sy->wal_fd);
}

/*
 * The helper thread: checkpoint when asked; sync each requested generation,
 * then notify the loop.
 */
static void *
syncer_main(void *arg)
{
	struct syncer	*sy = arg;
	uint64_t	 target;
	int		 rc;

	pthread_mutex_lock(&sy->lock);
	for (;;) {
		while (!sy->stop && sy->requested == sy->done &&
		    !sy->checkpoint)
			pthread_cond_wait(&sy->cond, &sy->lock);
		if (sy->checkpoint && !sy->stop) {
			pthread_mutex_unlock(&sy->lock);
			rc = store_checkpoint(sy->db_path, &sy->ckpt_db);
			pthread_mutex_lock(&sy->lock);
			sy->checkpoint = 0;
			sy->checkpointed = rc == 0;
			continue;
		}
		if (sy->requested == sy->done)
			break;		/* stopping, nothing left */
		target = sy->requested;
		pthread_mutex_unlock(&sy->lock);
		rc = syncer_sync(sy);
		pthread_mutex_lock(&sy->lock);
		sy->done = target;
		if (rc == -1)
			sy->failed = target;
		/* A full pipe already holds a wake-up. */
		(void)write(sy->notify[1], "s", 1);
	}
	pthread_mutex_unlock(&sy->lock);
	return NULL;
}

/* Start the helper thread for the store's WAL. Returns 0, or -1. */
static int
syncer_start(struct server *srv, const struct platform_conf *conf)
{
	struct syncer	*sy = &srv->sync;
	const char	*wal = store_wal_path(srv->api->store);

	sy->wal_fd = -1;
	sy->notify[0] = sy->notify[1] = -1;
	sy->sync_acks = conf->sync_acks;
	if (wal == NULL)
		return 0;	/* in-memory database: nothing to sync */
	if ((sy->wal_path = strdup(wal)) == NULL ||
	    (sy->db_path = strdup(conf->database)) == NULL ||
	    pipe2(sy->notify, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (sy->notify_ev = event_new(srv->base, sy->notify[0],
	    EV_READ | EV_PERSIST, server_synced_cb, srv)) == NULL ||
	    event_add(sy->notify_ev, NULL) == -1) {
		log_warn("cannot start the WAL sync");
		return -1;
	}
	pthread_mutex_init(&sy->lock, NULL);
	pthread_cond_init(&sy->cond, NULL);
	if ((errno = pthread_create(&sy->thread, NULL, syncer_main,
	    sy)) != 0) {
		log_warn("cannot start the WAL sync thread");
		pthread_cond_destroy(&sy->cond);
		pthread_mutex_destroy(&sy->lock);
		return -1;
	}
	sy->running = 1;
	store_manual_checkpoints(srv->api->store);
	return 0;
}

/* Let the sync thread finish what was asked, stop it, free the syncer. */
static void
syncer_stop(struct server *srv)
{
	struct syncer	*sy = &srv->sync;

	if (sy->wal_path == NULL)
		return;		/* never started */
	if (sy->running) {
		pthread_mutex_lock(&sy->lock);
		sy->stop = 1;
		pthread_cond_signal(&sy->cond);
		pthread_mutex_unlock(&sy->lock);
		pthread_join(sy->thread, NULL);
		server_release(srv);
		sy->running = 0;
		if (sy->failed != 0)
			log_warnx("fdatasync %s failed", sy->wal_path);
		pthread_cond_destroy(&sy->cond);
		pthread_mutex_destroy(&sy->lock);
	}
	if (sy->notify_ev != NULL)
		event_free(sy->notify_ev);
	if (sy->notify[0] != -1)
		close(sy->notify[0]);
	if (sy->notify[1] != -1)
		close(sy->notify[1]);
	if (sy->wal_fd != -1)
		close(sy->wal_fd);
	if (sy->ckpt_db != NULL)
		store_checkpoint_close(sy->ckpt_db);
	free(sy->db_path);
	free(sy->wal_path);
	memset(sy, 0, sizeof(*sy));
}

/* Hold an answer until the commit; commit now if the batch is full. */
static void
server_hold(struct server *srv, struct evhttp_request *req, int status,
    struct evbuffer *body, int route, uint64_t start)
{
	struct pending	*np;
	struct timespec	 now;
	size_t		 ncap;

	if (srv->npending == srv->cap) {
		ncap = srv->cap == 0 ? 64 : srv->cap * 2;
		if ((np = reallocarray(srv->pending, ncap, sizeof(*np))) ==
		    NULL) {
			/* Cannot hold it: commit and answer it now. */
			server_commit(srv);
			server_send(srv, req, status, body, route, start);
			evbuffer_free(body);
			return;
		}
		srv->pending = np;
		srv->cap = ncap;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (srv->nopen == 0)
		srv->batch_start = now;
	srv->pending[srv->npending].req = req;
	srv->pending[srv->npending].status = status;
	srv->pending[srv->npending].body = body;
	srv->pending[srv->npending].gen = 0;
	srv->pending[srv->npending].route = route;
	srv->pending[srv->npending].start = start;
	srv->npending++;
	srv->nopen++;
	if (srv->nopen >= SERVER_MAX_BATCH ||
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
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return -1;
	case BODY_CORRUPT:
		break;
	}
	api_error(res, 415, "unsupported_encoding", NULL,
	    "corrupt gzip body");
	return -1;
}

/* Send (or hold until the commit) the answer res to req, read at start. */
static void
server_answer(struct server *srv, struct evhttp_request *ereq,
    const struct api_request *req, struct api_response *res, uint64_t start)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(ereq);
	struct evbuffer		*body;
	const char		*text;
	char			 num[32];
	int			 route;

	route = api_route_index(req->route);
	if ((body = evbuffer_new()) == NULL) {
		metrics_request(srv->metrics, route, 500,
		    metrics_now() - start);
		conns_reply(srv->conns, ereq, 0);
		evhttp_send_error(ereq, 500, NULL);
		return;
	}
	if (res->status != 304 && res->content_type != NULL) {
		/* A binary answer (a range of a release file). */
		evbuffer_add(body, res->text, res->text_len);
		evhttp_add_header(out, "Content-Type", res->content_type);
	} else if (res->status != 304) {
		if ((text = api_response_text(res)) != NULL) {
			evbuffer_add(body, text, strlen(text));
			evbuffer_add(body, "\n", 1);
		}
		evhttp_add_header(out, "Content-Type", "application/json");
	}
	if (res->content_range[0] != '\0') {
		evhttp_add_header(out, "Content-Range", res->content_range);
		evhttp_add_header(out, "Accept-Ranges", "bytes");
	}
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (res->etag[0] != '\0')
		evhttp_add_header(out, "ETag", res->etag);
	if (res->allow[0] != '\0')
		evhttp_add_header(out, "Allow", res->allow);
	if (res->set_cookie[0] != '\0')
		evhttp_add_header(out, "Set-Cookie", res->set_cookie);
	if (res->retry_after > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)res->retry_after);
		evhttp_add_header(out, "Retry-After", num);
	}
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_debug("%s %s -> %d%s%s", api_method_name(req->method),
		    req->path != NULL ? req->path : "-", res->status,
		    req->agent_id[0] != '\0' ? " agent " : "", req->agent_id);
	if (store_in_transaction(srv->api->store))
		server_hold(srv, ereq, res->status, body, route, start);
	else {
		server_send(srv, ereq, res->status, body, route, start);
		evbuffer_free(body);
	}
}

/* A request waiting for its job on the worker thread. */
struct server_deferred {
	struct server		*srv;
	struct evhttp_request	*ereq;
	struct api_job		*job;
	uint64_t		 start;
};

/* The worker thread: run the job. */
static void
server_job_run(void *arg)
{
	struct server_deferred	*d = arg;

	d->job->run(d->job);
}

/* Back on the loop: finish the request in a transaction and answer it. */
static void
server_job_done(void *arg, int ran)
{
	struct server_deferred	*d = arg;
	struct server		*srv = d->srv;
	struct api_response	 res;

	memset(&res, 0, sizeof(res));
	d->job->req.now = (int64_t)time(NULL);
	if (!ran)
		api_error(&res, 503, "busy", NULL, "the platform is stopping");
	else if (!store_in_transaction(srv->api->store) &&
	    store_begin(srv->api->store) == -1)
		api_store_error(&res);
	else
		api_resume(srv->api, d->job, &res);
	server_answer(srv, d->ereq, &d->job->req, &res, d->start);
	api_job_free(d->job);
	api_response_clear(&res);
	free(d);
}

/*
 * Run the job of res on the worker thread; the request is answered when
 * it is done. Returns 0, or -1 with a 503 answer (the queue is full).
 */
static int
server_defer(struct server *srv, struct evhttp_request *ereq,
    struct api_response *res, uint64_t start)
{
	struct server_deferred	*d;

	if ((d = calloc(1, sizeof(*d))) != NULL) {
		d->srv = srv;
		d->ereq = ereq;
		d->job = res->job;
		d->start = start;
		if (srv->worker != NULL && worker_submit(srv->worker,
		    server_job_run, server_job_done, d) == 0) {
			res->job = NULL;
			return 0;
		}
		free(d);
	}
	api_job_free(res->job);
	res->job = NULL;
	api_error(res, 503, "busy", NULL, "too many requests waiting for "
	    "password checks; retry in a second");
	res->retry_after = 1;
	return -1;
}

/* Whether req came over TLS (not a fallback connection). Returns 1/0. */
static int
server_is_tls(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;

	evcon = evhttp_request_get_connection(req);
	return evcon != NULL && bufferevent_openssl_get_ssl(
	    evhttp_connection_get_bufferevent(evcon)) != NULL;
}

/* Handle one HTTP request: route, authenticate, decode, run, hold. */
static void
server_request_cb(struct evhttp_request *ereq, void *arg)
{
	struct server			*srv = arg;
	struct api_request		 req;
	struct api_response		 res;
	const struct evhttp_uri		*uri;
	struct evkeyvalq		*in;
	struct evhttp_connection	*conn;
	char				*owned = NULL, *peer = NULL;
	ev_uint16_t			 port;
	uint64_t			 start = metrics_now();

	if (!server_is_tls(ereq)) {
		metrics_request(srv->metrics, METRICS_ROUTE_NONE, 400, 0);
		/* Never served: it could not be tracked (out of memory). */
		evhttp_add_header(evhttp_request_get_output_headers(ereq),
		    "Connection", "close");
		evhttp_send_reply(ereq, 400, NULL, NULL);
		return;
	}
	conns_request(srv->conns, ereq);
	/* The console's static files, outside /api/ and /agent/. */
	if (console_serve(srv->api->console, ereq) == 0) {
		metrics_request(srv->metrics, METRICS_ROUTE_CONSOLE,
		    evhttp_request_get_response_code(ereq),
		    metrics_now() - start);
		conns_reply(srv->conns, ereq, 0);
		return;
	}
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	in = evhttp_request_get_input_headers(ereq);
	uri = evhttp_request_get_evhttp_uri(ereq);
	req.method = server_method(evhttp_request_get_command(ereq));
	req.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	req.authorization = evhttp_find_header(in, "Authorization");
	req.if_none_match = evhttp_find_header(in, "If-None-Match");
	req.cookie = evhttp_find_header(in, "Cookie");
	req.origin = evhttp_find_header(in, "Origin");
	req.referer = evhttp_find_header(in, "Referer");
	req.host = evhttp_find_header(in, "Host");
	req.csrf_token = evhttp_find_header(in, "X-CSRF-Token");
	req.fetch_site = evhttp_find_header(in, "Sec-Fetch-Site");
	req.range = evhttp_find_header(in, "Range");
	if ((conn = evhttp_request_get_connection(ereq)) != NULL) {
		evhttp_connection_get_peer(conn, &peer, &port);
		if (peer != NULL)
			strlcpy(req.address, peer, sizeof(req.address));
	}
	req.now = (int64_t)time(NULL);

	if (!store_in_transaction(srv->api->store) &&
	    store_begin(srv->api->store) == -1)
		api_error(&res, 503, "store_unavailable", NULL,
		    "database error");
	else if (api_prepare(srv->api, &req, &res) == 0) {
		/* A body refused here is still recorded by api_execute. */
		if (req.route->needs_body)
			server_body(srv, ereq, &req, &res, &owned);
		api_execute(srv->api, &req, &res);
	}
	if (res.job == NULL || server_defer(srv, ereq, &res, start) == -1)
		server_answer(srv, ereq, &req, &res, start);
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
	    /* Accepted sockets inherit it: no Nagle delay on answers. */
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 ||
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
	int	 timeout;

	if (ctx != NULL) {
		SSL_CTX_free(srv->ctx);
		srv->ctx = ctx;
	}
	srv->max_body = conf->max_body_size;
	srv->max_inflated = conf->max_inflated_size;
	if (srv->sync.running) {
		pthread_mutex_lock(&srv->sync.lock);
		srv->sync.sync_acks = conf->sync_acks;
		pthread_mutex_unlock(&srv->sync.lock);
	}
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)conf->max_body_size);
	evhttp_set_max_headers_size(srv->http, SERVER_MAX_HEADERS);
	/* conn-limits.c keeps the deadlines; evhttp's is a backstop. */
	timeout = conf->request_timeout;
	if (conf->keepalive_timeout > timeout)
		timeout = conf->keepalive_timeout;
	if (conf->agent_keepalive_timeout > timeout)
		timeout = conf->agent_keepalive_timeout;
	if (conf->write_timeout > timeout)
		timeout = conf->write_timeout;
	evhttp_set_timeout(srv->http, timeout + 1);
	conns_configure(srv->conns, conf);
}

/*
 * Serve HTTPS on the listening socket fd with ctx (owned from now on).
 * Returns the server, or NULL.
 */
struct server *
server_new(struct event_base *base, struct api *api, int fd, SSL_CTX *ctx,
    const struct platform_conf *conf)
{
	struct evhttp_bound_socket	*bound;
	struct server			*srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->api = api;
	srv->ctx = ctx;
	event_set_log_callback(server_libevent_log_cb);
	if ((srv->metrics = metrics_new()) == NULL ||
	    (srv->conns = conns_new(base)) == NULL ||
	    (srv->http = evhttp_new(base)) == NULL ||
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
	srv->changes = store_changes(api->store);
	if (syncer_start(srv, conf) == -1 ||
	    (srv->worker = worker_new(base, SERVER_MAX_JOBS)) == NULL)
		goto fail;
	if ((bound = evhttp_accept_socket_with_handle(srv->http, fd)) ==
	    NULL) {
		log_warnx("cannot accept on the listening socket");
		goto fail;
	}
	conns_set_listener(srv->conns, evhttp_bound_socket_get_listener(bound));
	api->status = server_status_json;
	api->status_arg = srv;
	api->metrics = server_metrics_cb;
	api->metrics_arg = srv;
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
	/* Deferred requests are answered (held) first. */
	worker_free(srv->worker);
	if (srv->api != NULL && srv->commit_ev != NULL)
		server_commit(srv);
	syncer_stop(srv);
	server_release(srv);
	if (srv->api != NULL && srv->api->status_arg == srv) {
		srv->api->status = NULL;
		srv->api->status_arg = NULL;
		srv->api->metrics = NULL;
		srv->api->metrics_arg = NULL;
	}
	conns_free(srv->conns);
	if (srv->http != NULL)
		evhttp_free(srv->http);
	if (srv->commit_ev != NULL)
		event_free(srv->commit_ev);
	SSL_CTX_free(srv->ctx);
	free(srv->pending);
	metrics_free(srv->metrics);
	free(srv);
	log_rate_flush(&server_libevent_rate, 1);
	event_set_log_callback(NULL);
}

/* The server's part of GET /api/v1/status. Returns a new object. */
static struct json_object *
server_status_json(void *arg)
{
	struct server		*srv = arg;
	struct json_object	*obj = json_object_new_object();

	json_object_object_add(obj, "connections",
	    conns_status_json(srv->conns));
	json_add_int64(obj, "answers_waiting_for_commit",
	    (int64_t)srv->npending);
	return obj;
}

/* The server's part of GET /metrics: counters and gauges, to f. */
static void
server_metrics_cb(void *arg, FILE *f)
{
	struct server		*srv = arg;
	struct metrics_gauges	 g;

	memset(&g, 0, sizeof(g));
	g.answers_waiting = (int64_t)srv->npending;
	g.worker_queued = (int64_t)worker_queued(srv->worker);
	if (srv->sync.running) {
		pthread_mutex_lock(&srv->sync.lock);
		g.sync_lag = srv->sync.sync_acks ?
		    (int64_t)(srv->gen - srv->sync.done) : 0;
		pthread_mutex_unlock(&srv->sync.lock);
	}
	g.wal_pages = store_wal_pages(srv->api->store);
	g.connections = conns_status_json(srv->conns);
	metrics_write(srv->metrics, &g, f);
	json_object_put(g.connections);
}

/* The number of priorities the event base needs (call before use). */
int
server_priorities(void)
{
	return SERVER_PRIORITIES;
}
