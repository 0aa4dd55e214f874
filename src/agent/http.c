/*
 * http.c: the HTTPS client of the agent, libcurl's multi interface driven
 * by the caller's event_base.
 *
 * curl tells us through http_socket_cb which sockets to watch and through
 * http_timer_set_cb when to wake it; libevent calls back into
 * curl_multi_socket_action() from http_event_cb and http_timeout_cb, and
 * after each action http_check_done() drains curl_multi_info_read(). A
 * request ("call") makes one attempt per planned proxy, moving to the next
 * proxy when one fails as a proxy, then direct if the policy allows it.
 * Connections are kept alive in the multi handle, and TLS sessions are
 * shared by every request (a curl share), so a connection opened again
 * resumes its session.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "compat.h"
#include "errors.h"
#include "http.h"
#include "log.h"
#include "proxy.h"

/* One request in flight, over its attempts. */
struct http_call {
	TAILQ_ENTRY(http_call)	 entry;
	struct http		*http;
	CURL			*easy;
	char			*method;
	char			*url;
	struct curl_slist	*headers;
	unsigned char		*body;
	size_t			 body_len;
	size_t			 max_response;
	http_done_cb		 cb;
	void			*arg;
	void			(*arg_free)(void *);	/* unless cb ran */
	struct proxy		 hops[PROXY_MAX + 1];	/* url NULL: direct */
	int			 nhops;
	int			 hop;		/* the current attempt */
	struct http_attempt	 attempts[PROXY_MAX + 1];
	int			 nattempts;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*resp;
	size_t			 resp_len;
	size_t			 resp_cap;
	char			*etag;
	char			*date;
	char			*content_type;
	char			*location;
	int			 too_large;
	int			 want_certificate;
	char			*peer_subject;
	char			*peer_issuer;
	char			*peer_not_after;
};

/* The client: one multi handle on one event base. */
struct http {
	struct event_base		*base;
	CURLM				*multi;
	CURLSH				*share;		/* TLS sessions */
	struct event			*timer;
	char				*ca_file;
	char				*pin;		/* sha256//base64 */
	char				*user_agent;
	long				 connect_timeout_ms;
	long				 timeout_ms;
	size_t				 max_response;
	const struct proxy_config	*proxies;
	unsigned int			 rand_state;
	TAILQ_HEAD(, http_call)		 calls;
	int				 ncalls;
};

static int	http_global_refs;

static void	http_check_done(struct http *);

/* Turn a pin into curl's "sha256//base64" form. Returns 0, or -1. */
int
http_pin_normalize(const char *pin, char *buf, size_t len)
{
	unsigned char	 raw[64], b64[80], *hex;
	size_t		 i, n = strlen(pin);
	long		 hexlen;
	int		 dlen;

	if (strncmp(pin, "sha256//", 8) == 0) {
		pin += 8;
		n -= 8;
	}
	if (n == 64) {
		/* 64 hex digits (OPENSSL_hexstr2buf also takes "AB:CD"). */
		if (strchr(pin, ':') != NULL ||
		    (hex = OPENSSL_hexstr2buf(pin, &hexlen)) == NULL)
			return -1;
		if (hexlen != 32) {
			OPENSSL_free(hex);
			return -1;
		}
		EVP_EncodeBlock(b64, hex, 32);
		OPENSSL_free(hex);
	} else if (n == 44 && pin[43] == '=' && pin[42] != '=') {
		for (i = 0; i < 43; i++)
			if (!isalnum((unsigned char)pin[i]) && pin[i] != '+' &&
			    pin[i] != '/')
				return -1;
		dlen = EVP_DecodeBlock(raw, (const unsigned char *)pin, 44);
		if (dlen != 33)
			return -1;
		memcpy(b64, pin, 44);
		b64[44] = '\0';
	} else
		return -1;
	if ((size_t)snprintf(buf, len, "sha256//%s", b64) >= len)
		return -1;
	return 0;
}

/* libevent: a socket curl watches is ready; let curl act on it. */
static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	http_check_done(h);
}

/* libevent: curl's timeout expired; let curl act on it. */
static void
http_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http	*h = arg;
	int		 running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(h);
}

/* curl: watch socket s for what (or stop). Returns 0, or -1. */
static int
http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct http	*h = userp;
	struct event	*ev = socketp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		if (event_assign(ev, h->base, s, kind, http_event_cb, h) == -1)
			return -1;
	} else {
		if ((ev = event_new(h->base, s, kind, http_event_cb, h)) ==
		    NULL)
			return -1;
		if (curl_multi_assign(h->multi, s, ev) != CURLM_OK) {
			event_free(ev);
			return -1;
		}
	}
	return event_add(ev, NULL) == -1 ? -1 : 0;
}

/* curl: wake me in timeout_ms (-1: never). Returns 0. */
static int
http_timer_set_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct http	*h = arg;
	struct timeval	 tv;

	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(h->timer, &tv) == -1 ? -1 : 0;
}

/* Make a client on base. Returns it, or NULL (logged). */
struct http *
http_new(struct event_base *base, const struct http_settings *s)
{
	struct http	*h;
	char		 pin[128];

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	TAILQ_INIT(&h->calls);
	h->base = base;
	if (http_global_refs++ == 0 &&
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("http: curl_global_init failed");
		http_global_refs--;
		free(h);
		return NULL;
	}
	if ((curl_version_info(CURLVERSION_NOW)->features &
	    CURL_VERSION_ASYNCHDNS) == 0)
		log_warnx("http: libcurl resolves names synchronously; a slow "
		    "DNS server will stall the event loop");
	if (s->pin_sha256 != NULL && s->pin_sha256[0] != '\0') {
		if (http_pin_normalize(s->pin_sha256, pin, sizeof(pin)) ==
		    -1) {
			log_warnx("http: pin_sha256 \"%s\" is neither 64 hex "
			    "digits nor the base64 of a SHA-256 digest",
			    s->pin_sha256);
			goto fail;
		}
		if ((h->pin = strdup(pin)) == NULL)
			goto nomem;
	}
	if (s->ca_file != NULL && s->ca_file[0] != '\0' &&
	    (h->ca_file = strdup(s->ca_file)) == NULL)
		goto nomem;
	if (s->user_agent != NULL)
		h->user_agent = strdup(s->user_agent);
	else
		h->user_agent = strdup(PACKAGE_NAME "/" PACKAGE_VERSION);
	if (h->user_agent == NULL)
		goto nomem;
	h->connect_timeout_ms = s->connect_timeout_ms > 0 ?
	    s->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	h->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms :
	    HTTP_DEFAULT_TIMEOUT_MS;
	h->max_response = s->max_response > 0 ? s->max_response :
	    HTTP_DEFAULT_MAX_RESPONSE;
	h->proxies = s->proxies;
	h->rand_state = s->seed != 0 ? s->seed :
	    (unsigned int)time(NULL) ^ (unsigned int)getpid();
	if ((h->timer = evtimer_new(base, http_timeout_cb, h)) == NULL)
		goto nomem;
	if ((h->multi = curl_multi_init()) == NULL)
		goto nomem;
	/*
	 * One TLS session cache for every request: a connection the platform
	 * closed while idle (a heartbeat interval is longer than its
	 * keep-alive) opens again with a resumed session, not a full
	 * handshake. One thread: no lock callbacks.
	 */
	if ((h->share = curl_share_init()) == NULL ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
		goto nomem;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_set_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
nomem:
	log_warnx("http: out of memory");
fail:
	http_free(h);
	return NULL;
}

/* Use pc (or NULL = direct) for requests started from now on. */
void
http_set_proxies(struct http *h, const struct proxy_config *pc)
{
	h->proxies = pc;
}

/* Calls in flight. */
int
http_pending(const struct http *h)
{
	return h->ncalls;
}

/* Forget the response of the last attempt. */
static void
http_call_reset_response(struct http_call *c)
{
	free(c->resp);
	free(c->etag);
	free(c->date);
	free(c->content_type);
	free(c->location);
	free(c->peer_subject);
	free(c->peer_issuer);
	free(c->peer_not_after);
	c->resp = c->etag = c->date = c->content_type = c->location = NULL;
	c->peer_subject = c->peer_issuer = c->peer_not_after = NULL;
	c->resp_len = c->resp_cap = 0;
	c->too_large = 0;
	c->errbuf[0] = '\0';
}

/* Detach the easy handle of c from the multi handle and free it. */
static void
http_call_drop_easy(struct http_call *c)
{
	if (c->easy == NULL)
		return;
	curl_multi_remove_handle(c->http->multi, c->easy);
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
}

/* Unlink c from its client and free it. */
static void
http_call_free(struct http_call *c)
{
	int	 i;

	if (c->arg_free != NULL)
		c->arg_free(c->arg);
	http_call_drop_easy(c);
	TAILQ_REMOVE(&c->http->calls, c, entry);
	c->http->ncalls--;
	for (i = 0; i < c->nhops; i++)
		proxy_clear(&c->hops[i]);
	http_call_reset_response(c);
	curl_slist_free_all(c->headers);
	free(c->method);
	free(c->url);
	free(c->body);
	free(c);
}

/* curl: body bytes arrived (decoded). Returns n, or 0 to abort. */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_call	*c = arg;
	size_t			 n = size * nmemb, cap;
	char			*p;

	if (n > c->max_response - c->resp_len) {
		c->too_large = 1;
		return 0;
	}
	if (c->resp_len + n + 1 > c->resp_cap) {
		cap = c->resp_cap != 0 ? c->resp_cap : 4096;
		while (cap < c->resp_len + n + 1)
			cap *= 2;
		/* Never more than the cap (and its NUL) allows. */
		if (cap > c->max_response + 1)
			cap = c->max_response + 1;
		if ((p = realloc(c->resp, cap)) == NULL)
			return 0;
		c->resp = p;
		c->resp_cap = cap;
	}
	memcpy(c->resp + c->resp_len, ptr, n);
	c->resp_len += n;
	c->resp[c->resp_len] = '\0';
	return n;
}

/* Store a copy of header value v (len bytes, trimmed) in *field. */
static void
http_keep_header(char **field, const char *v, size_t len)
{
	while (len > 0 && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	free(*field);
	*field = strndup(v, len);
}

/* curl: one header line arrived. Returns n. */
static size_t
http_header_cb(char *line, size_t size, size_t nmemb, void *arg)
{
	struct http_call	*c = arg;
	size_t			 n = size * nmemb;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new header block (CONNECT answer, 100, final). */
		free(c->etag);
		free(c->date);
		free(c->content_type);
		free(c->location);
		c->etag = c->date = c->content_type = c->location = NULL;
	} else if (n > 5 && strncasecmp(line, "ETag:", 5) == 0)
		http_keep_header(&c->etag, line + 5, n - 5);
	else if (n > 5 && strncasecmp(line, "Date:", 5) == 0)
		http_keep_header(&c->date, line + 5, n - 5);
	else if (n > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
		http_keep_header(&c->content_type, line + 13, n - 13);
	else if (n > 9 && strncasecmp(line, "Location:", 9) == 0)
		http_keep_header(&c->location, line + 9, n - 9 < 1024 ?
		    n - 9 : 1024);
	return n;
}

/* Gzip len bytes of in into *out. Returns 0, or -1. */
static int
http_gzip(const void *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream	 z;
	uLong		 bound;
	unsigned char	*buf;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((buf = malloc(bound)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return -1;
	}
	*outlen = z.total_out;
	*out = buf;
	deflateEnd(&z);
	return 0;
}

/* The masked name of the current hop, "direct" for none. */
static const char *
http_hop_name(const struct http_call *c)
{
	const struct proxy	*hop = &c->hops[c->hop];

	return hop->url != NULL ? hop->masked : "direct";
}

/* Make and start the easy handle of the current hop. Returns 0, or -1. */
static int
http_call_start(struct http_call *c)
{
	struct http		*h = c->http;
	const struct proxy	*hop = &c->hops[c->hop];
	CURL			*e;

	if ((e = c->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file);
	if (h->pin != NULL)
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, h->pin);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	/* Our headers (Authorization) go to the platform, never the proxy. */
	curl_easy_setopt(e, CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)c->max_response);
	if (c->want_certificate) {
		/* Certificate details come only with a new handshake. */
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	}

	if (strcmp(c->method, "GET") == 0 && c->body == NULL)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(c->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else {
		if (strcmp(c->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
		if (c->body != NULL || strcmp(c->method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)c->body_len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS,
			    c->body != NULL ? (char *)c->body : "");
		}
	}

	/* Never let curl pick proxies from the environment by itself. */
	curl_easy_setopt(e, CURLOPT_NOPROXY, "");
	if (hop->url != NULL) {
		curl_easy_setopt(e, CURLOPT_PROXY, hop->url);
		curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
		if (hop->user != NULL) {
			curl_easy_setopt(e, CURLOPT_PROXYAUTH,
			    (long)CURLAUTH_BASIC);
			curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, hop->user);
			curl_easy_setopt(e, CURLOPT_PROXYPASSWORD,
			    hop->password != NULL ? hop->password : "");
		}
	} else
		curl_easy_setopt(e, CURLOPT_PROXY, "");

	log_debug("http: %s %s via %s: attempt %d of %d", c->method, c->url,
	    http_hop_name(c), c->hop + 1, c->nhops);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		c->easy = NULL;
		return -1;
	}
	return 0;
}

/* Keep the leaf certificate's subject, issuer and expiry of c's attempt. */
static void
http_call_keep_peer(struct http_call *c)
{
	struct curl_certinfo	*ci = NULL;
	struct curl_slist	*l;

	if (curl_easy_getinfo(c->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return;
	for (l = ci->certinfo[0]; l != NULL; l = l->next) {
		if (strncmp(l->data, "Subject:", 8) == 0)
			http_keep_header(&c->peer_subject, l->data + 8,
			    strlen(l->data + 8));
		else if (strncmp(l->data, "Issuer:", 7) == 0)
			http_keep_header(&c->peer_issuer, l->data + 7,
			    strlen(l->data + 7));
		else if (strncmp(l->data, "Expire date:", 12) == 0)
			http_keep_header(&c->peer_not_after, l->data + 12,
			    strlen(l->data + 12));
	}
}

/* Pick the code of a request that failed on every proxy. */
static enum error_code
http_call_proxy_verdict(const struct http_call *c)
{
	static const enum error_code rank[] = { ERR_PROXY_AUTH,
	    ERR_PROXY_REJECTED, ERR_PROXY_FAILURE };
	size_t	 r;
	int	 i;

	for (r = 0; r < nitems(rank); r++)
		for (i = 0; i < c->nattempts; i++)
			if (c->attempts[i].error == rank[r])
				return rank[r];
	return c->attempts[c->nattempts - 1].error;
}

/* Report the outcome of c to its callback and free c. */
static void
http_call_complete(struct http_call *c)
{
	struct http_response	 r;
	const struct http_attempt *last = &c->attempts[c->nattempts - 1];
	char			 detail[(PROXY_MAX + 1) * HTTP_DETAIL_MAX];
	char			 empty[1] = "";
	size_t			 off = 0;
	int			 i;

	memset(&r, 0, sizeof(r));
	r.error = last->error;
	if (error_is_proxy_failure(r.error))
		r.error = http_call_proxy_verdict(c);
	detail[0] = '\0';
	for (i = 0; i < c->nattempts && off < sizeof(detail); i++)
		off += snprintf(detail + off, sizeof(detail) - off, "%s%s",
		    i > 0 ? "; then " : "", c->attempts[i].detail);
	r.detail = detail;
	if (!error_is_proxy_failure(last->error) &&
	    c->hops[c->hop].url != NULL)
		r.proxy = c->hops[c->hop].masked;
	if (c->easy != NULL)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &r.status);
	r.body = c->resp != NULL ? c->resp : empty;
	r.body_len = c->resp_len;
	r.etag = c->etag;
	r.date = c->date;
	r.content_type = c->content_type;
	r.location = c->location;
	r.attempts = c->attempts;
	r.nattempts = c->nattempts;
	r.peer.subject = c->peer_subject;
	r.peer.issuer = c->peer_issuer;
	r.peer.not_after = c->peer_not_after;
	http_call_drop_easy(c);
	c->arg_free = NULL;
	c->cb(&r, c->arg);
	http_call_free(c);
}

/* An attempt of c finished with res: record it, fail over or complete. */
static void
http_call_attempt_done(struct http_call *c, CURLcode res)
{
	struct error_transfer	 t;
	struct http_attempt	*a = &c->attempts[c->nattempts++];
	const struct proxy	*hop = &c->hops[c->hop];
	curl_off_t		 connect_us = 0, pretransfer_us = 0;

	memset(&t, 0, sizeof(t));
	t.curl_code = res;
	t.curl_error = c->errbuf;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &t.http_status);
	curl_easy_getinfo(c->easy, CURLINFO_HTTP_CONNECTCODE,
	    &t.connect_code);
	curl_easy_getinfo(c->easy, CURLINFO_OS_ERRNO, &t.os_errno);
	curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
	/* A reused connection reports no connect time and no CONNECT. */
	curl_easy_getinfo(c->easy, CURLINFO_PRETRANSFER_TIME_T,
	    &pretransfer_us);
	t.connected = connect_us > 0;
	t.established = pretransfer_us > 0;
	t.via_proxy = hop->url != NULL;
	t.url = c->url;
	t.proxy = hop->url != NULL ? hop->masked : NULL;
	snprintf(a->proxy, sizeof(a->proxy), "%s", http_hop_name(c));
	a->error = error_from_transfer(&t, a->detail, sizeof(a->detail));
	if (c->want_certificate)
		http_call_keep_peer(c);
	if (c->too_large || res == CURLE_FILESIZE_EXCEEDED) {
		a->error = ERR_RESPONSE_TOO_LARGE;
		snprintf(a->detail, sizeof(a->detail), "%s via %s: response "
		    "larger than %zu bytes", c->url, http_hop_name(c),
		    c->max_response);
	}

	if (error_is_proxy_failure(a->error) && c->hop + 1 < c->nhops) {
		log_warnx("http: %s %s %s; trying %s%s", error_id(a->error),
		    c->method, a->detail, c->hops[c->hop + 1].url != NULL ?
		    "next proxy " : "direct (proxy_fail_open)",
		    c->hops[c->hop + 1].url != NULL ?
		    c->hops[c->hop + 1].masked : "");
		http_call_drop_easy(c);
		http_call_reset_response(c);
		c->hop++;
		if (http_call_start(c) == 0)
			return;
		a = &c->attempts[c->nattempts++];
		snprintf(a->proxy, sizeof(a->proxy), "%s", http_hop_name(c));
		a->error = ERR_INTERNAL;
		snprintf(a->detail, sizeof(a->detail), "%s via %s: cannot "
		    "start the transfer", c->url, http_hop_name(c));
	} else if (hop->url != NULL && error_is_proxy_failure(a->error))
		log_warnx("http: %s %s %s; no proxy left and proxy_fail_open "
		    "is no", error_id(a->error), c->method, a->detail);
	else if (a->error == ERR_NONE)
		/* A success: no error code, and only at debug level. */
		log_debug("http: %s %s%s", c->method, a->detail, hop->url !=
		    NULL ? " (the proxy carried it)" : c->hop > 0 ? " (direct, "
		    "every proxy failed)" : "");
	else
		log_debug("http: %s %s %s%s", error_id(a->error), c->method,
		    a->detail, hop->url != NULL ? " (through the proxy)" :
		    c->hop > 0 ? " (direct, every proxy failed)" : "");
	http_call_complete(c);
}

/* Drain curl's finished transfers and move their calls on. */
static void
http_check_done(struct http *h)
{
	CURLMsg			*msg;
	struct http_call	*c;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		c = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &c);
		if (c == NULL)
			continue;
		http_call_attempt_done(c, msg->data.result);
	}
}

/* The host of an https:// URL into buf. Returns 0, or -1 if no URL. */
static int
http_url_host(const char *url, char *buf, size_t len)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 rc = -1;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    strcasecmp(scheme, "https") == 0 &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    (size_t)snprintf(buf, len, "%s", host) < len)
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* Start a request. Returns the call, or NULL (logged). */
struct http_call *
http_request(struct http *h, const struct http_request *req,
    http_done_cb cb, void *arg)
{
	struct http_call		*c;
	const struct proxy_config	*pc = h->proxies;
	struct curl_slist		*l;
	const char *const		*hp;
	char				 host[256];
	int				 order[PROXY_MAX], n, i;

	if (http_url_host(req->url, host, sizeof(host)) == -1) {
		log_warnx("http: \"%s\" is not an https:// URL", req->url);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	c->http = h;
	TAILQ_INSERT_TAIL(&h->calls, c, entry);
	h->ncalls++;
	c->cb = cb;
	c->arg = arg;
	c->arg_free = req->arg_free;
	c->max_response = req->max_response > 0 ? req->max_response :
	    h->max_response;
	if ((c->method = strdup(req->method != NULL ? req->method :
	    "GET")) == NULL || (c->url = strdup(req->url)) == NULL)
		goto nomem;
	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if ((l = curl_slist_append(c->headers, *hp)) == NULL)
			goto nomem;
		c->headers = l;
	}
	/* No 100-continue round trip. */
	if ((l = curl_slist_append(c->headers, "Expect:")) == NULL)
		goto nomem;
	c->headers = l;
	if (req->body != NULL && req->gzip_body) {
		if (http_gzip(req->body, req->body_len, &c->body,
		    &c->body_len) == -1)
			goto nomem;
		if ((l = curl_slist_append(c->headers,
		    "Content-Encoding: gzip")) == NULL)
			goto nomem;
		c->headers = l;
	} else if (req->body != NULL) {
		if ((c->body = malloc(req->body_len + 1)) == NULL)
			goto nomem;
		memcpy(c->body, req->body, req->body_len);
		c->body_len = req->body_len;
	}

	c->want_certificate = req->want_certificate;
	n = 0;
	switch (req->route) {
	case HTTP_ROUTE_POLICY:
		if (pc != NULL)
			n = proxy_plan(pc, host, (unsigned int)rand_r(
			    &h->rand_state), order);
		if (n == 0 && pc != NULL && pc->list.count > 0)
			log_debug("http: %s goes direct (no_proxy)", host);
		break;
	case HTTP_ROUTE_DIRECT:
		break;
	case HTTP_ROUTE_PROXY:
		if (pc == NULL || req->route_proxy < 0 ||
		    req->route_proxy >= pc->list.count) {
			log_warnx("http: %s %s: no proxy number %d", c->method,
			    req->url, req->route_proxy + 1);
			c->arg_free = NULL;	/* the caller keeps arg */
			http_call_free(c);
			return NULL;
		}
		order[n++] = req->route_proxy;
		break;
	}
	for (i = 0; i < n; i++)
		if (proxy_copy(&c->hops[c->nhops++],
		    &pc->list.proxies[order[i]]) == -1)
			goto nomem;
	/*
	 * Direct: with no proxy, or after every proxy when failing open
	 * (only the policy route fails open).
	 */
	if (n == 0 || (req->route == HTTP_ROUTE_POLICY && pc->fail_open))
		c->nhops++;
	if (http_call_start(c) == -1)
		goto nomem;
	return c;
nomem:
	log_warnx("http: %s %s: cannot start the request (out of memory)",
	    c->method != NULL ? c->method : "", req->url);
	c->arg_free = NULL;	/* the caller keeps arg */
	http_call_free(c);
	return NULL;
}

/* Abort a call; its callback is not called. */
void
http_cancel(struct http_call *c)
{
	if (c != NULL)
		http_call_free(c);
}

/* Cancel every call and free the client. */
void
http_free(struct http *h)
{
	struct http_call	*c;

	if (h == NULL)
		return;
	while ((c = TAILQ_FIRST(&h->calls)) != NULL)
		http_call_free(c);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->ca_file);
	free(h->pin);
	free(h->user_agent);
	free(h);
	if (--http_global_refs == 0)
		curl_global_cleanup();
}
