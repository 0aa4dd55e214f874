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
#define MANSIG_HEAD_MAX	128	/* room for MAGIC type "\n" version "\n" */

/*
 * The signed byte string: MAGIC type "\n" version "\n" body. Returns it
 * (malloc, *outlen bytes), or NULL.
 */
unsigned char	*mansig_message(const char *type, int64_t version,
		    const char *body, size_t len, size_t *outlen);
/*
 * Write the head of the signed byte string (MAGIC type "\n" version "\n")
 * into buf. Returns its length, or -1 if it does not fit.
 */
int		 mansig_head(const char *type, int64_t version, char *buf,
		    size_t len);
/*
 * Verify a base64 Ed25519 signature over a whole signed byte string msg
 * (head and body, already in one buffer). Returns 1 if good, else 0.
 */
int		 mansig_verify_message(struct evp_pkey_st *,
		    const unsigned char *msg, size_t msglen, const char *sig64);
/* Verify a base64 Ed25519 signature with key. Returns 1 if good, else 0. */
int		 mansig_verify(struct evp_pkey_st *, const char *type,
		    int64_t version, const char *body, size_t len,
		    const char *sig64);

#endif /* OUTPOST_MANSIG_H */
