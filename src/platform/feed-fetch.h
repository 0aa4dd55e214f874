/*
 * feed-fetch.h: the scheduled fetch of the feeds platform.conf names
 * (feed-fetch.c), off the event loop in threads of their own.
 */
#ifndef OUTPOST_FEED_FETCH_H
#define OUTPOST_FEED_FETCH_H

struct api;
struct event_base;
struct feed_fetch;
struct platform_conf;

struct feed_fetch	*feed_fetch_new(struct event_base *, struct api *,
			    const struct platform_conf *);
void			 feed_fetch_free(struct feed_fetch *);

#endif /* OUTPOST_FEED_FETCH_H */
