/*
 * fuzz_feed.c: libFuzzer target for the vulnerability feed importers: the
 * streaming JSON reader with the Debian tracker and OSV importers behind
 * it, and the zip reader. The first byte picks the format (0: tracker
 * JSON, 1: OSV JSON, 2: an OSV zip archive), the second the size of the
 * pieces the rest is fed in. Every signature made must have a non-empty
 * id and package, a release, versions its ecosystem accepts, at most one
 * of fixed and last_affected, and a fixed version that is not affected;
 * fed in pieces or whole, the same signatures must come out.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "feed.h"
#include "vuln.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What one run made. */
struct fuzz_run {
	struct feed_counts	 counts;
	struct feed_sink	 sink;
	struct feed_json	*zip_reader;
	int			 osv;
	uint64_t		 hash;
};

/* Check a version of sig's ecosystem. */
static void
fuzz_version(const struct vuln_sig *sig, const char *v)
{
	char	 why[128];

	if (v != NULL && feed_version_valid(sig->ecosystem, v, why,
	    sizeof(why)) != 0)
		abort();
}

/* The sink: check the signature and fold it into the run's hash. */
static int
fuzz_sig(void *arg, const struct vuln_sig *sig)
{
	struct fuzz_run	*r = arg;
	const char	*p;

	if (sig->id == NULL || sig->id[0] == '\0' || sig->package == NULL ||
	    sig->package[0] == '\0' || sig->release == NULL ||
	    !vuln_ecosystem_known(sig->ecosystem) ||
	    (sig->fixed != NULL && sig->last_affected != NULL) ||
	    vuln_severity_name(sig->severity) == NULL || sig->title == NULL)
		abort();
	fuzz_version(sig, sig->introduced);
	fuzz_version(sig, sig->fixed);
	fuzz_version(sig, sig->last_affected);
	if (sig->fixed != NULL && vuln_affected(sig, sig->fixed))
		abort();
	if (sig->last_affected != NULL &&
	    !vuln_affected(sig, sig->last_affected) &&
	    (sig->introduced == NULL || vuln_affected(sig, sig->introduced)))
		abort();
	for (p = sig->id; *p != '\0'; p++)
		r->hash = r->hash * 31 + (unsigned char)*p;
	for (p = sig->release; *p != '\0'; p++)
		r->hash = r->hash * 31 + (unsigned char)*p;
	return 0;
}

/* The reader's records to the importer. */
static int
fuzz_record(void *arg, const char *key, struct json_object *value)
{
	struct fuzz_run	*r = arg;

	if (r->osv)
		return feed_osv_record(&r->sink, value);
	return feed_debian_package(&r->sink, key, value);
}

/* Start a run. */
static void
fuzz_start(struct fuzz_run *r, int osv)
{
	memset(r, 0, sizeof(*r));
	r->osv = osv;
	r->sink.fn = fuzz_sig;
	r->sink.arg = r;
	r->sink.feed = "fuzz";
	r->sink.counts = &r->counts;
}

/* Feed data in pieces of step bytes. Returns 0, or -1. */
static int
fuzz_json(struct fuzz_run *r, const uint8_t *data, size_t len, size_t step)
{
	struct feed_json	*fj;
	char			 err[256];
	size_t			 i, n;
	int			 rc = 0;

	fj = feed_json_new(r->osv ? FEED_JSON_RECORDS : FEED_JSON_MEMBERS,
	    fuzz_record, r);
	if (fj == NULL)
		abort();
	for (i = 0; i < len && rc == 0; i += n) {
		n = len - i < step ? len - i : step;
		rc = feed_json_feed(fj, (const char *)data + i, n, err,
		    sizeof(err));
	}
	if (rc == 0)
		rc = feed_json_end(fj, err, sizeof(err));
	if (rc == -1 && err[0] == '\0')
		abort();
	feed_json_free(fj);
	return rc;
}

/* Zip entries: read those that end in .json. */
static int
fuzz_zip_entry(void *arg, const char *name)
{
	struct fuzz_run	*r = arg;
	size_t		 n = strlen(name);

	if (n < 5 || strcmp(name + n - 5, ".json") != 0)
		return 0;
	r->zip_reader = feed_json_new(FEED_JSON_RECORDS, fuzz_record, r);
	return r->zip_reader != NULL ? 1 : -1;
}

/* Zip data to the entry's reader. */
static int
fuzz_zip_data(void *arg, const char *buf, size_t len)
{
	struct fuzz_run	*r = arg;
	char		 err[256];
	int		 rc;

	rc = buf != NULL ? feed_json_feed(r->zip_reader, buf, len, err,
	    sizeof(err)) : feed_json_end(r->zip_reader, err, sizeof(err));
	if (rc == -1 || buf == NULL) {
		feed_json_free(r->zip_reader);
		r->zip_reader = NULL;
	}
	return rc;
}

/* One input: the format byte, the piece size byte, the document. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run	 whole, pieces;
	FILE		*f;
	char		 err[256];
	size_t		 step;
	int		 rc1, rc2;

	if (size < 2)
		return 0;
	step = (size_t)data[1] % 64 + 1;
	if (data[0] % 3 == 2) {
		if ((f = tmpfile()) == NULL)
			return 0;
		if (fwrite(data + 2, 1, size - 2, f) == size - 2 &&
		    fflush(f) == 0) {
			fuzz_start(&whole, 1);
			if (feed_zip_read(fileno(f), fuzz_zip_entry,
			    fuzz_zip_data, &whole, err, sizeof(err)) == -1 &&
			    err[0] == '\0')
				abort();
			feed_json_free(whole.zip_reader);
		}
		fclose(f);
		return 0;
	}
	fuzz_start(&whole, data[0] % 3);
	fuzz_start(&pieces, data[0] % 3);
	rc1 = fuzz_json(&whole, data + 2, size - 2, size);
	rc2 = fuzz_json(&pieces, data + 2, size - 2, step);
	if (rc1 != rc2 || (rc1 == 0 && (whole.hash != pieces.hash ||
	    whole.counts.signatures != pieces.counts.signatures)))
		abort();
	return 0;
}
