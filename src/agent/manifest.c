/*
 * manifest.c: the platform's signed manifests on the agent. The heartbeat
 * answer names the newest version of each type; a newer one is fetched,
 * verified with the key pinned at activation, stored atomically under
 * state_dir/manifests and handed to the subscribers. Verification failures
 * keep the previous version.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agent-conf.h"
#include "answer.h"
#include "api-client.h"
#include "backoff.h"
#include "checkin.h"
#include "compat.h"
#include "errors.h"
#include "fileio.h"
#include "healthcheck.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "manifest.h"
#include "profile.h"
#include "mansig.h"
#include "report.h"
#include "state.h"

#define MANIFEST_NTYPES		3
#define MANIFEST_SUBSCRIBERS	4

static const char *const manifest_types[MANIFEST_NTYPES] = MANIFEST_TYPES;
/* The answer contract of each type, in the order of manifest_types. */
static const enum answer_kind manifest_kinds[MANIFEST_NTYPES] = {
	ANSWER_MANIFEST_INVENTORY, ANSWER_MANIFEST_FIM, ANSWER_MANIFEST_VULNSIGS
};

/* One type of manifest. */
struct manifest {
	const char		*type;
	const struct answer_contract *contract;
	int64_t			 version;	/* active; 0 = none */
	struct json_object	*body;		/* active content (NULL for
						   vulnsigs: kept on disk) */
	time_t			 verified_at;
	int64_t			 wanted;	/* newest the platform named */
	int			 is_due;	/* fetch at the next chance */
	int			 failures;	/* downloads failed in a row */
	time_t			 retry_at;	/* not before (back-off) */
	unsigned long		 refused;	/* failed verification */
	struct {
		manifest_fn	 fn;
		void		*arg;
	}			 subs[MANIFEST_SUBSCRIBERS];
	int			 nsubs;
};

/* The module. */
struct manifests {
	const struct agent_env	*env;
	EVP_PKEY		*key;
	char			*key_pem;
	int			 is_paused;
	int64_t			 profile_id;
	int64_t			 profile_version;
	struct manifest		 m[MANIFEST_NTYPES];
	struct http_call	*call;
	int			 calling;	/* index in m */
};

static void	manifests_fetch_next(struct manifests *);

/* The manifest of type, or NULL. */
static struct manifest *
manifests_find(struct manifests *ms, const char *type)
{
	int	 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (strcmp(ms->m[i].type, type) == 0)
			return &ms->m[i];
	return NULL;
}

/* Parse a PEM public key. Returns it, or NULL. */
static EVP_PKEY *
manifests_parse_key(const char *pem)
{
	EVP_PKEY	*key = NULL;
	BIO		*bio;

	if (pem == NULL || (bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return NULL;
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return key;
}

/* Verify a served manifest of type. Returns ERR_NONE, or the error. */
enum error_code
manifest_verify(EVP_PKEY *key, const char *type, char *doc, size_t len,
    int64_t *version, struct json_object **body, char *err, size_t errlen)
{
	const struct answer_contract *contract = NULL;
	struct answer_envelope	 e;
	enum error_code		 code;
	char			 perr[192];
	int			 i;

	*body = NULL;
	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (strcmp(manifest_types[i], type) == 0)
			contract = answer_contract(manifest_kinds[i]);
	if (contract == NULL) {
		snprintf(err, errlen, "no manifest type %s", type);
		return ERR_MANIFEST_INVALID;
	}
	if ((code = answer_envelope(doc, len, &e, perr,
	    sizeof(perr))) != ERR_NONE) {
		snprintf(err, errlen, "not a manifest: %s", perr);
		return code;
	}
	if (strcmp(e.type, type) != 0) {
		snprintf(err, errlen, "\"type\" is \"%s\", expected %s",
		    answer_printable(e.type, perr, sizeof(perr)), type);
		return ERR_ANSWER_INVALID;
	}
	*version = e.version;
	if (key == NULL) {
		snprintf(err, errlen, "no manifest key: state.json has no "
		    "valid manifest_public_key");
		return ERR_MANIFEST_SIGNATURE;
	}
	if (!mansig_verify_message(key, (const unsigned char *)e.msg,
	    e.msg_len, e.signature)) {
		snprintf(err, errlen, "Ed25519 signature over %s version %lld "
		    "does not verify with the key pinned at activation",
		    type, (long long)e.version);
		return ERR_MANIFEST_SIGNATURE;
	}
	/* Signed: now its content, within the budget of its type. */
	if (contract->kind == ANSWER_MANIFEST_VULNSIGS)
		code = answer_scan(e.body, e.body_len, &contract->content,
		    perr, sizeof(perr));
	else
		code = answer_parse(e.body, e.body_len, &contract->content,
		    body, perr, sizeof(perr));
	if (code != ERR_NONE)
		snprintf(err, errlen, "signed body %s: %s",
		    code == ERR_ANSWER_OVER_LIMIT ? "over the parse limits" :
		    "is not a JSON object", perr);
	return code;
}

/* Make version of m active and tell the subscribers. */
static void
manifests_activate(struct manifest *m, int64_t version,
    struct json_object *body)
{
	int	 i;

	json_object_put(m->body);
	m->body = body;
	m->version = version;
	m->verified_at = time(NULL);
	for (i = 0; body != NULL && i < m->nsubs; i++)
		m->subs[i].fn(m->type, m->version, m->body, m->subs[i].arg);
}

/* The cache file of m in state_dir, or its staging name (".new"). */
static void
manifests_path(const struct manifests *ms, const struct manifest *m,
    int is_staged, char *path, size_t len)
{
	snprintf(path, len, "%s/manifests/%s.json%s", ms->env->conf->state_dir,
	    m->type, is_staged ? ".new" : "");
}

/* Load the cached manifests. */
static void
manifests_load(struct manifests *ms)
{
	struct json_object	*body;
	enum error_code		 code;
	char			 path[PATH_MAX], err[256], *doc;
	size_t			 len;
	int64_t			 version;
	int			 i, rc;

	for (i = 0; i < MANIFEST_NTYPES; i++) {
		/* A download that was being checked when we stopped. */
		manifests_path(ms, &ms->m[i], 1, path, sizeof(path));
		(void)unlink(path);
		manifests_path(ms, &ms->m[i], 0, path, sizeof(path));
		if ((rc = fileio_read_all(path,
		    ms->m[i].contract->budget.max_bytes, &doc, &len)) < 0) {
			if (rc != -ENOENT) {
				errno = -rc;
				log_warn("cannot read the cached manifest %s",
				    path);
			}
			continue;
		}
		code = manifest_verify(ms->key, ms->m[i].type, doc, len,
		    &version, &body, err, sizeof(err));
		free(doc);
		if (code != ERR_NONE) {
			report_error(ms->env->report,
			    code == ERR_MANIFEST_SIGNATURE ?
			    ERR_MANIFEST_SIGNATURE : ERR_MANIFEST_INVALID,
			    "cached %s: %s; it will be downloaded again", path,
			    err);
			ms->m[i].refused++;
			continue;
		}
		log_info("%s manifest version %lld in force (cached %s)",
		    ms->m[i].type, (long long)version, path);
		manifests_activate(&ms->m[i], version, body);
	}
}

/* Start the module. */
struct manifests *
manifests_new(const struct agent_env *env)
{
	struct manifests	*ms;
	struct state		 st;
	char			 err[256];
	int			 i;

	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		log_warnx("manifests: out of memory");
		return NULL;
	}
	ms->env = env;
	ms->calling = -1;
	for (i = 0; i < MANIFEST_NTYPES; i++) {
		ms->m[i].type = manifest_types[i];
		ms->m[i].contract = answer_contract(manifest_kinds[i]);
	}
	if (state_load(env->conf->state_dir, &st, err, sizeof(err)) == 0) {
		ms->key_pem = st.manifest_public_key != NULL ?
		    strdup(st.manifest_public_key) : NULL;
		ms->key = manifests_parse_key(ms->key_pem);
	}
	state_free(&st);
	manifests_load(ms);
	return ms;
}

/* Subscribe to type. */
int
manifests_subscribe(struct manifests *ms, const char *type, manifest_fn fn,
    void *arg)
{
	struct manifest	*m;

	if (ms == NULL || (m = manifests_find(ms, type)) == NULL ||
	    m->nsubs == MANIFEST_SUBSCRIBERS)
		return -1;
	m->subs[m->nsubs].fn = fn;
	m->subs[m->nsubs].arg = arg;
	m->nsubs++;
	if (m->body != NULL)
		fn(m->type, m->version, m->body, arg);
	return 0;
}

/* A download of m failed (logged): back off before the next one. */
static void
manifests_failed(struct manifest *m)
{
	m->failures++;
	m->retry_at = time(NULL) + backoff_delay(m->failures);
	m->is_due = 1;	/* a check-in after the back-off */
}

/*
 * A manifest as served: stage its bytes on disk (the check below decodes
 * them in place, so that a 16 MiB manifest is in memory once), verify
 * it, and either put it in force and the staged file in place of the
 * cache, or refuse it. Returns 0 when it is in force.
 */
static int
manifests_accept(struct manifests *ms, struct manifest *m, char *doc,
    size_t len)
{
	struct json_object	*body;
	enum error_code		 code;
	char			 staged[PATH_MAX], path[PATH_MAX], err[256];
	int64_t			 version;
	int			 rc;

	manifests_path(ms, m, 1, staged, sizeof(staged));
	manifests_path(ms, m, 0, path, sizeof(path));
	if ((rc = fileio_write_atomic(staged, doc, len, 0600)) < 0)
		staged[0] = '\0';
	code = manifest_verify(ms->key, m->type, doc, len, &version, &body,
	    err, sizeof(err));
	if (code == ERR_NONE && version < m->version) {
		json_object_put(body);
		code = ERR_MANIFEST_INVALID;
		snprintf(err, sizeof(err), "version %lld is older than version "
		    "%lld in force", (long long)version, (long long)m->version);
	}
	if (code != ERR_NONE) {
		if (staged[0] != '\0')
			unlink(staged);
		m->refused++;
		manifests_failed(m);
		report_error(ms->env->report, code, "%s manifest refused: %s; "
		    "version %lld stays in force", m->type, err,
		    (long long)m->version);
		return -1;
	}
	m->failures = 0;
	if (staged[0] == '\0' || rename(staged, path) == -1) {
		if (staged[0] != '\0') {
			rc = -errno;
			unlink(staged);
		}
		report_error(ms->env->report, ERR_MANIFEST_INVALID, "cannot "
		    "store %s: %s (in force until restart)", path,
		    strerror(-rc));
	}
	log_info("%s manifest version %lld verified and in force%s", m->type,
	    (long long)version, version == m->version ?
	    " (same version, new content)" : "");
	report_clear(ms->env->report, ERR_MANIFEST_SIGNATURE);
	manifests_activate(m, version, body);
	return 0;
}

/* The answer to GET /agent/v1/manifests/TYPE. */
static void
manifests_fetch_cb(const struct api_client_reply *r, void *arg)
{
	struct manifests	*ms = arg;
	struct manifest		*m = &ms->m[ms->calling];

	ms->call = NULL;
	ms->calling = -1;
	if (r->is_not_modified) {
		m->failures = 0;
		log_debug("%s manifest version %lld is current", m->type,
		    (long long)m->version);
	} else if (r->status == 409 && r->api_error != NULL &&
	    strcmp(r->api_error, "data_collection_paused") == 0) {
		log_info("%s manifest not served: data collection is paused",
		    m->type);
	} else if (r->status == 404 && r->api_error != NULL &&
	    strcmp(r->api_error, "not_found") == 0) {
		log_debug("no %s manifest published", m->type);
	} else if (r->error != ERR_NONE) {
		manifests_failed(m);
		log_warnx("cannot download the %s manifest: %s %s; version "
		    "%lld stays in force, next try in %lld s (%d failed in a "
		    "row)", m->type, error_id(r->error), r->detail,
		    (long long)m->version, (long long)(m->retry_at -
		    time(NULL)), m->failures);
	} else
		manifests_accept(ms, m, r->http->body, r->http->body_len);
	manifests_fetch_next(ms);
}

/* Fetch the next manifest that is due, if the agent can. */
static void
manifests_fetch_next(struct manifests *ms)
{
	struct api_client	*p;
	struct manifest	*m;
	char		 path[64], etag[128];
	int64_t		 pid, pver;
	int		 i;

	if (ms->call != NULL ||
	    (p = checkin_client(ms->env->checkin)) == NULL)
		return;
	for (i = 0; i < MANIFEST_NTYPES; i++) {
		m = &ms->m[i];
		if (!m->is_due || time(NULL) < m->retry_at)
			continue;
		m->is_due = 0;
		if (ms->is_paused && strcmp(m->type, "fim") == 0) {
			log_info("not downloading the fim manifest: data "
			    "collection is paused");
			continue;
		}
		snprintf(path, sizeof(path), "/agent/v1/manifests/%s",
		    m->type);
		etag[0] = '\0';
		if (m->version > 0 && strcmp(m->type, "fim") != 0)
			snprintf(etag, sizeof(etag), "\"%s-%lld\"", m->type,
			    (long long)m->version);
		else if (m->version > 0) {
			/* The profile the active manifest folds in. */
			pid = pver = -1;
			if (m->body != NULL) {
				json_get_int64(m->body, "profile_id", &pid);
				json_get_int64(m->body, "profile_version",
				    &pver);
			}
			snprintf(etag, sizeof(etag), "\"fim-%lld-p%lldv%lld\"",
			    (long long)m->version, (long long)pid,
			    (long long)pver);
		}
		ms->calling = i;
		ms->call = api_client_call(p, "GET", path, NULL, etag[0] != '\0' ?
		    etag : NULL, manifests_fetch_cb, ms);
		if (ms->call == NULL) {
			ms->calling = -1;
			m->is_due = 1;
		}
		return;
	}
}

/* The fim manifest folds in the profile: is the active one older? */
static int
manifests_fim_stale(struct manifests *ms)
{
	struct manifest	*m = manifests_find(ms, "fim");
	int64_t		 id = -1, version = -1;

	if (m->body == NULL)
		return 1;
	json_get_int64(m->body, "profile_id", &id);
	json_get_int64(m->body, "profile_version", &version);
	return id != ms->profile_id || version != ms->profile_version;
}

/* A profile is in force: pause, and the fim rules it carries. */
static void
manifests_profile(void *self, const struct profile *profile)
{
	struct manifests	*ms = self;
	int			 paused = profile->is_paused;
	int			 was = ms->is_paused;
	struct manifest		*fim = manifests_find(ms, "fim");

	ms->is_paused = paused;
	ms->profile_id = profile->id;
	ms->profile_version = profile->version;
	if (paused && !was)
		log_info("data collection paused: the fim manifest is not "
		    "downloaded until it resumes");
	if (!paused && (was || manifests_fim_stale(ms)) &&
	    (fim->wanted > 0 || fim->version > 0)) {
		if (was)
			log_info("data collection resumed: fetching the fim "
			    "manifest");
		fim->is_due = 1;
		manifests_fetch_next(ms);
	}
}

/* The identity: the key to verify with. */
static void
manifests_identity(void *self, const struct state *st)
{
	struct manifests	*ms = self;

	if (st == NULL || st->manifest_public_key == NULL)
		return;
	if (ms->key_pem != NULL && strcmp(ms->key_pem,
	    st->manifest_public_key) == 0)
		return;
	EVP_PKEY_free(ms->key);
	free(ms->key_pem);
	ms->key_pem = strdup(st->manifest_public_key);
	ms->key = manifests_parse_key(ms->key_pem);
	if (ms->key == NULL)
		report_error(ms->env->report, ERR_MANIFEST_INVALID,
		    "the manifest_public_key from activation is not a usable "
		    "PEM public key; manifests cannot be verified");
}

/* The heartbeat carries the active versions. */
static void
manifests_heartbeat(void *self, struct json_object *body)
{
	struct manifests	*ms = self;
	struct json_object	*v = json_object_new_object();
	int			 i;

	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (ms->m[i].version > 0)
			json_add_int64(v, ms->m[i].type, ms->m[i].version);
	json_object_object_add(body, "manifest_versions", v);
}

/* The heartbeat's answer names the newest versions. */
static void
manifests_checked_in(void *self, struct json_object *reply)
{
	struct manifests	*ms = self;
	struct json_object	*v;
	struct manifest		*m;
	int64_t			 version;
	int			 i;

	if (!json_object_object_get_ex(reply, "manifests", &v) ||
	    !json_object_is_type(v, json_type_object))
		return;
	for (i = 0; i < MANIFEST_NTYPES; i++) {
		m = &ms->m[i];
		if (json_get_int64(v, m->type, &version) == -1 || version < 1)
			continue;
		m->wanted = version;
		if (version > m->version || (strcmp(m->type, "fim") == 0 &&
		    manifests_fim_stale(ms)))
			m->is_due = 1;
	}
	manifests_fetch_next(ms);
}

/* The status section. */
static struct json_object *
manifests_status(void *self)
{
	struct manifests	*ms = self;
	struct json_object	*st = json_object_new_object(), *o;
	int			 i;

	json_add_bool(st, "data_collection_paused", ms->is_paused);
	for (i = 0; i < MANIFEST_NTYPES; i++) {
		o = json_object_new_object();
		json_add_int64(o, "version", ms->m[i].version);
		json_add_int64(o, "platform_version", ms->m[i].wanted);
		json_add_time(o, "verified_at", ms->m[i].verified_at);
		json_add_int64(o, "refused", (int64_t)ms->m[i].refused);
		json_object_object_add(st, ms->m[i].type, o);
	}
	return st;
}

/* Health: the key and what is in force. */
static void
manifests_healthcheck(void *self, struct healthcheck *hc)
{
	struct manifests	*ms = self;
	char			 list[128];
	size_t			 off = 0;
	int			 i;

	if (ms->key == NULL) {
		hc_add(hc, "manifests", HC_WARN, "activate the agent; a key "
		    "that does not parse needs re-activation (remove "
		    "state.json)", "no manifest key to verify manifests with");
		return;
	}
	list[0] = '\0';
	for (i = 0; i < MANIFEST_NTYPES; i++)
		if (ms->m[i].version > 0 && off < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "%s%s %lld", off > 0 ? ", " : "", ms->m[i].type,
			    (long long)ms->m[i].version);
	hc_add(hc, "manifests", HC_PASS, NULL, "%s%s", off > 0 ?
	    "verified and in force: " : "none downloaded yet", list);
}

/*
 * The configuration was reloaded: the check-in module replaced its
 * client, cancelling a download in flight without a callback.
 */
static void
manifests_reconfigure(void *self)
{
	struct manifests	*ms = self;

	if (ms->call != NULL) {
		ms->m[ms->calling].is_due = 1;
		ms->call = NULL;
		ms->calling = -1;
	}
}

/* Stop. */
static void
manifests_free(void *self)
{
	struct manifests	*ms = self;
	int			 i;

	if (ms->call != NULL)
		http_cancel(ms->call);
	for (i = 0; i < MANIFEST_NTYPES; i++)
		json_object_put(ms->m[i].body);
	EVP_PKEY_free(ms->key);
	free(ms->key_pem);
	free(ms);
}

const struct agent_module_ops manifests_ops = {
	.name = "manifests",
	.profile = manifests_profile,
	.identity = manifests_identity,
	.heartbeat = manifests_heartbeat,
	.checked_in = manifests_checked_in,
	.status = manifests_status,
	.healthcheck = manifests_healthcheck,
	.reconfigure = manifests_reconfigure,
	.free = manifests_free
};
