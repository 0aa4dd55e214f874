/*
 * feed-import.c: one import of a feed into vulnsigs.
 *
 * The files named
 * (a JSON document, a directory of them, or an OSV zip) are read by the
 * format's importer through the streaming reader; each signature goes to
 * a new generation of the feed's signatures and into a SHA-256 over the
 * signatures' content. At the end the digest is compared with the one of
 * the feed's generation in force: the same content publishes nothing; new
 * content publishes the next vulnsigs version, whose signed body is only a
 * summary (counts and digests per feed, a few hundred bytes however large
 * the feeds), and the generations no version needs any more are deleted.
 *
 * An import on a connection of its own (the command line, a scheduled
 * fetch in its thread) keeps FEED_TX_ROWS signatures in memory and writes
 * them in one short transaction, so that the write lock is free while it
 * parses and the server's transactions never wait long; the publish is
 * one short transaction, and old generations are deleted in steps with a
 * pause between them. A hand-written vulnsigs body is published the same way as
 * the "manual" feed, inside the request's transaction.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "compat.h"
#include "feed.h"
#include "feed-import.h"
#include "log.h"
#include "pki.h"
#include "store.h"
#include "vuln.h"

#define FEED_TX_ROWS		10000	/* signatures per transaction */
#define FEED_ARENA		(8 * 1024 * 1024) /* their strings, at most */
#define FEED_PAUSE_NSEC		10000000 /* between steps of a deletion */
#define FEED_COLLECT_ROWS	10000	/* rows deleted per step */
#define FEED_STALE_SECONDS	3600	/* an abandoned generation's age */
#define FEED_CHUNK		65536

static int	feed_import_path(struct feed_import *, const char *);

/* The strings of a signature: hashed (but feed) and copied into batches. */
static const size_t feed_sig_strings[] = {
	offsetof(struct vuln_sig, id), offsetof(struct vuln_sig, title),
	offsetof(struct vuln_sig, package),
	offsetof(struct vuln_sig, ecosystem),
	offsetof(struct vuln_sig, introduced),
	offsetof(struct vuln_sig, fixed),
	offsetof(struct vuln_sig, last_affected),
	offsetof(struct vuln_sig, release), offsetof(struct vuln_sig, status),
	offsetof(struct vuln_sig, record_url),
	offsetof(struct vuln_sig, severity_source),
	offsetof(struct vuln_sig, aliases), offsetof(struct vuln_sig, feed)
};

/* Start an import of feed (format) on store. Returns 0, or -1 with err. */
int
feed_import_begin(struct feed_import *fi, struct store *store,
    const char *feed, enum feed_format format, int own_tx, int64_t now)
{
	memset(fi, 0, sizeof(*fi));
	fi->store = store;
	fi->format = format;
	fi->own_tx = own_tx;
	fi->now = now;
	snprintf(fi->feed, sizeof(fi->feed), "%s", feed);
	fi->sink.fn = feed_import_sig;
	fi->sink.arg = fi;
	fi->sink.feed = fi->feed;
	fi->sink.counts = &fi->counts;
	if ((fi->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(fi->md, EVP_sha256(), NULL) != 1) {
		snprintf(fi->err, sizeof(fi->err), "cannot start SHA-256");
		return -1;
	}
	if (own_tx && ((fi->batch = calloc(FEED_TX_ROWS,
	    sizeof(*fi->batch))) == NULL ||
	    (fi->arena = malloc(FEED_ARENA)) == NULL)) {
		snprintf(fi->err, sizeof(fi->err), "out of memory");
		return -1;
	}
	if ((own_tx && store_begin(store) == -1) ||
	    store_gen_new(store, fi->feed, now, &fi->gen) == -1 ||
	    (own_tx && store_commit(store) == -1)) {
		snprintf(fi->err, sizeof(fi->err), "database error");
		return -1;
	}
	return 0;
}

/* Write the kept signatures in one transaction. Returns 0, or -1. */
static int
feed_import_flush(struct feed_import *fi)
{
	int64_t	 first = fi->seq - (int64_t)fi->nbatch;
	size_t	 i;

	if (fi->nbatch == 0)
		return 0;
	if (store_begin(fi->store) == -1)
		goto fail;
	for (i = 0; i < fi->nbatch; i++)
		if (store_vulnsig_add(fi->store, fi->gen, first + (int64_t)i,
		    &fi->batch[i]) == -1) {
			store_rollback(fi->store);
			goto fail;
		}
	if (store_commit(fi->store) == -1)
		goto fail;
	fi->nbatch = 0;
	fi->arena_used = 0;
	return 0;
fail:
	snprintf(fi->err, sizeof(fi->err), "database error: %s",
	    store_last_error(fi->store));
	return -1;
}

/* A copy of s in the arena (there is room: see feed_import_keep). */
static const char *
feed_import_copy(struct feed_import *fi, const char *s)
{
	char	*p;
	size_t	 len;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	p = fi->arena + fi->arena_used;
	memcpy(p, s, len);
	fi->arena_used += len;
	return p;
}

/*
 * Keep a copy of sig for the next batch (its strings need need bytes).
 * Returns 0, or -1.
 */
static int
feed_import_keep(struct feed_import *fi, const struct vuln_sig *sig,
    size_t need)
{
	struct vuln_sig	*k;
	const char	*v;
	size_t		 i;

	if ((fi->nbatch == FEED_TX_ROWS ||
	    fi->arena_used + need > FEED_ARENA) &&
	    feed_import_flush(fi) == -1)
		return -1;
	k = &fi->batch[fi->nbatch++];
	*k = *sig;
	for (i = 0; i < nitems(feed_sig_strings); i++) {
		v = *(const char *const *)((const char *)sig +
		    feed_sig_strings[i]);
		*(const char **)((char *)k + feed_sig_strings[i]) =
		    feed_import_copy(fi, v);
	}
	return 0;
}

/* Hash one string of a signature (NULL and "" differ). */
static void
feed_import_hash(struct feed_import *fi, const char *s)
{
	if (s == NULL)
		EVP_DigestUpdate(fi->md, "\x1e", 1);
	else
		EVP_DigestUpdate(fi->md, s, strlen(s) + 1);
}

/*
 * The sink of the importers: hash the signature and store it in the new
 * generation (or keep it for the next batch). Returns 0, or -1 (stop:
 * database error, or too many).
 */
int
feed_import_sig(void *arg, const struct vuln_sig *sig)
{
	struct feed_import	*fi = arg;
	const char		*v;
	char			 n[16];
	size_t			 i, len, need = 0;

	if (fi->stop != NULL && *fi->stop) {
		snprintf(fi->err, sizeof(fi->err), "stopped");
		return -1;
	}
	if (fi->seq >= FEED_MAX_SIGNATURES) {
		snprintf(fi->err, sizeof(fi->err), "more than %d signatures",
		    FEED_MAX_SIGNATURES);
		return -1;
	}
	for (i = 0; i < nitems(feed_sig_strings); i++) {
		v = *(const char *const *)((const char *)sig +
		    feed_sig_strings[i]);
		if (v != NULL && (len = strlen(v)) > 2048) {
			snprintf(fi->err, sizeof(fi->err), "%s: a field of "
			    "more than 2048 bytes", sig->id);
			return -1;
		}
		need += v != NULL ? len + 1 : 0;
		if (feed_sig_strings[i] != offsetof(struct vuln_sig, feed))
			feed_import_hash(fi, v);
	}
	snprintf(n, sizeof(n), "%d/%d", sig->severity, sig->by_source);
	feed_import_hash(fi, n);
	if (fi->own_tx) {
		if (feed_import_keep(fi, sig, need) == -1)
			return -1;
		fi->seq++;
		return 0;
	}
	if (store_vulnsig_add(fi->store, fi->gen, fi->seq++, sig) == -1) {
		snprintf(fi->err, sizeof(fi->err), "database error");
		return -1;
	}
	return 0;
}

/* The record callback of the streaming reader: one importer's record. */
static int
feed_import_record_cb(void *arg, const char *key, struct json_object *value)
{
	struct feed_import	*fi = arg;

	if (fi->format == FEED_DEBIAN_TRACKER)
		return feed_debian_package(&fi->sink, key, value);
	return feed_osv_record(&fi->sink, value);
}

/* A new streaming reader for fi's format, or NULL. */
static struct feed_json *
feed_import_reader(struct feed_import *fi)
{
	return feed_json_new(fi->format == FEED_DEBIAN_TRACKER ?
	    FEED_JSON_MEMBERS : FEED_JSON_RECORDS, feed_import_record_cb, fi);
}

/* Read the JSON document on fd (named name). Returns 0, or -1 with err. */
static int
feed_import_fd(struct feed_import *fi, int fd, const char *name)
{
	struct feed_json	*fj;
	char			*buf, why[200];
	ssize_t			 n;
	int			 rc = -1;

	if ((fj = feed_import_reader(fi)) == NULL ||
	    (buf = malloc(FEED_CHUNK)) == NULL) {
		feed_json_free(fj);
		snprintf(fi->err, sizeof(fi->err), "out of memory");
		return -1;
	}
	why[0] = '\0';
	while ((n = read(fd, buf, FEED_CHUNK)) > 0)
		if (feed_json_feed(fj, buf, (size_t)n, why, sizeof(why)) == -1)
			goto done;
	if (n == -1)
		snprintf(why, sizeof(why), "read: %s", strerror(errno));
	else if (feed_json_end(fj, why, sizeof(why)) == 0)
		rc = 0;
done:
	if (rc == -1 && fi->err[0] == '\0')
		snprintf(fi->err, sizeof(fi->err), "%s: %s", name, why);
	free(buf);
	feed_json_free(fj);
	return rc;
}

/* Whether name ends in suffix. 1/0. */
static int
feed_import_ends(const char *name, const char *suffix)
{
	size_t	 n = strlen(name), m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

/* A zip entry: read those that end in .json. */
static int
feed_import_zip_entry(void *arg, const char *name)
{
	struct feed_import	*fi = arg;

	if (!feed_import_ends(name, ".json"))
		return 0;
	if ((fi->zip_reader = feed_import_reader(fi)) == NULL)
		return -1;
	snprintf(fi->zip_name, sizeof(fi->zip_name), "%s", name);
	return 1;
}

/* A piece of a zip entry's data (NULL at its end). Returns 0, or -1. */
static int
feed_import_zip_data(void *arg, const char *buf, size_t len)
{
	struct feed_import	*fi = arg;
	char			 why[200];
	int			 rc;

	if (buf != NULL)
		rc = feed_json_feed(fi->zip_reader, buf, len, why,
		    sizeof(why));
	else
		rc = feed_json_end(fi->zip_reader, why, sizeof(why));
	if (rc == -1 && fi->err[0] == '\0')
		snprintf(fi->err, sizeof(fi->err), "%s: %s", fi->zip_name, why);
	if (rc == -1 || buf == NULL) {
		feed_json_free(fi->zip_reader);
		fi->zip_reader = NULL;
	}
	return rc;
}

/* Import every .json file of directory path, in name order. 0, or -1. */
static int
feed_import_dir(struct feed_import *fi, const char *path)
{
	struct dirent	**names;
	char		 sub[4096];
	int		 i, n, rc = 0;

	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		snprintf(fi->err, sizeof(fi->err), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.' &&
		    feed_import_ends(names[i]->d_name, ".json")) {
			snprintf(sub, sizeof(sub), "%s/%s", path,
			    names[i]->d_name);
			rc = feed_import_path(fi, sub);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/*
 * Import path: a JSON document, a directory of .json documents (OSV), or
 * an OSV zip archive. Returns 0, or -1 with fi->err.
 */
static int
feed_import_path(struct feed_import *fi, const char *path)
{
	struct stat	 sb;
	char		 magic[4], why[256];
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		snprintf(fi->err, sizeof(fi->err), "%s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		if (fi->format != FEED_OSV) {
			snprintf(fi->err, sizeof(fi->err), "%s: a directory "
			    "(only OSV records come as directories)", path);
			return -1;
		}
		return feed_import_dir(fi, path);
	}
	if (pread(fd, magic, 4, 0) == 4 && memcmp(magic, "PK\3\4", 4) == 0) {
		if (fi->format != FEED_OSV) {
			snprintf(fi->err, sizeof(fi->err), "%s: a zip archive "
			    "(only OSV records come zipped)", path);
			close(fd);
			return -1;
		}
		rc = feed_zip_read(fd, feed_import_zip_entry,
		    feed_import_zip_data, fi, why, sizeof(why));
		if (rc == -1 && fi->err[0] == '\0')
			snprintf(fi->err, sizeof(fi->err), "%s: %s", path, why);
		feed_json_free(fi->zip_reader);
		fi->zip_reader = NULL;
		close(fd);
		return rc;
	}
	rc = feed_import_fd(fi, fd, path);
	close(fd);
	return rc;
}

/* Delete the rows of generations no version maps to, in steps. 0/-1. */
static int
feed_import_collect(struct store *store, int64_t gen, int own_tx,
    int64_t now, int64_t max_rows)
{
	struct timespec	 pause = { 0, FEED_PAUSE_NSEC };
	int64_t		 n, done = 0;

	do {
		if (own_tx && store_begin(store) == -1)
			return -1;
		n = store_gen_collect(store, gen, now - FEED_STALE_SECONDS,
		    FEED_COLLECT_ROWS);
		if (own_tx && (n == -1 ? store_rollback(store) :
		    store_commit(store)) == -1)
			return -1;
		if (own_tx && n > 0)
			nanosleep(&pause, NULL);	/* the server's turn */
		done += n;
	} while (n > 0 && done < max_rows);
	return n == -1 ? -1 : 0;
}

/* Forget the import: roll back what is open, delete its generation. */
void
feed_import_abort(struct feed_import *fi)
{
	if (fi->own_tx && store_in_transaction(fi->store))
		store_rollback(fi->store);
	/* Stopping (shutdown, reload): leave it to a later import. */
	if (fi->gen != 0 && fi->own_tx && (fi->stop == NULL || !*fi->stop))
		feed_import_collect(fi->store, fi->gen, 1, fi->now, INT64_MAX);
	EVP_MD_CTX_free(fi->md);
	fi->md = NULL;
	free(fi->batch);
	fi->batch = NULL;
	free(fi->arena);
	fi->arena = NULL;
	fi->nbatch = 0;
}

/*
 * Sign and store the summary of vulnsigs version. Returns 0, or -1.
 */
static int
feed_import_sign(struct feed_import *fi, EVP_PKEY *signer, int64_t version)
{
	struct json_object	*body;
	const char		*text;
	char			*sig;
	int			 rc = -1;

	if ((body = store_gen_summary(fi->store, version)) == NULL)
		return -1;
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if ((sig = pki_manifest_sign(signer, "vulnsigs", version, text,
	    strlen(text))) != NULL)
		rc = store_manifest_add(fi->store, MANIFEST_VULNSIGS, text, sig,
		    fi->now, &version);
	free(sig);
	json_object_put(body);
	return rc;
}

/*
 * Publish the import from source (URL or files): the next vulnsigs version
 * when the content differs from the feed's generation in force. Returns 0
 * (published: *version), 1 (unchanged: *version stays in force), or -1
 * with fi->err.
 */
int
feed_import_finish(struct feed_import *fi, EVP_PKEY *signer,
    const char *source, int64_t *version)
{
	struct store_feed_gen	 g;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			 hex[2 * EVP_MAX_MD_SIZE + 1], *cur = NULL;
	int			 rc = -1;

	EVP_DigestFinal_ex(fi->md, md, &mdlen);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * mdlen] = '\0';
	snprintf(fi->digest, sizeof(fi->digest), "%s", hex);
	if (fi->own_tx && (feed_import_flush(fi) == -1 ||
	    store_begin(fi->store) == -1))
		goto fail;
	/* Inside a write transaction: the newest version, whoever made it. */
	if (store_manifest_load_versions(fi->store) == -1)
		goto fail;
	*version = store_manifest_version(fi->store, MANIFEST_VULNSIGS);
	if (store_feed_digest(fi->store, fi->feed, *version, &cur) == -1)
		goto fail;
	if (!fi->manual && cur != NULL && strcmp(cur, hex) == 0) {
		free(cur);
		if (fi->own_tx && store_commit(fi->store) == -1)
			goto fail;
		feed_import_collect(fi->store, fi->gen, fi->own_tx, fi->now,
		    fi->own_tx ? INT64_MAX : 4 * FEED_TX_ROWS);
		fi->gen = 0;
		feed_import_abort(fi);
		return 1;
	}
	free(cur);
	memset(&g, 0, sizeof(g));
	g.feed = fi->feed;
	g.format = fi->manual ? "manual" : feed_format_name(fi->format);
	g.source = source;
	g.gen = fi->gen;
	g.digest = hex;
	g.records = fi->counts.records;
	g.signatures = fi->counts.signatures;
	g.now = fi->now;
	(*version)++;
	if (store_feed_published(fi->store, &g) == -1 ||
	    store_gen_map(fi->store, *version, fi->feed, fi->gen) == -1 ||
	    feed_import_sign(fi, signer, *version) == -1 ||
	    (fi->own_tx && store_commit(fi->store) == -1))
		goto fail;
	rc = 0;
	fi->gen = 0;
	feed_import_collect(fi->store, 0, fi->own_tx, fi->now,
	    fi->own_tx ? INT64_MAX : 4 * FEED_TX_ROWS);
fail:
	if (rc == -1 && fi->err[0] == '\0')
		snprintf(fi->err, sizeof(fi->err), "database error");
	feed_import_abort(fi);
	return rc;
}

/*
 * Import files of format as feed on store and publish: what the command
 * "outpost-platform vulnsigs import" and a scheduled fetch do. Returns 0
 * (published), 1 (unchanged), or -1 with err. *version is the version
 * in force after it, counts what was read.
 */
int
feed_import_files(struct store *store, EVP_PKEY *signer, const char *feed,
    enum feed_format format, char *const *paths, int npaths,
    const char *source, volatile int *stop, int64_t now,
    struct feed_counts *counts, int64_t *version, char *err, size_t errlen)
{
	struct feed_import	*fi;
	int			 i, rc = 0;

	if ((fi = malloc(sizeof(*fi))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (feed_import_begin(fi, store, feed, format, 1, now) == -1) {
		snprintf(err, errlen, "%s", fi->err);
		feed_import_abort(fi);
		free(fi);
		return -1;
	}
	fi->stop = stop;
	for (i = 0; i < npaths && rc == 0; i++)
		rc = feed_import_path(fi, paths[i]);
	if (rc == 0)
		rc = feed_import_finish(fi, signer, source, version);
	else
		feed_import_abort(fi);
	*counts = fi->counts;
	if (rc == -1)
		snprintf(err, errlen, "%s", fi->err);
	free(fi);
	return rc;
}
