/*
 * test_console.c: unit tests of console.c: which files of console_dir are
 * read (regular files of the known types; no dot files, no symbolic
 * links, no oversized file), and the answer to each path: the file with
 * its type and ETag, 304 for its ETag, 404 for everything else (traversal,
 * encoded dots, double slashes, files left out), 405 for writes, and the
 * APIs' paths left alone.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "console.h"

static char	 dir[64];

/* Write text to dir/name. */
static void
put(const char *name, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Remove dir and what is in it. */
static void
remove_dir(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A console directory with the files a real one has, and some traps. */
static int
setup(void **state)
{
	char	 path[128];

	strlcpy(dir, "/tmp/test_console.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	put("index.html", "<!doctype html><title>x</title>");
	put("console.css", "body { margin: 0; }");
	snprintf(path, sizeof(path), "%s/js", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("js/app.js", "export const x = 1;");
	put(".secret.js", "no");
	put("README", "no type");
	put("notes.md", "no type");
	snprintf(path, sizeof(path), "%s/passwd.js", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/.git", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put(".git/config.js", "no");
	return 0;
}

static int
teardown(void **state)
{
	remove_dir();
	return 0;
}

/* Only regular files of known types, not hidden, not through a link. */
static void
test_load(void **state)
{
	struct console	*c;
	char		 err[256];
	size_t		 files, bytes;

	assert_non_null(c = console_load(dir, err, sizeof(err)));
	console_size(c, &files, &bytes);
	assert_int_equal(files, 3);
	assert_int_equal(bytes, strlen("<!doctype html><title>x</title>") +
	    strlen("body { margin: 0; }") + strlen("export const x = 1;"));
	console_free(c);
}

/* The file of each path, with its type; 304 for its ETag. */
static void
test_files(void **state)
{
	struct console		*c;
	struct console_reply	 r;
	char			 err[256], etag[64], list[128];

	assert_non_null(c = console_load(dir, err, sizeof(err)));
	assert_int_equal(console_answer(c, 1, "/", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/html; charset=utf-8");
	assert_int_equal(r.len, strlen("<!doctype html><title>x</title>"));
	assert_non_null(r.etag);
	assert_int_equal(strlen(r.etag), 18);
	strlcpy(etag, r.etag, sizeof(etag));
	assert_int_equal(console_answer(c, 1, "/index.html", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.etag, etag);
	assert_int_equal(console_answer(c, 1, "/js/app.js", NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/javascript; charset=utf-8");
	assert_memory_equal(r.body, "export const x = 1;", r.len);
	assert_int_equal(console_answer(c, 1, "/console.css", NULL, &r), 0);
	assert_string_equal(r.type, "text/css; charset=utf-8");

	assert_int_equal(console_answer(c, 1, "/", etag, &r), 0);
	assert_int_equal(r.status, 304);
	snprintf(list, sizeof(list), "\"other\", W/%s", etag);
	assert_int_equal(console_answer(c, 1, "/", list, &r), 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(console_answer(c, 1, "/", "*", &r), 0);
	assert_int_equal(r.status, 304);
	assert_int_equal(console_answer(c, 1, "/", "\"0000000000000000\"",
	    &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(console_answer(c, 1, "/js/app.js", etag, &r), 0);
	assert_int_equal(r.status, 200);
	console_free(c);
}

/* Nothing outside the table, however the path is spelt. */
static void
test_refused(void **state)
{
	static const char *const paths[] = {
		"/.secret.js", "/README", "/notes.md", "/passwd.js",
		"/.git/config.js", "/../etc/passwd", "/js/../index.html",
		"/%2e%2e/etc/passwd", "/js/%2e%2e/index.html", "//index.html",
		"/js//app.js", "/./index.html", "/js/./app.js", "/index.html/",
		"/index.html%00", "/nothing.js", "/js", "/js/", "", "index.html",
		"/index.html?x", "/\\index.html",
	};
	struct console		*c;
	struct console_reply	 r;
	char			 err[256];
	size_t			 i;

	assert_non_null(c = console_load(dir, err, sizeof(err)));
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(console_answer(c, 1, paths[i], NULL, &r), 0);
		if (r.status != 404)
			fail_msg("%s answered %d", paths[i], r.status);
		assert_null(r.etag);
	}
	/* Writes are refused; the APIs' paths are not the console's. */
	assert_int_equal(console_answer(c, 0, "/index.html", NULL, &r), 0);
	assert_int_equal(r.status, 405);
	assert_int_equal(console_answer(c, 1, "/api/v1/agents", NULL, &r), 1);
	assert_int_equal(console_answer(c, 0, "/api/v1/session", NULL, &r),
	    1);
	assert_int_equal(console_answer(c, 1, "/agent/v1/heartbeat", NULL,
	    &r), 1);
	assert_int_equal(console_answer(c, 1, "/api", NULL, &r), 1);
	assert_int_equal(console_answer(c, 1, "/apis.html", NULL, &r), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(console_answer(c, 1, NULL, NULL, &r), 1);
	console_free(c);
	/* No console: 404 saying why. */
	assert_int_equal(console_answer(NULL, 1, "/", NULL, &r), 0);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "console_dir"));
}

/* A directory without index.html, a missing one, an oversized file. */
static void
test_bad_dirs(void **state)
{
	char	 err[256], path[128], *big;
	FILE	*fp;

	assert_null(console_load("/nonexistent/console", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/console"));
	snprintf(path, sizeof(path), "%s/index.html", dir);
	assert_int_equal(unlink(path), 0);
	assert_null(console_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "no index.html"));
	put("index.html", "<!doctype html>");
	snprintf(path, sizeof(path), "%s/big.js", dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_non_null(big = calloc(1, 1024 * 1024 + 1));
	memset(big, 'x', 1024 * 1024 + 1);
	assert_int_equal(fwrite(big, 1, 1024 * 1024 + 1, fp),
	    1024 * 1024 + 1);
	fclose(fp);
	free(big);
	assert_null(console_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "big.js is larger than"));
	assert_int_equal(unlink(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_dirs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
