/*
 * spoolfill.c: put N error-report records into an agent's upload spool
 * (state_dir/spool) with the agent's own code, as a stopped agent would
 * have left them: "spoolfill DIR N PREFIX" stores reports whose messages
 * are "PREFIX 1" .. "PREFIX N". The agent must not be running.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "jsonutil.h"
#include "upload-queue.h"

int
main(int argc, char *argv[])
{
	struct event_base		*base;
	struct upload			*u;
	struct json_object		*body, *errors, *e;
	static const struct upload_kind	 kind = { "errors",
	    "/agent/v1/errors", NULL, NULL };
	char				 message[256];
	long				 i, n;

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: spoolfill DIR N PREFIX\n");
		return 2;
	}
	if ((base = event_base_new()) == NULL ||
	    (u = upload_new(base, argv[1], 0)) == NULL ||
	    upload_register(u, &kind) == -1)
		return 1;
	for (i = 1; i <= n; i++) {
		body = json_object_new_object();
		errors = json_object_new_array();
		e = json_object_new_object();
		snprintf(message, sizeof(message), "%s %ld", argv[3], i);
		json_add_string(e, "code", "E901");
		json_add_string(e, "message", message);
		json_add_int64(e, "time", (int64_t)time(NULL));
		json_object_array_add(errors, e);
		json_object_object_add(body, "errors", errors);
		if (upload_put(u, "errors", body) < 0)
			return 1;
		json_object_put(body);
	}
	printf("%lu\n", (unsigned long)upload_depth(u));
	upload_free(u);
	event_base_free(base);
	return 0;
}
