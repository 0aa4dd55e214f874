/*
 * fuzz_vercmp.c: libFuzzer target for the version comparisons. The input
 * is up to three strings separated by NUL bytes; every comparison must
 * answer -1, 0 or 1, be reflexive and antisymmetric, and the Debian one
 * (a total preorder, like dpkg's) transitive too. The validity checks
 * must answer within their documented values.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vercmp.h"

#define FUZZ_MAXLEN	4096

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check cmp on a and b: a result in -1..1, reflexive, antisymmetric. */
static void
check_pair(int (*cmp)(const char *, const char *), const char *a,
    const char *b)
{
	int	 ab = cmp(a, b), ba = cmp(b, a);

	if (ab < -1 || ab > 1 || ab != -ba || cmp(a, a) != 0)
		abort();
}

/* Check cmp is transitive on a, b and c (in every order of them). */
static void
check_transitive(int (*cmp)(const char *, const char *), const char *a,
    const char *b, const char *c)
{
	const char	*v[3] = { a, b, c };
	int		 i, j, k, ij, jk, ik;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			for (k = 0; k < 3; k++) {
				if (i == j || j == k || i == k)
					continue;
				ij = cmp(v[i], v[j]);
				jk = cmp(v[j], v[k]);
				ik = cmp(v[i], v[k]);
				if (ij <= 0 && jk <= 0 && ik > 0)
					abort();
				if (ij == 0 && jk == 0 && ik != 0)
					abort();
			}
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *s[3], err[128];
	size_t	 n = 0, i;
	int	 rc;

	if (size > FUZZ_MAXLEN || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	s[n++] = buf;
	for (i = 0; i < size && n < 3; i++)
		if (buf[i] == '\0')
			s[n++] = buf + i + 1;
	while (n < 3) {
		s[n] = s[n - 1];
		n++;
	}
	for (i = 0; i < 3; i++) {
		err[0] = '\0';
		rc = vercmp_deb_valid(s[i], err, sizeof(err));
		if (rc < -1 || rc > 1 || (rc != 0 && err[0] == '\0'))
			abort();
		err[0] = '\0';
		rc = vercmp_rpm_valid(s[i], err, sizeof(err));
		if (rc < -1 || rc > 0 || (rc != 0 && err[0] == '\0'))
			abort();
		check_pair(vercmp_deb, s[i], s[(i + 1) % 3]);
		check_pair(vercmp_rpm, s[i], s[(i + 1) % 3]);
		check_pair(vercmp_rpm_evr, s[i], s[(i + 1) % 3]);
	}
	check_transitive(vercmp_deb, s[0], s[1], s[2]);
	free(buf);
	return 0;
}
