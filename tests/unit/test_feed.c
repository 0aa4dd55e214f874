/*
 * test_feed.c: the importers of vulnerability feeds: the streaming JSON
 * reader fed a byte at a time, the Debian tracker's statuses, OSV ranges
 * (introduced, fixed, last_affected), ecosystems and severities, CVSS v3
 * base scores, and the zip reader on an archive made here with zlib.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <zlib.h>

#include "feed.h"
#include "vuln.h"

/* What a sink collected: one line per signature. */
struct collected {
	char	 lines[8192];
	int	 n;
};

/* A sink that writes "id package release fixed|last status severity". */
static int
collect_sig(void *arg, const struct vuln_sig *sig)
{
	struct collected	*c = arg;
	size_t			 used = strlen(c->lines);

	snprintf(c->lines + used, sizeof(c->lines) - used,
	    "%s %s %s %s%s%s %s %s %s %d\n", sig->id, sig->package,
	    sig->release != NULL ? sig->release : "-",
	    sig->introduced != NULL ? sig->introduced : "",
	    sig->last_affected != NULL ? "..=" : "..<",
	    sig->fixed != NULL ? sig->fixed : sig->last_affected != NULL ?
	    sig->last_affected : "", sig->status, sig->ecosystem,
	    vuln_severity_name(sig->severity), sig->by_source);
	c->n++;
	return 0;
}

/* Records seen by the reader, as "key:members". */
static int
collect_record(void *arg, const char *key, struct json_object *value)
{
	char	*buf = arg;
	size_t	 used = strlen(buf);

	snprintf(buf + used, 512 - used, "%s:%d ", key != NULL ? key : "-",
	    json_object_object_length(value));
	return 0;
}

/* Feed text to a new reader in pieces of step bytes. Returns 0 or -1. */
static int
read_json(enum feed_json_shape shape, const char *text, size_t step,
    char *out, char *err)
{
	struct feed_json	*fj = feed_json_new(shape, collect_record, out);
	size_t			 i, n, len = strlen(text);
	int			 rc = 0;

	out[0] = err[0] = '\0';
	for (i = 0; i < len && rc == 0; i += n) {
		n = len - i < step ? len - i : step;
		rc = feed_json_feed(fj, text + i, n, err, 256);
	}
	if (rc == 0)
		rc = feed_json_end(fj, err, 256);
	feed_json_free(fj);
	return rc;
}

/* The reader gives the same records whatever the chunks; refuses junk. */
static void
test_json_stream(void **state)
{
	static const char doc[] = " {\"a\\u0062\": {\"x\": 1, \"y\": [1, {}]},"
	    "\n\"c\" : {\"s\": \"}\\\"{\"} } \n";
	char	 out[512], err[256];
	size_t	 step;

	(void)state;
	for (step = 1; step <= sizeof(doc); step++) {
		assert_int_equal(read_json(FEED_JSON_MEMBERS, doc, step, out,
		    err), 0);
		assert_string_equal(out, "ab:2 c:1 ");
	}
	assert_int_equal(read_json(FEED_JSON_RECORDS, "[{\"id\":1}, {}]", 3,
	    out, err), 0);
	assert_string_equal(out, "-:1 -:0 ");
	assert_int_equal(read_json(FEED_JSON_RECORDS, "{\"id\":1,\"b\":2}\n",
	    1, out, err), 0);
	assert_string_equal(out, "-:2 ");
	assert_int_equal(read_json(FEED_JSON_RECORDS, "[]", 1, out, err), 0);
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{}", 1, out, err), 0);
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{\"a\": 1}", 4, out,
	    err), -1);
	assert_string_equal(err, "byte 6: a record is not an object");
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{\"a\": {}", 4, out,
	    err), -1);
	assert_string_equal(err, "byte 8: the document ends inside its "
	    "top-level value");
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{\"a\": {}} x", 4, out,
	    err), -1);
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{\"a\": {]}", 2, out,
	    err), -1);
	assert_non_null(strstr(err, "invalid JSON"));
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "[{}]", 2, out, err), -1);
	assert_int_equal(read_json(FEED_JSON_RECORDS, "", 2, out, err), -1);
	assert_string_equal(err, "byte 0: empty document");
	assert_int_equal(read_json(FEED_JSON_MEMBERS, "{\"\": {}}", 2, out,
	    err), -1);
}

/* Run an importer's function on text; the sink's lines into c. */
static void
import(const char *text, int osv, struct collected *c,
    struct feed_counts *counts)
{
	struct feed_sink	 sink = { collect_sig, c, "test", counts };
	struct json_object	*obj = json_tokener_parse(text);

	assert_non_null(obj);
	memset(c, 0, sizeof(*c));
	memset(counts, 0, sizeof(*counts));
	if (osv)
		assert_int_equal(feed_osv_record(&sink, obj), 0);
	else {
		json_object_object_foreach(obj, key, val)
			assert_int_equal(feed_debian_package(&sink, key, val),
			    0);
	}
	json_object_put(obj);
}

/* Each tracker status is what the file's comment says. */
static void
test_debian(void **state)
{
	struct collected	 c;
	struct feed_counts	 n;

	(void)state;
	import("{\"sope\": {\"CVE-2025-53603\": {\"description\": \"d\","
	    " \"releases\": {"
	    "\"bookworm\": {\"status\": \"resolved\", \"fixed_version\":"
	    " \"5.8.0-1+deb12u1\", \"urgency\": \"high**\"},"
	    "\"bullseye\": {\"status\": \"open\", \"urgency\": \"low\"},"
	    "\"buster\": {\"status\": \"open\", \"urgency\": \"end-of-life\"},"
	    "\"trixie\": {\"status\": \"resolved\", \"fixed_version\": \"0\","
	    " \"urgency\": \"unimportant\"},"
	    "\"forky\": {\"status\": \"undetermined\"},"
	    "\"sid\": {\"status\": \"resolved\", \"fixed_version\": \"1\"},"
	    "\"duke\": {\"status\": \"resolved\", \"fixed_version\": \"a b\"},"
	    "\"jessie\": {\"status\": \"weird\"}}},"
	    "\"TEMP-1\": {\"releases\": []}}}", 0, &c, &n);
	assert_string_equal(c.lines,
	    "CVE-2025-53603 sope debian:12 ..<5.8.0-1+deb12u1 fixed deb high 1\n"
	    "CVE-2025-53603 sope debian:11 ..< open deb low 1\n"
	    "CVE-2025-53603 sope debian:10 ..< end-of-life deb unknown 1\n");
	assert_int_equal(n.records, 2);
	assert_int_equal(n.signatures, 3);
	assert_int_equal(n.not_affected, 1);
	assert_int_equal(n.undetermined, 1);
	assert_int_equal(n.skipped, 1);		/* sid */
	assert_int_equal(n.invalid, 2);		/* duke, jessie */
	assert_non_null(strstr(n.first_invalid, "duke"));
	assert_string_equal(feed_debian_release("bookworm"), "12");
	assert_null(feed_debian_release("sid"));
}

/* OSV events make intervals; ecosystems, severities and skips. */
static void
test_osv(void **state)
{
	struct collected	 c;
	struct feed_counts	 n;

	(void)state;
	import("{\"id\": \"X-1\", \"summary\": \"Important: x\", \"affected\": ["
	    "{\"package\": {\"ecosystem\": \"AlmaLinux:9\", \"name\": \"a\"},"
	    " \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": ["
	    "{\"introduced\": \"0\"}, {\"fixed\": \"1.0-1.el9\"},"
	    "{\"introduced\": \"2.0\"}, {\"last_affected\": \"2.5-1\"},"
	    "{\"introduced\": \"3:1\"}]},"
	    " {\"type\": \"GIT\", \"events\": []}]},"
	    "{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"b\"}},"
	    "{\"package\": {\"ecosystem\": \"Ubuntu:Pro:22.04:LTS\","
	    " \"name\": \"c\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\","
	    " \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"1 2\"}]}]}"
	    "]}", 1, &c, &n);
	assert_string_equal(c.lines,
	    "X-1 a almalinux:9 ..<1.0-1.el9 fixed rpm high 0\n"
	    "X-1 a almalinux:9 2.0..=2.5-1 fixed rpm high 0\n"
	    "X-1 a almalinux:9 3:1..< open rpm high 0\n");
	assert_int_equal(n.skipped, 2);		/* GIT, PyPI */
	assert_int_equal(n.invalid, 1);		/* "1 2" */
	import("{\"id\": \"USN-1\", \"withdrawn\": \"2024-01-01T00:00:00Z\"}",
	    1, &c, &n);
	assert_int_equal(c.n, 0);
	assert_int_equal(n.skipped, 1);
	import("{\"id\": \"U-1\", \"severity\": [{\"type\": \"CVSS_V3\","
	    " \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
	    " \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\","
	    " \"name\": \"d\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\","
	    " \"events\": [{\"introduced\": \"0\"}]}]}]}", 1, &c, &n);
	assert_string_equal(c.lines, "U-1 d debian:12 ..< open deb critical 1\n");
}

/* The release each OSV ecosystem names. */
static void
test_osv_ecosystem(void **state)
{
	static const struct {
		const char	*eco, *release, *ecosystem;
	} cases[] = {
		{ "Debian:12", "debian:12", "deb" },
		{ "Ubuntu:22.04:LTS", "ubuntu:22.04", "deb" },
		{ "Ubuntu:Pro:16.04:LTS", "ubuntu:16.04", "deb" },
		{ "Ubuntu:24.10", "ubuntu:24.10", "deb" },
		{ "AlmaLinux:9", "almalinux:9", "rpm" },
		{ "Rocky Linux:8", "rocky:8", "rpm" },
		{ "Red Hat:enterprise_linux:9::appstream", "rhel:9", "rpm" },
		{ "openSUSE:Leap 15.5", "opensuse-leap:15.5", "rpm" },
		{ "SUSE:Linux Enterprise Server 15 SP5", "sles:15.5", "rpm" },
		{ "Mageia:9", "mageia:9", "rpm" },
		{ "Alpine:v3.18", NULL, NULL },
		{ "Debian", NULL, NULL },
		{ "Debian:sid", NULL, NULL },
		{ "Ubuntu:Pro", NULL, NULL },
		{ "PyPI", NULL, NULL },
	};
	const char	*eco;
	char		 release[64];
	size_t		 i;
	int		 by_source, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = feed_osv_ecosystem(cases[i].eco, release, sizeof(release),
		    &eco, &by_source);
		if (cases[i].release == NULL) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(release, cases[i].release);
		assert_string_equal(eco, cases[i].ecosystem);
		assert_int_equal(by_source, strcmp(eco, "deb") == 0);
	}
}

/* CVSS v3 base scores as the specification's calculator gives them. */
static void
test_cvss3(void **state)
{
	(void)state;
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 98);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:H"), 66);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 61);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 100);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), 16);
	assert_int_equal(feed_cvss3_score("CVSS:3.1/AV:N/AC:L"), -1);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"),
	    -1);
	assert_int_equal(feed_cvss3_score(
	    "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), -1);
}

/* Little-endian writers for the test archive. */
static unsigned char *
put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	return p + 2;
}

/* A 32-bit little-endian integer. */
static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p = put16(p, v & 0xffff);
	return put16(p, v >> 16);
}

/*
 * The fields local and central headers share: flags, method, time, CRC,
 * sizes, name length.
 */
static unsigned char *
put_entry(unsigned char *p, int deflated, uint32_t crc, uLongf dlen,
    const char *text, const char *name)
{
	p = put16(p, 0);
	p = put16(p, deflated ? 8 : 0);
	p = put32(p, 0);
	p = put32(p, crc);
	p = put32(p, (uint32_t)dlen);
	p = put32(p, (uint32_t)strlen(text));
	return put16(p, (unsigned)strlen(name));
}

/*
 * Write a zip of the entries (name, text; deflated when deflate) to fd;
 * corrupt flips the CRC of the last. Returns the archive's size.
 */
static size_t
make_zip(int fd, const char *const *names, const char *const *texts, int n,
    int deflated, int corrupt)
{
	static unsigned char	 buf[65536], cd[4096];
	unsigned char		*p = buf, *c = cd, data[4096];
	uLongf			 dlen;
	uint32_t		 crc, off;
	int			 i;
	z_stream		 zs;

	for (i = 0; i < n; i++) {
		crc = (uint32_t)crc32(0, (const Bytef *)texts[i],
		    (uInt)strlen(texts[i]));
		if (corrupt && i == n - 1)
			crc ^= 1;
		if (deflated) {
			memset(&zs, 0, sizeof(zs));
			deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8,
			    Z_DEFAULT_STRATEGY);
			zs.next_in = (Bytef *)texts[i];
			zs.avail_in = (uInt)strlen(texts[i]);
			zs.next_out = data;
			zs.avail_out = sizeof(data);
			deflate(&zs, Z_FINISH);
			dlen = sizeof(data) - zs.avail_out;
			deflateEnd(&zs);
		} else {
			dlen = strlen(texts[i]);
			memcpy(data, texts[i], dlen);
		}
		off = (uint32_t)(p - buf);
		p = put32(p, 0x04034b50);
		p = put16(p, 20);
		p = put_entry(p, deflated, crc, dlen, texts[i], names[i]);
		p = put16(p, 0);
		memcpy(p, names[i], strlen(names[i]));
		p += strlen(names[i]);
		memcpy(p, data, dlen);
		p += dlen;
		c = put32(c, 0x02014b50);
		c = put32(c, 20 | 20 << 16);
		c = put_entry(c, deflated, crc, dlen, texts[i], names[i]);
		c = put32(c, 0);
		c = put32(c, 0);
		c = put32(c, 0);
		c = put32(c, off);
		memcpy(c, names[i], strlen(names[i]));
		c += strlen(names[i]);
	}
	off = (uint32_t)(p - buf);
	memcpy(p, cd, (size_t)(c - cd));
	p += c - cd;
	p = put32(p, 0x06054b50);
	p = put32(p, 0);
	p = put16(p, (unsigned)n);
	p = put16(p, (unsigned)n);
	p = put32(p, (uint32_t)(c - cd));
	p = put32(p, off);
	p = put16(p, 0);
	assert_int_equal(write(fd, buf, (size_t)(p - buf)), p - buf);
	return (size_t)(p - buf);
}

/* Entries seen and their data, for the zip test. */
struct zipseen {
	char	 log[1024];
};

/* Read only the .json entries. */
static int
zip_entry(void *arg, const char *name)
{
	struct zipseen	*z = arg;

	strcat(z->log, name);
	strcat(z->log, "=");
	return strstr(name, ".json") != NULL ? 1 : 0;
}

/* Keep the data; mark each end. */
static int
zip_data(void *arg, const char *buf, size_t len)
{
	struct zipseen	*z = arg;

	if (buf == NULL)
		strcat(z->log, ";");
	else
		strncat(z->log, buf, len);
	return 0;
}

/*
 * Write the test archive (deflated or stored, its last CRC corrupt or
 * not) to a temporary file and read it back. Returns what
 * feed_zip_read() returned, with the entries seen in z and why in err.
 */
static int
zip_case(int deflated, int corrupt, struct zipseen *z, char *err)
{
	static const char *const names[] = { "a.json", "README", "b.json" };
	static const char *const texts[] = {
		"{\"id\": \"A\"}", "skip me", "{\"id\": \"B\", \"x\": "
		"\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}"
	};
	char	 path[] = "/tmp/test_feed_zipXXXXXX";
	int	 fd, rc;

	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	make_zip(fd, names, texts, 3, deflated, corrupt);
	memset(z, 0, sizeof(*z));
	rc = feed_zip_read(fd, zip_entry, zip_data, z, err, 256);
	close(fd);
	return rc;
}

/* Stored and deflated entries arrive whole; a bad CRC is refused. */
static void
test_zip(void **state)
{
	struct zipseen	 z;
	char		 path[] = "/tmp/test_feed_zipXXXXXX", err[256];
	int		 fd, deflated;

	(void)state;
	for (deflated = 0; deflated <= 1; deflated++) {
		assert_int_equal(zip_case(deflated, 0, &z, err), 0);
		assert_string_equal(z.log, "a.json={\"id\": \"A\"};README=b.json="
		    "{\"id\": \"B\", \"x\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		    "bbbbbbbbbbbbbbbbbbb\"};");
		assert_int_equal(zip_case(deflated, 1, &z, err), -1);
		assert_string_equal(err, "b.json: CRC-32 or size does not "
		    "match");
	}
	assert_true((fd = mkstemp(path)) != -1);
	unlink(path);
	assert_int_equal(write(fd, "PK\3\4 not really a zip at all......", 35),
	    35);
	assert_int_equal(feed_zip_read(fd, zip_entry, zip_data, &z, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "not a zip archive (no end of central "
	    "directory)");
	close(fd);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_stream),
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_osv),
		cmocka_unit_test(test_osv_ecosystem),
		cmocka_unit_test(test_cvss3),
		cmocka_unit_test(test_zip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
