/*
 * fuzz_release.c: libFuzzer target for what the agent reads of a release
 * before it trusts it, and of its own update.json: the input is parsed as
 * a release manifest (a manifest that parses must name outpostd, valid
 * names and versions, at most RELEASE_MAX_FILES files) and as update.json;
 * split at its first NUL into two versions, their order must be
 * antisymmetric and reflexive.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release.h"
#include "update-state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check what a manifest that parsed must hold. */
static void
fuzz_check_manifest(const struct release_manifest *m)
{
	int	 i;

	if (!release_version_valid(m->version) || !release_name_valid(m->os) ||
	    !release_name_valid(m->arch) || m->nfiles < 1 ||
	    m->nfiles > RELEASE_MAX_FILES ||
	    release_manifest_file(m, RELEASE_PROGRAM) == NULL)
		abort();
	for (i = 0; i < m->nfiles; i++)
		if (!release_name_valid(m->files[i].name) ||
		    m->files[i].size > RELEASE_FILE_MAX ||
		    strlen(m->files[i].sha256) != 64)
			abort();
}

/* Parse one input as a manifest, as update.json, and as two versions. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct release_manifest	 m;
	struct update_state	 st;
	char			 err[256], *a, *b;
	int			 ab, ba;

	if (release_manifest_parse((const char *)data, size, &m, err,
	    sizeof(err)) == 0)
		fuzz_check_manifest(&m);
	if (update_state_parse((const char *)data, size, &st, err,
	    sizeof(err)) == 0 && (st.argc > UPDATE_ARGV_MAX ||
	    st.nattempts > UPDATE_ATTEMPTS_MAX))
		abort();
	update_state_free(&st);
	if (size > 4096 || (a = malloc(size + 1)) == NULL)
		return 0;
	memcpy(a, data, size);
	a[size] = '\0';
	b = a + strlen(a) + (strlen(a) < size ? 1 : 0);
	if (release_version_valid(a) && release_version_valid(b)) {
		ab = release_version_cmp(a, b);
		ba = release_version_cmp(b, a);
		if (ab != -ba || release_version_cmp(a, a) != 0)
			abort();
	}
	free(a);
	return 0;
}
