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

struct console	*console_load(const char *dir, char *err, size_t errlen);
void		 console_free(struct console *);
void		 console_size(const struct console *, size_t *files,
		    size_t *bytes);
int		 console_serve(const struct console *, struct evhttp_request *);

#endif /* OUTPOST_CONSOLE_H */
