/*
 * mansig.h: the signature of a manifest (docs/protocol.md section 5),
 * shared by the platform that signs and the agent that verifies.
 */
#ifndef OUTPOST_MANSIG_H
#define OUTPOST_MANSIG_H

#include <stddef.h>
#include <stdint.h>

struct evp_pkey_st;

#define MANSIG_MAGIC	"outpost-manifest-v1\n"

/*
 * The signed byte string: MAGIC type "\n" version "\n" body. Returns it
 * (malloc, *outlen bytes), or NULL.
 */
unsigned char	*mansig_message(const char *type, int64_t version,
		    const char *body, size_t len, size_t *outlen);
/* Verify a base64 Ed25519 signature with key. Returns 1 if good, else 0. */
int		 mansig_verify(struct evp_pkey_st *, const char *type,
		    int64_t version, const char *body, size_t len,
		    const char *sig64);

#endif /* OUTPOST_MANSIG_H */
