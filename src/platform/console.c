/*
 * console.c: the platform console's static files (HTML, CSS, JavaScript
 * modules) served at / of the HTTPS listener.
 *
 * The files under console_dir are read into memory when the platform
 * starts and again on SIGHUP: only regular files with a known extension,
 * no dot files, no symbolic links, within CONSOLE_MAX_FILES,
 * CONSOLE_FILE_MAX and CONSOLE_TOTAL_MAX. A request is answered from that
 * table by the exact path, so nothing outside it (no "..", no link, no
 * file added later) can ever be served. Every answer, 404 and 405
 * included, carries the security headers below: a Content-Security-Policy
 * that allows nothing but the platform's own origin (no inline script or
 * style, no framing), nosniff and a Referrer-Policy that keeps Origin on
 * same-origin requests (the CSRF checks of session.c refuse "null").
 * Files are revalidated on each use (Cache-Control: no-cache) with a
 * strong ETag from their SHA-256, so an upgrade is seen at once and an
 * unchanged file costs a 304.
 *
 * Paths under /api/ and /agent/ are the APIs' (console_serve returns 1).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "compat.h"
#include "console.h"
#include "log.h"
#include "pki.h"

#define CONSOLE_MAX_FILES	512
#define CONSOLE_FILE_MAX	(1024 * 1024)		/* bytes of one file */
#define CONSOLE_TOTAL_MAX	(16 * 1024 * 1024)	/* of every file */
#define CONSOLE_MAX_DEPTH	8			/* folders below */
#define CONSOLE_PATH_MAX	256			/* bytes of a URL path */

/* The policy: this origin only, nothing inline, never in a frame. */
#define CONSOLE_CSP \
	"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
	"form-action 'self'; object-src 'none'"

/* One file, as served. */
struct console_file {
	char		*path;		/* the URL path: "/js/app.js" */
	const char	*type;		/* Content-Type */
	char		*data;
	size_t		 len;
	char		 etag[20];	/* "<16 hex digits of SHA-256>" */
};

struct console {
	struct console_file	*files;
	size_t			 nfiles;
	size_t			 total;		/* bytes of every file */
};

/* The Content-Type of each extension served; other files are left out. */
static const struct {
	const char	*ext;
	const char	*type;
} console_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".woff2", "font/woff2" },
};

/* The Content-Type of file name, or NULL when it is not served. */
static const char *
console_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	if (dot == NULL)
		return NULL;
	for (i = 0; i < nitems(console_types); i++)
		if (strcmp(dot, console_types[i].ext) == 0)
			return console_types[i].type;
	return NULL;
}

/*
 * Read the regular file name of the open directory dirfd (not through a
 * symbolic link) into f. Returns 0, 1 (not a regular file: left out), or
 * -1 with the reason in err.
 */
static int
console_read_file(int dirfd, const char *name, const char *shown,
    struct console_file *f, char *err, size_t errlen)
{
	struct stat	 sb;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		if (errno == ELOOP)
			return 1;	/* a symbolic link */
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 1;
	}
	if (sb.st_size > CONSOLE_FILE_MAX) {
		snprintf(err, errlen, "%s is larger than %d bytes", shown,
		    CONSOLE_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((f->data = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, f->data + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", shown, n == 0 ?
			    "shorter than its size" : strerror(errno));
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	f->len = got;
	return 0;
}

/* Add the file of f (read, named by URL path) to c. Returns 0, or -1. */
static int
console_add(struct console *c, struct console_file *f, char *err,
    size_t errlen)
{
	struct console_file	*nf;
	char			 hash[65];

	if (c->nfiles == CONSOLE_MAX_FILES ||
	    c->total + f->len > CONSOLE_TOTAL_MAX) {
		snprintf(err, errlen, "more than %d files or %d bytes",
		    CONSOLE_MAX_FILES, CONSOLE_TOTAL_MAX);
		return -1;
	}
	if ((nf = reallocarray(c->files, c->nfiles + 1, sizeof(*nf))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->files = nf;
	pki_sha256_hex(f->data, f->len, hash);
	snprintf(f->etag, sizeof(f->etag), "\"%.16s\"", hash);
	c->files[c->nfiles++] = *f;
	c->total += f->len;
	return 0;
}

/*
 * Read the files of directory path (URL prefix url) into c, and those of
 * its folders down to CONSOLE_MAX_DEPTH. Returns 0, or -1 with err.
 */
static int
console_walk(struct console *c, const char *path, const char *url,
    int depth, char *err, size_t errlen)
{
	struct console_file	 f;
	struct dirent		*de;
	struct stat		 sb;
	DIR			*d;
	char			 sub[4096], suburl[CONSOLE_PATH_MAX + 1];
	int			 rc = 0, r;

	if ((d = opendir(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* ".", "..", and dot files */
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(suburl, sizeof(suburl), "%s/%s", url,
		    de->d_name) >= sizeof(suburl)) {
			log_warnx("console: %s/%s: name too long; left out",
			    path, de->d_name);
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			snprintf(err, errlen, "%s: %s", sub, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (depth < CONSOLE_MAX_DEPTH)
				rc = console_walk(c, sub, suburl, depth + 1,
				    err, errlen);
		} else if (S_ISREG(sb.st_mode) &&
		    console_type(de->d_name) != NULL) {
			memset(&f, 0, sizeof(f));
			f.type = console_type(de->d_name);
			r = console_read_file(dirfd(d), de->d_name, sub, &f,
			    err, errlen);
			if (r == 0 && ((f.path = strdup(suburl)) == NULL ||
			    console_add(c, &f, err, errlen) == -1)) {
				if (f.path == NULL)
					snprintf(err, errlen, "out of memory");
				free(f.path);
				free(f.data);
				r = -1;
			}
			rc = r == -1 ? -1 : 0;
		}
	}
	closedir(d);
	return rc;
}

/* Order files by path, for bsearch. */
static int
console_cmp(const void *a, const void *b)
{
	return strcmp(((const struct console_file *)a)->path,
	    ((const struct console_file *)b)->path);
}

/*
 * Read the console under dir. Returns it, or NULL with the reason in err
 * (a missing directory, an unreadable or oversized file, no index.html).
 */
struct console *
console_load(const char *dir, char *err, size_t errlen)
{
	struct console_file	 key;
	struct console		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (console_walk(c, dir, "", 0, err, errlen) == -1) {
		console_free(c);
		return NULL;
	}
	if (c->nfiles > 0)
		qsort(c->files, c->nfiles, sizeof(*c->files), console_cmp);
	key.path = "/index.html";
	if (c->nfiles == 0 || bsearch(&key, c->files, c->nfiles,
	    sizeof(*c->files), console_cmp) == NULL) {
		snprintf(err, errlen, "%s has no index.html", dir);
		console_free(c);
		return NULL;
	}
	return c;
}

/* Free the console c (NULL is fine). */
void
console_free(struct console *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfiles; i++) {
		free(c->files[i].path);
		free(c->files[i].data);
	}
	free(c->files);
	free(c);
}

/* The number of files and their bytes, for the log. */
void
console_size(const struct console *c, size_t *files, size_t *bytes)
{
	*files = c != NULL ? c->nfiles : 0;
	*bytes = c != NULL ? c->total : 0;
}

/* Whether path belongs to the APIs rather than the console. Returns 1/0. */
static int
console_is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 ||
	    strncmp(path, "/agent/", 7) == 0 || strcmp(path, "/api") == 0 ||
	    strcmp(path, "/agent") == 0 || strcmp(path, "/metrics") == 0;
}

/*
 * Whether path can name a console file: "/", or segments of
 * [A-Za-z0-9._-] that do not start with a dot. Returns 1/0.
 */
static int
console_path_ok(const char *path)
{
	const char	*p;

	if (path[0] != '/' || strlen(path) > CONSOLE_PATH_MAX)
		return 0;
	for (p = path; *p != '\0'; p++) {
		if (*p == '/') {
			if (p[1] == '/' || p[1] == '.')
				return 0;
		} else if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p) == NULL)
			return 0;
	}
	return 1;
}

/* Whether If-None-Match (a list, or "*") names etag. Returns 1/0. */
static int
console_etag_matches(const char *h, const char *etag)
{
	size_t	 len = strlen(etag), n;

	if (h == NULL)
		return 0;
	while (*h != '\0') {
		h += strspn(h, " \t,");
		if (*h == '*')
			return 1;
		if (strncmp(h, "W/", 2) == 0)
			h += 2;
		n = strcspn(h, ",");
		while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
			n--;
		if (n == len && strncmp(h, etag, len) == 0)
			return 1;
		h += strcspn(h, ",");
	}
	return 0;
}

/* Add the headers every console answer carries. */
static void
console_headers(struct evkeyvalq *out)
{
	evhttp_add_header(out, "Content-Security-Policy", CONSOLE_CSP);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Referrer-Policy", "same-origin");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Cross-Origin-Opener-Policy", "same-origin");
	evhttp_add_header(out, "Cross-Origin-Resource-Policy", "same-origin");
}

/* The file of URL path in c, or NULL. */
static const struct console_file *
console_find(const struct console *c, const char *path)
{
	struct console_file	 key;

	if (c == NULL || c->nfiles == 0)
		return NULL;
	key.path = (char *)(strcmp(path, "/") == 0 ? "/index.html" : path);
	return bsearch(&key, c->files, c->nfiles, sizeof(*c->files),
	    console_cmp);
}

/* Set r to a short plain-text answer (404, 405). */
static void
console_text(struct console_reply *r, int status, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->type = "text/plain; charset=utf-8";
	r->body = text;
	r->len = strlen(text);
}

/*
 * Decide the console's answer to a request for path (is_read: GET or
 * HEAD) with If-None-Match inm (or NULL); c may be NULL (no console).
 * Returns 0 with *r set (200 with the file, 304, 404 or 405), or 1 when
 * path is an API's.
 */
int
console_answer(const struct console *c, int is_read, const char *path,
    const char *inm, struct console_reply *r)
{
	const struct console_file	*f;

	if (path == NULL || console_is_api(path))
		return 1;
	if (!is_read)
		console_text(r, 405, "the console is read with GET\n");
	else if (c == NULL)
		console_text(r, 404, "no console here: console_dir is not "
		    "set up (outpost-platform(8))\n");
	else if (!console_path_ok(path) || (f = console_find(c, path)) == NULL)
		console_text(r, 404, "not found\n");
	else {
		memset(r, 0, sizeof(*r));
		r->status = console_etag_matches(inm, f->etag) ? 304 : 200;
		r->type = f->type;
		r->body = f->data;
		r->len = f->len;
		r->etag = f->etag;
	}
	return 0;
}

/*
 * Answer req when its path is the console's (c may be NULL: no console).
 * Returns 0 when answered, 1 when the path is an API's.
 */
int
console_serve(const struct console *c, struct evhttp_request *req)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	struct console_reply	 r;
	struct evbuffer		*body = NULL;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	char			 len[32];

	if (console_answer(c, cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD,
	    uri != NULL ? evhttp_uri_get_path(uri) : NULL,
	    evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match"), &r) == 1)
		return 1;
	log_debug("%s %s -> console %d", cmd == EVHTTP_REQ_HEAD ? "HEAD" :
	    cmd == EVHTTP_REQ_GET ? "GET" : "other", evhttp_uri_get_path(uri),
	    r.status);
	console_headers(out);
	evhttp_add_header(out, "Cache-Control", r.etag != NULL ? "no-cache" :
	    "no-store");
	if (r.etag != NULL)
		evhttp_add_header(out, "ETag", r.etag);
	if (r.status == 405)
		evhttp_add_header(out, "Allow", "GET, HEAD");
	if (r.status == 304) {
		evhttp_send_reply(req, 304, NULL, NULL);
		return 0;
	}
	evhttp_add_header(out, "Content-Type", r.type);
	if (cmd == EVHTTP_REQ_HEAD) {
		snprintf(len, sizeof(len), "%zu", r.len);
		evhttp_add_header(out, "Content-Length", len);
	} else if ((body = evbuffer_new()) == NULL ||
	    evbuffer_add(body, r.body, r.len) == -1) {
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_reply(req, 500, NULL, NULL);
		return 0;
	}
	evhttp_send_reply(req, r.status, NULL, body);
	if (body != NULL)
		evbuffer_free(body);
	return 0;
}
