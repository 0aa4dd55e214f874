/*
 * test_fim_scan.c: the listing of watched files that the catch-up
 * compares: entries added, saved and read back (and a damaged file
 * refused with the line named), the differences between two listings as
 * changes (renames by inode, an inode reused, changes after the rules
 * were back left to audit), and entries refreshed from the file system.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compat.h"
#include "fim-scan.h"

/* A stat result for the snapshot tests. */
static struct stat
st_of(uint64_t ino, mode_t mode, off_t size, time_t mtime, time_t ctime)
{
	struct stat	 sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_dev = 65024;
	sb.st_ino = ino;
	sb.st_mode = mode;
	sb.st_size = size;
	sb.st_mtim.tv_sec = mtime;
	sb.st_ctim.tv_sec = ctime;
	return sb;
}

/* A file in a listing: path, inode, mode, size, mtime, ctime. */
struct file {
	const char	*path;
	uint64_t	 ino;
	mode_t		 mode;
	off_t		 size;
	time_t		 mtime;
	time_t		 ctime;
};

/* The listing at stop (but "/w", added first), and the one at start. */
static const struct file at_stop[] = {
	{ "/w/mod", 2, 0100644, 3, 100, 100 },
	{ "/w/attr", 3, 0100644, 3, 100, 100 },
	{ "/w/ren", 4, 0100644, 3, 100, 100 },
	{ "/w/del", 5, 0100644, 3, 100, 100 },
	{ "/w/new\nline\n", 6, 0100644, 3, 100, 100 }
};
static const struct file at_start[] = {
	{ "/w", 1, 040755, 4096, 300, 300 },
	{ "/w/mod", 2, 0100644, 9, 300, 300 },
	{ "/w/attr", 3, 0100600, 3, 100, 300 },
	{ "/w/ren2", 4, 0100644, 3, 100, 300 },
	{ "/w/created", 7, 0100644, 3, 300, 300 },
	{ "/w/later", 8, 0100644, 3, 900, 900 },
	{ "/w/new\nline\n", 6, 0100644, 3, 100, 100 }
};

/* Add the n files f to snap. */
static void
snap_fill(struct fim_snapshot *snap, const struct file *f, size_t n)
{
	struct stat	 sb;
	size_t		 i;

	for (i = 0; i < n; i++) {
		sb = st_of(f[i].ino, f[i].mode, f[i].size, f[i].mtime,
		    f[i].ctime);
		fim_snap_add(snap, f[i].path, &sb);
	}
}

/* What the diff reported, one line each. */
static char	 diffs[1024];

static void
diff_cb(enum fim_action a, const char *path, const char *old,
    const struct fim_fstate *before, const struct fim_fstate *now,
    void *arg)
{
	size_t	 len = strlen(diffs);

	snprintf(diffs + len, sizeof(diffs) - len, "%s %s%s%s;",
	    fim_action_name(a), path, old != NULL ? " from " : "",
	    old != NULL ? old : "");
}

static int	npending;

/* Count the pending events of a snapshot. */
static int
count_pending(uint64_t id, const char *json, size_t len, void *arg)
{
	assert_int_equal(id, 9);
	assert_int_equal(json[0], '{');
	npending++;
	return 0;
}

static void
test_snapshot(void **state)
{
	struct fim_snapshot	*a, *b, *c;
	struct fim_snap_header	 h, got;
	struct fim_snap_extra	 extra = { count_pending, NULL, NULL };
	struct stat		 sb;
	char			 tmpl[] = "/tmp/test_fim.XXXXXX", file[64];
	char			*text, *p;
	size_t			 len;
	FILE			*fp;

	a = fim_snap_new();
	sb = st_of(1, 040755, 4096, 100, 100);
	assert_int_equal(fim_snap_add(a, "/w", &sb), 0);
	assert_int_equal(fim_snap_add(a, "/w", &sb), 1);
	snap_fill(a, at_stop, nitems(at_stop));

	/* Saved and read back. */
	assert_non_null(mkdtemp(tmpl));
	snprintf(file, sizeof(file), "%s/baseline", tmpl);
	memset(&h, 0, sizeof(h));
	memset(h.signature, 'a', 64);
	h.stopped_sec = 1234;
	h.stopped_nsec = 5;
	h.generation = 7;
	h.next_id = 42;
	h.is_complete = 1;
	assert_int_equal(fim_snap_save(a, file, &h, "9 {\"path\":\"/w/x\","
	    "\"action\":\"create\"}\n", 36, 1, NULL), 0);
	assert_non_null(fp = fopen(file, "r"));
	text = calloc(1, 4096);
	len = fread(text, 1, 4095, fp);
	fclose(fp);
	unlink(file);
	rmdir(tmpl);
	npending = 0;
	b = fim_snap_parse(text, len, &got, &extra, diffs, sizeof(diffs));
	assert_non_null(b);
	assert_true(got.stopped_sec == 1234 && got.stopped_nsec == 5);
	assert_true(got.generation == 7 && got.next_id == 42);
	assert_true(got.is_complete && !got.is_clean);
	assert_memory_equal(got.signature, h.signature, 65);
	assert_int_equal(npending, 1);
	assert_int_equal(fim_snap_count(b), 6);
	assert_non_null(fim_snap_find(b, "/w/new\nline\n"));
	assert_true(fim_snap_find(b, "/w/mod")->ino == 2);
	/* A damaged file is refused with the line named. */
	assert_non_null(strstr(text, "\npending 1\n9 {"));
	assert_non_null(strstr(text, "}\ndirty 0\n"));
	p = strstr(text, "\npending");
	p[-2] = 'x';
	p[-1] = '\\';
	assert_null(fim_snap_parse(text, len, &got, NULL, diffs,
	    sizeof(diffs)));
	assert_string_equal(diffs, "line 14: expected DEV INO MODE UID GID "
	    "SIZE MTIME CTIME /PATH");
	assert_null(fim_snap_parse(text, len - 1, &got, NULL, diffs,
	    sizeof(diffs)));
	assert_null(fim_snap_parse("outpost-fim-baseline 1\nsignature x\n",
	    35, &got, NULL, diffs, sizeof(diffs)));
	assert_string_equal(diffs, "line 2: expected \"signature\" and 64 "
	    "hex digits");
	/* An older agent's file: clean and complete. */
	assert_non_null(c = fim_snap_parse("outpost-fim-baseline 1\nsignature "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "stopped 5.000000001\ncount 1\n1 2 100644 0 0 3 4.000000000 "
	    "4.000000000 /w/a\n", 172, &got, NULL, diffs,
	    sizeof(diffs)));
	assert_true(got.is_clean && got.is_complete && got.next_id == 1);
	assert_int_equal(fim_snap_count(c), 1);
	fim_snap_free(c);
	free(text);

	/* Now: modified, chmod, renamed, deleted, created, and one changed
	 * after the rules were back (left to audit). */
	c = fim_snap_new();
	snap_fill(c, at_start, nitems(at_start));
	diffs[0] = '\0';
	fim_snap_diff(b, c, 500, 0, diff_cb, NULL);
	assert_string_equal(diffs, "modify /w/mod;attrib /w/attr;"
	    "rename /w/ren2 from /w/ren;create /w/created;delete /w/del;");
	/* /w/del's inode reused by a file created since: not a rename. */
	sb = st_of(5, 0100644, 3, 300, 300);
	fim_snap_add(c, "/w/reused", &sb);
	diffs[0] = '\0';
	fim_snap_diff(b, c, 500, 0, diff_cb, NULL);
	assert_string_equal(diffs, "modify /w/mod;attrib /w/attr;"
	    "rename /w/ren2 from /w/ren;create /w/created;create /w/reused;"
	    "delete /w/del;");
	assert_int_equal(fim_snap_refresh(c, "/w/reused"), 0);
	/* Refreshed from the file system: gone, back, and new. */
	assert_int_equal(fim_snap_refresh(c, "/w/created"), 0);
	assert_null(fim_snap_find(c, "/w/created"));
	assert_int_equal(fim_snap_count(c), 6);
	assert_int_equal(fim_snap_refresh(c, "/"), 0);
	assert_non_null(fim_snap_find(c, "/"));
	assert_int_equal(fim_snap_count(c), 7);
	sb = st_of(7, 0100644, 3, 300, 300);
	assert_int_equal(fim_snap_add(c, "/w/created", &sb), 0);
	assert_int_equal(fim_snap_count(c), 8);
	fim_snap_free(a);
	fim_snap_free(b);
	fim_snap_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
