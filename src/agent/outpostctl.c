/*
 * outpostctl.c: drive a running outpostd through its control socket. One
 * table lists the commands, their options and how each result is
 * printed; the request and its versioned protocol are control.h's.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "agent-conf.h"
#include "compat.h"
#include "control.h"
#include "dirs.h"
#include "jsonutil.h"
#include "log.h"

#define CTL_TIMEOUT_MS	(120 * 1000)
#define CTL_MAX_REPLY	(16 * 1024 * 1024)

/* Print usage and exit 1. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: outpostctl [-c config] [-s socket] command [args]\n"
	    "commands:\n"
	    "  status [--json]          show the agent's state\n"
	    "  heartbeat                check in with the platform now\n"
	    "  healthcheck [--json]     run the agent's health checks "
	    "(exit 1 on FAIL)\n"
	    "  rotate-logs              rotate every log file now\n"
	    "  repair                   check and recreate required "
	    "directories\n"
	    "  inventory-scan [--json]  scan the host's inventory now and "
	    "upload\n"
	    "                           what changed\n"
	    "  uninstall [--deregister] remove the agent from this host "
	    "(and the\n"
	    "                           platform's record with --deregister)\n");
	exit(1);
}

/* Ignore configuration errors: outpostctl only needs run_dir. */
static void
ctl_ignore_error(const char *file, int line, const char *reason, void *arg)
{
}

/*
 * Find the control socket through the configuration's run_dir. Errors in
 * other keys do not matter here (outpostd -n reports them).
 */
static char *
ctl_socket_from_conf(const char *conf_path)
{
	struct agent_conf	 conf;
	char			*path = NULL;
	int			 errors;

	errors = agent_conf_load(conf_path, &conf, ctl_ignore_error, NULL);
	if (errors == -1 || conf.run_dir == NULL) {
		fprintf(stderr, "outpostctl: cannot read %s (use -s to name "
		    "the control socket)\n", conf_path);
		exit(1);
	}
	if (asprintf(&path, "%s/%s", conf.run_dir, CONTROL_SOCKET_NAME) == -1)
		path = NULL;
	agent_conf_free(&conf);
	if (path == NULL) {
		fprintf(stderr, "outpostctl: out of memory\n");
		exit(1);
	}
	return path;
}

/* Send one request and return the parsed reply; exits on failure. */
static struct json_object *
ctl_request(const char *sock_path, const char *command,
    struct json_object *args)
{
	struct sockaddr_un	 sun;
	struct json_object	*req, *reply;
	struct pollfd		 pfd;
	const char		*text;
	char			*buf = NULL, err[256];
	size_t			 len = 0, cap = 0, off, total;
	ssize_t			 n;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sock_path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		fprintf(stderr, "outpostctl: socket path too long: %s\n",
		    sock_path);
		exit(1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "outpostctl: socket: %s\n", strerror(errno));
		exit(1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "outpostctl: outpostd is not running (cannot "
		    "connect to %s: %s)\n", sock_path, strerror(errno));
		exit(1);
	}
	req = json_object_new_object();
	json_add_int64(req, "version", CONTROL_VERSION);
	json_add_string(req, "command", command);
	if (args != NULL)
		json_object_object_add(req, "args", args);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	total = strlen(text);
	for (off = 0; off < total; off += (size_t)n) {
		if ((n = write(fd, text + off, total - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			fprintf(stderr, "outpostctl: write to %s: %s\n",
			    sock_path, strerror(errno));
			exit(1);
		}
	}
	if (write(fd, "\n", 1) != 1) {
		fprintf(stderr, "outpostctl: write to %s: %s\n", sock_path,
		    strerror(errno));
		exit(1);
	}
	json_object_put(req);

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((rc = poll(&pfd, 1, CTL_TIMEOUT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "outpostctl: poll: %s\n",
			    strerror(errno));
			exit(1);
		}
		if (rc == 0) {
			fprintf(stderr, "outpostctl: no answer from outpostd "
			    "within %d s\n", CTL_TIMEOUT_MS / 1000);
			exit(1);
		}
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > CTL_MAX_REPLY || (buf = realloc(buf, cap)) ==
			    NULL) {
				fprintf(stderr, "outpostctl: reply too large\n");
				exit(1);
			}
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "outpostctl: read from %s: %s\n",
			    sock_path, strerror(errno));
			exit(1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0) {
		fprintf(stderr, "outpostctl: outpostd closed the connection "
		    "without answering\n");
		exit(1);
	}
	if ((reply = json_parse_object(buf, len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "outpostctl: bad reply from outpostd: %s\n",
		    err);
		exit(1);
	}
	free(buf);
	return reply;
}

/* Format a byte count for people. */
static const char *
ctl_size_text(int64_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, len, "%lld B", (long long)n);
	return buf;
}

/* A string member or a placeholder. */
static const char *
ctl_str(struct json_object *obj, const char *key, const char *absent)
{
	const char	*s = json_get_string(obj, key);

	return (s != NULL && s[0] != '\0') ? s : absent;
}

/* Print the log files of a status or rotate-logs result. */
static void
ctl_print_logs(struct json_object *files)
{
	struct json_object	*f;
	int64_t			 size = 0, archives = 0, pending = 0;
	char			 sz[32];
	size_t			 i;

	for (i = 0; files != NULL && i < json_object_array_length(files);
	    i++) {
		f = json_object_array_get_idx(files, i);
		json_get_int64(f, "size", &size);
		json_get_int64(f, "archives", &archives);
		json_get_int64(f, "pending_compressions", &pending);
		printf("  %s: %s, %lld archive%s, last rotation %s%s%s%s\n",
		    ctl_str(f, "path", "?"),
		    ctl_size_text(size, sz, sizeof(sz)), (long long)archives,
		    archives == 1 ? "" : "s",
		    ctl_str(f, "last_rotation", "never"),
		    pending ? ", compressing" : "",
		    json_get_string(f, "error") ? ", WRITE ERROR: " : "",
		    json_get_string(f, "error") ? json_get_string(f,
		    "error") : "");
	}
}

/* Print repairs of a directory check, and what is missing now. */
static void
ctl_print_repairs(struct json_object *dirs)
{
	struct json_object	*repairs, *r, *missing;
	int64_t			 failures = 0;
	size_t			 i, n = 0, nmissing = 0;

	if (json_object_object_get_ex(dirs, "missing", &missing))
		nmissing = json_object_array_length(missing);
	for (i = 0; i < nmissing; i++)
		printf("  MISSING %s (recreated within %d s; or: outpostctl "
		    "repair)\n", json_object_get_string(
		    json_object_array_get_idx(missing, i)), DIRS_CHECK_SECONDS);
	if (json_object_object_get_ex(dirs, "repairs", &repairs))
		n = json_object_array_length(repairs);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(repairs, i);
		printf("  repaired %s: %s\n", ctl_str(r, "path", "?"),
		    ctl_str(r, "what", "?"));
	}
	json_get_int64(dirs, "failures", &failures);
	if (failures > 0)
		printf("  %lld director%s still unusable; see agent.log\n",
		    (long long)failures, failures == 1 ? "y is" : "ies are");
	else if (n == 0 && nmissing == 0)
		printf("  all required directories in place\n");
}

/* Print the platform part of the status. */
static void
ctl_print_platform(struct json_object *p)
{
	struct json_object	*errors, *e, *profile;
	int64_t			 n = 0, version = 0, id = 0, interval = 0;
	size_t			 i, count = 0;

	printf("platform:      %s\n", ctl_str(p, "platform_url", "(not set)"));
	printf("activation:    %s%s%s%s\n", ctl_str(p, "activation", "?"),
	    json_get_string(p, "activation_note") ? " (" : "",
	    ctl_str(p, "activation_note", ""),
	    json_get_string(p, "activation_note") ? ")" : "");
	printf("agent id:      %s\n", ctl_str(p, "agent_id", "-"));
	printf("correlation:   %s\n", ctl_str(p, "correlation_id", "-"));
	printf("proxy:         %s (%s)\n", ctl_str(p, "proxy", "direct"),
	    ctl_str(p, "proxy_source", "no proxy configuration"));
	json_get_int64(p, "heartbeat_interval", &interval);
	printf("last check-in: %s\n", ctl_str(p, "last_checkin", "never"));
	printf("next check-in: %s (every %lld s)\n",
	    ctl_str(p, "next_checkin", "-"), (long long)interval);
	if (json_object_object_get_ex(p, "profile", &profile) &&
	    profile != NULL) {
		json_get_int64(profile, "id", &id);
		json_get_int64(profile, "version", &version);
		printf("profile:       %s (id %lld, version %lld)\n",
		    ctl_str(profile, "name", "?"), (long long)id,
		    (long long)version);
	} else
		printf("profile:       none yet\n");
	json_get_int64(p, "errors_to_report", &n);
	if (json_object_object_get_ex(p, "errors", &errors))
		count = json_object_array_length(errors);
	printf("errors:        %zu current, %lld waiting to be reported\n",
	    count, (long long)n);
	for (i = 0; i < count; i++) {
		e = json_object_array_get_idx(errors, i);
		printf("  %s %s at %s: %s\n", ctl_str(e, "code", "?"),
		    ctl_str(e, "name", "?"), ctl_str(e, "time", "?"),
		    ctl_str(e, "message", ""));
	}
}

/* Print a health check report for people. */
static void
ctl_print_healthcheck(struct json_object *report)
{
	struct json_object	*checks, *c;
	const char		*hint;
	size_t			 i, n = 0;

	if (json_object_object_get_ex(report, "checks", &checks))
		n = json_object_array_length(checks);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(checks, i);
		printf("%-4s  %-18s %s\n", ctl_str(c, "result", "?"),
		    ctl_str(c, "check", "?"), ctl_str(c, "message", ""));
		if ((hint = json_get_string(c, "hint")) != NULL)
			printf("      %-18s fix: %s\n", "", hint);
	}
	printf("result: %s\n", ctl_str(report, "result", "?"));
}

/* Print the result of an inventory scan for people. */
static void
ctl_print_inventory_scan(struct json_object *r)
{
	struct json_object	*counts, *up, *errors, *e, *v;
	double			 ms = 0, step = 0;
	int64_t			 seq = 0;
	size_t			 i, n = 0;

	if (json_object_object_get_ex(r, "duration_ms", &v))
		ms = json_object_get_double(v);
	if (json_object_object_get_ex(r, "longest_step_ms", &v))
		step = json_object_get_double(v);
	printf("%s scan done in %.1f ms (longest step %.1f ms in %s)\n",
	    ctl_str(r, "scope", "?"), ms, step,
	    ctl_str(r, "longest_step_collector", "-"));
	if (json_object_object_get_ex(r, "counts", &counts)) {
		json_object_object_foreach(counts, key, val)
			printf("  %-16s %lld\n", key,
			    (long long)json_object_get_int64(val));
	}
	if (json_object_object_get_ex(r, "errors", &errors))
		n = json_object_array_length(errors);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errors, i);
		printf("  FAILED %s: %s\n", ctl_str(e, "collector", "?"),
		    ctl_str(e, "error", "?"));
	}
	if (!json_object_object_get_ex(r, "upload", &up))
		return;
	json_get_int64(up, "sequence", &seq);
	if (seq > 0)
		printf("upload: %s as record %lld%s%s\n",
		    ctl_str(up, "upload", "?"), (long long)seq,
		    json_object_object_get_ex(up, "set", &v) ? ", set " : "",
		    json_object_object_get_ex(up, "set", &v) ?
		    json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN) : "");
	else
		printf("upload: %s (%s)\n", ctl_str(up, "upload", "?"),
		    ctl_str(up, "reason", "-"));
}

/* Print the spool part of the status. */
static void
ctl_print_spool(struct json_object *sp)
{
	int64_t	 depth = 0, bytes = 0, dropped = 0, sent = 0, max = 0;

	json_get_int64(sp, "depth", &depth);
	json_get_int64(sp, "bytes", &bytes);
	json_get_int64(sp, "dropped", &dropped);
	json_get_int64(sp, "sent", &sent);
	json_get_int64(sp, "max_size", &max);
	printf("spool:         %lld waiting (%lld of %lld bytes), %lld sent, "
	    "%lld dropped%s%s%s%s\n", (long long)depth, (long long)bytes,
	    (long long)max, (long long)sent, (long long)dropped,
	    json_get_string(sp, "last_error") != NULL ? "; last failure " :
	    "", ctl_str(sp, "last_error", ""),
	    json_get_string(sp, "next_try") != NULL ? ", next try " : "",
	    ctl_str(sp, "next_try", ""));
}

/* Print the manifests in force. */
static void
ctl_print_manifests(struct json_object *ms)
{
	static const char *const types[] = { "inventory", "fim", "vulnsigs" };
	struct json_object	*m;
	int64_t			 v, pv, refused;
	int			 paused = 0;
	size_t			 i;

	json_get_bool(ms, "data_collection_paused", &paused);
	printf("manifests:    ");
	for (i = 0; i < nitems(types); i++) {
		v = pv = refused = 0;
		if (!json_object_object_get_ex(ms, types[i], &m))
			continue;
		json_get_int64(m, "version", &v);
		json_get_int64(m, "platform_version", &pv);
		json_get_int64(m, "refused", &refused);
		printf(" %s %lld", types[i], (long long)v);
		if (pv > v)
			printf(" (platform has %lld)", (long long)pv);
		if (refused > 0)
			printf(" (%lld refused)", (long long)refused);
		printf(i + 1 < nitems(types) ? "," : "\n");
	}
	printf("collection:    %s\n", paused ? "paused by the profile" :
	    "active");
}

/* Print the inventory's change sources: one line per section. */
static void
ctl_print_changes(struct json_object *ch)
{
	struct json_object	*secs, *w;
	int64_t			 settle = 0, min = 0, poll = 0, n = 0;
	int			 enabled = 0, running = 0;
	size_t			 i;

	json_get_bool(ch, "enabled", &enabled);
	json_get_bool(ch, "running", &running);
	json_get_int64(ch, "settle", &settle);
	json_get_int64(ch, "min_interval", &min);
	json_get_int64(ch, "poll_interval", &poll);
	printf("inventory changes: %s (%s watches; settle %lld s, at most one "
	    "upload per section every %lld s, polls every %lld s, last %s)\n",
	    !enabled ? "off by the profile" : running ? "followed" :
	    "not followed yet", ctl_str(ch, "watches", "?"),
	    (long long)settle, (long long)min, (long long)poll,
	    ctl_str(ch, "last_poll", "never"));
	if (json_object_object_get_ex(ch, "watching", &w) &&
	    json_object_array_length(w) > 0) {
		printf("  watching");
		for (i = 0; i < json_object_array_length(w); i++)
			printf(" %s", json_object_get_string(
			    json_object_array_get_idx(w, i)));
		printf("\n");
	}
	if (json_get_string(ch, "watch_error") != NULL)
		printf("  watch error: %s\n", json_get_string(ch,
		    "watch_error"));
	if (!json_object_object_get_ex(ch, "sections", &secs))
		return;
	json_object_object_foreach(secs, key, val) {
		n = 0;
		json_get_int64(val, "uploads", &n);
		printf("  %-15s %-18s changed %s, uploaded %s (%s; %lld "
		    "upload%s)%s\n", key, ctl_str(val, "sources", "-"),
		    ctl_str(val, "last_change", "never"),
		    ctl_str(val, "last_upload", "never"),
		    ctl_str(val, "trigger", "-"), (long long)n,
		    n == 1 ? "" : "s", json_object_get_boolean(json_object_object_get(val,
		    "pending")) ? ", change pending" : "");
	}
}

/* Print the self-update section: state, versions, error, progress. */
static void
ctl_print_update(struct json_object *u)
{
	struct json_object	*e, *p;
	const char		*state = ctl_str(u, "state", "none");
	int64_t			 bytes = 0, total = 0, t = 0;
	char			 when[32];
	time_t			 tt;

	printf("update:        %s", strcmp(state, "rolled_back") == 0 ?
	    "rolled back" : state);
	if (json_get_string(u, "target") != NULL)
		printf(" %s", json_get_string(u, "target"));
	printf(" (running %s", ctl_str(u, "current", "?"));
	if (json_get_string(u, "previous") != NULL)
		printf(", previous %s", json_get_string(u, "previous"));
	printf(", policy %s)", ctl_str(u, "policy", "?"));
	if (json_get_int64(u, "time", &t) == 0 && t > 0) {
		tt = (time_t)t;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
		printf(" since %s", when);
	}
	printf("\n");
	if (json_object_object_get_ex(u, "progress", &p) && p != NULL) {
		json_get_int64(p, "bytes", &bytes);
		json_get_int64(p, "total", &total);
		printf("               %lld of %lld bytes downloaded\n",
		    (long long)bytes, (long long)total);
	}
	if (json_get_string(u, "note") != NULL)
		printf("               %s\n", json_get_string(u, "note"));
	if (json_object_object_get_ex(u, "error", &e) && e != NULL)
		printf("               %s %s\n", ctl_str(e, "code", "?"),
		    ctl_str(e, "message", ""));
	if (json_get_string(u, "release_key_error") != NULL &&
	    strcmp(ctl_str(u, "policy", "off"), "off") != 0)
		printf("               not possible: %s\n",
		    json_get_string(u, "release_key_error"));
}

/* Print a module's section: its members, one per line. */
static void
ctl_print_section(const char *name, struct json_object *sec)
{
	struct json_object	*changes = NULL;

	if (!json_object_is_type(sec, json_type_object))
		return;
	printf("%s:\n", name);
	json_object_object_foreach(sec, key, val) {
		/* The inventory's change sources get lines of their own. */
		if (strcmp(name, "inventory") == 0 &&
		    strcmp(key, "changes") == 0) {
			changes = val;
			continue;
		}
		if (json_object_is_type(val, json_type_object) ||
		    json_object_is_type(val, json_type_array))
			printf("  %-20s %s\n", key,
			    json_object_to_json_string_ext(val,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		else
			printf("  %-20s %s\n", key, val == NULL ? "-" :
			    json_object_get_string(val));
	}
	if (changes != NULL)
		ctl_print_changes(changes);
}

/* Status members printed by ctl_print_status() itself. */
static int
ctl_is_known_section(const char *key)
{
	static const char *const known[] = { "program", "version",
	    "control_version", "pid", "started", "uptime", "config_file",
	    "foreground", "log_level", "reloads", "state_dir", "log_dir",
	    "run_dir", "control_socket", "log_files", "directories",
	    "interfaces", "platform", "spool", "manifests", "update", NULL };
	int	 i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(key, known[i]) == 0)
			return 1;
	return 0;
}

/* Print the status document for people. */
static void
ctl_print_status(struct json_object *st)
{
	struct json_object	*files = NULL, *dirs, *ifs, *addrs, *a;
	struct json_object	*platform, *spool;
	int64_t			 pid = 0, uptime = 0, total = 0, prefix = 0;
	size_t			 i, n;

	json_get_int64(st, "pid", &pid);
	json_get_int64(st, "uptime", &uptime);
	printf("outpostd %s running (pid %lld), up %lldd %02lld:%02lld:%02lld "
	    "since %s\n", ctl_str(st, "version", "?"), (long long)pid,
	    (long long)(uptime / 86400), (long long)(uptime % 86400 / 3600),
	    (long long)(uptime % 3600 / 60), (long long)(uptime % 60),
	    ctl_str(st, "started", "?"));
	printf("configuration: %s\n", ctl_str(st, "config_file", "?"));
	printf("log level:     %s\n", ctl_str(st, "log_level", "?"));
	printf("state:         %s\n", ctl_str(st, "state_dir", "?"));
	printf("control:       %s\n", ctl_str(st, "control_socket", "?"));
	printf("log files:\n");
	json_object_object_get_ex(st, "log_files", &files);
	ctl_print_logs(files);
	if (json_object_object_get_ex(st, "directories", &dirs)) {
		json_get_int64(dirs, "repairs_total", &total);
		printf("directories:   checked %s, %lld repair%s since "
		    "start\n", ctl_str(dirs, "last_check", "never"),
		    (long long)total, total == 1 ? "" : "s");
		ctl_print_repairs(dirs);
	}
	if (json_object_object_get_ex(st, "platform", &platform))
		ctl_print_platform(platform);
	if (json_object_object_get_ex(st, "spool", &spool))
		ctl_print_spool(spool);
	if (json_object_object_get_ex(st, "manifests", &spool))
		ctl_print_manifests(spool);
	if (json_object_object_get_ex(st, "update", &spool))
		ctl_print_update(spool);
	if (json_object_object_get_ex(st, "interfaces", &ifs)) {
		printf("addresses (%s):\n", ctl_str(ifs, "tracking", "?"));
		n = 0;
		if (json_object_object_get_ex(ifs, "addresses", &addrs))
			n = json_object_array_length(addrs);
		for (i = 0; i < n; i++) {
			a = json_object_array_get_idx(addrs, i);
			json_get_int64(a, "prefixlen", &prefix);
			printf("  %-10s %s/%lld\n", ctl_str(a, "interface", "?"),
			    ctl_str(a, "address", "?"), (long long)prefix);
		}
	}
	json_object_object_foreach(st, key, val)
		if (!ctl_is_known_section(key))
			ctl_print_section(key, val);
}

/* "rotate-logs": the log files after the rotation, and those left. */
static void
ctl_print_rotated(struct json_object *r)
{
	struct json_object	*skipped, *f;
	int64_t			 size = 0, min = 0;
	char			 a[32], b[32];
	size_t			 i, n = 0;

	printf("log files after the rotation:\n");
	ctl_print_logs(json_object_object_get(r, "log_files"));
	if (json_object_object_get_ex(r, "skipped", &skipped))
		n = json_object_array_length(skipped);
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(skipped, i);
		json_get_int64(f, "size", &size);
		json_get_int64(f, "threshold", &min);
		printf("  %s not rotated: %s, under %s (a tenth of "
		    "log_max_size)\n", ctl_str(f, "path", "?"),
		    ctl_size_text(size, a, sizeof(a)),
		    ctl_size_text(min, b, sizeof(b)));
	}
}

/* "repair": what the directory check found and did. */
static void
ctl_print_repaired(struct json_object *r)
{
	printf("required directories checked:\n");
	ctl_print_repairs(r);
}

/* "heartbeat": how the check-in ended. */
static void
ctl_print_heartbeat(struct json_object *r)
{
	printf("%s\n", ctl_str(r, "message", "checked in"));
}

/* "uninstall": what was removed. */
static void
ctl_print_uninstall(struct json_object *r)
{
	printf("outpostd uninstalled from this host; state %s; platform "
	    "record %s\n", json_object_get_boolean(json_object_object_get(r,
	    "state_removed")) ? "removed" : "only partly removed (see "
	    "agent.log)", ctl_str(r, "platform_record", "kept"));
}

/* One command of outpostctl: its name, its options and its printer. */
struct ctl_command {
	const char	*name;
	int		 has_json;	/* takes --json */
	const char	*flag;		/* a boolean option, or NULL */
	const char	*flag_arg;	/* ... sent as this argument */
	void		(*print)(struct json_object *result);
	int		 fails_on_fail;	/* exit 1 when result is FAIL */
};

static const struct ctl_command ctl_commands[] = {
	{ "status", 1, NULL, NULL, ctl_print_status, 0 },
	{ "heartbeat", 0, NULL, NULL, ctl_print_heartbeat, 0 },
	{ "healthcheck", 1, NULL, NULL, ctl_print_healthcheck, 1 },
	{ "rotate-logs", 0, NULL, NULL, ctl_print_rotated, 0 },
	{ "repair", 0, NULL, NULL, ctl_print_repaired, 0 },
	{ "inventory-scan", 1, NULL, NULL, ctl_print_inventory_scan, 0 },
	{ "uninstall", 0, "--deregister", "deregister", ctl_print_uninstall,
	    0 },
};

/* The command named name, or NULL. */
static const struct ctl_command *
ctl_find_command(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(ctl_commands); i++)
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	return NULL;
}

/*
 * Read a command's options into *as_json and *args (a new object when
 * the command's flag is given). Exits through usage() on a stray one.
 */
static void
ctl_parse_args(const struct ctl_command *cmd, int argc, char *argv[],
    int *as_json, struct json_object **args)
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (cmd->has_json && strcmp(argv[i], "--json") == 0)
			*as_json = 1;
		else if (cmd->flag != NULL && strcmp(argv[i], cmd->flag) == 0) {
			if (*args == NULL)
				*args = json_object_new_object();
			json_add_bool(*args, cmd->flag_arg, 1);
		} else {
			fprintf(stderr, "outpostctl: %s: unexpected argument "
			    "\"%s\"\n", cmd->name, argv[i]);
			usage();
		}
	}
}

int
main(int argc, char *argv[])
{
	const struct ctl_command *cmd;
	struct json_object	*reply, *result = NULL, *args = NULL;
	const char		*conf_path = AGENT_CONF_DEFAULT;
	char			*sock_path = NULL;
	int			 ch, ok = 0, as_json = 0, rc = 0;

	while ((ch = getopt(argc, argv, "+c:s:h")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			free(sock_path);
			sock_path = strdup(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if ((cmd = ctl_find_command(argv[0])) == NULL) {
		fprintf(stderr, "outpostctl: unknown command \"%s\"\n",
		    argv[0]);
		usage();
	}
	ctl_parse_args(cmd, argc, argv, &as_json, &args);
	if (sock_path == NULL)
		sock_path = ctl_socket_from_conf(conf_path);

	reply = ctl_request(sock_path, cmd->name, args);
	json_get_bool(reply, "ok", &ok);
	if (!ok) {
		fprintf(stderr, "outpostctl: %s: %s\n", cmd->name,
		    ctl_str(reply, "error", "failed"));
		json_object_put(reply);
		free(sock_path);
		return 1;
	}
	json_object_object_get_ex(reply, "result", &result);
	if (cmd->fails_on_fail &&
	    strcmp(ctl_str(result, "result", "FAIL"), "FAIL") == 0)
		rc = 1;
	if (as_json)
		printf("%s\n", json_object_to_json_string_ext(result,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		cmd->print(result);
	json_object_put(reply);
	free(sock_path);
	return rc;
}
