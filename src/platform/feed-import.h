/*
 * feed-import.h: one import of a feed into vulnsigs (feed-import.c): a
 * new generation of the feed's signatures, published as the next vulnsigs
 * version when its content changed.
 */
#ifndef OUTPOST_FEED_IMPORT_H
#define OUTPOST_FEED_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "feed.h"

struct store;

/* An import under way. */
struct feed_import {
	struct store		*store;
	char			 feed[64];
	enum feed_format	 format;
	int			 own_tx;	/* commits in pieces */
	int			 manual;	/* publish even if unchanged */
	int64_t			 now;
	int64_t			 gen;
	int64_t			 seq;		/* signatures so far */
	/* own_tx: signatures kept until a batch is written at once */
	struct vuln_sig		*batch;
	size_t			 nbatch;
	char			*arena;		/* their strings */
	size_t			 arena_used;
	EVP_MD_CTX		*md;
	struct feed_sink	 sink;
	struct feed_counts	 counts;
	struct feed_json	*zip_reader;
	char			 zip_name[256];
	volatile int		*stop;		/* set: give up */
	char			 digest[2 * EVP_MAX_MD_SIZE + 1];
	char			 err[512];
};

int	feed_import_begin(struct feed_import *, struct store *,
	    const char *feed, enum feed_format, int own_tx, int64_t now);
int	feed_import_sig(void *, const struct vuln_sig *);
int	feed_import_finish(struct feed_import *, EVP_PKEY *signer,
	    const char *source, int64_t *version);
void	feed_import_abort(struct feed_import *);
int	feed_import_files(struct store *, EVP_PKEY *signer, const char *feed,
	    enum feed_format, char *const *paths, int npaths,
	    const char *source, volatile int *stop, int64_t now,
	    struct feed_counts *, int64_t *version, char *err, size_t errlen);

#endif /* OUTPOST_FEED_IMPORT_H */
