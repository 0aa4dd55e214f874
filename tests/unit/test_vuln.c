/*
 * test_vuln.c: unit tests of vuln.c: the validation of vulnsigs manifest
 * bodies and inventory package lists, and affected ranges.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "jsonutil.h"
#include "vuln.h"

/* Parse a JSON object, failing the test if it is not one. */
static struct json_object *
parse(const char *text)
{
	struct json_object	*obj;
	char			 err[128];

	obj = json_parse_object(text, strlen(text), err, sizeof(err));
	if (obj == NULL)
		fail_msg("bad test JSON: %s: %s", text, err);
	return obj;
}

/* Check body is refused on field with a message that starts with why. */
static void
check_refused(const char *body, const char *field, const char *why)
{
	struct json_object	*obj = parse(body);
	char			 f[128], m[160];

	f[0] = m[0] = '\0';
	if (vuln_sigs_check(obj, f, sizeof(f), m, sizeof(m)) != -1)
		fail_msg("accepted: %s", body);
	if (strcmp(f, field) != 0 || strncmp(m, why, strlen(why)) != 0)
		fail_msg("%s: got %s: %s, want %s: %s", body, f, m, field, why);
	json_object_put(obj);
}

/* Check body is accepted. */
static void
check_accepted(const char *body)
{
	struct json_object	*obj = parse(body);
	char			 f[128], m[160];

	if (vuln_sigs_check(obj, f, sizeof(f), m, sizeof(m)) != 0)
		fail_msg("refused: %s: %s: %s", body, f, m);
	json_object_put(obj);
}

#define SIG	"\"id\":\"CVE-1\",\"title\":\"t\",\"severity\":\"high\""

/* What a vulnsigs body may hold, and the field named when it may not. */
static void
test_sigs_check(void **state)
{
	check_accepted("{\"signatures\":[]}");
	check_accepted("{\"signatures\":[{" SIG ",\"package\":\"openssl\","
	    "\"ecosystem\":\"deb\",\"fixed_version\":\"3.0.13-1~deb12u1\","
	    "\"affected\":{\"introduced\":\"3.0.0\"},\"description\":\"d\","
	    "\"references\":[\"https://example.org\"]}]}");
	check_accepted("{\"signatures\":[{" SIG ",\"package\":\"Kernel_RT\","
	    "\"ecosystem\":\"rpm\",\"affected\":{\"introduced\":\"1:5.0-1\","
	    "\"fixed\":\"1:5.14.0-362.13.1.el9_3\"}}]}");
	check_accepted("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\"}]}");
	check_refused("{\"signatures\":null}", "signatures", "required");
	check_refused("{\"signatures\":[],\"x\":1}", "x", "unknown field");
	check_refused("{\"signatures\":[[]]}", "signatures[0]",
	    "expected an object");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\"},{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"DEB\"}]}", "signatures[1].ecosystem",
	    "expected \"deb\" or \"rpm\"");
	check_refused("{\"signatures\":[{\"id\":\"\",\"title\":\"t\","
	    "\"severity\":\"low\",\"package\":\"a1\",\"ecosystem\":\"deb\"}]}",
	    "signatures[0].id", "expected 1 to 128 bytes");
	check_refused("{\"signatures\":[{\"id\":\"a\\u0000b\",\"title\":\"t\","
	    "\"severity\":\"low\",\"package\":\"a1\",\"ecosystem\":\"deb\"}]}",
	    "signatures[0].id", "expected 1 to 128 bytes");
	check_refused("{\"signatures\":[{\"id\":\"X\",\"severity\":\"low\","
	    "\"package\":\"a1\",\"ecosystem\":\"deb\"}]}",
	    "signatures[0].title", "required");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a\","
	    "\"ecosystem\":\"deb\"}]}", "signatures[0].package",
	    "expected a Debian package name");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a b\","
	    "\"ecosystem\":\"rpm\"}]}", "signatures[0].package",
	    "expected printable ASCII");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\",\"fixed_version\":\"1:\"}]}",
	    "signatures[0].fixed_version",
	    "invalid Debian version: nothing after colon");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\",\"fixed_version\":\"1.0_1\"}]}",
	    "signatures[0].fixed_version",
	    "invalid Debian version: invalid character in version number");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"rpm\",\"fixed_version\":\"1.0-\"}]}",
	    "signatures[0].fixed_version",
	    "invalid rpm version: release is empty");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\",\"affected\":[]}]}",
	    "signatures[0].affected", "expected an object");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"rpm\",\"affected\":{\"introduced\":\"2.0\","
	    "\"fixed\":\"2.0\"}}]}", "signatures[0].affected.introduced",
	    "must be lower than the fixed version");
	check_refused("{\"signatures\":[{" SIG ",\"package\":\"a1\","
	    "\"ecosystem\":\"deb\",\"references\":\"x\"}]}",
	    "signatures[0].references", "expected an array");
}

/* Make a signature of eco with the range introduced..fixed. */
static struct vuln_sig
sig(const char *eco, const char *introduced, const char *fixed)
{
	struct vuln_sig	 s;

	memset(&s, 0, sizeof(s));
	s.id = "CVE-1";
	s.title = "t";
	s.severity = VULN_HIGH;
	s.package = "p";
	s.ecosystem = eco;
	s.introduced = introduced;
	s.fixed = fixed;
	return s;
}

/* introduced <= installed < fixed, with the ecosystem's comparison. */
static void
test_affected(void **state)
{
	struct vuln_sig	 s;

	s = sig("deb", NULL, "1.0-1");
	assert_true(vuln_affected(&s, "1.0~rc1-1"));
	assert_true(vuln_affected(&s, "0.9"));
	assert_false(vuln_affected(&s, "1.0-1"));
	assert_false(vuln_affected(&s, "1:0.1"));
	assert_false(vuln_affected(&s, "1.0-1+b1"));
	/* dpkg refuses it: never affected. */
	assert_false(vuln_affected(&s, "1.0-"));
	s = sig("deb", "2.0", "2.5");
	assert_false(vuln_affected(&s, "1.9"));
	assert_false(vuln_affected(&s, "2.0~rc1"));
	assert_true(vuln_affected(&s, "2.0"));
	assert_true(vuln_affected(&s, "2.0-0"));
	assert_true(vuln_affected(&s, "2.5~"));
	assert_false(vuln_affected(&s, "2.5"));
	s = sig("deb", "1:0", NULL);
	assert_false(vuln_affected(&s, "99"));
	assert_true(vuln_affected(&s, "1:0.1"));
	s = sig("rpm", NULL, "1:3.0.7-27.el9");
	assert_true(vuln_affected(&s, "1:3.0.7-24.el9"));
	/* No epoch is epoch 0, older than 1 whatever the version. */
	assert_true(vuln_affected(&s, "3.0.8-1.el9"));
	assert_false(vuln_affected(&s, "1:3.0.8-1.el9"));
	assert_false(vuln_affected(&s, "1:3.0.7-27.el9"));
	s = sig("rpm", NULL, "1.0");
	/* A release-less fixed version is older than any release of it. */
	assert_false(vuln_affected(&s, "1.0-1"));
	assert_true(vuln_affected(&s, "1.0~rc1-1"));
	assert_false(vuln_affected(&s, "1.0^git1-1"));
	s = sig("rpm", NULL, NULL);
	assert_true(vuln_affected(&s, "anything"));
}

/* Check a package list is refused on field. */
static void
check_packages_refused(const char *text, const char *field)
{
	struct json_object	*obj = parse(text), *packages;
	char			 f[128], m[160];

	packages = json_object_object_get(obj, "packages");
	if (vuln_packages_check(packages, "data.packages", f, sizeof(f), m,
	    sizeof(m)) != -1)
		fail_msg("accepted: %s", text);
	if (strcmp(f, field) != 0)
		fail_msg("%s: got %s (%s), want %s", text, f, m, field);
	json_object_put(obj);
}

/* The package lists agents upload. */
static void
test_packages_check(void **state)
{
	struct json_object	*obj;
	char			 f[128], m[160];

	obj = parse("{\"packages\":[{\"name\":\"a\",\"version\":\"1\","
	    "\"arch\":\"amd64\",\"ecosystem\":\"deb\",\"source\":\"a-src\","
	    "\"future\":{}}]}");
	assert_int_equal(vuln_packages_check(json_object_object_get(obj,
	    "packages"), "data.packages", f, sizeof(f), m, sizeof(m)), 0);
	json_object_put(obj);
	check_packages_refused("{\"packages\":{}}", "data.packages");
	check_packages_refused("{\"packages\":null}", "data.packages");
	check_packages_refused("{\"packages\":[{\"name\":\"a\","
	    "\"version\":\"1\"},\"b\"]}", "data.packages[1]");
	check_packages_refused("{\"packages\":[{\"version\":\"1\"}]}",
	    "data.packages[0].name");
	check_packages_refused("{\"packages\":[{\"name\":\"a\","
	    "\"version\":1}]}", "data.packages[0].version");
	check_packages_refused("{\"packages\":[{\"name\":\"a\","
	    "\"version\":\"1\",\"ecosystem\":7}]}",
	    "data.packages[0].ecosystem");
}

/* last_affected closes a range inclusively, with the ecosystem's order. */
static void
test_last_affected(void **state)
{
	struct vuln_sig	 s = { .id = "ALSA-2022:8194", .ecosystem = "rpm",
	    .package = "libtiff", .last_affected = "4.2.0-3.el9" };

	(void)state;
	assert_true(vuln_affected(&s, "4.2.0-3.el9"));
	assert_true(vuln_affected(&s, "4.2.0-2.el9"));
	assert_false(vuln_affected(&s, "4.2.0-3.el9_1"));
	assert_false(vuln_affected(&s, "1:4.0-1.el9"));
	s.introduced = "4.1";
	assert_false(vuln_affected(&s, "4.0.9-1.el9"));
}

/* A release names the os-release ID and VERSION_ID (or its major part). */
static void
test_release(void **state)
{
	struct vuln_host	 deb12 = { "debian", "12" };
	struct vuln_host	 alma = { "almalinux", "9.3" };
	struct vuln_host	 jammy = { "ubuntu", "22.04" };
	struct vuln_host	 none = { "debian", NULL };

	(void)state;
	assert_true(vuln_release_matches(NULL, &none));
	assert_true(vuln_release_matches("debian:12", &deb12));
	assert_false(vuln_release_matches("debian:11", &deb12));
	assert_false(vuln_release_matches("debian:1", &deb12));
	assert_false(vuln_release_matches("ubuntu:12", &deb12));
	assert_false(vuln_release_matches("debian:12", &none));
	assert_true(vuln_release_matches("almalinux:9", &alma));
	assert_true(vuln_release_matches("almalinux:9.3", &alma));
	assert_false(vuln_release_matches("almalinux:8", &alma));
	assert_false(vuln_release_matches("rocky:9", &alma));
	assert_true(vuln_release_matches("ubuntu:22.04", &jammy));
	assert_false(vuln_release_matches("ubuntu:22.10", &jammy));
	assert_false(vuln_release_matches("debian", &deb12));
}

/* Severity names, lowest first. */
static void
test_severity(void **state)
{
	assert_string_equal(vuln_severity_name(VULN_LOW), "low");
	assert_string_equal(vuln_severity_name(VULN_CRITICAL), "critical");
	assert_string_equal(vuln_severity_name(VULN_UNKNOWN), "unknown");
	assert_null(vuln_severity_name(-1));
	assert_null(vuln_severity_name(5));
	assert_true(vuln_ecosystem_known("rpm"));
	assert_false(vuln_ecosystem_known("apk"));
	assert_false(vuln_ecosystem_known(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigs_check),
		cmocka_unit_test(test_affected),
		cmocka_unit_test(test_packages_check),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_last_affected),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
