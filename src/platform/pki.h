/*
 * pki.h: the platform's keys and secrets (pki.c, OpenSSL 3): the CA and
 * the server certificate `outpost-platform init` makes, the TLS context
 * server.c serves with, the Ed25519 key that signs manifests, and the
 * random identifiers, hashes and constant-time comparison the APIs use
 * for credentials.
 */
#ifndef OUTPOST_PKI_H
#define OUTPOST_PKI_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

struct evp_pkey_st;
struct ssl_ctx_st;

int	 pki_init_dir(const char *dir, char *const *names, int nnames,
	    char *err, size_t errlen);
struct ssl_ctx_st *pki_server_ctx(const char *cert, const char *key,
	    char *err, size_t errlen);
struct evp_pkey_st *pki_signer_load(const char *path, char *err,
	    size_t errlen);
char	*pki_public_pem(struct evp_pkey_st *);
char	*pki_manifest_sign(struct evp_pkey_st *, const char *type,
	    int64_t version, const char *body, size_t len);
int	 pki_manifest_verify(struct evp_pkey_st *, const char *type,
	    int64_t version, const char *body, size_t len, const char *sig);
int	 pki_random_hex(char *, size_t nbytes);
int	 pki_uuid(char [PLATFORM_UUID_LEN + 1]);
void	 pki_sha256_hex(const void *, size_t, char [65]);
int	 pki_equal(const char *, const char *);
void	 pki_shutdown(void);

#endif /* OUTPOST_PKI_H */
