/*
 * fuzz_release_tar.c: libFuzzer target for the release archives that
 * "outpost-platform release add" reads: a release that is accepted must
 * hold its manifest, a signature of RELEASE_SIG_LEN characters, and every
 * member within the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release-tar.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Read one input as a release archive. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct release_bundle	 b;
	char			 err[512];
	int			 i;

	if (release_bundle_read(data, size, &b, err, sizeof(err)) == -1)
		return 0;
	if (b.manifest == NULL || strlen(b.signature) != RELEASE_SIG_LEN ||
	    b.nentries < 2 || b.nentries > RELEASE_TAR_ENTRIES)
		abort();
	for (i = 0; i < b.nentries; i++)
		if (b.entries[i].data < data ||
		    b.entries[i].data + b.entries[i].size > data + size)
			abort();
	return 0;
}
