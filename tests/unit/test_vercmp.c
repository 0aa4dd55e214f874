/*
 * test_vercmp.c: unit tests of vercmp.c. The cases were written down by
 * hand (dpkg's and rpm's own test suites hold the classic ones: '~' and
 * '^', leading zeros, letters against numbers, epochs, revisions) and
 * each was checked once against dpkg --compare-versions and
 * rpm.labelCompare; tests/platform/vercmp-oracle.sh checks thousands
 * more against the tools themselves.
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
#include "vercmp.h"

/* One comparison and its expected answer. */
struct vercmp_case {
	const char	*a;
	const char	*b;
	int		 want;
};

/* Debian: epochs, revisions, '~', letters before non-letters. */
static const struct vercmp_case deb_cases[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "1.1", -1 },
	{ "1.1", "1.0", 1 },
	{ "0:1.0", "1.0", 0 },
	{ "1:1.0", "1.0", 1 },
	{ "1:1.0", "2:0.1", -1 },
	{ "1:1.0", "0:9.9", 1 },
	{ "01:1.0", "1:1.0", 0 },
	{ "1.0", "1.00", 0 },
	{ "1.0", "1.0.0", -1 },
	{ "1.0", "1.0-0", 0 },
	{ "1.0-0", "1.0-00", 0 },
	{ "1.0-1", "1.0-2", -1 },
	{ "1.0-1", "1.0-1.1", -1 },
	{ "1.0-10", "1.0-9", 1 },
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~rc1", "1.0~rc2", -1 },
	{ "1.0~~", "1.0~", -1 },
	{ "1.0~", "1.0", -1 },
	{ "1.0~~a", "1.0~", -1 },
	{ "1.0~~", "1.0~~a", -1 },
	{ "1.0", "1.0a", -1 },
	{ "1.0a", "1.0+", -1 },
	{ "1.0+", "1.0.", -1 },
	{ "1.0.", "1.0~", 1 },
	{ "1.0+deb12u1", "1.0", 1 },
	{ "1.0+deb12u1", "1.0+deb12u2", -1 },
	{ "1.0-1~bpo11+1", "1.0-1", -1 },
	{ "1.0-1+b1", "1.0-1", 1 },
	{ "2.30-1", "2.30+deb-1", -1 },
	{ "3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1 },
	{ "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", -1 },
	{ "1.2.3", "1.2.3~", 1 },
	{ "a", "a", 0 },
	{ "a", "b", -1 },
	{ "1.0-a", "1.0-A", 1 },
	{ "1.0-Z", "1.0-a", -1 },
	{ "1:1:1", "1:1:0", 1 },
	{ "1.0-1-1", "1.0-1-0", 1 },
	{ "1.0-1-1", "1.0-1.1", 1 },
	{ "7.0.0-0ubuntu1", "7.0.0-0ubuntu1.1", -1 },
	{ "2.36-9+deb12u14", "2.36-9+deb12u4", 1 },
	{ "0", "0~", 1 },
	{ "~", "~~", 1 },
	{ "~~", "~~a", -1 },
	{ "~", "a", -1 },
	{ "1.0", "1.0~", 1 },
	{ "1:0", "0:999", 1 },
	{ "9.9", "10", -1 },
	{ "1.001", "1.1", 0 },
	{ "1.010", "1.9", 1 },
	/* Blanks around a version are dropped, as dpkg does. */
	{ " 1.0", "1.0\t", 0 },
	/* Bytes above 0x7f weigh as dpkg's signed chars make them. */
	{ "1.0\xe9", "1.0a", 1 },
	{ "1.0\xe9", "1.0+", -1 },
};

/* rpm's rpmvercmp(), from the cases of rpm's tests/rpmvercmp.at. */
static const struct vercmp_case rpm_cases[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "2.0", -1 },
	{ "2.0", "1.0", 1 },
	{ "2.0.1", "2.0.1", 0 },
	{ "2.0", "2.0.1", -1 },
	{ "2.0.1", "2.0", 1 },
	{ "2.0.1a", "2.0.1a", 0 },
	{ "2.0.1a", "2.0.1", 1 },
	{ "2.0.1", "2.0.1a", -1 },
	{ "5.5p1", "5.5p1", 0 },
	{ "5.5p1", "5.5p2", -1 },
	{ "5.5p2", "5.5p1", 1 },
	{ "5.5p10", "5.5p10", 0 },
	{ "5.5p1", "5.5p10", -1 },
	{ "5.5p10", "5.5p1", 1 },
	{ "10xyz", "10.1xyz", -1 },
	{ "10.1xyz", "10xyz", 1 },
	{ "xyz10", "xyz10", 0 },
	{ "xyz10", "xyz10.1", -1 },
	{ "xyz10.1", "xyz10", 1 },
	{ "xyz.4", "xyz.4", 0 },
	{ "xyz.4", "8", -1 },
	{ "8", "xyz.4", 1 },
	{ "xyz.4", "2", -1 },
	{ "2", "xyz.4", 1 },
	{ "5.5p2", "5.6p1", -1 },
	{ "5.6p1", "5.5p2", 1 },
	{ "5.6p1", "6.5p1", -1 },
	{ "6.5p1", "5.6p1", 1 },
	{ "6.0.rc1", "6.0", 1 },
	{ "6.0", "6.0.rc1", -1 },
	{ "10b2", "10a1", 1 },
	{ "10a2", "10b2", -1 },
	{ "1.0aa", "1.0aa", 0 },
	{ "1.0a", "1.0aa", -1 },
	{ "1.0aa", "1.0a", 1 },
	{ "10.0001", "10.0001", 0 },
	{ "10.0001", "10.1", 0 },
	{ "10.1", "10.0001", 0 },
	{ "10.0001", "10.0039", -1 },
	{ "10.0039", "10.0001", 1 },
	{ "4.999.9", "5.0", -1 },
	{ "5.0", "4.999.9", 1 },
	{ "20101121", "20101121", 0 },
	{ "20101121", "20101122", -1 },
	{ "20101122", "20101121", 1 },
	{ "2_0", "2_0", 0 },
	{ "2.0", "2_0", 0 },
	{ "2_0", "2.0", 0 },
	{ "a", "a", 0 },
	{ "a+", "a+", 0 },
	{ "a+", "a_", 0 },
	{ "a_", "a+", 0 },
	{ "+a", "+a", 0 },
	{ "+a", "_a", 0 },
	{ "_a", "+a", 0 },
	{ "+_", "+_", 0 },
	{ "_+", "+_", 0 },
	{ "_+", "_+", 0 },
	{ "+", "_", 0 },
	{ "_", "+", 0 },
	{ "1.0~rc1", "1.0~rc1", 0 },
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0", "1.0~rc1", 1 },
	{ "1.0~rc1", "1.0~rc2", -1 },
	{ "1.0~rc2", "1.0~rc1", 1 },
	{ "1.0~rc1~git123", "1.0~rc1~git123", 0 },
	{ "1.0~rc1~git123", "1.0~rc1", -1 },
	{ "1.0~rc1", "1.0~rc1~git123", 1 },
	{ "1.0^", "1.0^", 0 },
	{ "1.0^", "1.0", 1 },
	{ "1.0", "1.0^", -1 },
	{ "1.0^git1", "1.0^git1", 0 },
	{ "1.0^git1", "1.0", 1 },
	{ "1.0", "1.0^git1", -1 },
	{ "1.0^git1", "1.0^git2", -1 },
	{ "1.0^git2", "1.0^git1", 1 },
	{ "1.0^git1", "1.01", -1 },
	{ "1.01", "1.0^git1", 1 },
	{ "1.0^20160101", "1.0^20160101", 0 },
	{ "1.0^20160101", "1.0.1", -1 },
	{ "1.0.1", "1.0^20160101", 1 },
	{ "1.0^20160101^git1", "1.0^20160101^git1", 0 },
	{ "1.0^20160102", "1.0^20160101^git1", 1 },
	{ "1.0^20160101^git1", "1.0^20160102", -1 },
	{ "1.0~rc1^git1", "1.0~rc1^git1", 0 },
	{ "1.0~rc1^git1", "1.0~rc1", 1 },
	{ "1.0~rc1", "1.0~rc1^git1", -1 },
	{ "1.0^git1~pre", "1.0^git1~pre", 0 },
	{ "1.0^git1", "1.0^git1~pre", 1 },
	{ "1.0^git1~pre", "1.0^git1", -1 },
	{ "1b.fc17", "1b.fc17", 0 },
	{ "1b.fc17", "1.fc17", -1 },
	{ "1.fc17", "1b.fc17", 1 },
	{ "1g.fc17", "1g.fc17", 0 },
	{ "1g.fc17", "1.fc17", 1 },
	{ "1.fc17", "1g.fc17", -1 },
};

/* rpm epoch:version-release, as labelCompare() compares them. */
static const struct vercmp_case evr_cases[] = {
	{ "1:1.0-1", "1.0-1", 1 },
	{ "0:1.0-1", "1.0-1", 0 },
	{ "1.0", "1.0-1", -1 },
	{ "1.0-1", "1.0-2", -1 },
	{ "1.0-1.el9", "1.0-1.el9_1", -1 },
	{ "2:3.0.7-27.el9", "1:3.1-1", 1 },
	{ ":1.0-1", "0:1.0-1", 0 },
	{ "1.0-", "1.0", 1 },
	{ "1.0-", "1.0-0", -1 },
	{ "3.0.7-24.el9", "3.0.7-27.el9", -1 },
	{ "01:1.0", "1:1.0", 0 },
	{ "1.0~rc1-1", "1.0-1", -1 },
	{ "1.0-1-2", "1.0-1", 1 },
};

/* Run cases through cmp, both ways round and each against itself. */
static void
run_cases(int (*cmp)(const char *, const char *),
    const struct vercmp_case *cases, size_t n)
{
	size_t	 i;
	int	 got;

	for (i = 0; i < n; i++) {
		got = cmp(cases[i].a, cases[i].b);
		if (got != cases[i].want)
			fail_msg("\"%s\" vs \"%s\": got %d, want %d",
			    cases[i].a, cases[i].b, got, cases[i].want);
		assert_int_equal(cmp(cases[i].b, cases[i].a), -cases[i].want);
		assert_int_equal(cmp(cases[i].a, cases[i].a), 0);
	}
}

/* The Debian cases. */
static void
test_deb(void **state)
{
	run_cases(vercmp_deb, deb_cases, nitems(deb_cases));
}

/* The rpmvercmp cases. */
static void
test_rpm(void **state)
{
	run_cases(vercmp_rpm, rpm_cases, nitems(rpm_cases));
}

/* The rpm EVR cases. */
static void
test_rpm_evr(void **state)
{
	run_cases(vercmp_rpm_evr, evr_cases, nitems(evr_cases));
}

/* Check vercmp_deb_valid(s) answers want, with a reason naming why. */
static void
check_deb_valid(const char *s, int want, const char *why)
{
	char	 err[128] = "";

	if (vercmp_deb_valid(s, err, sizeof(err)) != want)
		fail_msg("\"%s\": got %d, want %d (%s)", s,
		    vercmp_deb_valid(s, NULL, 0), want, err);
	if (why != NULL)
		assert_string_equal(err, why);
}

/* What dpkg accepts, warns about and refuses, in dpkg's words. */
static void
test_deb_valid(void **state)
{
	check_deb_valid("1:3.0.11-1~deb12u2", 0, NULL);
	check_deb_valid("2.36-9+deb12u4", 0, NULL);
	check_deb_valid("1:1:1-1", 0, NULL);
	check_deb_valid("1.0-1-1", 0, NULL);
	check_deb_valid("+1:1.0", 0, NULL);
	check_deb_valid(" 1.0 ", 0, NULL);
	check_deb_valid("2147483647:1", 0, NULL);
	check_deb_valid("", -1, "version string is empty");
	check_deb_valid(" \t", -1, "version string is empty");
	check_deb_valid("1 .0", -1, "version string has embedded spaces");
	check_deb_valid(":1.0", -1, "epoch in version is empty");
	check_deb_valid("a:1.0", -1, "epoch in version is empty");
	check_deb_valid("1a:1.0", -1, "epoch in version is not number");
	check_deb_valid("-1:1.0", -1, "epoch in version is negative");
	check_deb_valid("2147483648:1", -1, "epoch in version is too big");
	check_deb_valid("99999999999999999999:1", -1,
	    "epoch in version is too big");
	check_deb_valid("1:", -1, "nothing after colon in version number");
	check_deb_valid("1.0-", -1, "revision number is empty");
	check_deb_valid("-1", -1, "version number is empty");
	check_deb_valid("1: ", -1, "version number is empty");
	check_deb_valid("a1.0", 1, "version number does not start with digit");
	check_deb_valid("~", 1, "version number does not start with digit");
	check_deb_valid("1.0_1", 1, "invalid character in version number");
	check_deb_valid("1:1.0-a:b", 1, "invalid character in revision number");
	check_deb_valid("1.0-a_b", 1, "invalid character in revision number");
}

/*
 * Where strings dpkg cannot compare go: "" before everything, then the
 * refused ones (byte order among themselves), then every valid version.
 */
static void
test_deb_invalid_order(void **state)
{
	assert_int_equal(vercmp_deb("", ""), 0);
	assert_int_equal(vercmp_deb("", "~"), -1);
	assert_int_equal(vercmp_deb("", "1:"), -1);
	assert_int_equal(vercmp_deb("1:", "~"), -1);
	assert_int_equal(vercmp_deb("1:", "0"), -1);
	assert_int_equal(vercmp_deb("1:", "2:"), -1);
	assert_int_equal(vercmp_deb("2:", "1:"), 1);
	assert_int_equal(vercmp_deb("1.0-", "1.0-"), 0);
}

/* rpm EVR strings: what is refused, and why. */
static void
test_rpm_valid(void **state)
{
	static const char *const good[] = {
		"3.0.7-27.el9", "1:3.0.7-27.el9_2", "1.0", "1.0~rc1^git2-1",
		"4294967295:1", "0:1.0+b1-0.1"
	};
	static const struct {
		const char	*s;
		const char	*why;
	} bad[] = {
		{ "", "version string is empty" },
		{ ":1.0", "epoch is empty" },
		{ "a:1.0", "':' is only allowed after a numeric epoch" },
		{ "1:2:3", "':' is only allowed after a numeric epoch" },
		{ "4294967296:1", "epoch is too big" },
		{ "99999999999999999999999:1", "epoch is too big" },
		{ "1:", "version is empty" },
		{ "1:-1", "version is empty" },
		{ "1.0-", "release is empty" },
		{ "1.0-1-2", "invalid character in version (allowed: letters, "
		    "digits and ._+~^)" },
		{ "1.0 ", "invalid character in version (allowed: letters, "
		    "digits and ._+~^)" },
		{ "1.0-el9:1", "':' is only allowed after a numeric epoch" },
		{ "1.0-el9/1", "invalid character in release (allowed: "
		    "letters, digits and ._+~^)" },
	};
	char	 err[128];
	size_t	 i;

	for (i = 0; i < nitems(good); i++)
		if (vercmp_rpm_valid(good[i], err, sizeof(err)) != 0)
			fail_msg("\"%s\" refused: %s", good[i], err);
	for (i = 0; i < nitems(bad); i++) {
		err[0] = '\0';
		if (vercmp_rpm_valid(bad[i].s, err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", bad[i].s);
		assert_string_equal(err, bad[i].why);
	}
	/* A NULL or short err buffer is fine. */
	assert_int_equal(vercmp_rpm_valid("", NULL, 0), -1);
	assert_int_equal(vercmp_rpm_valid("", err, 1), -1);
	assert_string_equal(err, "");
}

/* Sorting a list with each comparison gives the documented order. */
static void
test_sort_order(void **state)
{
	static const char *const deb[] = {
		"~~", "~~a", "~", "0", "0+", "1.0~rc1", "1.0", "1.0-0.1",
		"1.0-1~bpo1", "1.0-1", "1.0-1+b1", "1.0a", "1.0+dfsg",
		"1.0.1", "1:0.1"
	};
	static const char *const rpm[] = {
		"1.0~rc1", "1.0~rc1^git1", "1.0", "1.0^", "1.0^git1",
		"1.0a", "1.0.1", "1.1"
	};
	size_t	 i;

	for (i = 1; i < nitems(deb); i++)
		if (vercmp_deb(deb[i - 1], deb[i]) != -1)
			fail_msg("deb: \"%s\" is not before \"%s\"", deb[i - 1],
			    deb[i]);
	for (i = 1; i < nitems(rpm); i++)
		if (vercmp_rpm(rpm[i - 1], rpm[i]) != -1)
			fail_msg("rpm: \"%s\" is not before \"%s\"", rpm[i - 1],
			    rpm[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deb),
		cmocka_unit_test(test_rpm),
		cmocka_unit_test(test_rpm_evr),
		cmocka_unit_test(test_deb_valid),
		cmocka_unit_test(test_deb_invalid_order),
		cmocka_unit_test(test_rpm_valid),
		cmocka_unit_test(test_sort_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
