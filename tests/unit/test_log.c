/*
 * test_log.c: cmocka unit tests of the rotating logger (src/common/log.c):
 * archive naming, level names, the rotation limit, retention, whole lines,
 * archive contents, errno, status and reconfiguration.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <zlib.h>

#include "log.h"

/* A private directory per test. */
struct fixture {
	char	 dir[256];
	char	 path[320];
};

/* Remove every entry of dir (no subdirectories) and dir itself. */
static void
remove_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[600];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Make a temp directory and start the logger. Returns 0. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/test_log.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/agent.log", fx->dir);
	log_init("test_log", 0, LOG_LEVEL_DEBUG);
	*state = fx;
	return 0;
}

/* Stop the logger and remove the temp directory. Returns 0. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	log_shutdown();
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* Returns the contents of path (NUL-terminated; free it), or NULL. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf;
	long	 len;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)len;
	return buf;
}

/* Returns the inflated contents of a gzip file (free it). */
static char *
gunzip(const char *path, size_t *lenp)
{
	unsigned char	*in;
	char		*out;
	size_t		 inlen, size = 1 << 16;
	z_stream	 zs;
	int		 ret;

	in = (unsigned char *)slurp(path, &inlen);
	assert_non_null(in);
	out = malloc(size);
	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = in;
	zs.avail_in = (uInt)inlen;
	do {
		if (zs.total_out == size) {
			size *= 2;
			out = realloc(out, size);
			assert_non_null(out);
		}
		zs.next_out = (unsigned char *)out + zs.total_out;
		zs.avail_out = (uInt)(size - zs.total_out);
		ret = inflate(&zs, Z_NO_FLUSH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
	} while (ret != Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);
	*lenp = zs.total_out;
	out = realloc(out, zs.total_out + 1);
	assert_non_null(out);
	out[zs.total_out] = '\0';
	inflateEnd(&zs);
	free(in);
	return out;
}

/* Returns how many entries of dir start with prefix and end in suffix. */
static int
count_entries(const char *dir, const char *prefix, const char *suffix,
    char *last, size_t lastlen)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n, s = strlen(suffix);
	int		 count = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    n < s || strcmp(de->d_name + n - s, suffix) != 0)
			continue;
		count++;
		if (last != NULL && strcmp(de->d_name, last) > 0)
			snprintf(last, lastlen, "%s", de->d_name);
	}
	closedir(d);
	return count;
}

/* Returns how many archives of name (by the exact pattern) dir holds. */
static int
count_archives(const char *dir, const char *name)
{
	DIR		*d;
	struct dirent	*de;
	regex_t		 re;
	char		 pattern[256];
	int		 count = 0;

	snprintf(pattern, sizeof(pattern), "^%s-[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}-[0-9]{2}-[0-9]{2}\\.[0-9]{3}\\.log\\.gz$", name);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (regexec(&re, de->d_name, 0, NULL, 0) == 0)
			count++;
	closedir(d);
	regfree(&re);
	return count;
}

/* Returns the number of '\n' in s. */
static int
count_lines(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Archive names: UTC, milliseconds, zero padding, short buffers. */
static void
test_archive_name(void **state)
{
	struct timespec	 ts;
	char		 buf[128];

	ts.tv_sec = 1610001077;
	ts.tv_nsec = 992000000;
	assert_int_equal(log_archive_name(buf, sizeof(buf), "agentid", &ts),
	    0);
	assert_string_equal(buf, "agentid-2021-01-07T06-31-17.992.log.gz");

	ts.tv_sec = 0;
	ts.tv_nsec = 5999999;
	assert_int_equal(log_archive_name(buf, sizeof(buf), "agent", &ts), 0);
	assert_string_equal(buf, "agent-1970-01-01T00-00-00.005.log.gz");

	ts.tv_sec = 1798761599;
	ts.tv_nsec = 999999999;
	assert_int_equal(log_archive_name(buf, sizeof(buf), "a", &ts), 0);
	assert_string_equal(buf, "a-2026-12-31T23-59-59.999.log.gz");

	assert_int_equal(log_archive_name(buf, 10, "agent", &ts), -1);
	assert_int_equal(log_archive_name(buf, strlen(
	    "a-2026-12-31T23-59-59.999.log.gz"), "a", &ts), -1);
	assert_int_equal(log_archive_name(buf, strlen(
	    "a-2026-12-31T23-59-59.999.log.gz") + 1, "a", &ts), 0);
	ts.tv_nsec = 1000000000;
	assert_int_equal(log_archive_name(buf, sizeof(buf), "a", &ts), -1);
}

/* Level names parse case-insensitively and round-trip. */
static void
test_level_parse(void **state)
{
	enum log_level	 level = LOG_LEVEL_ERROR;

	assert_int_equal(log_level_parse("debug", &level), 0);
	assert_int_equal(level, LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("WARN", &level), 0);
	assert_int_equal(level, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("Info", &level), 0);
	assert_int_equal(level, LOG_LEVEL_INFO);
	assert_int_equal(log_level_parse("error", &level), 0);
	assert_int_equal(level, LOG_LEVEL_ERROR);
	assert_int_equal(log_level_parse("verbose", &level), -1);
	assert_int_equal(log_level_parse("", &level), -1);
	assert_int_equal(log_level_parse("warning", &level), -1);
	assert_int_equal(level, LOG_LEVEL_ERROR);
	for (level = LOG_LEVEL_ERROR; level <= LOG_LEVEL_DEBUG; level++) {
		enum log_level	 back;

		assert_int_equal(log_level_parse(log_level_name(level), &back),
		    0);
		assert_int_equal(back, level);
	}
}

/* Lines below the level are not written; log_set_level changes it. */
static void
test_level_filter(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	char			*text;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_set_main(lf);
	log_set_level(LOG_LEVEL_INFO);
	assert_int_equal(log_get_level(), LOG_LEVEL_INFO);
	log_debug("hidden %d", 1);
	log_info("shown %d", 2);
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("shown %d", 3);
	text = slurp(fx->path, NULL);
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "info: shown 2\n"));
	assert_non_null(strstr(text, "debug: shown 3\n"));
	free(text);
}

/*
 * A file rotates when a line would make it pass max_size, not when it
 * reaches it; the archive holds what was written before.
 */
static void
test_rotation_limit(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	struct stat		 sb;
	char			 last[256] = "", path[600], *text;
	size_t			 len, linelen;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_file_printf(lf, LOG_LEVEL_INFO, "line %03d", 0);
	assert_int_equal(stat(fx->path, &sb), 0);
	linelen = (size_t)sb.st_size;
	assert_true(linelen > 40);

	/* Room for exactly three lines. */
	ls.max_size = 3 * linelen;
	assert_int_equal(log_file_configure(lf, fx->dir, &ls), 0);
	log_file_printf(lf, LOG_LEVEL_INFO, "line %03d", 1);
	log_file_printf(lf, LOG_LEVEL_INFO, "line %03d", 2);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal((size_t)sb.st_size, 3 * linelen);
	assert_int_equal(count_archives(fx->dir, "agent"),
	    0);

	/* The fourth line would pass the limit: rotate first. */
	log_file_printf(lf, LOG_LEVEL_INFO, "line %03d", 3);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal((size_t)sb.st_size, linelen);
	assert_int_equal(count_entries(fx->dir, "agent-", ".log.gz", last,
	    sizeof(last)), 1);
	assert_int_equal(count_entries(fx->dir, ".", "", NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/%s", fx->dir, last);
	text = gunzip(path, &len);
	assert_int_equal(len, 3 * linelen);
	assert_non_null(strstr(text, "line 000\n"));
	assert_non_null(strstr(text, "line 002\n"));
	assert_null(strstr(text, "line 003"));
	free(text);
	text = slurp(fx->path, NULL);
	assert_non_null(strstr(text, "line 003\n"));
	free(text);

	/* max_size 0: never rotate. */
	ls.max_size = 0;
	assert_int_equal(log_file_configure(lf, fx->dir, &ls), 0);
	for (len = 0; len < 10; len++)
		log_file_printf(lf, LOG_LEVEL_INFO, "line %03zu", len + 4);
	assert_int_equal(count_archives(fx->dir, "agent"),
	    1);
	log_file_close(lf);
}

/* Retention keeps exactly the N newest archives of the name only. */
static void
test_retention(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 3, 6 };
	struct log_file		*lf;
	char			 path[600];
	const char		*old[] = {
		"agent-2020-01-01T00-00-00.000.log.gz",
		"agent-2020-01-01T00-00-00.001.log.gz",
		"agent-2020-01-01T00-00-01.000.log.gz",
		"agent-2020-06-01T00-00-00.000.log.gz",
		"agent-2021-01-07T06-31-17.992.log.gz",
	};
	const char		*other[] = {
		"agentid-2019-01-01T00-00-00.000.log.gz",
		"agent-notes.log.gz",
		"agent-2019-01-01T00-00-00.log.gz",
		"notes.txt",
	};
	size_t			 i;
	FILE			*fp;

	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, old[i]);
		assert_non_null(fp = fopen(path, "w"));
		fclose(fp);
	}
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, other[i]);
		assert_non_null(fp = fopen(path, "w"));
		fclose(fp);
	}
	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_file_printf(lf, LOG_LEVEL_INFO, "first");
	assert_int_equal(log_rotate_all(), 0);
	log_file_printf(lf, LOG_LEVEL_INFO, "second");
	assert_int_equal(log_rotate_all(), 0);
	/* Nothing written since: an empty file is not rotated. */
	assert_int_equal(log_rotate_all(), 0);

	/* Two new archives and the newest old one; the rest untouched. */
	assert_int_equal(count_archives(fx->dir, "agent"), 3);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, old[i]);
		assert_int_equal(access(path, F_OK), -1);
	}
	snprintf(path, sizeof(path), "%s/%s", fx->dir, old[4]);
	assert_int_equal(access(path, F_OK), 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", fx->dir, other[i]);
		assert_int_equal(access(path, F_OK), 0);
	}

	/* Fewer rotations on reload apply at once. */
	ls.rotations = 1;
	assert_int_equal(log_file_configure(lf, fx->dir, &ls), 0);
	assert_int_equal(count_archives(fx->dir, "agent"), 1);
	snprintf(path, sizeof(path), "%s/%s", fx->dir, old[4]);
	assert_int_equal(access(path, F_OK), -1);
	log_file_close(lf);
}

/*
 * Every call makes one whole line: embedded newlines become spaces, long
 * messages are cut, and a rotation never splits a line.
 */
static void
test_lines_whole(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 1000, 100, 6 };
	struct log_file		*lf;
	DIR			*d;
	struct dirent		*de;
	char			*big, *text, *p, path[600];
	size_t			 len;
	int			 i, lines = 0, found = 0;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_set_main(lf);
	log_info("two\nlines\r?");
	big = malloc(20000);
	assert_non_null(big);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	log_info("%s", big);
	free(big);
	for (i = 0; i < 200; i++)
		log_info("numbered %d %.*s", i, i % 50,
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");

	assert_non_null(d = opendir(fx->dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->dir, de->d_name);
		if (strcmp(de->d_name, "agent.log") == 0)
			text = slurp(path, &len);
		else
			text = gunzip(path, &len);
		assert_true(len > 0);
		assert_int_equal(text[len - 1], '\n');
		/* Each line starts with a stamp and fits the line limit. */
		for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
			assert_true(strlen(p) > 25);
			assert_int_equal(p[4], '-');
			assert_int_equal(p[10], 'T');
			assert_int_equal(p[23], 'Z');
			assert_true((size_t)(strchr(p, '\n') - p) < 8192);
			lines++;
		}
		if (strstr(text, "info: two lines ?\n") != NULL)
			found++;
		free(text);
	}
	closedir(d);
	assert_int_equal(lines, 202);
	assert_int_equal(found, 1);
	log_file_close(lf);
}

/* A rotated archive inflates to exactly what was written to it. */
static void
test_archive_contents(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 9 };
	struct log_file		*lf;
	char			 last[256] = "", path[600], *before, *after;
	size_t			 blen, alen;
	int			 i;

	assert_non_null(lf = log_file_open(fx->dir, "agentid", &ls));
	for (i = 0; i < 5000; i++)
		log_file_printf(lf, LOG_LEVEL_INFO, "accepted 10.0.%d.%d:%d on "
		    "port 10001", i / 256, i % 256, 40000 + i);
	snprintf(path, sizeof(path), "%s/agentid.log", fx->dir);
	before = slurp(path, &blen);
	assert_int_equal(count_lines(before), 5000);
	assert_int_equal(log_rotate_all(), 0);
	assert_int_equal(count_entries(fx->dir, "agentid-", ".log.gz", last,
	    sizeof(last)), 1);
	snprintf(path, sizeof(path), "%s/%s", fx->dir, last);
	after = gunzip(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
	/* The fresh file is empty, no temp or rotated file is left. */
	snprintf(path, sizeof(path), "%s/agentid.log", fx->dir);
	before = slurp(path, &blen);
	assert_int_equal(blen, 0);
	free(before);
	assert_int_equal(count_entries(fx->dir, ".", "", NULL, 0), 0);
	log_file_close(lf);
}

/* Two rotations in one millisecond still get two distinct names. */
static void
test_unique_names(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 100, 1 };
	struct log_file		*lf;
	int			 i;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	for (i = 0; i < 20; i++) {
		log_file_printf(lf, LOG_LEVEL_INFO, "rotation %d", i);
		assert_int_equal(log_rotate_all(), 0);
	}
	assert_int_equal(count_archives(fx->dir, "agent"),
	    20);
	log_file_close(lf);
}

/* log_warn appends strerror(errno), log_warnx does not; errno survives. */
static void
test_errno(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	char			*text;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_set_main(lf);
	assert_ptr_equal(log_get_main(), lf);
	errno = ENOENT;
	log_warn("open %s", "/etc/outpost/outpost.conf");
	assert_int_equal(errno, ENOENT);
	errno = EACCES;
	log_warnx("plain %d", 42);
	assert_int_equal(errno, EACCES);
	log_info("info");
	log_debug("debug");
	log_file_printf(lf, LOG_LEVEL_WARN, "direct");
	assert_int_equal(errno, EACCES);
	text = slurp(fx->path, NULL);
	assert_non_null(strstr(text, " test_log["));
	assert_non_null(strstr(text, "] warn: open /etc/outpost/outpost.conf: "
	    "No such file or directory\n"));
	assert_non_null(strstr(text, "] warn: plain 42\n"));
	assert_non_null(strstr(text, "] info: info\n"));
	assert_non_null(strstr(text, "] debug: debug\n"));
	assert_non_null(strstr(text, "] warn: direct\n"));
	assert_int_equal(count_lines(text), 5);
	free(text);
}

/* Status lists each file with its size, error and archives. */
static void
test_status(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*a, *b;
	struct json_object	*arr, *o, *v;

	assert_non_null(a = log_file_open(fx->dir, "agent", &ls));
	assert_non_null(b = log_file_open(fx->dir, "agentid", &ls));
	log_file_printf(b, LOG_LEVEL_INFO, "hello");
	assert_int_equal(log_rotate_all(), 0);
	log_file_printf(b, LOG_LEVEL_INFO, "again");
	assert_non_null(arr = log_status_json());
	assert_int_equal(json_object_array_length(arr), 2);
	o = json_object_array_get_idx(arr, 1);
	assert_true(json_object_object_get_ex(o, "path", &v));
	assert_non_null(strstr(json_object_get_string(v), "/agentid.log"));
	assert_true(json_object_object_get_ex(o, "size", &v));
	assert_true(json_object_get_int64(v) > 0);
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "last_rotation", &v));
	assert_int_equal(strlen(json_object_get_string(v)), 24);
	assert_true(json_object_object_get_ex(o, "archives", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(o, "pending_compressions", &v));
	assert_int_equal(json_object_get_int(v), 0);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "last_rotation", &v));
	assert_null(v);
	json_object_put(arr);
	log_file_close(a);
	log_file_close(b);
	assert_non_null(arr = log_status_json());
	assert_int_equal(json_object_array_length(arr), 0);
	json_object_put(arr);
}

/* Bad names are refused; a missing directory fails with ENOENT. */
static void
test_open_errors(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	char			 dir[300];

	errno = 0;
	assert_null(log_file_open(fx->dir, "a/b", &ls));
	assert_int_equal(errno, EINVAL);
	assert_null(log_file_open(fx->dir, ".hidden", &ls));
	assert_null(log_file_open(fx->dir, "", &ls));
	snprintf(dir, sizeof(dir), "%s/missing", fx->dir);
	errno = 0;
	assert_null(log_file_open(dir, "agent", &ls));
	assert_int_equal(errno, ENOENT);
}

/*
 * Moving a file to a missing directory holds its lines; once the
 * directory exists, log_retry_failed() writes them there in order.
 */
static void
test_configure_missing_dir(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	struct json_object	*arr, *v;
	char			 dir[300], path[600], *text;

	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	snprintf(dir, sizeof(dir), "%s/later", fx->dir);
	assert_int_equal(log_file_configure(lf, dir, &ls), -1);
	log_file_printf(lf, LOG_LEVEL_INFO, "held one");
	log_file_printf(lf, LOG_LEVEL_INFO, "held two");
	assert_non_null(arr = log_status_json());
	assert_true(json_object_object_get_ex(json_object_array_get_idx(arr,
	    0), "error", &v));
	assert_string_equal(json_object_get_string(v),
	    "No such file or directory");
	json_object_put(arr);
	assert_int_equal(mkdir(dir, 0755), 0);
	log_retry_failed();
	snprintf(path, sizeof(path), "%s/agent.log", dir);
	text = slurp(path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "held one\n"));
	assert_true(strstr(text, "held one") < strstr(text, "held two"));
	assert_non_null(strstr(text, "2 lines kept, 0 dropped"));
	free(text);
	log_file_close(lf);
	unlink(path);
	rmdir(dir);
}

/*
 * While a file cannot be written, at most 1 MiB of lines is held; the
 * rest is counted, and one line says how many were dropped.
 */
static void
test_held_limit(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	char			 dir[300], path[600], pad[1001], *text, *p;
	unsigned long		 kept, dropped;
	int			 i;

	memset(pad, 'p', 1000);
	pad[1000] = '\0';
	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	snprintf(dir, sizeof(dir), "%s/later", fx->dir);
	assert_int_equal(log_file_configure(lf, dir, &ls), -1);
	for (i = 0; i < 1500; i++)
		log_file_printf(lf, LOG_LEVEL_INFO, "n=%04d %s", i, pad);
	assert_int_equal(mkdir(dir, 0755), 0);
	log_retry_failed();
	snprintf(path, sizeof(path), "%s/agent.log", dir);
	assert_non_null(text = slurp(path, NULL));
	p = strstr(text, "lines kept, ");
	assert_non_null(p);
	while (p > text && p[-1] != ':')
		p--;
	assert_int_equal(sscanf(p, " %lu lines kept, %lu dropped", &kept,
	    &dropped), 2);
	assert_int_equal(kept + dropped, 1500);
	assert_true(dropped > 0);
	assert_true(kept * 1000 <= 1024 * 1024);
	assert_int_equal((unsigned long)count_lines(text), kept + 1);
	/* The first lines are kept, in order. */
	assert_non_null(strstr(text, "n=0000 "));
	assert_true(strstr(text, "n=0000 ") < strstr(text, "n=0001 "));
	free(text);
	log_file_close(lf);
	unlink(path);
	rmdir(dir);
}

/* Returns the size of path, or -1. */
static long long
file_size(const char *path)
{
	struct stat	 sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/*
 * With an event base: info lines wait for the end of the loop turn,
 * warnings go out at once with what waits before them, and a rotated file
 * is compressed from the loop, not at rotation time.
 */
static void
test_event_base(void **state)
{
	struct fixture		*fx = *state;
	struct log_settings	 ls = { 0, 5, 6 };
	struct log_file		*lf;
	struct event_base	*base;
	char			 last[256] = "", path[600], *text;
	size_t			 len;
	int			 i, turns;

	assert_non_null(base = event_base_new());
	assert_non_null(lf = log_file_open(fx->dir, "agent", &ls));
	log_set_main(lf);
	log_set_event_base(base);
	log_info("buffered");
	assert_int_equal(file_size(fx->path), 0);
	assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
	assert_true(file_size(fx->path) > 0);
	log_info("second");
	log_warnx("urgent");
	text = slurp(fx->path, NULL);
	assert_non_null(strstr(text, "info: second\n"));
	assert_non_null(strstr(text, "warn: urgent\n"));
	free(text);

	for (i = 0; i < 20000; i++)
		log_debug("line %d of the sliced compression test", i);
	log_flush();
	len = (size_t)file_size(fx->path);
	assert_int_equal(log_rotate_all(), 0);
	assert_int_equal(log_pending_compressions(), 1);
	assert_int_equal(count_archives(fx->dir, "agent"), 0);
	for (turns = 0; log_pending_compressions() > 0 && turns < 1000;
	    turns++)
		assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
	assert_true(turns > 1);
	assert_int_equal(log_pending_compressions(), 0);
	assert_int_equal(count_entries(fx->dir, "agent-", ".log.gz", last,
	    sizeof(last)), 1);
	snprintf(path, sizeof(path), "%s/%s", fx->dir, last);
	text = gunzip(path, &len);
	assert_int_equal(count_lines(text), 20003);
	free(text);

	/* Detaching writes what waits and compresses synchronously. */
	log_info("last words");
	log_set_event_base(NULL);
	text = slurp(fx->path, NULL);
	assert_non_null(strstr(text, "info: last words\n"));
	free(text);
	log_shutdown();
	event_base_free(base);
}

/* Run the tests. Returns the number of failures. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive_name),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test_setup_teardown(test_level_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lines_whole, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_archive_contents, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unique_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_configure_missing_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_event_base, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
