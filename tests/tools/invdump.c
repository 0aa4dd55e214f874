/*
 * invdump.c: run the inventory collectors over a root directory the way
 * outpostd does (stepwise on an event base) and print what they found as
 * one JSON document: {"sections": {...}, "errors": [...], "stats": {...}}.
 *
 * usage: invdump [-n] [-b usec] [-c collector,...] root
 *   -n  do not follow the kernel's addresses (interfaces get none)
 *   -b  the work budget of one step (default 5000 us)
 *   -c  only these collectors
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "collect.h"
#include "jsonutil.h"
#include "log.h"
#include "route.h"

/* The scan is over: leave the loop. */
static void
invdump_done_cb(struct collect_scan *scan, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int
main(int argc, char *argv[])
{
	struct event_base	*base;
	struct collect_opts	 opts;
	struct collect_scan	*scan;
	struct collect_stats	 st;
	struct route		*route = NULL;
	struct json_object	*doc, *stats;
	const char		*names[32];
	char			*list = NULL, *tok;
	int			 ch, use_route = 1, n = 0, rc;

	log_init("invdump", 1, LOG_LEVEL_WARN);
	memset(&opts, 0, sizeof(opts));
	while ((ch = getopt(argc, argv, "b:c:n")) != -1) {
		switch (ch) {
		case 'b':
			opts.budget_usec = strtol(optarg, NULL, 10);
			break;
		case 'c':
			list = optarg;
			break;
		case 'n':
			use_route = 0;
			break;
		default:
			fprintf(stderr, "usage: invdump [-n] [-b usec] "
			    "[-c collector,...] root\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: invdump [-n] [-b usec] "
		    "[-c collector,...] root\n");
		return 2;
	}
	if (list != NULL)
		for (tok = strtok(list, ","); tok != NULL && n < 31;
		    tok = strtok(NULL, ","))
			names[n++] = tok;
	names[n] = NULL;
	if ((base = event_base_new()) == NULL)
		return 1;
	if (use_route && (route = route_open(base, NULL, NULL)) == NULL) {
		fprintf(stderr, "invdump: cannot follow addresses\n");
		return 1;
	}
	opts.base = base;
	opts.root = argv[optind];
	opts.route = route;
	if ((scan = collect_scan_start(&opts, list != NULL ? names : NULL,
	    invdump_done_cb, base)) == NULL)
		return 1;
	event_base_dispatch(base);
	collect_scan_stats(scan, &st);
	doc = json_object_new_object();
	json_object_object_add(doc, "sections",
	    json_object_get(collect_scan_sections(scan)));
	json_object_object_add(doc, "errors",
	    json_object_get(collect_scan_errors(scan)));
	stats = json_object_new_object();
	json_object_object_add(stats, "duration_ms",
	    json_object_new_double(st.duration_ms));
	json_object_object_add(stats, "longest_step_ms",
	    json_object_new_double(st.longest_step_ms));
	json_add_string(stats, "longest_step_collector",
	    st.longest_step_collector);
	json_add_int64(stats, "steps", (int64_t)st.steps);
	json_object_object_add(stats, "collectors",
	    collect_scan_timings(scan));
	json_object_object_add(doc, "stats", stats);
	printf("%s\n", json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	rc = json_object_array_length(collect_scan_errors(scan)) > 0;
	json_object_put(doc);
	collect_scan_free(scan);
	route_close(route);
	event_base_free(base);
	return rc;
}
