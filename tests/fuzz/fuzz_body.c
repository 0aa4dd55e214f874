/* fuzz_body.c: libFuzzer target for the capped gzip body decoder. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "body.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* libFuzzer entry point: inflate with a small cap, never more. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out;
	size_t	 len;

	if (body_inflate(data, size, 65536, &out, &len) == BODY_OK) {
		if (len > 65536 || out[len] != '\0')
			abort();
		free(out);
	}
	return 0;
}
