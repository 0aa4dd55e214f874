/*
 * http.h: the agent's HTTPS client. One libcurl multi handle is driven by
 * the caller's event_base (curl_multi_socket_action from libevent
 * callbacks): no blocking call, no thread, no second loop. Each request
 * tries the proxies of the proxy policy in turn, then goes direct when
 * the policy says so, and completes through one callback.
 */
#ifndef OUTPOST_HTTP_H
#define OUTPOST_HTTP_H

#include <stddef.h>

#include "errors.h"
#include "proxy.h"

struct event_base;
struct http;
struct http_call;

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS	10000
#define HTTP_DEFAULT_TIMEOUT_MS		60000
#define HTTP_DEFAULT_MAX_RESPONSE	(16UL * 1024 * 1024)
#define HTTP_DETAIL_MAX			1024

/* How the client talks to the platform (copied by http_new()). */
struct http_settings {
	const char	*ca_file;	/* NULL: the system trust store */
	const char	*pin_sha256;	/* SPKI pin: 64 hex digits, base64,
					   or "sha256//base64"; NULL = none */
	long		 connect_timeout_ms;	/* 0: default */
	long		 timeout_ms;		/* whole request; 0: default */
	const char	*user_agent;		/* NULL: "outpost/VERSION" */
	size_t		 max_response;		/* bytes; 0: default */
	/* The proxy policy; NULL = direct. Read when a request starts (each
	   call copies its proxies), so it must live until it is replaced
	   with http_set_proxies() or the client is freed. */
	const struct proxy_config *proxies;
	/* Random start for PROXY_ORDER_RANDOM: a seed (0 = from time). */
	unsigned int	 seed;
};

/* Which way one request goes (healthcheck probes each way on its own). */
enum http_route {
	HTTP_ROUTE_POLICY = 0,	/* the proxy policy: proxies, then maybe
				   direct */
	HTTP_ROUTE_DIRECT,	/* direct, whatever the policy says */
	HTTP_ROUTE_PROXY	/* only proxy route_proxy of the policy */
};

/* One request. Every pointer is only read during http_request(). */
struct http_request {
	const char	*method;	/* "GET", "POST", "PUT", "DELETE" ... */
	const char	*url;		/* https:// */
	const char *const *headers;	/* NULL-terminated "Name: value" */
	const void	*body;		/* NULL = none */
	size_t		 body_len;
	int		 gzip_body;	/* send Content-Encoding: gzip */
	size_t		 max_response;	/* 0: the client's limit */
	enum http_route	 route;
	int		 route_proxy;	/* index for HTTP_ROUTE_PROXY */
	int		 want_certificate;	/* fill http_response.peer on a
						   fresh connection */
	void		(*arg_free)(void *);	/* frees the callback's arg
						   when the call ends without
						   calling it (cancel, free) */
};

/* The platform's certificate as seen in the handshake. */
struct http_peer {
	const char	*subject;	/* NULL if unknown */
	const char	*issuer;
	const char	*not_after;	/* as OpenSSL prints it */
};

/* How one attempt (through one proxy, or direct) ended. */
struct http_attempt {
	char		 proxy[256];	/* masked URL, or "direct" */
	enum error_code	 error;
	char		 detail[HTTP_DETAIL_MAX];
};

/* What a completion callback gets; valid only during the callback. */
struct http_response {
	enum error_code	 error;		/* ERR_NONE: status below 400 */
	const char	*detail;	/* one line: URL, proxy, reason */
	long		 status;	/* HTTP status, 0 if none */
	char		*body;		/* decoded, NUL-terminated; the
					   callback may change it in place */
	size_t		 body_len;
	const char	*etag;		/* NULL if absent */
	const char	*date;		/* NULL if absent */
	const char	*content_type;	/* NULL if absent */
	const char	*location;	/* NULL if absent (redirects are
					   never followed) */
	const char	*proxy;		/* masked proxy that carried it, or
					   NULL = direct / none */
	const struct http_attempt *attempts;	/* every attempt, in order */
	int		 nattempts;
	struct http_peer peer;		/* with want_certificate */
};

typedef void	(*http_done_cb)(const struct http_response *, void *);

/*
 * Make a client on base. Returns it, or NULL (logged): bad settings such
 * as a malformed pin, or no memory.
 */
struct http	*http_new(struct event_base *, const struct http_settings *);
/*
 * Use pc (or NULL = direct) for requests started from now on; calls in
 * flight keep their copies, so the old configuration may be freed now.
 */
void		 http_set_proxies(struct http *, const struct proxy_config *);
/*
 * Start a request; cb is called once, later, from the event loop (never
 * from inside http_request()). Returns the call (valid until cb runs or
 * http_cancel()), or NULL if the request could not be started (logged):
 * not an https:// URL, no such proxy for HTTP_ROUTE_PROXY, no memory.
 */
struct http_call *http_request(struct http *, const struct http_request *,
		    http_done_cb, void *);
/* Abort a call; its callback is not called. */
void		 http_cancel(struct http_call *);
/* Calls in flight. */
int		 http_pending(const struct http *);
/*
 * Cancel every call (no callbacks) and free the client. Not from inside a
 * completion callback: stop the loop there and free after it.
 */
void		 http_free(struct http *);
/*
 * Turn a pin (64 hex digits, base64, or "sha256//base64") into curl's
 * "sha256//base64" form in buf. Returns 0, or -1 if malformed.
 */
int		 http_pin_normalize(const char *, char *buf, size_t len);

#endif /* OUTPOST_HTTP_H */
