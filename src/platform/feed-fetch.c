/*
 * feed-fetch.c: scheduled feeds, fetched over HTTPS off the event loop.
 *
 * The feeds platform.conf names ("feed = NAME FORMAT URL [INTERVAL]") are
 * fetched with libcurl on their interval. Each
 * fetch runs in a thread of its own, with its own database connection, so
 * the event loop never waits for the network or the import: the thread
 * sends the ETag and Last-Modified of the last good fetch (a 304 ends it),
 * downloads into feed_dir, imports with feed-import.c (which publishes a
 * new vulnsigs version only when the content changed), records the
 * outcome in vulnsig_feeds (GET /api/v1/feeds) and wakes the loop through
 * a pipe; the loop logs the outcome, takes the new version into its cache
 * and arms the next fetch. A failed fetch or import changes nothing: the
 * version in force stays, and the log and the feed's status say why.
 * A timer also reloads the newest manifest versions every few seconds, so
 * that an import by "outpost-platform vulnsigs import" reaches a running
 * server.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "api.h"
#include "feed-fetch.h"
#include "feed-import.h"
#include "log.h"
#include "platform-conf.h"
#include "store.h"

#define FEED_MAX_DOWNLOAD	(1024LL * 1024 * 1024)
#define FEED_REFRESH_SECONDS	2
#define FEED_FIRST_SECONDS	1

/* How a fetch ended. */
enum feed_outcome {
	FEED_PUBLISHED,
	FEED_UNCHANGED,
	FEED_NOT_MODIFIED,
	FEED_FAILED
};

static const char *const feed_outcome_names[] = {
	"published", "unchanged", "not_modified", "failed"
};

/* One configured feed and its fetch. */
struct feed_job {
	struct feed_fetch		*ff;
	const struct platform_feed	*conf;
	struct event			*timer;
	pthread_t			 thread;
	int				 running;
	volatile int			 done;
	/* Written by the thread, read by the loop after the join. */
	enum feed_outcome		 outcome;
	int				 same_bytes;	/* not imported */
	int64_t				 version;
	struct feed_counts		 counts;
	char				 error[4200];
	char				 etag[512];
	char				 last_modified[128];
	FILE				*out;
	curl_off_t			 bytes;
};

/* The scheduler. */
struct feed_fetch {
	struct event_base		*base;
	struct api			*api;
	struct platform_conf		*conf;	/* its own copy of the feeds */
	struct feed_job			 jobs[PLATFORM_MAX_FEEDS];
	int				 njobs;
	int				 wake[2];
	struct event			*wake_ev;
	struct event			*refresh_ev;
	volatile int			 stop;
};

/* curl: write the body to the download file. */
static size_t
feed_fetch_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct feed_job	*job = arg;

	job->bytes += (curl_off_t)(size * n);
	if (job->bytes > FEED_MAX_DOWNLOAD)
		return 0;
	return fwrite(p, size, n, job->out);
}

/* Copy header value v (len bytes, trailing CRLF dropped) into buf. */
static void
feed_fetch_header_value(const char *v, size_t len, char *buf, size_t buflen)
{
	while (len > 0 && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' '))
		len--;
	if (len >= buflen)
		len = 0;	/* too long to send back: forget it */
	memcpy(buf, v, len);
	buf[len] = '\0';
}

/* curl: keep ETag and Last-Modified of the answer. */
static size_t
feed_fetch_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct feed_job	*job = arg;
	size_t		 len = size * n;

	if (len > 5 && strncasecmp(p, "ETag:", 5) == 0)
		feed_fetch_header_value(p + 5, len - 5, job->etag,
		    sizeof(job->etag));
	else if (len > 14 && strncasecmp(p, "Last-Modified:", 14) == 0)
		feed_fetch_header_value(p + 14, len - 14, job->last_modified,
		    sizeof(job->last_modified));
	else if (len > 5 && strncmp(p, "HTTP/", 5) == 0)
		job->etag[0] = job->last_modified[0] = '\0';
	return len;
}

/* curl: give up when the platform stops. */
static int
feed_fetch_progress_cb(void *arg, curl_off_t dt, curl_off_t dn,
    curl_off_t ut, curl_off_t un)
{
	struct feed_job	*job = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return job->ff->stop ? 1 : 0;
}

/*
 * Download the feed into path, conditional on the validators. Returns the
 * HTTP status, or -1 with job->error.
 */
static int
feed_fetch_download(struct feed_job *job, const char *path, const char *etag,
    const char *last_modified)
{
	struct curl_slist	*hdrs = NULL, *h;
	char			 line[700], cerr[CURL_ERROR_SIZE];
	CURL			*c;
	CURLcode		 rc;
	long			 status = -1;

	if ((job->out = fopen(path, "we")) == NULL) {
		snprintf(job->error, sizeof(job->error), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (etag != NULL) {
		snprintf(line, sizeof(line), "If-None-Match: %s", etag);
		if ((h = curl_slist_append(hdrs, line)) != NULL)
			hdrs = h;
	}
	if (last_modified != NULL) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s",
		    last_modified);
		if ((h = curl_slist_append(hdrs, line)) != NULL)
			hdrs = h;
	}
	cerr[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(job->error, sizeof(job->error), "curl_easy_init");
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_URL, job->conf->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "outpost-platform/"
	    PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, feed_fetch_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, job);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, feed_fetch_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, job);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, feed_fetch_progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, job);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (job->ff->conf->feed_ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, job->ff->conf->feed_ca_file);
	job->bytes = 0;
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		if (job->bytes > FEED_MAX_DOWNLOAD)
			snprintf(job->error, sizeof(job->error), "the feed is "
			    "over %lld bytes", FEED_MAX_DOWNLOAD);
		else
			snprintf(job->error, sizeof(job->error), "%s",
			    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
	} else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
done:
	curl_slist_free_all(hdrs);
	if (fclose(job->out) != 0 && status == 200) {
		snprintf(job->error, sizeof(job->error), "%s: %s", path,
		    strerror(errno));
		status = -1;
	}
	job->out = NULL;
	return (int)status;
}

/* Whether files a and b hold the same bytes. Returns 1 or 0. */
static int
feed_fetch_same_file(const char *a, const char *b)
{
	char	 ba[65536], bb[65536];
	FILE	*fa, *fb;
	size_t	 na, nb;
	int	 same = 0;

	if ((fa = fopen(a, "re")) == NULL)
		return 0;
	if ((fb = fopen(b, "re")) == NULL) {
		fclose(fa);
		return 0;
	}
	do {
		na = fread(ba, 1, sizeof(ba), fa);
		nb = fread(bb, 1, sizeof(bb), fb);
		if (na != nb || memcmp(ba, bb, na) != 0)
			goto done;
	} while (na > 0);
	same = !ferror(fa) && !ferror(fb);
done:
	fclose(fa);
	fclose(fb);
	return same;
}

/* Download, import and record one fetch (on store). */
static void
feed_fetch_run(struct feed_job *job, struct store *store)
{
	const struct platform_feed	*f = job->conf;
	struct store_feed_gen		 g;
	enum feed_format		 format;
	char				 part[4096], path[4096], err[512];
	char				*etag = NULL, *lm = NULL, *paths[1];
	int				 status, rc;

	snprintf(part, sizeof(part), "%s/%s.part", job->ff->conf->feed_dir,
	    f->name);
	snprintf(path, sizeof(path), "%s/%s.json", job->ff->conf->feed_dir,
	    f->name);
	job->version = store_manifest_version(store, MANIFEST_VULNSIGS);
	job->outcome = FEED_FAILED;
	if (store_feed_validators(store, f->name, f->url, &etag, &lm) == -1) {
		snprintf(job->error, sizeof(job->error), "database error");
		goto record;
	}
	status = feed_fetch_download(job, part, etag, lm);
	if (status == 304) {
		job->outcome = FEED_NOT_MODIFIED;
		snprintf(job->etag, sizeof(job->etag), "%s", etag != NULL ?
		    etag : "");
		snprintf(job->last_modified, sizeof(job->last_modified), "%s",
		    lm != NULL ? lm : "");
	} else if (status != 200) {
		if (status != -1)
			snprintf(job->error, sizeof(job->error), "HTTP status "
			    "%d from %s", status, f->url);
	} else if (feed_fetch_same_file(part, path)) {
		/* A server without validators sent the same bytes again. */
		job->outcome = FEED_UNCHANGED;
		job->same_bytes = 1;
	} else {
		feed_format_parse(f->format, &format);
		paths[0] = part;
		rc = feed_import_files(store, job->ff->api->signer, f->name,
		    format, paths, 1, f->url, &job->ff->stop,
		    (int64_t)time(NULL), &job->counts, &job->version, err,
		    sizeof(err));
		if (rc == -1)
			snprintf(job->error, sizeof(job->error), "import: %s",
			    err);
		else {
			job->outcome = rc == 0 ? FEED_PUBLISHED :
			    FEED_UNCHANGED;
			rename(part, path);
		}
	}
	unlink(part);
record:
	memset(&g, 0, sizeof(g));
	g.feed = f->name;
	g.format = f->format;
	g.source = f->url;
	g.now = (int64_t)time(NULL);
	store_feed_attempt(store, &g, feed_outcome_names[job->outcome],
	    job->outcome == FEED_FAILED ? job->error : NULL,
	    job->etag[0] != '\0' ? job->etag : NULL,
	    job->last_modified[0] != '\0' ? job->last_modified : NULL);
	free(etag);
	free(lm);
}

/* The thread of one fetch: its own connection, then wake the loop. */
static void *
feed_fetch_thread(void *arg)
{
	struct feed_job	*job = arg;
	struct store	*store;
	char		 err[512];

	job->error[0] = job->etag[0] = job->last_modified[0] = '\0';
	job->same_bytes = 0;
	memset(&job->counts, 0, sizeof(job->counts));
	if ((store = store_open(job->ff->conf->database, err,
	    sizeof(err))) == NULL) {
		job->outcome = FEED_FAILED;
		snprintf(job->error, sizeof(job->error), "database: %s", err);
	} else {
		store_set_quiet(store);
		feed_fetch_run(job, store);
		if (job->outcome == FEED_FAILED &&
		    store_last_error(store)[0] != '\0')
			snprintf(job->error + strlen(job->error),
			    sizeof(job->error) - strlen(job->error),
			    " (database: %s)", store_last_error(store));
		store_close(store);
	}
	job->done = 1;
	while (write(job->ff->wake[1], "x", 1) == -1 && errno == EINTR)
		;
	return NULL;
}

/* The timer of a feed: start its fetch unless one runs. */
static void
feed_fetch_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct feed_job	*job = arg;
	struct timeval	 tv = { job->conf->interval, 0 };

	(void)fd;
	(void)events;
	if (job->running || job->ff->stop)
		return;
	job->done = 0;
	if (pthread_create(&job->thread, NULL, feed_fetch_thread, job) != 0) {
		log_warnx("feed %s: cannot start the fetch thread; next try "
		    "in %d s", job->conf->name, job->conf->interval);
		evtimer_add(job->timer, &tv);
		return;
	}
	job->running = 1;
}

/* Log how job ended. */
static void
feed_fetch_report(struct feed_job *job)
{
	const struct platform_feed	*f = job->conf;
	const struct feed_counts	*c = &job->counts;

	switch (job->outcome) {
	case FEED_PUBLISHED:
		log_info("feed %s: vulnsigs version %lld published from %s: "
		    "%lld signatures from %lld records (not affected %lld, "
		    "undetermined %lld, skipped %lld, refused %lld%s%s)",
		    f->name, (long long)job->version, f->url,
		    (long long)c->signatures, (long long)c->records,
		    (long long)c->not_affected, (long long)c->undetermined,
		    (long long)c->skipped, (long long)c->invalid,
		    c->invalid > 0 ? ": " : "", c->first_invalid);
		break;
	case FEED_UNCHANGED:
		log_info("feed %s: %s %s; vulnsigs version %lld stays in force",
		    f->name, f->url, job->same_bytes ? "sent the bytes of the "
		    "last import again" : "unchanged in content",
		    (long long)job->version);
		break;
	case FEED_NOT_MODIFIED:
		log_info("feed %s: %s not modified (304); vulnsigs version "
		    "%lld stays in force", f->name, f->url,
		    (long long)job->version);
		break;
	case FEED_FAILED:
		log_warnx("feed %s: fetch of %s failed: %s; the last good "
		    "vulnsigs version (%lld) stays in force", f->name, f->url,
		    job->error, (long long)job->version);
		break;
	}
}

/* The wake-up pipe: join finished fetches, report, re-arm. */
static void
feed_fetch_wake_cb(evutil_socket_t fd, short events, void *arg)
{
	struct feed_fetch	*ff = arg;
	struct feed_job		*job;
	struct timeval		 tv;
	char			 buf[64];
	int			 i;

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < ff->njobs; i++) {
		job = &ff->jobs[i];
		if (!job->running || !job->done)
			continue;
		pthread_join(job->thread, NULL);
		job->running = 0;
		feed_fetch_report(job);
		if (!store_in_transaction(ff->api->store))
			store_manifest_load_versions(ff->api->store);
		tv.tv_sec = job->conf->interval;
		tv.tv_usec = 0;
		evtimer_add(job->timer, &tv);
	}
}

/* Reload the newest manifest versions (another process may publish). */
static void
feed_fetch_refresh_cb(evutil_socket_t fd, short events, void *arg)
{
	struct feed_fetch	*ff = arg;
	struct timeval		 tv = { FEED_REFRESH_SECONDS, 0 };

	(void)fd;
	(void)events;
	if (!store_in_transaction(ff->api->store))
		store_manifest_load_versions(ff->api->store);
	evtimer_add(ff->refresh_ev, &tv);
}

/* Free a copy made by feed_fetch_conf_copy(). */
static void
feed_fetch_conf_free(struct platform_conf *c)
{
	int	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfeeds; i++)
		free(c->feeds[i].url);
	free(c->database);
	free(c->feed_dir);
	free(c->feed_ca_file);
	free(c);
}

/*
 * A copy of what the fetches use of conf (the feeds, the database, the
 * download directory and CA file), so that a reload may free conf.
 * Returns it, or NULL.
 */
static struct platform_conf *
feed_fetch_conf_copy(const struct platform_conf *conf)
{
	struct platform_conf	*c;
	int			 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (i = 0; i < conf->nfeeds; i++) {
		c->feeds[i] = conf->feeds[i];
		if ((c->feeds[i].url = strdup(conf->feeds[i].url)) == NULL)
			goto fail;
		c->nfeeds++;
	}
	if ((c->database = strdup(conf->database)) == NULL ||
	    (c->feed_dir = strdup(conf->feed_dir)) == NULL ||
	    (conf->feed_ca_file != NULL &&
	    (c->feed_ca_file = strdup(conf->feed_ca_file)) == NULL))
		goto fail;
	return c;
fail:
	feed_fetch_conf_free(c);
	return NULL;
}

/*
 * Start fetching the feeds of conf on base (the first a second from now).
 * Returns the scheduler, or NULL.
 */
struct feed_fetch *
feed_fetch_new(struct event_base *base, struct api *api,
    const struct platform_conf *conf)
{
	struct feed_fetch	*ff;
	struct timeval		 first = { FEED_FIRST_SECONDS, 0 };
	struct timeval		 refresh = { FEED_REFRESH_SECONDS, 0 };
	int			 i;

	if ((ff = calloc(1, sizeof(*ff))) == NULL)
		return NULL;
	ff->base = base;
	ff->api = api;
	ff->wake[0] = ff->wake[1] = -1;
	if ((ff->conf = feed_fetch_conf_copy(conf)) == NULL) {
		free(ff);
		return NULL;
	}
	conf = ff->conf;
	if (pipe2(ff->wake, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (ff->wake_ev = event_new(base, ff->wake[0], EV_READ | EV_PERSIST,
	    feed_fetch_wake_cb, ff)) == NULL ||
	    event_add(ff->wake_ev, NULL) == -1 ||
	    (ff->refresh_ev = evtimer_new(base, feed_fetch_refresh_cb,
	    ff)) == NULL || evtimer_add(ff->refresh_ev, &refresh) == -1)
		goto fail;
	if (conf->nfeeds > 0 && (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (mkdir(conf->feed_dir, 0750) == -1 && errno != EEXIST))) {
		log_warn("feeds: cannot use %s", conf->feed_dir);
		goto fail;
	}
	for (i = 0; i < conf->nfeeds; i++) {
		ff->jobs[i].ff = ff;
		ff->jobs[i].conf = &conf->feeds[i];
		if ((ff->jobs[i].timer = evtimer_new(base, feed_fetch_timer_cb,
		    &ff->jobs[i])) == NULL ||
		    evtimer_add(ff->jobs[i].timer, &first) == -1)
			goto fail;
		ff->njobs++;
		log_info("feed %s: %s (%s) every %d s", conf->feeds[i].name,
		    conf->feeds[i].url, conf->feeds[i].format,
		    conf->feeds[i].interval);
	}
	return ff;
fail:
	feed_fetch_free(ff);
	return NULL;
}

/* Stop: abandon running fetches (they stop soon), join, free. */
void
feed_fetch_free(struct feed_fetch *ff)
{
	int	 i;

	if (ff == NULL)
		return;
	ff->stop = 1;
	for (i = 0; i < ff->njobs; i++) {
		if (ff->jobs[i].running)
			pthread_join(ff->jobs[i].thread, NULL);
		event_free(ff->jobs[i].timer);
	}
	if (ff->njobs > 0)
		curl_global_cleanup();
	if (ff->refresh_ev != NULL)
		event_free(ff->refresh_ev);
	if (ff->wake_ev != NULL)
		event_free(ff->wake_ev);
	if (ff->wake[0] != -1) {
		close(ff->wake[0]);
		close(ff->wake[1]);
	}
	feed_fetch_conf_free(ff->conf);
	free(ff);
}
