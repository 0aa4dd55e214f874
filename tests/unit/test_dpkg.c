/*
 * test_dpkg.c: unit tests of src/agent/dpkg.c, the parser of dpkg's
 * status file fed line by line: paragraphs, statuses, continuation
 * lines, CRLF and the last paragraph; garbage refused with the line
 * number and why.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compat.h"
#include "dpkg.h"

/*
 * Feed text to the dpkg parser line by line. Returns the number of
 * installed packages, or -1 with the error in err; names them in names.
 */
static int
feed_dpkg(const char *text, char *err, size_t errlen, char *names,
    size_t nameslen)
{
	struct dpkg_parser	 p;
	struct dpkg_package	 pkg;
	const char		*line = text, *nl;
	int			 rc, n = 0, at_end = 0;

	names[0] = '\0';
	dpkg_parser_init(&p);
	while (!at_end) {
		if (*line == '\0') {
			rc = dpkg_parser_end(&p, &pkg, err, errlen);
			at_end = 1;
		} else {
			if ((nl = strchr(line, '\n')) == NULL)
				nl = line + strlen(line);
			rc = dpkg_parser_line(&p, line, (size_t)(nl - line),
			    &pkg, err, errlen);
			line = *nl == '\n' ? nl + 1 : nl;
		}
		if (rc == -1) {
			dpkg_parser_free(&p);
			return -1;
		}
		if (rc == 0)
			continue;
		if (dpkg_package_is_installed(&pkg)) {
			n++;
			strlcat(names, pkg.name, nameslen);
			strlcat(names, "=", nameslen);
			strlcat(names, pkg.version, nameslen);
			if (pkg.source != NULL) {
				strlcat(names, "/", nameslen);
				strlcat(names, pkg.source, nameslen);
			}
			if (pkg.source_version != NULL) {
				strlcat(names, "@", nameslen);
				strlcat(names, pkg.source_version, nameslen);
			}
			strlcat(names, " ", nameslen);
		}
		dpkg_package_free(&pkg);
	}
	dpkg_parser_free(&p);
	return n;
}

/* Paragraphs, statuses, continuation lines, CRLF, the last paragraph. */
static void
test_dpkg_good(void **unused)
{
	char	 err[256], names[512];

	assert_int_equal(feed_dpkg(
	    "Package: a\nStatus: install ok installed\nVersion: 1:2.0-1\n"
	    "Description: x\n more\n .\n\n\n"
	    "package: b\nstatus: hold ok installed\nversion: 3\n"
	    "Source: bsrc (2)\n\n"
	    "Package: c\nStatus: deinstall ok config-files\nVersion: 1\n\n"
	    "Package: d\r\nStatus: install ok installed\r\nVersion: 4\r\n",
	    err, sizeof(err), names, sizeof(names)), 3);
	assert_string_equal(names, "a=1:2.0-1 b=3/bsrc@2 d=4 ");
}

/* Garbage is refused with the line number and why. */
static void
test_dpkg_garbage(void **unused)
{
	static const struct {
		const char	*text;
		const char	*error;
	} cases[] = {
		{ "Package: a\nno colon here\n", "line 2: expected \"Field: "
		    "value\", got \"no colon here\"" },
		{ " continuation\n", "line 1: continuation line outside a "
		    "field" },
		{ "Package: a\nPackage: b\n", "line 2: duplicate Package "
		    "field" },
		{ "Version: 1\nStatus: install ok installed\n\n", "line 1: "
		    "paragraph has no Package field" },
		{ "Package: a\nStatus: install ok\n", "line 2: Status "
		    "\"install ok\" has fewer than three words" },
		{ "Package: a\nStatus: install ok weird\n", "line 2: Status "
		    "\"install ok weird\": unknown state \"weird\"" },
		{ "Package: a\nStatus: install ok installed\n\n",
		    "line 1: installed package a has no Version field" },
		{ "Package: a b\n", "line 1: Package \"a b\" contains a blank "
		    "or control character" },
		{ "Package:\n", "line 1: Package has an empty value" },
		{ "Package: a\n Version: 1\n", "line 2: Package cannot "
		    "continue on another line" },
		{ "Package: a\nX-Note: a\n b\n", NULL },	/* fine */
		{ "#comment: x\n", "line 1: bad field name \"#comment\"" },
		{ "Package: a\nVersion: 1\n version continued\n", "line 3: "
		    "Version cannot continue on another line" },
		{ "Package: a\nSource: s 1\n", "line 2: Source \"s 1\" is "
		    "not NAME or NAME (VERSION)" },
		{ "Package: a\nSource: s ()\n", "line 2: Source \"s ()\" is "
		    "not NAME or NAME (VERSION)" },
	};
	char	 err[256], names[256];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = feed_dpkg(cases[i].text, err, sizeof(err), names,
		    sizeof(names));
		if (cases[i].error == NULL) {
			assert_int_not_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_string_equal(err, cases[i].error);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_good),
		cmocka_unit_test(test_dpkg_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
