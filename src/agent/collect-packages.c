/*
 * collect-packages.c: the packages collector. It reads dpkg's database
 * (ROOT/var/lib/dpkg/status) itself, in chunks across steps. Where the
 * root holds an rpm database (ROOT/var/lib/rpm or ROOT/usr/lib/sysimage/rpm)
 * and rpm(8) is installed, it runs "rpm -qa --queryformat ..." (with
 * --dbpath for a root other than "/") as a child whose stdout the event
 * loop reads, and reaps it with waitpid(WNOHANG) from a timer, so the loop
 * never waits for it.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "collect.h"
#include "compat.h"
#include "dpkg.h"
#include "invparse.h"
#include "jsonutil.h"
#include "log.h"

#define RPM_TIMEOUT		120	/* seconds rpm may take */
#define RPM_REAP_USEC		10000	/* waitpid() retry interval */
#define RPM_LINE_MAX		(64 * 1024)

extern char	**environ;

enum packages_phase {
	PACKAGES_DPKG_OPEN = 0,
	PACKAGES_DPKG_READ,
	PACKAGES_RPM_START,
	PACKAGES_RPM_WAIT,
	PACKAGES_SORT,
	PACKAGES_JSON
};

/*
 * One package found. The packages are kept as strings, sorted and made
 * JSON only at the end: the sort compares strings, not members looked up
 * in JSON objects.
 */
struct packages_item {
	char		*name;
	char		*version;
	char		*arch;		/* or NULL */
	char		*source;	/* or NULL */
	char		*source_version; /* or NULL: the package's */
	const char	*ecosystem;	/* "deb", "rpm" */
};

/* The collector's state. */
struct packages_state {
	enum packages_phase	 phase;
	struct packages_item	*items;
	size_t			 nitems, cap, done;
	struct json_object	*arr;
	struct collect_lines	 lr;
	int			 is_open;
	struct dpkg_parser	 dpkg;
	/* rpm */
	struct collect_job	*job;
	pid_t			 pid;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_timer;
	char			*buf;
	size_t			 len;
	size_t			 lineno;
	int			 is_eof;
	int			 is_timed_out;
	struct timespec		 started;
};

/* Kill and reap a child that is still there. */
static void
packages_kill_child(struct packages_state *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	/* SIGKILL'd: it is gone in a moment; this wait is short. */
	while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
		;
	s->pid = 0;
}

/* Free a package's strings. */
static void
packages_item_free(struct packages_item *it)
{
	free(it->name);
	free(it->version);
	free(it->arch);
	free(it->source);
	free(it->source_version);
}

/* Free the state. */
static void
packages_cleanup(struct collect_job *job)
{
	struct packages_state	*s = job->state;

	if (s->is_open)
		collect_lines_close(&s->lr);
	dpkg_parser_free(&s->dpkg);
	packages_kill_child(s);
	if (s->ev_read != NULL)
		event_free(s->ev_read);
	if (s->ev_timer != NULL)
		event_free(s->ev_timer);
	if (s->fd > 0)
		close(s->fd);
	free(s->buf);
	while (s->nitems > 0)
		packages_item_free(&s->items[--s->nitems]);
	free(s->items);
	json_object_put(s->arr);
}

/*
 * Keep one package; its strings (malloc'd, name and version not NULL)
 * are taken, and freed on failure. Returns 0, or -1 (out of memory).
 */
static int
packages_add(struct packages_state *s, char *name, char *version,
    char *arch, const char *ecosystem, char *source, char *source_version)
{
	struct packages_item	*n, *it;

	if (s->nitems == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((n = reallocarray(s->items, s->cap, sizeof(*n))) == NULL) {
			free(name);
			free(version);
			free(arch);
			free(source);
			free(source_version);
			return -1;
		}
		s->items = n;
	}
	it = &s->items[s->nitems++];
	it->name = name;
	it->version = version;
	it->arch = arch;
	it->source = source;
	it->source_version = source_version;
	it->ecosystem = ecosystem;
	return 0;
}

/*
 * Keep an installed package of the dpkg parser, taking its strings.
 * Returns 0, or -1 (out of memory).
 */
static int
packages_add_dpkg(struct packages_state *s, struct dpkg_package *pkg)
{
	int	 rc = 0;

	if (dpkg_package_is_installed(pkg)) {
		rc = packages_add(s, pkg->name, pkg->version, pkg->arch, "deb",
		    pkg->source, pkg->source_version);
		pkg->name = pkg->version = pkg->arch = pkg->source = NULL;
		pkg->source_version = NULL;
	}
	dpkg_package_free(pkg);
	return rc;
}

/* One status line to the dpkg parser. */
static int
packages_dpkg_line(const char *line, size_t len, void *arg, char *err,
    size_t errlen)
{
	struct packages_state	*s = arg;
	struct dpkg_package	 pkg;
	char			 why[256], prefix[48];
	int			 rc;

	rc = dpkg_parser_line(&s->dpkg, line, len, &pkg, why, sizeof(why));
	if (rc == -1) {
		/* The caller names the line: drop "line N: " if it is this. */
		snprintf(prefix, sizeof(prefix), "line %zu: ", s->dpkg.lineno);
		snprintf(err, errlen, "%s", strncmp(why, prefix,
		    strlen(prefix)) == 0 ? why + strlen(prefix) : why);
		return -1;
	}
	if (rc == 1 && packages_add_dpkg(s, &pkg) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The rpm database below the root into dbdir (the directory holding
 * rpmdb.sqlite, Packages or Packages.db), and an executable rpm. Returns
 * rpm's path, or NULL when either is missing.
 */
static const char *
packages_rpm_path(struct collect_job *job, char *dbdir, size_t len)
{
	static const char *const bins[] = { "/usr/bin/rpm", "/bin/rpm",
	    "/usr/local/bin/rpm", NULL };
	static const char *const dbs[] = { "/var/lib/rpm",
	    "/usr/lib/sysimage/rpm", NULL };
	static const char *const files[] = { "rpmdb.sqlite", "Packages",
	    "Packages.db", NULL };
	struct stat	 sb;
	char		 rel[256], path[1024];
	int		 i, j;

	dbdir[0] = '\0';
	for (i = 0; dbs[i] != NULL && dbdir[0] == '\0'; i++)
		for (j = 0; files[j] != NULL; j++) {
			snprintf(rel, sizeof(rel), "%s/%s", dbs[i], files[j]);
			collect_path(job, rel, path, sizeof(path));
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
				collect_path(job, dbs[i], dbdir, len);
				break;
			}
		}
	if (dbdir[0] == '\0')
		return NULL;
	for (i = 0; bins[i] != NULL; i++)
		if (access(bins[i], X_OK) == 0)
			return bins[i];
	return NULL;
}

/*
 * Make "name" and "[epoch:]version-release" of a source rpm file name
 * "name-version-release.src.rpm" (the epoch is the binary package's,
 * which rpm gives the source too); both "" when it is not one.
 */
static void
packages_rpm_source(const struct invparse_span *src,
    const struct invparse_span *epoch, char *buf, size_t len, char *ver,
    size_t verlen)
{
	static const char	 suffix[] = ".src.rpm";
	size_t			 n = src->len, dashes = 0, end = src->len;

	buf[0] = ver[0] = '\0';
	if (invparse_span_is(src, "(none)") || n == 0)
		return;
	while (n > 0 && dashes < 2)
		if (src->p[--n] == '-')
			dashes++;
	if (end > sizeof(suffix) - 1 && memcmp(src->p + end -
	    (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0)
		end -= sizeof(suffix) - 1;
	if (dashes == 2 && n > 0 && n < len) {
		memcpy(buf, src->p, n);
		buf[n] = '\0';
		if (invparse_span_is(epoch, "(none)"))
			snprintf(ver, verlen, "%.*s", (int)(end - n - 1),
			    src->p + n + 1);
		else
			snprintf(ver, verlen, "%.*s:%.*s", (int)epoch->len,
			    epoch->p, (int)(end - n - 1), src->p + n + 1);
	}
}

/* One line of rpm's output. Returns 0, or -1 (collect_fail). */
static int
packages_rpm_line(struct packages_state *s, const char *line, size_t len)
{
	struct invparse_rpm	 r;
	char			 err[256], name[256], version[512], arch[64];
	char			 source[256], sversion[512];
	char			*pname, *pversion, *parch, *psource, *psver;
	int			 rc;

	s->lineno++;
	if ((rc = invparse_rpm(line, len, &r, err, sizeof(err))) == -1) {
		collect_fail(s->job, "rpm -qa output line %zu: %s", s->lineno,
		    err);
		return -1;
	}
	if (rc == 0 || invparse_span_is(&r.name, "gpg-pubkey"))
		return 0;	/* keys in the database, not software */
	snprintf(name, sizeof(name), "%.*s", (int)r.name.len, r.name.p);
	snprintf(arch, sizeof(arch), "%.*s", (int)r.arch.len, r.arch.p);
	if (invparse_span_is(&r.epoch, "(none)"))
		snprintf(version, sizeof(version), "%.*s-%.*s",
		    (int)r.version.len, r.version.p, (int)r.release.len,
		    r.release.p);
	else
		snprintf(version, sizeof(version), "%.*s:%.*s-%.*s",
		    (int)r.epoch.len, r.epoch.p, (int)r.version.len,
		    r.version.p, (int)r.release.len, r.release.p);
	packages_rpm_source(&r.source, &r.epoch, source, sizeof(source),
	    sversion, sizeof(sversion));
	pname = strdup(name);
	pversion = strdup(version);
	parch = strdup(arch);
	psource = source[0] != '\0' ? strdup(source) : NULL;
	psver = sversion[0] != '\0' ? strdup(sversion) : NULL;
	if (pname == NULL || pversion == NULL || parch == NULL ||
	    (source[0] != '\0' && psource == NULL) ||
	    (sversion[0] != '\0' && psver == NULL)) {
		free(pname);
		free(pversion);
		free(parch);
		free(psource);
		free(psver);
		pname = NULL;
	}
	if (pname == NULL || packages_add(s, pname, pversion, parch, "rpm",
	    psource, psver) == -1) {
		collect_fail(s->job, "rpm -qa: out of memory");
		return -1;
	}
	return 0;
}

/* Is rpm finished? Reap it without waiting; wake the scan when done. */
static void
packages_rpm_reap(struct packages_state *s)
{
	struct timeval	 tv = { 0, RPM_REAP_USEC };
	int		 status;
	pid_t		 rc;

	rc = waitpid(s->pid, &status, WNOHANG);
	if (rc == 0) {
		evtimer_add(s->ev_timer, &tv);	/* not yet: look again */
		return;
	}
	s->pid = 0;
	if (rc == -1)
		collect_fail(s->job, "rpm -qa: waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		collect_fail(s->job, "rpm -qa was killed by signal %d",
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		collect_fail(s->job, "rpm -qa exited with status %d",
		    WEXITSTATUS(status));
	s->phase = PACKAGES_SORT;
	collect_wake(s->job);
}

/* The timer: rpm took too long, or it is time to reap it again. */
static void
packages_rpm_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct packages_state	*s = arg;
	struct timespec		 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!s->is_eof && now.tv_sec - s->started.tv_sec >= RPM_TIMEOUT) {
		s->is_timed_out = 1;
		collect_fail(s->job, "rpm -qa did not finish within %d s; "
		    "killed", RPM_TIMEOUT);
		packages_kill_child(s);
		s->phase = PACKAGES_SORT;
		collect_wake(s->job);
		return;
	}
	if (s->is_eof)
		packages_rpm_reap(s);
	else {
		struct timeval	 tv = { 1, 0 };

		evtimer_add(s->ev_timer, &tv);
	}
}

/* rpm's stdout is readable: take one chunk and its complete lines. */
static void
packages_rpm_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct packages_state	*s = arg;
	char			*nl, *nbuf;
	size_t			 off = 0;
	ssize_t			 n;

	if (s->len >= RPM_LINE_MAX) {
		collect_fail(s->job, "rpm -qa: line longer than %d bytes",
		    RPM_LINE_MAX);
		goto stop;
	}
	if ((nbuf = realloc(s->buf, s->len + 65536)) == NULL) {
		collect_fail(s->job, "rpm -qa: out of memory");
		goto stop;
	}
	s->buf = nbuf;
	n = read(s->fd, s->buf + s->len, 65536);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		collect_fail(s->job, "rpm -qa: read: %s", strerror(errno));
		goto stop;
	}
	s->len += (size_t)n;
	while ((nl = memchr(s->buf + off, '\n', s->len - off)) != NULL) {
		if (packages_rpm_line(s, s->buf + off,
		    (size_t)(nl - (s->buf + off))) == -1)
			goto stop;
		off = (size_t)(nl - s->buf) + 1;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	if (n > 0)
		return;
	if (s->len > 0 && packages_rpm_line(s, s->buf, s->len) == -1)
		goto stop;
	s->is_eof = 1;
	event_del(s->ev_read);
	close(s->fd);
	s->fd = -1;
	packages_rpm_reap(s);
	return;
stop:
	event_del(s->ev_read);
	evtimer_del(s->ev_timer);
	packages_kill_child(s);
	s->phase = PACKAGES_SORT;
	collect_wake(s->job);
}

/*
 * Start rpm with its stdout on a non-blocking pipe. Returns WAIT, DONE
 * (no rpm here) or ERROR.
 */
static enum collect_rc
packages_rpm_start(struct collect_job *job, struct packages_state *s)
{
	posix_spawn_file_actions_t	 fa;
	const char			*rpm;
	char				*argv[8], *envp[] = { "LC_ALL=C",
					    "PATH=/usr/bin:/bin", NULL };
	char				 fmt[] = INVPARSE_RPM_FORMAT;
	char				 dbpath[1024], qa[] = "-qa";
	char				 qf[] = "--queryformat";
	char				 dbopt[] = "--dbpath";
	struct timeval			 tv = { 1, 0 };
	int				 p[2], rc, n = 0;

	if ((rpm = packages_rpm_path(job, dbpath, sizeof(dbpath))) == NULL)
		return COLLECT_DONE;
	argv[n++] = (char *)rpm;
	/* The host's rpm knows where its database is; a tree's is named. */
	if (!collect_root_is_host(job)) {
		argv[n++] = dbopt;
		argv[n++] = dbpath;
	}
	argv[n++] = qa;
	argv[n++] = qf;
	argv[n++] = fmt;
	argv[n] = NULL;
	if (pipe(p) == -1)
		return collect_fail(job, "rpm -qa: pipe: %s", strerror(errno));
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	rc = posix_spawn(&s->pid, rpm, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		s->pid = 0;
		return collect_fail(job, "cannot run %s: %s", rpm,
		    strerror(rc));
	}
	(void)environ;
	s->fd = p[0];
	s->job = job;
	clock_gettime(CLOCK_MONOTONIC, &s->started);
	s->ev_read = event_new(job->opts->base, s->fd, EV_READ | EV_PERSIST,
	    packages_rpm_read_cb, s);
	s->ev_timer = evtimer_new(job->opts->base, packages_rpm_timer_cb, s);
	if (s->ev_read == NULL || s->ev_timer == NULL ||
	    event_add(s->ev_read, NULL) == -1)
		return collect_fail(job, "rpm -qa: out of memory");
	evtimer_add(s->ev_timer, &tv);
	log_debug("inventory: running %s -qa for %s (pid %ld)", rpm, dbpath,
	    (long)s->pid);
	return COLLECT_WAIT;
}

/* A string for sorting ("" for NULL). */
static const char *
packages_str(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * Order packages: name, arch, ecosystem (the order of their key,
 * invitem.h), then version.
 */
static int
packages_cmp(const void *a, const void *b)
{
	const struct packages_item	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if ((c = strcmp(packages_str(x->arch), packages_str(y->arch))) != 0)
		return c;
	if ((c = strcmp(x->ecosystem, y->ecosystem)) != 0)
		return c;
	return strcmp(x->version, y->version);
}

/* The package as a member of the section. */
static struct json_object *
packages_json(const struct packages_item *it)
{
	struct json_object	*o = json_object_new_object();

	json_add_string(o, "name", it->name);
	json_add_string(o, "version", it->version);
	json_add_string(o, "arch", it->arch);
	json_add_string(o, "ecosystem", it->ecosystem);
	json_add_string(o, "source", it->source != NULL ? it->source :
	    it->name);
	json_add_string(o, "source_version", it->source_version != NULL ?
	    it->source_version : it->version);
	return o;
}

/*
 * packages: installed deb packages of ROOT/var/lib/dpkg/status, then rpm
 * packages; sorted by name, arch, ecosystem and version.
 */
static enum collect_rc
packages_step(struct collect_job *job)
{
	struct packages_state	*s = job->state;
	struct dpkg_package	 pkg;
	enum collect_rc		 rc;
	char			 err[256];
	int			 orc;

	switch (s->phase) {
	case PACKAGES_DPKG_OPEN:
		s->fd = -1;
		dpkg_parser_init(&s->dpkg);
		orc = collect_lines_open(job, &s->lr, "/var/lib/dpkg/status");
		if (orc == -1)
			return COLLECT_ERROR;
		s->is_open = orc == 0;
		s->phase = s->is_open ? PACKAGES_DPKG_READ :
		    PACKAGES_RPM_START;
		return COLLECT_MORE;
	case PACKAGES_DPKG_READ:
		rc = collect_each_line(job, &s->lr, packages_dpkg_line, s);
		if (rc != COLLECT_DONE)
			return rc;
		orc = dpkg_parser_end(&s->dpkg, &pkg, err, sizeof(err));
		if (orc == -1)
			return collect_fail(job, "%s: %s", s->lr.path, err);
		if (orc == 1 && packages_add_dpkg(s, &pkg) == -1)
			return collect_fail(job, "%s: out of memory",
			    s->lr.path);
		collect_lines_close(&s->lr);
		s->is_open = 0;
		s->phase = PACKAGES_RPM_START;
		return COLLECT_MORE;
	case PACKAGES_RPM_START:
		s->phase = PACKAGES_RPM_WAIT;
		rc = packages_rpm_start(job, s);
		if (rc == COLLECT_DONE) {
			s->phase = PACKAGES_SORT;
			return COLLECT_MORE;
		}
		return rc;
	case PACKAGES_RPM_WAIT:
		return COLLECT_WAIT;	/* woken early: keep waiting */
	case PACKAGES_SORT:
		if (job->error[0] != '\0')
			return COLLECT_ERROR;	/* rpm failed */
		if (s->nitems > 0)
			qsort(s->items, s->nitems, sizeof(*s->items),
			    packages_cmp);
		s->arr = json_object_new_array();
		s->phase = PACKAGES_JSON;
		return COLLECT_MORE;
	case PACKAGES_JSON:
		while (s->done < s->nitems && collect_time_left(job))
			json_object_array_add(s->arr,
			    packages_json(&s->items[s->done++]));
		if (s->done < s->nitems)
			return COLLECT_MORE;
		rc = collect_done(job, s->arr);
		s->arr = NULL;
		return rc;
	}
	return collect_fail(job, "internal error: phase %d", (int)s->phase);
}

const struct collector collect_packages = { "packages",
    sizeof(struct packages_state), packages_step, packages_cleanup };
