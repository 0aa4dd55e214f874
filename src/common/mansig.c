/*
 * mansig.c: the signature of a manifest (docs/protocol.md section 5).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "mansig.h"

/* Write the head of the signed byte string. Returns its length, or -1. */
int
mansig_head(const char *type, int64_t version, char *buf, size_t len)
{
	int	 n;

	n = snprintf(buf, len, MANSIG_MAGIC "%s\n%lld\n", type,
	    (long long)version);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* Build the signed byte string of a manifest. Returns it (malloc), or NULL. */
unsigned char *
mansig_message(const char *type, int64_t version, const char *body,
    size_t len, size_t *outlen)
{
	unsigned char	*msg;
	char		 head[MANSIG_HEAD_MAX];
	int		 n;

	if ((n = mansig_head(type, version, head, sizeof(head))) == -1)
		return NULL;
	if ((msg = malloc((size_t)n + len + 1)) == NULL)
		return NULL;
	memcpy(msg, head, (size_t)n);
	memcpy(msg + n, body, len);
	*outlen = (size_t)n + len;
	return msg;
}

/* Verify a signature over a whole signed byte string. Returns 1 or 0. */
int
mansig_verify_message(EVP_PKEY *key, const unsigned char *msg, size_t msglen,
    const char *sig64)
{
	EVP_MD_CTX	*ctx;
	unsigned char	 sig[96];
	size_t		 b64len = strlen(sig64);
	int		 ok = 0;

	if (b64len != 88)
		return 0;
	if (EVP_DecodeBlock(sig, (const unsigned char *)sig64, (int)b64len) !=
	    66)
		return 0;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, 64, msg, msglen) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* Verify a manifest signature with key. Returns 1 if good, else 0. */
int
mansig_verify(EVP_PKEY *key, const char *type, int64_t version,
    const char *body, size_t len, const char *sig64)
{
	unsigned char	*msg;
	size_t		 msglen;
	int		 ok;

	if ((msg = mansig_message(type, version, body, len,
	    &msglen)) == NULL)
		return 0;
	ok = mansig_verify_message(key, msg, msglen, sig64);
	free(msg);
	return ok;
}
