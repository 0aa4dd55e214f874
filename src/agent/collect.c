/*
 * collect.c: the scan that steps through the inventory collectors from the
 * event loop, the helpers collectors share, and the collectors that read
 * the same files on every system: os, host, interfaces, users, groups.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/utsname.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "collect.h"
#include "compat.h"
#include "invparse.h"
#include "jsonutil.h"
#include "log.h"
#include "route.h"

#define COLLECT_BUDGET_USEC	5000		/* default work per step */
#define COLLECT_CHUNK		(64 * 1024)	/* bytes read at a time */
#define COLLECT_LINE_MAX	(1024 * 1024)	/* longest line accepted */
#define COLLECT_LINES_TIMED	32		/* lines between clock reads */

/* A scan in progress. */
struct collect_scan {
	struct collect_opts	 opts;
	char			*root;
	int			 root_is_host;	/* -1: not known yet */
	struct collect_job	*jobs;
	size_t			 njobs, cur;
	struct event		*ev;
	struct json_object	*sections;
	struct json_object	*errors;
	void			(*done)(struct collect_scan *, void *);
	void			*arg;
	struct timespec		 started;
	double			 duration_ms, busy_ms, longest_ms;
	const char		*longest_collector;
	unsigned long		 steps;
	int			 is_finished;
};

extern const struct collector	collect_os, collect_host, collect_interfaces,
				collect_users, collect_groups;

const struct collector *const collect_table[] = {
	&collect_os, &collect_host, &collect_cpu, &collect_memory,
	&collect_interfaces, &collect_packages, &collect_listening,
	&collect_users, &collect_groups, &collect_kernel_modules, NULL
};

/* The collector named name, or NULL. */
const struct collector *
collect_find(const char *name)
{
	int	 i;

	for (i = 0; collect_table[i] != NULL; i++)
		if (strcmp(collect_table[i]->name, name) == 0)
			return collect_table[i];
	return NULL;
}

/* Is it available on this system? */
int
collect_is_supported(const struct collector *c)
{
	return c->step != NULL;
}

/* Milliseconds from a to b. */
static double
collect_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1000.0 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Run the next step from the loop (after other ready events). */
static void
collect_schedule(struct collect_scan *scan)
{
	struct timeval	 tv = { 0, 0 };

	evtimer_add(scan->ev, &tv);
}

/* Free a job's state. */
static void
collect_job_cleanup(struct collect_job *job)
{
	if (job->state != NULL && job->collector->cleanup != NULL)
		job->collector->cleanup(job);
	free(job->state);
	job->state = NULL;
	json_object_put(job->result);
	job->result = NULL;
}

/* One step of the current collector, from the loop. */
static void
collect_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct collect_scan	*scan = arg;
	struct collect_job	*job;
	struct json_object	*e;
	struct timespec		 t0, t1;
	enum collect_rc		 rc;
	long			 budget;
	double			 ms;

	if (scan->cur == scan->njobs) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		scan->duration_ms = collect_ms(&scan->started, &t1);
		scan->is_finished = 1;
		/* The callback may free the scan. */
		scan->done(scan, scan->arg);
		return;
	}
	job = &scan->jobs[scan->cur];
	if (job->is_waiting)
		return;
	budget = scan->opts.budget_usec > 0 ? scan->opts.budget_usec :
	    COLLECT_BUDGET_USEC;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	job->deadline = t0;
	job->deadline.tv_nsec += budget * 1000;
	while (job->deadline.tv_nsec >= 1000000000L) {
		job->deadline.tv_nsec -= 1000000000L;
		job->deadline.tv_sec++;
	}
	if (job->state == NULL && job->collector->state_size > 0 &&
	    (job->state = calloc(1, job->collector->state_size)) == NULL)
		rc = collect_fail(job, "out of memory");
	else
		rc = job->collector->step(job);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = collect_ms(&t0, &t1);
	job->ms += ms;
	job->steps++;
	scan->steps++;
	scan->busy_ms += ms;
	if (ms > scan->longest_ms) {
		scan->longest_ms = ms;
		scan->longest_collector = job->collector->name;
	}
	switch (rc) {
	case COLLECT_MORE:
		break;
	case COLLECT_WAIT:
		job->is_waiting = 1;
		return;
	case COLLECT_DONE:
		if (job->result == NULL)
			job->result = json_object_new_object();
		json_object_object_add(scan->sections, job->collector->name,
		    job->result);
		job->result = NULL;
		collect_job_cleanup(job);
		scan->cur++;
		break;
	case COLLECT_ERROR:
		e = json_object_new_object();
		json_add_string(e, "collector", job->collector->name);
		json_add_string(e, "error", job->error[0] != '\0' ?
		    job->error : "failed");
		json_object_array_add(scan->errors, e);
		collect_job_cleanup(job);
		scan->cur++;
		break;
	}
	collect_schedule(scan);
}

/* Start a scan of the named collectors. Returns it, or NULL. */
struct collect_scan *
collect_scan_start(const struct collect_opts *opts, const char *const *names,
    void (*done)(struct collect_scan *, void *), void *arg)
{
	struct collect_scan	*scan;
	const struct collector	*c;
	size_t			 i, j, n = 0;

	if ((scan = calloc(1, sizeof(*scan))) == NULL)
		return NULL;
	scan->opts = *opts;
	scan->root_is_host = -1;
	scan->done = done;
	scan->arg = arg;
	for (i = 0; collect_table[i] != NULL; i++)
		n++;
	if ((scan->root = strdup(opts->root != NULL ? opts->root : "/")) ==
	    NULL || (scan->jobs = calloc(n, sizeof(*scan->jobs))) == NULL ||
	    (scan->ev = evtimer_new(opts->base, collect_step_cb, scan)) ==
	    NULL)
		goto fail;
	scan->opts.root = scan->root;
	scan->sections = json_object_new_object();
	scan->errors = json_object_new_array();
	for (i = 0; collect_table[i] != NULL; i++) {
		c = collect_table[i];
		if (!collect_is_supported(c))
			continue;
		if (names != NULL) {
			for (j = 0; names[j] != NULL; j++)
				if (strcmp(names[j], c->name) == 0)
					break;
			if (names[j] == NULL)
				continue;
		}
		scan->jobs[scan->njobs].collector = c;
		scan->jobs[scan->njobs].opts = &scan->opts;
		scan->jobs[scan->njobs].scan = scan;
		scan->njobs++;
	}
	clock_gettime(CLOCK_MONOTONIC, &scan->started);
	collect_schedule(scan);
	return scan;
fail:
	collect_scan_free(scan);
	return NULL;
}

/* Stop and free a scan. */
void
collect_scan_free(struct collect_scan *scan)
{
	size_t	 i;

	if (scan == NULL)
		return;
	for (i = 0; scan->jobs != NULL && i < scan->njobs; i++)
		collect_job_cleanup(&scan->jobs[i]);
	if (scan->ev != NULL)
		event_free(scan->ev);
	json_object_put(scan->sections);
	json_object_put(scan->errors);
	free(scan->jobs);
	free(scan->root);
	free(scan);
}

/* The sections collected (borrowed). */
struct json_object *
collect_scan_sections(struct collect_scan *scan)
{
	return scan->sections;
}

/* The failures (borrowed). */
struct json_object *
collect_scan_errors(struct collect_scan *scan)
{
	return scan->errors;
}

/* The scan's numbers. */
void
collect_scan_stats(struct collect_scan *scan, struct collect_stats *st)
{
	struct timespec	 now;

	st->duration_ms = scan->duration_ms;
	if (!scan->is_finished) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		st->duration_ms = collect_ms(&scan->started, &now);
	}
	st->busy_ms = scan->busy_ms;
	st->longest_step_ms = scan->longest_ms;
	st->longest_step_collector = scan->longest_collector;
	st->steps = scan->steps;
}

/* Per collector time and steps (new object). */
struct json_object *
collect_scan_timings(struct collect_scan *scan)
{
	struct json_object	*o = json_object_new_object(), *t;
	size_t			 i;

	for (i = 0; i < scan->njobs; i++) {
		t = json_object_new_object();
		json_object_object_add(t, "ms", json_object_new_double(
		    (double)(long long)(scan->jobs[i].ms * 1000) / 1000));
		json_add_int64(t, "steps", (int64_t)scan->jobs[i].steps);
		json_object_object_add(o, scan->jobs[i].collector->name, t);
	}
	return o;
}

/* root + path. */
const char *
collect_path(struct collect_job *job, const char *path, char *buf,
    size_t len)
{
	const char	*root = job->opts->root;
	size_t		 rl = strlen(root);

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	snprintf(buf, len, "%.*s%s", (int)rl, root, path);
	return buf;
}

/* Is the root "/" of the running system? */
int
collect_root_is_host(struct collect_job *job)
{
	struct collect_scan	*scan = job->scan;
	char			 real[PATH_MAX];

	if (scan->root_is_host == -1)
		scan->root_is_host = realpath(scan->opts.root, real) != NULL &&
		    strcmp(real, "/") == 0;
	return scan->root_is_host;
}

/* Set the error; returns ERROR. */
enum collect_rc
collect_fail(struct collect_job *job, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(job->error, sizeof(job->error), fmt, ap);
	va_end(ap);
	return COLLECT_ERROR;
}

/* Set the section; returns DONE. */
enum collect_rc
collect_done(struct collect_job *job, struct json_object *section)
{
	json_object_put(job->result);
	job->result = section;
	return COLLECT_DONE;
}

/* Is the step's time budget not used up? */
int
collect_time_left(struct collect_job *job)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < job->deadline.tv_sec ||
	    (now.tv_sec == job->deadline.tv_sec &&
	    now.tv_nsec < job->deadline.tv_nsec);
}

/* A waiting collector is ready again. */
void
collect_wake(struct collect_job *job)
{
	if (!job->is_waiting)
		return;
	job->is_waiting = 0;
	collect_schedule(job->scan);
}

/* Open root + path for reading line by line. */
int
collect_lines_open(struct collect_job *job, struct collect_lines *lr,
    const char *path)
{
	memset(lr, 0, sizeof(*lr));
	collect_path(job, path, lr->path, sizeof(lr->path));
	if ((lr->fd = open(lr->path, O_RDONLY | O_CLOEXEC)) == -1) {
		lr->fd = -1;
		if (errno == ENOENT || errno == ENOTDIR)
			return -ENOENT;
		collect_fail(job, "cannot open %s: %s", lr->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The next line. Returns 1, 0 at the end, or -1 (collect_fail). */
static int
collect_lines_next(struct collect_job *job, struct collect_lines *lr,
    const char **line, size_t *len)
{
	char	*nl, *nbuf;
	ssize_t	 n;
	size_t	 ncap;

	for (;;) {
		nl = lr->len > lr->off ? memchr(lr->buf + lr->off, '\n',
		    lr->len - lr->off) : NULL;
		if (nl != NULL) {
			*line = lr->buf + lr->off;
			*len = (size_t)(nl - *line);
			lr->off += *len + 1;
			lr->lineno++;
			return 1;
		}
		if (lr->is_eof) {
			if (lr->off == lr->len)
				return 0;
			*line = lr->buf + lr->off;
			*len = lr->len - lr->off;
			lr->off = lr->len;
			lr->lineno++;
			return 1;
		}
		if (lr->off > 0) {
			memmove(lr->buf, lr->buf + lr->off, lr->len - lr->off);
			lr->len -= lr->off;
			lr->off = 0;
		}
		if (lr->len >= COLLECT_LINE_MAX) {
			collect_fail(job, "%s:%zu: line longer than %d bytes",
			    lr->path, lr->lineno + 1, COLLECT_LINE_MAX);
			return -1;
		}
		if (lr->cap - lr->len < COLLECT_CHUNK) {
			ncap = lr->len + COLLECT_CHUNK;
			if ((nbuf = realloc(lr->buf, ncap)) == NULL) {
				collect_fail(job, "%s: out of memory",
				    lr->path);
				return -1;
			}
			lr->buf = nbuf;
			lr->cap = ncap;
		}
		n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			collect_fail(job, "cannot read %s: %s", lr->path,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			lr->is_eof = 1;
		lr->len += (size_t)n;
	}
}

/* Close and free. */
void
collect_lines_close(struct collect_lines *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	free(lr->buf);
	lr->buf = NULL;
	lr->fd = -1;
}

/* Read a small file whole. Returns 0, -ENOENT, or -1 (collect_fail). */
int
collect_read_small(struct collect_job *job, const char *path, size_t max,
    char **out)
{
	char	 full[1024], *buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	collect_path(job, path, full, sizeof(full));
	if ((fd = open(full, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -ENOENT;
		collect_fail(job, "cannot open %s: %s", full, strerror(errno));
		return -1;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		collect_fail(job, "%s: out of memory", full);
		return -1;
	}
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max)
			break;
	}
	close(fd);
	if (n == -1) {
		collect_fail(job, "cannot read %s: %s", full, strerror(errno));
		free(buf);
		return -1;
	}
	if (len > max) {
		collect_fail(job, "%s: larger than %zu bytes", full, max);
		free(buf);
		return -1;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (strlen(buf) != len) {
		collect_fail(job, "%s: NUL byte in the file", full);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* Sort a JSON array. */
void
collect_sort_array(struct json_object *arr,
    int (*cmp)(const void *, const void *))
{
	json_object_array_sort(arr, cmp);
}

/* A string member for sorting. */
const char *
collect_member(struct json_object *o, const char *key)
{
	const char	*s = json_get_string(o, key);

	return s != NULL ? s : "";
}

/* A string from a span. */
static struct json_object *
collect_span_string(const struct invparse_span *sp)
{
	return json_object_new_string_len(sp->p, (int)sp->len);
}

/*
 * os: /etc/os-release (or /usr/lib/os-release), the kernel release and
 * the machine.
 */
static enum collect_rc
collect_os_step(struct collect_job *job)
{
	static const char *const keys[][2] = {
		{ "NAME", "name" }, { "ID", "id" }, { "VERSION", "version" },
		{ "VERSION_ID", "version_id" },
		{ "PRETTY_NAME", "pretty_name" }
	};
	struct json_object	*o;
	struct invparse_span	 key;
	struct collect_lines	 lr;
	struct utsname		 un;
	const char		*line, *file = "/etc/os-release";
	char			 value[1024], err[256], *text;
	size_t			 len, i;
	int			 rc, is_host = collect_root_is_host(job);

	o = json_object_new_object();
	if ((rc = collect_lines_open(job, &lr, file)) == -ENOENT)
		rc = collect_lines_open(job, &lr, file = "/usr/lib/os-release");
	if (rc == -1)
		goto fail;
	if (rc == 0) {
		/* os-release is a few hundred bytes: one step. */
		while ((rc = collect_lines_next(job, &lr, &line, &len)) == 1) {
			rc = invparse_os_release(line, len, &key, value,
			    sizeof(value), err, sizeof(err));
			if (rc == -1) {
				collect_fail(job, "%s:%zu: %s", lr.path,
				    lr.lineno, err);
				collect_lines_close(&lr);
				goto fail;
			}
			for (i = 0; rc == 1 && i < nitems(keys); i++)
				if (invparse_span_is(&key, keys[i][0]))
					json_add_string(o, keys[i][1], value);
		}
		collect_lines_close(&lr);
		if (rc == -1)
			goto fail;
	}
	if (is_host && uname(&un) == -1) {
		collect_fail(job, "uname: %s", strerror(errno));
		goto fail;
	}
	if (!json_object_object_get_ex(o, "name", NULL) && is_host)
		json_add_string(o, "name", un.sysname);
	if ((rc = collect_read_small(job, "/proc/sys/kernel/osrelease", 256,
	    &text)) == 0) {
		json_add_string(o, "kernel", text);
		free(text);
	} else if (rc == -1)
		goto fail;
	else if (is_host)
		json_add_string(o, "kernel", un.release);
	if (is_host)
		json_add_string(o, "machine", un.machine);
	else if ((rc = collect_read_small(job, "/proc/sys/kernel/arch", 64,
	    &text)) == 0) {
		json_add_string(o, "machine", text);
		free(text);
	} else if (rc == -1)
		goto fail;
	return collect_done(job, o);
fail:
	json_object_put(o);
	return COLLECT_ERROR;
}

const struct collector collect_os = { "os", 0, collect_os_step, NULL };

/* Is s a host name: letters, digits, '-', '.', '_', 1..253 bytes? */
static int
collect_is_hostname(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * The FQDN of hostname as the files say it (no DNS: the loop must not
 * block): the first name with a dot on the /etc/hosts line that names
 * hostname, else hostname.domainname, else hostname. Returns 0, or -1
 * (collect_fail).
 */
static int
collect_fqdn(struct collect_job *job, const char *hostname, char *fqdn,
    size_t len)
{
	struct collect_lines	 lr;
	struct invparse_span	 addr, names[16];
	const char		*line;
	char			 err[256], *domain;
	size_t			 n, ll, i, j;
	int			 rc, found = 0;

	strlcpy(fqdn, hostname, len);
	if (strchr(hostname, '.') != NULL)
		return 0;
	if ((rc = collect_lines_open(job, &lr, "/etc/hosts")) == -1)
		return -1;
	while (rc == 0 && !found &&
	    (rc = collect_lines_next(job, &lr, &line, &ll)) == 1) {
		rc = invparse_hosts(line, ll, &addr, names, nitems(names), &n,
		    err, sizeof(err));
		if (rc == -1) {
			collect_fail(job, "%s:%zu: %s", lr.path, lr.lineno,
			    err);
			break;
		}
		rc = 0;
		for (i = 0; i < n && !found; i++) {
			if (!invparse_span_is(&names[i], hostname))
				continue;
			for (j = 0; j < n; j++)
				if (memchr(names[j].p, '.', names[j].len) !=
				    NULL && names[j].len < len) {
					memcpy(fqdn, names[j].p, names[j].len);
					fqdn[names[j].len] = '\0';
					found = 1;
					break;
				}
			break;
		}
	}
	if (rc != -ENOENT)
		collect_lines_close(&lr);
	if (rc == -1)
		return -1;
	if (found)
		return 0;
	rc = collect_read_small(job, "/proc/sys/kernel/domainname", 256,
	    &domain);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		if (domain[0] != '\0' && strcmp(domain, "(none)") != 0 &&
		    collect_is_hostname(domain))
			snprintf(fqdn, len, "%s.%s", hostname, domain);
		free(domain);
	}
	return 0;
}

/* host: the host name and its FQDN. */
static enum collect_rc
collect_host_step(struct collect_job *job)
{
	struct json_object	*o;
	char			 name[256], fqdn[512], *text = NULL;
	int			 rc;

	rc = collect_read_small(job, "/proc/sys/kernel/hostname", 255, &text);
	if (rc == -ENOENT)
		rc = collect_read_small(job, "/etc/hostname", 255, &text);
	if (rc == -1)
		return COLLECT_ERROR;
	if (rc == 0) {
		strlcpy(name, text, sizeof(name));
		free(text);
	} else if (!collect_root_is_host(job))
		return collect_fail(job, "no %s/proc/sys/kernel/hostname or "
		    "/etc/hostname", job->opts->root);
	else if (gethostname(name, sizeof(name)) == -1)
		return collect_fail(job, "gethostname: %s", strerror(errno));
	name[sizeof(name) - 1] = '\0';
	if (!collect_is_hostname(name))
		return collect_fail(job, "host name \"%.64s\" is not a valid "
		    "name", name);
	if (collect_fqdn(job, name, fqdn, sizeof(fqdn)) == -1)
		return COLLECT_ERROR;
	o = json_object_new_object();
	json_add_string(o, "hostname", name);
	json_add_string(o, "fqdn", fqdn);
	return collect_done(job, o);
}

const struct collector collect_host = { "host", 0, collect_host_step, NULL };

/* Order addresses: inet before inet6, then by address, then prefix. */
static int
collect_addr_cmp(const void *a, const void *b)
{
	struct json_object	*x = *(struct json_object *const *)a;
	struct json_object	*y = *(struct json_object *const *)b;
	int64_t			 px = 0, py = 0;
	int			 c;

	if ((c = strcmp(collect_member(x, "family"),
	    collect_member(y, "family"))) != 0)
		return c;
	if ((c = strcmp(collect_member(x, "address"),
	    collect_member(y, "address"))) != 0)
		return c;
	json_get_int64(x, "prefixlen", &px);
	json_get_int64(y, "prefixlen", &py);
	return px < py ? -1 : px > py;
}

/* Order interfaces by name. */
static int
collect_name_cmp(const void *a, const void *b)
{
	return strcmp(collect_member(*(struct json_object *const *)a, "name"),
	    collect_member(*(struct json_object *const *)b, "name"));
}

/* The interface object named name in arr; made when absent. */
static struct json_object *
collect_interface(struct json_object *arr, const char *name, int make)
{
	struct json_object	*o;
	size_t			 i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if (strcmp(collect_member(o, "name"), name) == 0)
			return o;
	}
	if (!make)
		return NULL;
	o = json_object_new_object();
	json_add_string(o, "name", name);
	json_object_object_add(o, "mac", NULL);
	json_object_object_add(o, "addresses", json_object_new_array());
	json_object_array_add(arr, o);
	return o;
}

/*
 * interfaces: the interfaces of the root (Linux: ROOT/sys/class/net) with
 * their MACs, and the addresses the kernel has on them (the address
 * tracker of route.h). Without an interface list every interface that
 * has an address is listed.
 */
static enum collect_rc
collect_interfaces_step(struct collect_job *job)
{
	struct json_object	*arr, *ifo, *a, *addrs;
	struct route_addr	*ra = NULL;
	char			**names = NULL, text[INET6_ADDRSTRLEN];
	char			 mac[128];
	const void		*src;
	size_t			 nnames = 0, i;
	int			 n = 0, k, have_list;

	if (collect_os_interfaces(job, &names, &nnames) == -1)
		return COLLECT_ERROR;
	have_list = names != NULL;
	arr = json_object_new_array();
	for (i = 0; i < nnames; i++) {
		ifo = collect_interface(arr, names[i], 1);
		mac[0] = '\0';
		collect_os_mac(job, names[i], mac, sizeof(mac));
		if (job->error[0] != '\0')
			goto fail;
		if (mac[0] != '\0')
			json_add_string(ifo, "mac", mac);
	}
	if (job->opts->route != NULL &&
	    (n = route_addresses(job->opts->route, &ra)) == -1) {
		collect_fail(job, "cannot list interface addresses: %s",
		    strerror(errno));
		goto fail;
	}
	for (k = 0; k < n; k++) {
		if ((ifo = collect_interface(arr, ra[k].ifname,
		    !have_list)) == NULL)
			continue;
		if (ra[k].addr.ss_family == AF_INET)
			src = &((struct sockaddr_in *)&ra[k].addr)->sin_addr;
		else if (ra[k].addr.ss_family == AF_INET6)
			src = &((struct sockaddr_in6 *)&ra[k].addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ra[k].addr.ss_family, src, text,
		    sizeof(text)) == NULL)
			continue;
		a = json_object_new_object();
		json_add_string(a, "address", text);
		json_add_int64(a, "prefixlen", ra[k].prefixlen);
		json_add_string(a, "family", ra[k].addr.ss_family == AF_INET ?
		    "inet" : "inet6");
		json_object_object_get_ex(ifo, "addresses", &addrs);
		json_object_array_add(addrs, a);
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		ifo = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(ifo, "addresses", &addrs);
		collect_sort_array(addrs, collect_addr_cmp);
	}
	collect_sort_array(arr, collect_name_cmp);
	free(ra);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return collect_done(job, arr);
fail:
	json_object_put(arr);
	free(ra);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return COLLECT_ERROR;
}

const struct collector collect_interfaces = { "interfaces", 0,
    collect_interfaces_step, NULL };

/* The state of a collector that reads one file line by line. */
struct collect_file_state {
	struct collect_lines	 lr;
	int			 is_open;
	struct json_object	*arr;
};

/* Free a line collector's state. */
static void
collect_file_cleanup(struct collect_job *job)
{
	struct collect_file_state	*s = job->state;

	if (s->is_open)
		collect_lines_close(&s->lr);
	json_object_put(s->arr);
}

/* Feed lines to fn while the step's time lasts. */
enum collect_rc
collect_each_line(struct collect_job *job, struct collect_lines *lr,
    int (*fn)(const char *, size_t, void *, char *, size_t), void *arg)
{
	const char	*line;
	char		 err[256];
	size_t		 len, n = 0;
	int		 rc;

	/* The clock is read every COLLECT_LINES_TIMED lines, not per line. */
	while (n++ % COLLECT_LINES_TIMED != 0 || collect_time_left(job)) {
		if ((rc = collect_lines_next(job, lr, &line, &len)) == -1)
			return COLLECT_ERROR;
		if (rc == 0)
			return COLLECT_DONE;
		err[0] = '\0';
		if (fn(line, len, arg, err, sizeof(err)) == -1)
			return collect_fail(job, "%s:%zu: %s", lr->path,
			    lr->lineno, err[0] != '\0' ? err : "refused");
	}
	return COLLECT_MORE;
}

/*
 * Read path line by line into an array, one fn() per line (fn returns 0,
 * or -1 with err), sorted by name at the end. Returns what a step
 * returns.
 */
static enum collect_rc
collect_file_lines(struct collect_job *job, const char *path,
    int (*fn)(const char *, size_t, void *, char *, size_t))
{
	struct collect_file_state	*s = job->state;
	enum collect_rc			 rc;
	int				 orc;

	if (!s->is_open) {
		if ((orc = collect_lines_open(job, &s->lr, path)) == -ENOENT)
			return collect_fail(job, "%s: no such file",
			    s->lr.path);
		if (orc == -1)
			return COLLECT_ERROR;
		s->is_open = 1;
		s->arr = json_object_new_array();
	}
	if ((rc = collect_each_line(job, &s->lr, fn, s->arr)) ==
	    COLLECT_DONE) {
		collect_sort_array(s->arr, collect_name_cmp);
		rc = collect_done(job, s->arr);
		s->arr = NULL;
	}
	return rc;
}

/* One passwd line into the users array. */
static int
collect_user_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct json_object	*arr = arg;
	struct invparse_user	 u;
	struct json_object	*o;
	int			 rc;

	if ((rc = invparse_passwd(line, len, &u, err, errlen)) != 1)
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "name", collect_span_string(&u.name));
	json_add_int64(o, "uid", u.uid);
	json_add_int64(o, "gid", u.gid);
	json_object_object_add(o, "home", collect_span_string(&u.home));
	json_object_object_add(o, "shell", collect_span_string(&u.shell));
	json_object_array_add(arr, o);
	return 0;
}

/* users: the local users of ROOT/etc/passwd, sorted by name. */
static enum collect_rc
collect_users_step(struct collect_job *job)
{
	return collect_file_lines(job, "/etc/passwd", collect_user_line);
}

const struct collector collect_users = { "users",
    sizeof(struct collect_file_state), collect_users_step,
    collect_file_cleanup };

/* One group line into the groups array. */
static int
collect_group_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct json_object	*arr = arg;
	struct invparse_group	 g;
	struct json_object	*o, *members;
	size_t			 i, start;
	int			 rc;

	if ((rc = invparse_group(line, len, &g, err, errlen)) != 1)
		return rc;
	o = json_object_new_object();
	json_object_object_add(o, "name", collect_span_string(&g.name));
	json_add_int64(o, "gid", g.gid);
	members = json_object_new_array();
	for (i = start = 0; i <= g.members.len; i++) {
		if (i < g.members.len && g.members.p[i] != ',')
			continue;
		if (i > start)
			json_object_array_add(members,
			    json_object_new_string_len(g.members.p + start,
			    (int)(i - start)));
		start = i + 1;
	}
	json_object_object_add(o, "members", members);
	json_object_array_add(arr, o);
	return 0;
}

/* groups: the local groups of ROOT/etc/group, sorted by name. */
static enum collect_rc
collect_groups_step(struct collect_job *job)
{
	return collect_file_lines(job, "/etc/group", collect_group_line);
}

const struct collector collect_groups = { "groups",
    sizeof(struct collect_file_state), collect_groups_step,
    collect_file_cleanup };
