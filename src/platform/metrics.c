/*
 * metrics.c: GET /metrics, the platform's figures in the Prometheus text
 * exposition format (version 0.0.4), for the admin API's principals.
 *
 * The hot path only adds to plain 64-bit counters in arrays sized once at
 * start (one process, one event loop: no locks, no atomics, no allocation
 * per request): requests by route and status, a latency histogram by
 * route, and one of group commits. Everything else is read when scraped:
 * the server's gauges (connections from conn-limits.c's status object,
 * answers waiting for the commit, the worker's queue), the agents known
 * and online (one count query), and the process's CPU time and memory
 * (getrusage, /proc/self/statm). Names follow Prometheus' conventions:
 * outpost_platform_ prefix, _total for counters, _seconds and _bytes
 * units, process_* for the process.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api.h"
#include "compat.h"
#include "metrics.h"
#include "store.h"

/* Upper bounds of the latency buckets, in nanoseconds (+Inf last). */
static const uint64_t metrics_bounds[] = {
	500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000ULL, 2500000000ULL,
	5000000000ULL
};
#define METRICS_NBUCKETS	(nitems(metrics_bounds) + 1)

/* The statuses counted one by one; others go to "other" by class. */
static const int metrics_codes[] = {
	200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 409, 410, 413,
	415, 416, 429, 500, 503
};
#define METRICS_NCODES		(nitems(metrics_codes) + 5)	/* 1xx..5xx */

/* One latency histogram. */
struct metrics_histogram {
	uint64_t	 bucket[METRICS_NBUCKETS];	/* not cumulative */
	uint64_t	 sum_nsec;
	uint64_t	 count;
};

struct metrics {
	int			 nroutes;	/* API routes + console + none */
	uint8_t			 code_index[600];
	uint64_t		*requests;	/* [nroutes][METRICS_NCODES] */
	struct metrics_histogram *latency;	/* [nroutes] */
	struct metrics_histogram commit;
	uint64_t		 commit_answers;
	uint64_t		 commit_failures;
	time_t			 started;
};

/* Now on the monotonic clock, in nanoseconds. */
uint64_t
metrics_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Make the counters, all zero. Returns them, or NULL. */
struct metrics *
metrics_new(void)
{
	struct metrics	*m;
	size_t		 i;
	int		 c;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->nroutes = api_route_count() + 2;
	m->requests = calloc((size_t)m->nroutes * METRICS_NCODES,
	    sizeof(*m->requests));
	m->latency = calloc((size_t)m->nroutes, sizeof(*m->latency));
	if (m->requests == NULL || m->latency == NULL) {
		metrics_free(m);
		return NULL;
	}
	for (c = 0; c < 600; c++)
		m->code_index[c] = nitems(metrics_codes) +
		    (c >= 100 ? c / 100 - 1 : 4);
	for (i = 0; i < nitems(metrics_codes); i++)
		m->code_index[metrics_codes[i]] = i;
	m->started = time(NULL);
	return m;
}

/* Free the counters (NULL: nothing). */
void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->requests);
	free(m->latency);
	free(m);
}

/* Add one observation of nsec to h. */
static void
metrics_observe(struct metrics_histogram *h, uint64_t nsec)
{
	size_t	 i;

	for (i = 0; i < nitems(metrics_bounds); i++)
		if (nsec <= metrics_bounds[i])
			break;
	h->bucket[i]++;
	h->sum_nsec += nsec;
	h->count++;
}

/* The slot of route (an index, or METRICS_ROUTE_*). */
static int
metrics_slot(const struct metrics *m, int route)
{
	if (route >= 0 && route < m->nroutes - 2)
		return route;
	return route == METRICS_ROUTE_CONSOLE ? m->nroutes - 2 :
	    m->nroutes - 1;
}

/* Count a request answered with status after nsec, by route index. */
void
metrics_request(struct metrics *m, int route, int status, uint64_t nsec)
{
	int	 slot;

	if (m == NULL)
		return;
	slot = metrics_slot(m, route);
	if (status < 0 || status >= 600)
		status = 0;
	m->requests[(size_t)slot * METRICS_NCODES + m->code_index[status]]++;
	metrics_observe(&m->latency[slot], nsec);
}

/* Count a group commit of answers that took nsec (failed: 1). */
void
metrics_commit(struct metrics *m, uint64_t nsec, size_t answers, int failed)
{
	if (m == NULL)
		return;
	metrics_observe(&m->commit, nsec);
	m->commit_answers += answers;
	if (failed)
		m->commit_failures++;
}

/* The method and path labels of slot. */
static void
metrics_labels(const struct metrics *m, int slot, const char **method,
    const char **path)
{
	const struct api_route	*r;

	if (slot == m->nroutes - 2) {
		*method = "GET";
		*path = "console";
	} else if (slot == m->nroutes - 1) {
		*method = "any";
		*path = "none";
	} else {
		r = api_route_at(slot);
		*method = api_method_name(r->method);
		*path = r->pattern;
	}
}

/* The code label of index i of the status counters. */
static void
metrics_code_label(size_t i, char *buf, size_t len)
{
	if (i < nitems(metrics_codes))
		snprintf(buf, len, "%d", metrics_codes[i]);
	else
		snprintf(buf, len, "%zuxx", i - nitems(metrics_codes) + 1);
}

/* Write histogram h as name with the labels (may be "") to f. */
static void
metrics_write_histogram(FILE *f, const char *name, const char *labels,
    const struct metrics_histogram *h)
{
	uint64_t	 cum = 0;
	size_t		 i;
	const char	*sep = labels[0] != '\0' ? "," : "";

	for (i = 0; i < nitems(metrics_bounds); i++) {
		cum += h->bucket[i];
		fprintf(f, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		    (double)metrics_bounds[i] / 1e9, (unsigned long long)cum);
	}
	cum += h->bucket[i];
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	    (unsigned long long)cum);
	fprintf(f, "%s_sum%s%s%s %.9f\n", name, labels[0] != '\0' ? "{" : "",
	    labels, labels[0] != '\0' ? "}" : "", (double)h->sum_nsec / 1e9);
	fprintf(f, "%s_count%s%s%s %llu\n", name, labels[0] != '\0' ? "{" : "",
	    labels, labels[0] != '\0' ? "}" : "", (unsigned long long)h->count);
}

/* Write the request counters and latency histograms to f. */
static void
metrics_write_requests(struct metrics *m, FILE *f)
{
	const char	*method, *path;
	char		 code[16], labels[256];
	uint64_t	 n;
	size_t		 c;
	int		 s;

	fputs("# HELP outpost_platform_requests_total HTTP requests answered, "
	    "by endpoint (method and route pattern) and status.\n"
	    "# TYPE outpost_platform_requests_total counter\n", f);
	for (s = 0; s < m->nroutes; s++) {
		metrics_labels(m, s, &method, &path);
		for (c = 0; c < METRICS_NCODES; c++) {
			if ((n = m->requests[(size_t)s * METRICS_NCODES +
			    c]) == 0)
				continue;
			metrics_code_label(c, code, sizeof(code));
			fprintf(f, "outpost_platform_requests_total{method=\"%s\","
			    "endpoint=\"%s\",code=\"%s\"} %llu\n", method, path,
			    code, (unsigned long long)n);
		}
	}
	fputs("# HELP outpost_platform_request_duration_seconds From the "
	    "whole request read to its answer handed to TLS, commit wait "
	    "included, by endpoint.\n"
	    "# TYPE outpost_platform_request_duration_seconds histogram\n", f);
	for (s = 0; s < m->nroutes; s++) {
		if (m->latency[s].count == 0)
			continue;
		metrics_labels(m, s, &method, &path);
		snprintf(labels, sizeof(labels),
		    "method=\"%s\",endpoint=\"%s\"", method, path);
		metrics_write_histogram(f,
		    "outpost_platform_request_duration_seconds", labels,
		    &m->latency[s]);
	}
	fputs("# HELP outpost_platform_store_commit_duration_seconds "
	    "Group commits of the store (one per pass of the event loop).\n"
	    "# TYPE outpost_platform_store_commit_duration_seconds "
	    "histogram\n", f);
	metrics_write_histogram(f,
	    "outpost_platform_store_commit_duration_seconds", "", &m->commit);
	fprintf(f, "# HELP outpost_platform_store_commit_answers_total "
	    "Answers released by group commits.\n"
	    "# TYPE outpost_platform_store_commit_answers_total counter\n"
	    "outpost_platform_store_commit_answers_total %llu\n"
	    "# HELP outpost_platform_store_commit_failures_total Group "
	    "commits that failed (their answers became 503).\n"
	    "# TYPE outpost_platform_store_commit_failures_total counter\n"
	    "outpost_platform_store_commit_failures_total %llu\n",
	    (unsigned long long)m->commit_answers,
	    (unsigned long long)m->commit_failures);
}

/* The integer member key of obj (0 when absent). */
static int64_t
metrics_member(struct json_object *obj, const char *key)
{
	struct json_object	*v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return 0;
	return json_object_get_int64(v);
}

/*
 * Write the members of conns_status_json's object key as one metric
 * with a label for each member.
 */
static void
metrics_write_labelled(FILE *f, struct json_object *conns, const char *key,
    const char *name, const char *type, const char *label, const char *help)
{
	struct json_object	*obj;

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	if (!json_object_object_get_ex(conns, key, &obj) ||
	    !json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, k, v)
		fprintf(f, "%s{%s=\"%s\"} %lld\n", name, label, k,
		    (long long)json_object_get_int64(v));
}

/* Write one metric without labels. */
static void
metrics_write_one(FILE *f, const char *name, const char *type,
    const char *help, int64_t value)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name,
	    type, name, (long long)value);
}

/* Write the server's gauges g to f. */
static void
metrics_write_gauges(const struct metrics_gauges *g, FILE *f)
{
	struct json_object	*c = g->connections;

	metrics_write_one(f, "outpost_platform_connections_open", "gauge",
	    "Connections holding a slot.", metrics_member(c, "open"));
	metrics_write_labelled(f, c, "by_state",
	    "outpost_platform_connections", "gauge", "state",
	    "Connections by state.");
	metrics_write_one(f, "outpost_platform_connections_max", "gauge",
	    "max_connections in force.", metrics_member(c, "max_connections"));
	metrics_write_one(f, "outpost_platform_connections_accepted_total",
	    "counter", "Connections accepted.", metrics_member(c, "accepted"));
	metrics_write_labelled(f, c, "refused",
	    "outpost_platform_connections_refused_total", "counter", "limit",
	    "Connections refused, by the limit that refused them.");
	metrics_write_labelled(f, c, "closed",
	    "outpost_platform_connections_closed_total", "counter", "limit",
	    "Connections closed by a deadline or the output limit.");
	metrics_write_labelled(f, c, "evicted",
	    "outpost_platform_connections_evicted_total", "counter", "kind",
	    "Connections closed to make room for a new one.");
	metrics_write_labelled(f, c, "tls_handshakes",
	    "outpost_platform_tls_handshakes_total", "counter", "session",
	    "TLS handshakes completed, with a new (full) or a resumed "
	    "session.");
	metrics_write_one(f, "outpost_platform_accept_errors_total", "counter",
	    "accept(2) errors (descriptors exhausted).",
	    metrics_member(c, "accept_errors"));
	metrics_write_one(f, "outpost_platform_answers_waiting", "gauge",
	    "Answers held for the group commit (and WAL sync).",
	    g->answers_waiting);
	metrics_write_one(f, "outpost_platform_worker_queue", "gauge",
	    "Password checks queued or running on the worker thread.",
	    g->worker_queued);
	metrics_write_one(f, "outpost_platform_sync_lag_commits", "gauge",
	    "Group commits waiting for their WAL sync (sync_acks).",
	    g->sync_lag);
	metrics_write_one(f, "outpost_platform_store_wal_pages", "gauge",
	    "Frames in the SQLite write-ahead log after the last commit.",
	    g->wal_pages);
}

/* Write every counter and the gauges g (may be NULL) to f. */
void
metrics_write(struct metrics *m, const struct metrics_gauges *g, FILE *f)
{
	if (m != NULL)
		metrics_write_requests(m, f);
	if (g != NULL)
		metrics_write_gauges(g, f);
	if (m != NULL)
		fprintf(f, "# HELP process_start_time_seconds Start time of the "
		    "process since the epoch.\n"
		    "# TYPE process_start_time_seconds gauge\n"
		    "process_start_time_seconds %lld\n", (long long)m->started);
}

/* Write how many agents the store holds and how many are online. */
static int
metrics_write_agents(struct api *api, int64_t now, FILE *f)
{
	struct agent_query	 q;
	struct json_object	*list;
	int64_t			 total, online;

	memset(&q, 0, sizeof(q));
	q.online = -1;
	q.limit = 1;
	q.now = now;
	if ((list = store_agent_list(api->store, &q, &total)) == NULL)
		return -1;
	json_object_put(list);
	q.online = 1;
	if ((list = store_agent_list(api->store, &q, &online)) == NULL)
		return -1;
	json_object_put(list);
	metrics_write_one(f, "outpost_platform_agents", "gauge",
	    "Agents known (activated and not deleted).", total);
	metrics_write_one(f, "outpost_platform_agents_online", "gauge",
	    "Agents whose last heartbeat is within twice their profile's "
	    "heartbeat_interval.", online);
	return 0;
}

/* Write the process's CPU time, memory and descriptors. */
static void
metrics_write_process(FILE *f)
{
	struct rusage	 ru;
	FILE		*statm;
	unsigned long	 size = 0, resident = 0;
	double		 cpu;

	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	fprintf(f, "# HELP process_cpu_seconds_total User and system CPU "
	    "time of the process.\n# TYPE process_cpu_seconds_total counter\n"
	    "process_cpu_seconds_total %.6f\n", cpu);
	if ((statm = fopen("/proc/self/statm", "re")) != NULL) {
		if (fscanf(statm, "%lu %lu", &size, &resident) == 2) {
			metrics_write_one(f, "process_resident_memory_bytes",
			    "gauge", "Resident memory.", (int64_t)resident *
			    sysconf(_SC_PAGESIZE));
			metrics_write_one(f, "process_virtual_memory_bytes",
			    "gauge", "Virtual memory.", (int64_t)size *
			    sysconf(_SC_PAGESIZE));
		}
		fclose(statm);
	}
}

/* GET /metrics */
void
metrics_get(struct api *api, struct api_request *req,
    struct api_response *res)
{
	FILE	*f;
	char	*text = NULL;
	size_t	 len = 0;

	if ((f = open_memstream(&text, &len)) == NULL) {
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	fprintf(f, "# HELP outpost_platform_build_info The running "
	    "version.\n# TYPE outpost_platform_build_info gauge\n"
	    "outpost_platform_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	if (api->metrics != NULL)
		api->metrics(api->metrics_arg, f);
	if (metrics_write_agents(api, req->now, f) == -1) {
		fclose(f);
		free(text);
		api_store_error(res);
		return;
	}
	metrics_write_process(f);
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		api_error(res, 500, "internal_error", NULL, "out of memory");
		return;
	}
	res->text = text;
	res->text_len = len;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	res->status = 200;
}
