/*
 * pki.c: the platform's keys: an ECDSA P-256 CA, the server certificate
 * it signs, the Ed25519 manifest-signing key, and the random identifiers
 * and hashes the APIs hand out (OpenSSL 3).
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "compat.h"
#include "log.h"
#include "mansig.h"
#include "pki.h"
#include "platform.h"

#define PKI_CA_DAYS		3650
#define PKI_SERVER_DAYS		825

/* SHA-256, fetched once: an implicit fetch per digest costs more. */
static EVP_MD		*pki_sha256;
static EVP_MD_CTX	*pki_sha256_ctx;	/* kept between calls */

/* Put the newest OpenSSL error, prefixed by what, into err. */
static void
pki_error(char *err, size_t errlen, const char *what)
{
	unsigned long	 e = ERR_peek_last_error();
	char		 buf[256];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s: %s", what, buf);
	} else
		snprintf(err, errlen, "%s", what);
	ERR_clear_error();
}

/* Make a new key of the given algorithm. Returns it, or NULL. */
static EVP_PKEY *
pki_keygen(int ed25519)
{
	if (ed25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* Open dir/name for writing with mode, never over an existing file. */
static FILE *
pki_create(const char *dir, const char *name, mode_t mode, char *err,
    size_t errlen)
{
	char	 path[4096];
	int	 fd;
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fchmod(fd, mode) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	return fp;
}

/* Close fp, reporting a write error in err. Returns 0, or -1. */
static int
pki_close(FILE *fp, const char *name, char *err, size_t errlen)
{
	if (ferror(fp) | (fclose(fp) == EOF)) {
		snprintf(err, errlen, "%s: write error: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Write a private key in PKCS#8 PEM to dir/name (0600). Returns 0, or -1. */
static int
pki_write_key(const char *dir, const char *name, EVP_PKEY *key, char *err,
    size_t errlen)
{
	FILE	*fp;

	if ((fp = pki_create(dir, name, 0600, err, errlen)) == NULL)
		return -1;
	if (!PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL)) {
		fclose(fp);
		pki_error(err, errlen, name);
		return -1;
	}
	return pki_close(fp, name, err, errlen);
}

/* Write certificates in PEM to dir/name (0644). Returns 0, or -1. */
static int
pki_write_certs(const char *dir, const char *name, X509 *a, X509 *b,
    char *err, size_t errlen)
{
	FILE	*fp;

	if ((fp = pki_create(dir, name, 0644, err, errlen)) == NULL)
		return -1;
	if (!PEM_write_X509(fp, a) || (b != NULL && !PEM_write_X509(fp, b))) {
		fclose(fp);
		pki_error(err, errlen, name);
		return -1;
	}
	return pki_close(fp, name, err, errlen);
}

/* Add one X.509v3 extension given in OpenSSL config syntax. */
static int
pki_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/*
 * Make a certificate for key named cn, signed by issuer_key (self-signed
 * when issuer is NULL). Returns it, or NULL.
 */
static X509 *
pki_make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
    EVP_PKEY *issuer_key, int days, const char *san)
{
	X509		*cert;
	X509_NAME	*name;
	unsigned char	 serial[16];
	BIGNUM		*bn = NULL;
	int		 is_ca = issuer == NULL;

	if ((cert = X509_new()) == NULL)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
		goto fail;
	if (!X509_set_version(cert, 2) ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert),
	    (long)days * 86400) == NULL ||
	    !X509_set_pubkey(cert, key))
		goto fail;
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"outpost", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0))
		goto fail;
	if (!X509_set_issuer_name(cert, is_ca ? name :
	    X509_get_subject_name(issuer)))
		goto fail;
	if (is_ca) {
		if (pki_add_ext(cert, cert, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") == -1 ||
		    pki_add_ext(cert, cert, NID_key_usage,
		    "critical,keyCertSign,cRLSign") == -1 ||
		    pki_add_ext(cert, cert, NID_subject_key_identifier,
		    "hash") == -1)
			goto fail;
	} else {
		if (pki_add_ext(cert, issuer, NID_basic_constraints,
		    "critical,CA:FALSE") == -1 ||
		    pki_add_ext(cert, issuer, NID_key_usage,
		    "critical,digitalSignature") == -1 ||
		    pki_add_ext(cert, issuer, NID_ext_key_usage,
		    "serverAuth") == -1 ||
		    pki_add_ext(cert, issuer, NID_authority_key_identifier,
		    "keyid:always") == -1 ||
		    pki_add_ext(cert, issuer, NID_subject_alt_name, san) == -1)
			goto fail;
	}
	if (!X509_sign(cert, issuer_key, EVP_sha256()))
		goto fail;
	BN_free(bn);
	return cert;
fail:
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

/* Build the subjectAltName value for the server. Returns it, or NULL. */
static char *
pki_san(char *const *names, int nnames, char *err, size_t errlen)
{
	unsigned char	 addr[16];
	size_t		 len = 64, off;
	char		*san;
	int		 i;

	for (i = 0; i < nnames; i++)
		len += strlen(names[i]) + 8;
	if ((san = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	off = (size_t)snprintf(san, len, "DNS:localhost,IP:127.0.0.1,IP:::1");
	for (i = 0; i < nnames; i++) {
		if (names[i][0] == '\0' ||
		    strpbrk(names[i], ",: \t\"") != NULL) {
			if (inet_pton(AF_INET6, names[i], addr) != 1) {
				snprintf(err, errlen, "--name \"%s\" is not a "
				    "DNS name or IP address", names[i]);
				free(san);
				return NULL;
			}
		}
		if (inet_pton(AF_INET, names[i], addr) == 1 ||
		    inet_pton(AF_INET6, names[i], addr) == 1)
			off += (size_t)snprintf(san + off, len - off, ",IP:%s",
			    names[i]);
		else
			off += (size_t)snprintf(san + off, len - off, ",DNS:%s",
			    names[i]);
	}
	return san;
}

/*
 * Create ca.pem, ca.key, server.pem, server.key, manifest.key and
 * manifest.pub in dir. Returns 0, or -1 with the reason in err.
 */
int
pki_init_dir(const char *dir, char *const *names, int nnames, char *err,
    size_t errlen)
{
	EVP_PKEY	*ca_key = NULL, *srv_key = NULL, *sign_key = NULL;
	X509		*ca = NULL, *srv = NULL;
	char		*san = NULL;
	FILE		*fp;
	int		 rc = -1;

	if ((san = pki_san(names, nnames, err, errlen)) == NULL)
		return -1;
	if ((ca_key = pki_keygen(0)) == NULL ||
	    (srv_key = pki_keygen(0)) == NULL ||
	    (sign_key = pki_keygen(1)) == NULL) {
		pki_error(err, errlen, "key generation");
		goto done;
	}
	if ((ca = pki_make_cert(ca_key, "outpost platform CA", NULL, ca_key,
	    PKI_CA_DAYS, NULL)) == NULL) {
		pki_error(err, errlen, "CA certificate");
		goto done;
	}
	if ((srv = pki_make_cert(srv_key, nnames > 0 ? names[0] : "localhost",
	    ca, ca_key, PKI_SERVER_DAYS, san)) == NULL) {
		pki_error(err, errlen, "server certificate");
		goto done;
	}
	if (pki_write_certs(dir, "ca.pem", ca, NULL, err, errlen) == -1 ||
	    pki_write_key(dir, "ca.key", ca_key, err, errlen) == -1 ||
	    pki_write_certs(dir, "server.pem", srv, ca, err, errlen) == -1 ||
	    pki_write_key(dir, "server.key", srv_key, err, errlen) == -1 ||
	    pki_write_key(dir, "manifest.key", sign_key, err, errlen) == -1)
		goto done;
	if ((fp = pki_create(dir, "manifest.pub", 0644, err, errlen)) == NULL)
		goto done;
	if (!PEM_write_PUBKEY(fp, sign_key)) {
		fclose(fp);
		pki_error(err, errlen, "manifest.pub");
		goto done;
	}
	if (pki_close(fp, "manifest.pub", err, errlen) == -1)
		goto done;
	rc = 0;
done:
	free(san);
	X509_free(srv);
	X509_free(ca);
	EVP_PKEY_free(sign_key);
	EVP_PKEY_free(srv_key);
	EVP_PKEY_free(ca_key);
	return rc;
}

/*
 * Make the TLS server context: TLS 1.2 or newer, the certificate chain and
 * key from the given files. Returns it, or NULL with the reason in err.
 */
SSL_CTX *
pki_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		pki_error(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	/* An idle kept-alive connection gives its 2 x 17 KB buffers back. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		pki_error(err, errlen, cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		pki_error(err, errlen, key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		pki_error(err, errlen, "certificate and key do not match");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Load the Ed25519 signing key from path. Returns it, or NULL. */
EVP_PKEY *
pki_signer_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY	*key;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (key == NULL) {
		pki_error(err, errlen, path);
		return NULL;
	}
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 key", path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* The public half of key as SPKI PEM. Returns a new string, or NULL. */
char *
pki_public_pem(EVP_PKEY *key)
{
	BIO	*bio;
	char	*data, *pem = NULL;
	long	 len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_PUBKEY(bio, key) &&
	    (len = BIO_get_mem_data(bio, &data)) > 0 &&
	    (pem = malloc((size_t)len + 1)) != NULL) {
		memcpy(pem, data, (size_t)len);
		pem[len] = '\0';
	}
	BIO_free(bio);
	return pem;
}

/*
 * Sign a manifest as docs/protocol.md section 5 says. Returns the base64
 * signature (malloc), or NULL.
 */
char *
pki_manifest_sign(EVP_PKEY *key, const char *type, int64_t version,
    const char *body, size_t len)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*msg, sig[64];
	size_t		 msglen, siglen = sizeof(sig);
	char		*b64 = NULL;

	if ((msg = mansig_message(type, version, body, len,
	    &msglen)) == NULL)
		return NULL;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, msglen) == 1 &&
	    (b64 = malloc(((siglen + 2) / 3) * 4 + 1)) != NULL)
		EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	EVP_MD_CTX_free(ctx);
	free(msg);
	ERR_clear_error();
	return b64;
}

/* Verify a manifest signature with key. Returns 1 if good, else 0. */
int
pki_manifest_verify(EVP_PKEY *key, const char *type, int64_t version,
    const char *body, size_t len, const char *sig64)
{
	return mansig_verify(key, type, version, body, len, sig64);
}

/* Fill buf with nbytes random bytes as 2*nbytes hex digits. Returns 0/-1. */
int
pki_random_hex(char *buf, size_t nbytes)
{
	unsigned char	 raw[64];

	if (nbytes > sizeof(raw) || RAND_bytes(raw, (int)nbytes) != 1)
		return -1;
	hex_encode(raw, nbytes, buf);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* Make a random (version 4) UUID in lower case. Returns 0, or -1. */
int
pki_uuid(char out[PLATFORM_UUID_LEN + 1])
{
	unsigned char	 r[16];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, PLATFORM_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	return 0;
}

/* Put the SHA-256 of data in out as 64 lower-case hex digits. */
void
pki_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	 md[32];
	unsigned int	 mdlen = sizeof(md);

	if (pki_sha256 == NULL &&
	    (pki_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("OpenSSL has no SHA-256");
	/* One context, kept: every agent request hashes its secret. */
	if (pki_sha256_ctx == NULL &&
	    (pki_sha256_ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("out of memory for a digest");
	if (EVP_DigestInit_ex(pki_sha256_ctx, pki_sha256, NULL) != 1 ||
	    EVP_DigestUpdate(pki_sha256_ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(pki_sha256_ctx, md, &mdlen) != 1)
		fatalx("SHA-256 failed");
	hex_encode(md, sizeof(md), out);
}

/* Free what pki.c keeps between calls. */
void
pki_shutdown(void)
{
	EVP_MD_CTX_free(pki_sha256_ctx);
	pki_sha256_ctx = NULL;
	EVP_MD_free(pki_sha256);
	pki_sha256 = NULL;
}

/* Compare two secrets in constant time. Returns 1 if equal, else 0. */
int
pki_equal(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb || la == 0)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
