/*
 * server.h: the HTTPS front of the platform (server.c): evhttp over
 * bufferevent_openssl on the daemon's event_base, body limits, and the
 * group commit of the store's transactions, with the connection limits
 * of conn-limits.c. It hands each request to api.c as a struct
 * api_request and sends the struct api_response.
 */
#ifndef OUTPOST_SERVER_H
#define OUTPOST_SERVER_H

#include <stddef.h>

struct api;
struct event_base;
struct platform_conf;
struct server;
struct ssl_ctx_st;

struct server	*server_new(struct event_base *, struct api *, int fd,
		    struct ssl_ctx_st *, const struct platform_conf *);
void		 server_configure(struct server *, struct ssl_ctx_st *,
		    const struct platform_conf *);
void		 server_free(struct server *);
int		 server_listen_socket(const char *, char *, size_t);
int		 server_priorities(void);

#endif /* OUTPOST_SERVER_H */
