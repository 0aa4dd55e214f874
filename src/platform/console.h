/*
 * console.h: the platform console's static files (console.c), read from
 * console_dir into memory and served at / of the HTTPS listener before
 * the APIs see a request.
 */
#ifndef OUTPOST_CONSOLE_H
#define OUTPOST_CONSOLE_H

#include <stddef.h>

struct console;
struct evhttp_request;

/* The console's answer to one request (console_answer). */
struct console_reply {
	int		 status;	/* 200, 304, 404 or 405 */
	const char	*type;		/* Content-Type */
	const char	*body;		/* the file, or a line of text */
	size_t		 len;
	const char	*etag;		/* a file's ETag, or NULL */
};

struct console	*console_load(const char *dir, char *err, size_t errlen);
void		 console_free(struct console *);
void		 console_size(const struct console *, size_t *files,
		    size_t *bytes);
int		 console_answer(const struct console *, int is_read,
		    const char *path, const char *if_none_match,
		    struct console_reply *);
int		 console_serve(const struct console *, struct evhttp_request *);

#endif /* OUTPOST_CONSOLE_H */
