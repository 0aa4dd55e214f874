/*
 * vercmp-driver.c: the C side of tests/vercmp-oracle.sh. It generates
 * version strings and pairs of them (random mixes and mutations of real
 * versions), and prints what src/platform/vercmp.c makes of them, so that the
 * script can hold every answer against dpkg and rpm.
 *
 *   vercmp-driver gen-deb N SEED [REAL]     N "A<TAB>B" pairs dpkg takes
 *   vercmp-driver gen-deb-any N SEED [REAL] N strings, valid or not
 *   vercmp-driver gen-rpm N SEED [REAL]     N "A<TAB>B" pairs of versions
 *   vercmp-driver gen-evr N SEED [REAL]     N "A<TAB>B" pairs of E:V-R
 *                                           (the version never empty)
 *   vercmp-driver deb|rpm|evr               read pairs, print -1, 0 or 1
 *   vercmp-driver deb-valid                 read strings, print 0, 1 or -1
 *
 * REAL is a file of real versions, one a line (dpkg-query output).
 * Generated strings are never empty and never hold a tab, a newline or a
 * NUL; Debian ones never start with '-' (dpkg would take them for an
 * option), rpm ones are printable ASCII.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "vercmp.h"

#define DRIVER_MAXLEN	200
#define DRIVER_MAXREAL	8192

static uint64_t	 rng_state;
static char	*real[DRIVER_MAXREAL];
static size_t	 nreal;

/* The next pseudo-random number (xorshift64*), reproducible from SEED. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* A number in 0..n-1. */
static size_t
pick(size_t n)
{
	return (size_t)(rng() % n);
}

/* Append c to buf (of DRIVER_MAXLEN bytes) when there is room. */
static void
put(char *buf, char c)
{
	size_t	 len = strlen(buf);

	if (len + 1 < DRIVER_MAXLEN) {
		buf[len] = c;
		buf[len + 1] = '\0';
	}
}

/* Append s to buf when there is room. */
static void
put_str(char *buf, const char *s)
{
	while (*s != '\0')
		put(buf, *s++);
}

/* Insert c at offset at of buf when there is room. */
static void
insert(char *buf, size_t at, char c)
{
	size_t	 len = strlen(buf);

	if (len + 1 < DRIVER_MAXLEN && at <= len) {
		memmove(buf + at + 1, buf + at, len - at + 1);
		buf[at] = c;
	}
}

/* Append a run of 1..4 digits, sometimes with leading zeros. */
static void
put_number(char *buf)
{
	size_t	 n = 1 + pick(4), i;

	if (pick(6) == 0)
		put(buf, '0');
	for (i = 0; i < n; i++)
		put(buf, (char)('0' + pick(pick(3) == 0 ? 3 : 10)));
}

/* Append a run of 1..3 letters from a small set, so that runs often tie. */
static void
put_letters(char *buf)
{
	static const char	 letters[] = "abczABZ";
	size_t			 n = 1 + pick(3), i;

	for (i = 0; i < n; i++)
		put(buf, letters[pick(sizeof(letters) - 1)]);
}

/*
 * Append a random version part of 1..6 tokens after an optional leading
 * number: numbers, letters, '~' and the separators in seps.
 */
static void
put_part(char *buf, const char *seps, int digit_first)
{
	size_t	 n = 1 + pick(6), i;

	if (digit_first)
		put_number(buf);
	for (i = 0; i < n; i++) {
		switch (pick(6)) {
		case 0:
		case 1:
			put_number(buf);
			break;
		case 2:
			put_letters(buf);
			break;
		case 3:
			put(buf, '~');
			break;
		default:
			put(buf, seps[pick(strlen(seps))]);
			break;
		}
	}
}

/*
 * Replace buf with a small random change of it: a digit changed, a suffix
 * appended, the tail cut, a separator or a zero inserted, an epoch added.
 */
static void
mutate(char *buf, const char *seps)
{
	static const char *const suffixes[] = {
		"~rc1", "~", "~~", "+deb12u1", "+b1", "-1", "-0", ".0", "a",
		"+really1.0", "~bpo11+1", "-1~exp1", "1", "0", "^git1", "^"
	};
	size_t	 len = strlen(buf), at;

	switch (pick(7)) {
	case 0:
		for (at = pick(len + 1); at < len; at++)
			if (buf[at] >= '0' && buf[at] <= '9') {
				buf[at] = (char)('0' + pick(10));
				break;
			}
		break;
	case 1:
		put_str(buf, suffixes[pick(nitems(suffixes))]);
		break;
	case 2:
		if (len > 1)
			buf[1 + pick(len - 1)] = '\0';
		break;
	case 3:
		if (len > 1)
			insert(buf, 1 + pick(len - 1),
			    seps[pick(strlen(seps))]);
		break;
	case 4:
		if (strchr(buf, ':') == NULL) {
			insert(buf, 0, ':');
			insert(buf, 0, (char)('0' + pick(3)));
		} else if (buf[0] >= '0' && buf[0] <= '9')
			buf[0] = (char)('0' + pick(3));
		break;
	case 5:
		for (at = pick(len + 1); at < len; at++)
			if (buf[at] >= '0' && buf[at] <= '9') {
				insert(buf, at, '0');
				break;
			}
		break;
	default:
		put_part(buf, seps, 0);
		break;
	}
}

/* Start buf from a real version (or "1.0" without any). */
static void
from_real(char *buf)
{
	buf[0] = '\0';
	put_str(buf, nreal > 0 ? real[pick(nreal)] : "1.0");
}

/* Make a random Debian version; rarely one dpkg only warns about. */
static void
gen_deb_random(char *buf)
{
	static const char	 odd[] = "_!,=@%\x80\xe9\xff";
	int			 epoch = pick(3) == 0;

	buf[0] = '\0';
	if (epoch) {
		if (pick(4) == 0)
			put(buf, '0');
		put(buf, (char)('0' + pick(10)));
		put(buf, ':');
	}
	/* Upstream: ':' only after an epoch, '-' only before a revision. */
	put_part(buf, epoch ? ".+:." : ".+.", pick(12) != 0);
	if (pick(2) == 0) {
		if (pick(5) == 0)
			put_part(buf, ".+-", 1);
		put(buf, '-');
		put_part(buf, ".+", (int)pick(2));
	}
	if (pick(40) == 0)
		buf[pick(strlen(buf))] = odd[pick(sizeof(odd) - 1)];
	if (pick(60) == 0)
		insert(buf, pick(2) ? 0 : strlen(buf), ' ');
}

/* Make a Debian version: random, real, or a mutation of either. */
static void
gen_deb(char *buf)
{
	size_t	 n;

	if (pick(2) == 0)
		gen_deb_random(buf);
	else
		from_real(buf);
	for (n = pick(3); n > 0; n--)
		mutate(buf, ".+~-:");
}

/* Make a string dpkg might refuse: a Debian version, then broken. */
static void
gen_deb_any(char *buf)
{
	static const char *const broken[] = {
		":", "1:", "-", "a:", ":1", " ", "--", "9999999999:",
		"2147483648:", "2147483647:", "+1:", "-0:", "1 2", "00:", "_"
	};
	size_t	 len;

	gen_deb(buf);
	len = strlen(buf);
	switch (pick(4)) {
	case 0:
		break;
	case 1:
		put_str(buf, broken[pick(nitems(broken))]);
		break;
	default:
		memmove(buf, buf + pick(len), len);
		buf[len] = '\0';
		insert(buf, 0, broken[pick(nitems(broken))][0]);
		break;
	}
	/* Empty or starting with '-': not something dpkg reads as a version. */
	if (buf[0] == '\0' || buf[0] == '-')
		insert(buf, 0, '0');
}

/* Make an rpm version: random tokens, a real one, or mutations of them. */
static void
gen_rpm(char *buf)
{
	static const char	 seps[] = "._+~^-._%#";
	size_t			 n;

	if (pick(2) == 0) {
		buf[0] = '\0';
		put_part(buf, seps, (int)pick(2));
		if (pick(3) == 0)
			put(buf, '^');
	} else
		from_real(buf);
	for (n = pick(3); n > 0; n--)
		mutate(buf, seps);
	for (n = 0; buf[n] != '\0'; n++)
		if ((unsigned char)buf[n] < 0x21 ||
		    (unsigned char)buf[n] > 0x7e)
			buf[n] = '.';
}

/* Make an rpm EVR: an rpm version with an epoch and release, or not. */
static void
gen_evr(char *buf)
{
	char	 part[DRIVER_MAXLEN];

	gen_rpm(buf);
	if (pick(3) == 0) {
		insert(buf, 0, ':');
		if (pick(5) != 0)
			insert(buf, 0, (char)('0' + pick(3)));
	}
	if (pick(2) == 0) {
		gen_rpm(part);
		put(buf, '-');
		if (pick(8) != 0)
			put_str(buf, part);
	}
}

/* Whether dpkg compares s (perhaps with a warning) as a version. */
static int
deb_ok(const char *s)
{
	return s[0] != '\0' && s[0] != '-' &&
	    vercmp_deb_valid(s, NULL, 0) != -1;
}

/* Whether s is not empty. */
static int
rpm_ok(const char *s)
{
	return s[0] != '\0';
}

/*
 * Whether rpm's labelCompare() takes the EVR s: the version that
 * parseEVR() makes of it is not empty.
 */
static int
evr_ok(const char *s)
{
	const char	*p = s, *hyphen;

	while (*p >= '0' && *p <= '9')
		p++;
	hyphen = strrchr(p, '-');
	if (*p == ':')
		p++;
	else
		p = s;
	return *p != '\0' && p != hyphen;
}

/*
 * Print n pairs made by gen that ok takes; half the time B is a mutation
 * of A, so that most pairs are close calls.
 */
static void
gen_pairs(void (*gen)(char *), int (*ok)(const char *), size_t n,
    const char *seps)
{
	char	 a[DRIVER_MAXLEN], b[DRIVER_MAXLEN];
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		do {
			gen(a);
			if (pick(2) == 0) {
				strlcpy(b, a, sizeof(b));
				for (k = 1 + pick(2); k > 0; k--)
					mutate(b, seps);
			} else
				gen(b);
		} while (!ok(a) || !ok(b));
		printf("%s\t%s\n", a, b);
	}
}

/* Read the real versions of file path (one a line). */
static void
load_real(const char *path)
{
	FILE	*fp;
	char	 line[DRIVER_MAXLEN];
	size_t	 len;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (nreal < DRIVER_MAXREAL && fgets(line, sizeof(line), fp) !=
	    NULL) {
		len = strcspn(line, "\t\r\n");
		line[len] = '\0';
		if (len > 0 && line[0] != '-' &&
		    (real[nreal] = strdup(line)) != NULL)
			nreal++;
	}
	fclose(fp);
}

/* Read "A<TAB>B" lines and print cmp(A, B) for each. Returns 0, or 2. */
static int
compare_pairs(int (*cmp)(const char *, const char *))
{
	char	 line[2 * DRIVER_MAXLEN + 8], *tab;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL) {
			fprintf(stderr, "no tab in \"%s\"\n", line);
			return 2;
		}
		*tab++ = '\0';
		printf("%d\n", cmp(line, tab));
	}
	return 0;
}

/* Read strings and print vercmp_deb_valid() of each. */
static int
classify(void)
{
	char	 line[DRIVER_MAXLEN + 8];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		printf("%d\n", vercmp_deb_valid(line, NULL, 0));
	}
	return 0;
}

/* Say how to run this. */
static int
usage(void)
{
	fprintf(stderr, "usage: vercmp-driver gen-deb|gen-deb-any|gen-rpm|"
	    "gen-evr N SEED [REAL]\n"
	    "       vercmp-driver deb|rpm|evr|deb-valid < input\n");
	return 2;
}

int
main(int argc, char **argv)
{
	char	 buf[DRIVER_MAXLEN];
	size_t	 n, i;

	if (argc == 2 && strcmp(argv[1], "deb") == 0)
		return compare_pairs(vercmp_deb);
	if (argc == 2 && strcmp(argv[1], "rpm") == 0)
		return compare_pairs(vercmp_rpm);
	if (argc == 2 && strcmp(argv[1], "evr") == 0)
		return compare_pairs(vercmp_rpm_evr);
	if (argc == 2 && strcmp(argv[1], "deb-valid") == 0)
		return classify();
	if (argc != 4 && argc != 5)
		return usage();
	n = strtoul(argv[2], NULL, 10);
	rng_state = strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	if (argc == 5)
		load_real(argv[4]);
	if (strcmp(argv[1], "gen-deb") == 0)
		gen_pairs(gen_deb, deb_ok, n, ".+~-:");
	else if (strcmp(argv[1], "gen-rpm") == 0)
		gen_pairs(gen_rpm, rpm_ok, n, "._+~^-");
	else if (strcmp(argv[1], "gen-evr") == 0)
		gen_pairs(gen_evr, evr_ok, n, "._+~^-:");
	else if (strcmp(argv[1], "gen-deb-any") == 0)
		for (i = 0; i < n; i++) {
			gen_deb_any(buf);
			printf("%s\n", buf);
		}
	else
		return usage();
	for (i = 0; i < nreal; i++)
		free(real[i]);
	return 0;
}
