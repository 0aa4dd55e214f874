/*
 * conn-limits.h: the platform's connections as a bounded, fairly shared
 * resource (conn-limits.c). server.c registers each connection evhttp
 * accepts (conns_open, from its bufferevent callback) and tells of each
 * request it handles and answers; conn-limits.c admits or refuses the
 * connection by the limits, moves it through its states with a deadline
 * each, closes the oldest idle connections first when the platform is
 * full, pauses accepting when descriptors run short, and counts it all
 * for GET /api/v1/status and the log.
 */
#ifndef OUTPOST_CONN_LIMITS_H
#define OUTPOST_CONN_LIMITS_H

struct bufferevent;
struct event_base;
struct evconnlistener;
struct evhttp_request;
struct json_object;
struct platform_conf;
struct ssl_st;

struct conns;

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit. Returns the limit now
 * in force, with the one before in *before.
 */
long		 conns_raise_nofile(long *before);
struct conns	*conns_new(struct event_base *);
void		 conns_configure(struct conns *, const struct platform_conf *);
void		 conns_set_listener(struct conns *, struct evconnlistener *);
/* Forget every connection (they close with evhttp), free. */
void		 conns_free(struct conns *);
/*
 * A connection was accepted (evhttp's bufferevent callback, before the
 * descriptor is set on bev). Returns 0, or -1 when it cannot be tracked
 * (the caller refuses it).
 */
int		 conns_open(struct conns *, struct ssl_st *,
		    struct bufferevent *);
/* The whole request req was read and is being handled. */
void		 conns_request(struct conns *, struct evhttp_request *);
/*
 * The answer to req is about to be sent; agent: it answers an
 * authenticated agent (the connection then idles agent_keepalive_timeout).
 */
void		 conns_reply(struct conns *, struct evhttp_request *, int);
/* Open connections, limits and what each refused, for the status API. */
struct json_object *conns_status_json(struct conns *);

#endif /* OUTPOST_CONN_LIMITS_H */
