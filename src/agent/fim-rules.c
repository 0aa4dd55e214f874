/*
 * fim-rules.c: the fim manifest's watch rules: parsing, matching, and the
 * kernel watches they need (pure code); then the kernel's rules with our
 * key, reconciled with the wanted ones.
 *
 * The rules become kernel watch rules tagged with our key (fim.h), installed
 * in fim_new() before the event loop runs (from the cached manifest, all
 * at once without listing), reconciled with the kernel's list on every
 * change and every minute (list, then delete the stale ones of ours and
 * add the missing ones; only rules with our key are ever deleted),
 * reinstalled at once when a CONFIG_CHANGE event says another program
 * removed one, removed while paused or disabled and at stop. A rule the
 * kernel refuses (a missing path) is reported (E703) and retried by the
 * retry timer of fim-owner.c. One reconcile round runs at a time; a
 * change during a round asks for another.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "agent-conf.h"
#include "audit.h"
#include "compat.h"
#include "errors.h"
#include "fileio.h"
#include "fim-int.h"
#include "fim-rules.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"
#include "state.h"

#define FIM_ALL_EVENTS	((1u << FIM_NACTIONS) - 1)
#define FIM_KEY_SEPARATOR	0x01

/* A rule of ours the kernel listed. */
struct fim_listed {
	void		*raw;
	size_t		 len;
	char		*path;
	int		 is_tree;
	unsigned int	 perm;
	int		 is_watch;
};

/* One rule operation in flight. */
struct fim_rule_op {
	struct fim	*fim;
	unsigned int	 gen;		/* of the wanted rules it was for */
	int		 index;		/* in want, or -1 (a deletion) */
};

static void	fim_rules_reconcile_done(struct fim *);

/* Free the rules. */
void
fim_rules_free(struct fim_rules *r)
{
	int	 i, j;

	for (i = 0; i < r->nrules; i++) {
		free(r->rules[i].path);
		for (j = 0; j < r->rules[i].nexcludes; j++)
			free(r->rules[i].excludes[j]);
		free(r->rules[i].excludes);
	}
	free(r->rules);
	memset(r, 0, sizeof(*r));
	r->hash_max_size = -1;
}

/* Check and clean an absolute path. Returns a copy, or NULL (err). */
static char *
fim_rules_path(struct json_object *v, const char *where, char *err,
    size_t errlen)
{
	const char	*s;
	char		 clean[FIM_PATH_MAX];
	char		*copy;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: expected a string", where);
		return NULL;
	}
	s = json_object_get_string(v);
	if (s[0] != '/' || strlen(s) >= FIM_PATH_MAX ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		snprintf(err, errlen, "%s: expected an absolute path of at "
		    "most %d bytes", where, FIM_PATH_MAX - 1);
		return NULL;
	}
	if (fim_path_join(NULL, s, clean, sizeof(clean)) == -1) {
		snprintf(err, errlen, "%s: path too long", where);
		return NULL;
	}
	if ((copy = strdup(clean)) == NULL)
		snprintf(err, errlen, "out of memory");
	return copy;
}

/* Parse one rule at index i. Returns 0, or -1 (err). */
static int
fim_rules_one(struct json_object *o, int i, struct fim_rule *rule, char *err,
    size_t errlen)
{
	struct json_object	*v, *e;
	char			 where[64];
	size_t			 n, k;
	int			 a;

	memset(rule, 0, sizeof(*rule));
	rule->is_recursive = 1;
	rule->events = FIM_ALL_EVENTS;
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "fim.rules[%d]: expected an object", i);
		return -1;
	}
	snprintf(where, sizeof(where), "fim.rules[%d].path", i);
	if (!json_object_object_get_ex(o, "path", &v)) {
		snprintf(err, errlen, "%s: missing", where);
		return -1;
	}
	if ((rule->path = fim_rules_path(v, where, err, errlen)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, "recursive", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "fim.rules[%d].recursive: "
			    "expected true or false", i);
			return -1;
		}
		rule->is_recursive = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "events", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(err, errlen, "fim.rules[%d].events: expected "
			    "an array", i);
			return -1;
		}
		rule->events = 0;
		n = json_object_array_length(v);
		for (k = 0; k < n; k++) {
			e = json_object_array_get_idx(v, k);
			if (!json_object_is_type(e, json_type_string) ||
			    (a = fim_action_parse(json_object_get_string(e))) ==
			    -1) {
				snprintf(err, errlen, "fim.rules[%d].events[%zu]:"
				    " expected create, modify, attrib, delete "
				    "or rename", i, k);
				return -1;
			}
			rule->events |= 1u << a;
		}
	}
	if (json_object_object_get_ex(o, "excludes", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > FIM_EXCLUDES_MAX) {
			snprintf(err, errlen, "fim.rules[%d].excludes: expected "
			    "an array of at most %d paths", i,
			    FIM_EXCLUDES_MAX);
			return -1;
		}
		n = json_object_array_length(v);
		if (n > 0 && (rule->excludes = calloc(n,
		    sizeof(*rule->excludes))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (k = 0; k < n; k++) {
			snprintf(where, sizeof(where),
			    "fim.rules[%d].excludes[%zu]", i, k);
			if ((rule->excludes[k] = fim_rules_path(
			    json_object_array_get_idx(v, k), where, err,
			    errlen)) == NULL)
				return -1;
			rule->nexcludes++;
		}
	}
	return 0;
}

/* Parse the "fim" object. Returns 0, or -1 (err). */
int
fim_rules_parse(struct json_object *fim, struct fim_rules *r, char *err,
    size_t errlen)
{
	struct json_object	*v;
	size_t			 n, i;
	int64_t			 size;

	memset(r, 0, sizeof(*r));
	r->hash_max_size = -1;
	if (fim == NULL)
		return 0;
	if (!json_object_is_type(fim, json_type_object)) {
		snprintf(err, errlen, "fim: expected an object");
		return -1;
	}
	if (json_object_object_get_ex(fim, "enabled", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, errlen, "fim.enabled: expected true or "
			    "false");
			return -1;
		}
		r->is_enabled = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(fim, "hash_max_size", &v) && v != NULL) {
		size = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || size < 0) {
			snprintf(err, errlen, "fim.hash_max_size: expected an "
			    "integer >= 0");
			return -1;
		}
		r->hash_max_size = size;
	}
	if (!json_object_object_get_ex(fim, "rules", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > FIM_RULES_MAX) {
		snprintf(err, errlen, "fim.rules: expected an array of at most "
		    "%d rules", FIM_RULES_MAX);
		return -1;
	}
	n = json_object_array_length(v);
	if (n == 0)
		return 0;
	if ((r->rules = calloc(n, sizeof(*r->rules))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		r->nrules++;
		if (fim_rules_one(json_object_array_get_idx(v, i), (int)i,
		    &r->rules[i], err, errlen) == -1) {
			fim_rules_free(r);
			return -1;
		}
	}
	return 0;
}

/* Do the two rule sets hold the same rules? */
int
fim_rules_equal(const struct fim_rules *a, const struct fim_rules *b)
{
	int	 i, j;

	if (a->is_enabled != b->is_enabled || a->nrules != b->nrules ||
	    a->hash_max_size != b->hash_max_size)
		return 0;
	for (i = 0; i < a->nrules; i++) {
		if (strcmp(a->rules[i].path, b->rules[i].path) != 0 ||
		    a->rules[i].is_recursive != b->rules[i].is_recursive ||
		    a->rules[i].events != b->rules[i].events ||
		    a->rules[i].nexcludes != b->rules[i].nexcludes)
			return 0;
		for (j = 0; j < a->rules[i].nexcludes; j++)
			if (strcmp(a->rules[i].excludes[j],
			    b->rules[i].excludes[j]) != 0)
				return 0;
	}
	return 1;
}

/* Is path prefix itself or below it? */
static int
fim_rules_below(const char *prefix, const char *path)
{
	size_t	 n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return 1;
	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* Is path prefix itself or a direct entry of it? */
static int
fim_rules_child(const char *prefix, const char *path)
{
	size_t	 n = strlen(prefix);
	const char *rest;

	if (!fim_rules_below(prefix, path))
		return 0;
	rest = path + n;
	if (*rest == '/')
		rest++;
	return strchr(rest, '/') == NULL;
}

/* Is path excluded by rule? */
int
fim_rules_excluded(const struct fim_rule *rule, const char *path)
{
	int	 j;

	for (j = 0; j < rule->nexcludes; j++)
		if (fim_rules_below(rule->excludes[j], path))
			return 1;
	return 0;
}

/* The deciding rule for action on path, or -1. */
int
fim_rules_match(const struct fim_rules *r, const char *path,
    enum fim_action action)
{
	const struct fim_rule	*rule;
	size_t			 best_len = 0;
	int			 i, best = -1;

	for (i = 0; i < r->nrules; i++) {
		rule = &r->rules[i];
		if (!(rule->is_recursive ? fim_rules_below(rule->path, path) :
		    fim_rules_child(rule->path, path)))
			continue;
		if (best == -1 || strlen(rule->path) > best_len) {
			best = i;
			best_len = strlen(rule->path);
		}
	}
	if (best == -1)
		return -1;
	rule = &r->rules[best];
	if (!(rule->events & (1u << action)) ||
	    fim_rules_excluded(rule, path))
		return -1;
	return best;
}

/* Free kernel watches. */
void
fim_kwatches_free(struct fim_kwatch *w, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(w[i].path);
	free(w);
}

/* The kernel watches of the rules. Returns their number, or -1. */
int
fim_rules_kwatches(const struct fim_rules *r,
    int (*is_dir)(const char *, void *), void *arg, struct fim_kwatch **out)
{
	struct fim_kwatch	*w;
	unsigned int		 perm;
	int			 i, j, n = 0, tree, kind;

	*out = NULL;
	if (r->nrules == 0)
		return 0;
	if ((w = calloc((size_t)r->nrules, sizeof(*w))) == NULL)
		return -1;
	for (i = 0; i < r->nrules; i++) {
		perm = 0;
		if (r->rules[i].events & ((1u << FIM_CREATE) |
		    (1u << FIM_MODIFY) | (1u << FIM_DELETE) |
		    (1u << FIM_RENAME)))
			perm |= AUDIT_WATCH_WRITE;
		if (r->rules[i].events & (1u << FIM_ATTRIB))
			perm |= AUDIT_WATCH_ATTR;
		if (perm == 0)
			continue;
		kind = is_dir != NULL ? is_dir(r->rules[i].path, arg) : -1;
		tree = kind == 1 || (kind == -1 && r->rules[i].is_recursive);
		for (j = 0; j < n; j++)
			if (strcmp(w[j].path, r->rules[i].path) == 0)
				break;
		if (j < n) {
			/* One kernel rule per path: the union. */
			w[j].perm |= perm;
			w[j].is_tree |= tree;
			continue;
		}
		if ((w[n].path = strdup(r->rules[i].path)) == NULL) {
			fim_kwatches_free(w, n);
			return -1;
		}
		w[n].perm = perm;
		w[n].is_tree = tree;
		n++;
	}
	if (n == 0) {
		free(w);
		return 0;
	}
	*out = w;
	return n;
}

/* Does a SYSCALL key name ours (keys separated by 0x01)? */
int
fim_rules_is_key(const char *keys, const char *ours)
{
	const char	*p = keys;
	size_t		 n = strlen(ours);

	while (p != NULL && *p != '\0' && n > 0) {
		if (strncmp(p, ours, n) == 0 &&
		    (p[n] == '\0' || p[n] == FIM_KEY_SEPARATOR))
			return 1;
		if ((p = strchr(p, FIM_KEY_SEPARATOR)) != NULL)
			p++;
	}
	return 0;
}

/* ---- The kernel's rules ---- */

/* Is a path a directory now (1), something else (0), or missing (-1)? */
static int
fim_rules_is_dir(const char *path, void *arg)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return -1;
	return S_ISDIR(sb.st_mode) ? 1 : 0;
}

/* Forget the wanted rules. */
static void
fim_rules_want_free(struct fim_kernel_rules *k)
{
	int	 i;

	for (i = 0; i < k->nwant; i++)
		free(k->want[i].w.path);
	free(k->want);
	k->want = NULL;
	k->nwant = 0;
	k->want_gen++;
}

/* Forget the listed rules. */
static void
fim_rules_listed_free(struct fim_kernel_rules *k)
{
	int	 i;

	for (i = 0; i < k->nlisted; i++) {
		free(k->listed[i].raw);
		free(k->listed[i].path);
	}
	free(k->listed);
	k->listed = NULL;
	k->nlisted = k->listed_cap = 0;
}

/* Forget the wanted and listed rules. */
void
fim_rules_kernel_free(struct fim *fim)
{
	fim_rules_want_free(&fim->kernel);
	fim_rules_listed_free(&fim->kernel);
}

/* How many wanted rules are in state. */
int
fim_rules_in(const struct fim *fim, int state)
{
	int	 i, n = 0;

	for (i = 0; i < fim->kernel.nwant; i++)
		if ((int)fim->kernel.want[i].state == state)
			n++;
	return n;
}

/* The refused rules, "PATH: reason" joined by "; ", into msg. */
static void
fim_rules_refused_text(const struct fim *fim, char *msg, size_t msglen)
{
	const struct fim_kernel_rules	*k = &fim->kernel;
	size_t				 len;
	int				 i;

	msg[0] = '\0';
	for (i = 0; i < k->nwant; i++) {
		if (k->want[i].state != FIM_RS_REFUSED)
			continue;
		len = strlen(msg);
		snprintf(msg + len, msglen - len, "%s%s: %s",
		    len > 0 ? "; " : "", k->want[i].w.path,
		    strerror(k->want[i].err));
	}
}

/* Report refused rules (E703), or clear the report when none is left. */
static void
fim_rules_report(struct fim *fim)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	char			 msg[400];
	int			 refused = fim_rules_in(fim, FIM_RS_REFUSED);

	if (refused == 0) {
		if (k->refused_reported > 0) {
			report_clear(fim->env->report, ERR_AUDIT_RULE);
			log_info("fim: every audit rule is installed now");
		}
		k->refused_reported = 0;
		return;
	}
	/* Retried at the next tick of the retry timer. */
	if (fim->is_active && !fim->is_stopping)
		fim_owner_retry_later(fim);
	if ((unsigned int)refused == k->refused_reported)
		return;
	k->refused_reported = (unsigned int)refused;
	fim_rules_refused_text(fim, msg, sizeof(msg));
	report_error(fim->env->report, ERR_AUDIT_RULE, "%d of %d FIM rules "
	    "refused by the kernel (retried every %d s): %s", refused,
	    k->nwant, fim->env->conf->audit_retry_interval, msg);
}

/* Not collecting: no report of refused rules stays. */
void
fim_rules_stop(struct fim *fim)
{
	if (fim->kernel.refused_reported)
		report_clear(fim->env->report, ERR_AUDIT_RULE);
	fim->kernel.refused_reported = 0;
}

/* Note how the kernel took the wanted rule rs (err: 0 or -errno). */
static void
fim_rules_taken(struct fim_rule_state *rs, int err)
{
	if (err == 0 || err == -EEXIST) {
		/* EEXIST: the very same rule (our key) is there. */
		if (rs->state != FIM_RS_INSTALLED)
			log_debug("fim: audit rule on %s installed%s",
			    rs->w.path, err == -EEXIST ? " (already there)" :
			    "");
		rs->state = FIM_RS_INSTALLED;
		rs->err = 0;
		return;
	}
	if (rs->state != FIM_RS_REFUSED || rs->err != -err)
		log_warnx("fim: the kernel refused the audit rule on %s: %s",
		    rs->w.path, strerror(-err));
	rs->state = FIM_RS_REFUSED;
	rs->err = -err;
}

/* A rule request finished; the last one of a round ends the round. */
static void
fim_rules_op_cb(int err, void *arg)
{
	struct fim_rule_op	*op = arg;
	struct fim		*fim = op->fim;
	struct fim_kernel_rules	*k = &fim->kernel;

	k->ops--;
	if (op->index >= 0 && op->gen == k->want_gen &&
	    op->index < k->nwant)
		fim_rules_taken(&k->want[op->index], err);
	else if (op->index < 0) {
		if (err == 0)
			k->deleted_total++;
		else if (err != -ENOENT)
			log_warnx("fim: cannot delete an audit rule of ours: "
			    "%s", strerror(-err));
	}
	free(op);
	if (k->ops == 0 && k->is_reconciling && !fim->is_stopping)
		fim_rules_reconcile_done(fim);
}

/*
 * Send one rule request: add wanted rule index, or (index -1) delete the
 * listed rule raw. Returns 0, or -1 (logged).
 */
static int
fim_rules_send(struct fim *fim, int index, const void *raw, size_t rawlen)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	struct fim_rule_op	*op;
	struct audit_watch	 w;
	int			 rc;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -1;
	op->fim = fim;
	op->gen = k->want_gen;
	op->index = index;
	if (index >= 0) {
		memset(&w, 0, sizeof(w));
		w.path = k->want[index].w.path;
		w.is_tree = k->want[index].w.is_tree;
		w.perm = k->want[index].w.perm;
		w.key = fim->key;
		rc = audit_add_watch(fim->audit, &w, fim_rules_op_cb, op);
	} else
		rc = audit_del_raw(fim->audit, raw, rawlen, fim_rules_op_cb,
		    op);
	if (rc < 0) {
		if (index >= 0) {
			k->want[index].state = FIM_RS_REFUSED;
			k->want[index].err = -rc;
		}
		log_warnx("fim: cannot send an audit rule request: %s",
		    strerror(-rc));
		free(op);
		return -1;
	}
	k->ops++;
	return 0;
}

/* Keep one listed rule of ours. */
static void
fim_rules_listed_cb(const struct audit_watch *w, void *arg)
{
	struct fim		*fim = arg;
	struct fim_kernel_rules	*k = &fim->kernel;
	struct fim_listed	*l, *grown;

	if (!w->has_key)
		return;		/* not ours: never touched */
	if (k->nlisted == k->listed_cap) {
		k->listed_cap = k->listed_cap ? k->listed_cap * 2 : 16;
		grown = reallocarray(k->listed, (size_t)k->listed_cap,
		    sizeof(*k->listed));
		if (grown == NULL)
			return;
		k->listed = grown;
	}
	l = &k->listed[k->nlisted];
	memset(l, 0, sizeof(*l));
	if ((l->raw = malloc(w->rawlen)) == NULL)
		return;
	memcpy(l->raw, w->raw, w->rawlen);
	l->len = w->rawlen;
	l->path = w->path != NULL ? strdup(w->path) : NULL;
	l->is_tree = w->is_tree;
	l->perm = w->perm;
	l->is_watch = w->is_watch;
	k->nlisted++;
}

/* The wanted rule that listed rule l is, or -1. */
static int
fim_rules_wanted(const struct fim_kernel_rules *k, const struct fim_listed *l)
{
	int	 j;

	for (j = 0; j < k->nwant; j++)
		if (l->is_watch && l->path != NULL &&
		    strcmp(l->path, k->want[j].w.path) == 0 &&
		    l->is_tree == k->want[j].w.is_tree &&
		    l->perm == k->want[j].w.perm)
			return j;
	return -1;
}

/* The kernel listed its rules: delete stale ones of ours, add missing. */
static void
fim_rules_listed_done_cb(int err, void *arg)
{
	struct fim		*fim = arg;
	struct fim_kernel_rules	*k = &fim->kernel;
	struct fim_listed	*l;
	int			 i, j, *found;

	k->ops--;
	if (err != 0) {
		log_warnx("fim: cannot list the kernel's audit rules: %s",
		    strerror(-err));
		fim_rules_listed_free(k);
		k->is_reconciling = 0;
		return;
	}
	found = calloc((size_t)k->nwant + 1, sizeof(*found));
	for (i = 0; i < k->nlisted; i++) {
		l = &k->listed[i];
		j = fim_rules_wanted(k, l);
		if (j >= 0 && found != NULL && !found[j]) {
			found[j] = 1;
			k->want[j].state = FIM_RS_INSTALLED;
			k->want[j].err = 0;
			continue;
		}
		log_info("fim: removing audit rule of ours on %s (no longer "
		    "wanted)", l->path != NULL ? l->path : "?");
		fim_rules_send(fim, -1, l->raw, l->len);
	}
	for (j = 0; j < k->nwant; j++)
		if (found == NULL || !found[j])
			fim_rules_send(fim, j, NULL, 0);
	free(found);
	fim_rules_listed_free(k);
	if (k->ops == 0)
		fim_rules_reconcile_done(fim);
}

/*
 * Bring the kernel's rules with our key in line with the wanted ones:
 * list, then delete and add. One round at a time.
 */
void
fim_rules_reconcile(struct fim *fim)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	int			 rc;

	if (fim->audit == NULL || fim->is_stopping)
		return;
	if (k->is_reconciling) {
		k->reconcile_again = 1;
		return;
	}
	fim_rules_listed_free(k);
	rc = audit_list_rules(fim->audit, fim->key, fim_rules_listed_cb,
	    fim_rules_listed_done_cb, fim);
	if (rc < 0) {
		log_warnx("fim: cannot list the kernel's audit rules: %s",
		    strerror(-rc));
		return;
	}
	k->is_reconciling = 1;
	k->ops++;
}

/* A reconcile round is over: report the rules, run the round asked for. */
static void
fim_rules_reconcile_done(struct fim *fim)
{
	fim->kernel.is_reconciling = 0;
	fim_rules_report(fim);
	if (fim->kernel.reconcile_again) {
		fim->kernel.reconcile_again = 0;
		fim_rules_reconcile(fim);
	}
}

/*
 * Add every wanted rule at once, without listing first (start: before
 * the event loop); a reconciliation follows to remove stale ones.
 */
void
fim_rules_add_all(struct fim *fim)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	int			 i;

	if (fim->audit == NULL || k->nwant == 0)
		return;
	/* The catch-up looks at least up to here (see fim_catchup_audited). */
	fim_catchup_since_now(fim);
	k->is_reconciling = 1;
	for (i = 0; i < k->nwant; i++)
		fim_rules_send(fim, i, NULL, 0);
	k->reconcile_again = 1;
	if (k->ops == 0)
		k->is_reconciling = 0;
	log_info("fim: %d audit rule%s sent to the kernel (key %s)",
	    k->nwant, k->nwant == 1 ? "" : "s", fim->key);
}

/* Do the kernel watches kw (n of them) differ from the wanted rules? */
static int
fim_rules_differ(const struct fim_kernel_rules *k,
    const struct fim_kwatch *kw, int n)
{
	int	 i;

	if (n != k->nwant)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(kw[i].path, k->want[i].w.path) != 0 ||
		    kw[i].is_tree != k->want[i].w.is_tree ||
		    kw[i].perm != k->want[i].w.perm)
			return 1;
	return 0;
}

/*
 * Work out the kernel watches for the rules in force. Returns 1 if they
 * differ from the wanted ones (which are then replaced), 0 if not.
 */
int
fim_rules_want_update(struct fim *fim)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	struct fim_kwatch	*kw = NULL;
	int			 n = 0, i;

	if (fim->is_active && (n = fim_rules_kwatches(&fim->rules,
	    fim_rules_is_dir, NULL, &kw)) < 0)
		n = 0;
	if (!fim_rules_differ(k, kw, n)) {
		fim_kwatches_free(kw, n);
		return 0;
	}
	fim_rules_want_free(k);
	if (n > 0 && (k->want = calloc((size_t)n,
	    sizeof(*k->want))) == NULL) {
		fim_kwatches_free(kw, n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		k->want[i].w = kw[i];
		k->want[i].state = FIM_RS_PENDING;
	}
	free(kw);
	k->nwant = n;
	return 1;
}

/* Try the refused rules again, if any. */
void
fim_rules_retry(struct fim *fim)
{
	if (fim_rules_in(fim, FIM_RS_REFUSED) > 0) {
		log_debug("fim: retrying the refused audit rules");
		fim_rules_want_update(fim);
		fim_rules_reconcile(fim);
	}
}

/*
 * Delete every rule with key, waiting for the kernel (the loop does not
 * run: start or shutdown). Returns the number deleted, or -1.
 */
int
fim_rules_remove_sync(struct fim *fim, const char *key)
{
	struct fim_kernel_rules	*k = &fim->kernel;
	int			 i, rc, n;

	if (fim->audit == NULL)
		return -1;
	/* is_stopping is set: callbacks start no new round. */
	audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
	fim_rules_listed_free(k);
	k->is_reconciling = k->reconcile_again = 0;
	rc = audit_list_rules(fim->audit, key, fim_rules_listed_cb, NULL, fim);
	if (rc < 0 || audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS) < 0) {
		log_warnx("fim: cannot list the audit rules to remove those "
		    "with key %s", key);
		return -1;
	}
	n = k->nlisted;
	for (i = 0; i < k->nlisted; i++)
		fim_rules_send(fim, -1, k->listed[i].raw, k->listed[i].len);
	rc = n;
	if (audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS) < 0) {
		log_warnx("fim: the kernel did not confirm the removal of the "
		    "audit rules with key %s", key);
		rc = -1;
	} else if (n > 0)
		log_info("fim: %d audit rule%s with key %s removed", n,
		    n == 1 ? "" : "s", key);
	fim_rules_listed_free(k);
	return rc;
}

/* The installation's id: state_dir/fim-id, made at the first start. */
#define FIM_ID_FILE	"fim-id"
#define FIM_ID_BYTES	8

/* A new id (hex) into id; from the state directory's path if need be. */
static void
fim_rules_new_id(const struct fim *fim, char *id)
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dlen = 0;
	const char	*dir = fim->env->conf->state_dir;

	if (RAND_bytes(d, FIM_ID_BYTES) != 1 &&
	    EVP_Digest(dir, strlen(dir), d, &dlen, EVP_sha256(), NULL) != 1)
		memset(d, 0, FIM_ID_BYTES);
	hex_encode(d, FIM_ID_BYTES, id);
}

/*
 * Our rules' key: FIM_AUDIT_KEY "-" the installation's id, read from
 * state_dir/fim-id or made and written there at the first start. An
 * installation upgraded from an agent that used FIM_AUDIT_KEY alone (its
 * state_dir holds state.json, but no fim-id yet) removes the rules of
 * that key now, before the loop runs: they were its own.
 */
void
fim_rules_key_load(struct fim *fim)
{
	char	 path[PATH_MAX], state[PATH_MAX], *text = NULL;
	char	 id[2 * FIM_ID_BYTES + 2];
	size_t	 len = 0;
	int	 rc, is_upgrade = 0;

	/* Without an audit system there are no rules to key. */
	if (fim->audit == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", fim->env->conf->state_dir,
	    FIM_ID_FILE);
	rc = fileio_read_all(path, 64, &text, &len);
	if (rc == 0 && len >= 2 * FIM_ID_BYTES && strspn(text,
	    "0123456789abcdef") == 2 * FIM_ID_BYTES) {
		memcpy(id, text, 2 * FIM_ID_BYTES);
		id[2 * FIM_ID_BYTES] = '\0';
	} else {
		if (rc == 0)
			log_warnx("fim: %s is not an installation id; making a "
			    "new one", path);
		fim_rules_new_id(fim, id);
		snprintf(state, sizeof(state), "%s/%s",
		    fim->env->conf->state_dir, STATE_FILE_NAME);
		is_upgrade = rc == -ENOENT && access(state, F_OK) == 0;
		id[2 * FIM_ID_BYTES] = '\n';
		if ((rc = fileio_write_atomic(path, id, 2 * FIM_ID_BYTES + 1,
		    0600)) < 0)
			log_warnx("fim: cannot write %s: %s; the key of our "
			    "audit rules will change at the next start", path,
			    strerror(-rc));
		id[2 * FIM_ID_BYTES] = '\0';
	}
	free(text);
	snprintf(fim->key, sizeof(fim->key), "%s-%s", FIM_AUDIT_KEY, id);
	if (is_upgrade && fim->audit != NULL &&
	    (rc = fim_rules_remove_sync(fim, FIM_AUDIT_KEY)) > 0)
		log_info("fim: upgraded: %d audit rule%s of this installation "
		    "with the older key %s removed; ours are %s", rc,
		    rc == 1 ? "" : "s", FIM_AUDIT_KEY, fim->key);
}

/* Remove the installation's id (uninstall, once our rules are out). */
void
fim_rules_key_remove(struct fim *fim)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fim->env->conf->state_dir,
	    FIM_ID_FILE);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("fim: cannot remove %s", path);
}

/* Is CONFIG_CHANGE record body the removal of a rule with key ours? */
static int
fim_rules_is_removal(const char *body, const char *ours)
{
	char	 op[64], key[300], err[128];

	if (fim_field(body, "op", op, sizeof(op), err, sizeof(err)) != 1 ||
	    strcmp(op, "remove_rule") != 0)
		return 0;
	return fim_field(body, "key", key, sizeof(key), err,
	    sizeof(err)) == 1 && fim_rules_is_key(key, ours);
}

/* A CONFIG_CHANGE event: another program removed a rule of ours? */
void
fim_rules_config_change(struct fim *fim, const struct fim_raw_event *raw,
    const struct fim_syscall *sc)
{
	int	 i;

	for (i = 0; i < raw->nrecords; i++) {
		if (raw->records[i].type != FIM_T_CONFIG_CHANGE ||
		    !fim_rules_is_removal(raw->records[i].body, fim->key))
			continue;
		if ((sc != NULL && sc->pid == (int64_t)getpid()) || fim->is_stopping ||
		    !fim->is_active)
			continue;
		fim->kernel.removed++;
		if (sc != NULL)
			log_warnx("fim: another program (pid %lld, %s) removed "
			    "an audit rule of ours; reinstalling",
			    (long long)sc->pid, sc->comm != NULL ? sc->comm :
			    "?");
		else
			log_warnx("fim: an audit rule of ours was removed; "
			    "reinstalling");
		/* At once: files changed meanwhile go unseen. */
		fim->need_reconcile = 1;
		fim_kick(fim, 0);
		return;
	}
}

/* The status of the kernel's rules. */
void
fim_rules_status(const struct fim *fim, struct json_object *o)
{
	const struct fim_kernel_rules	*k = &fim->kernel;
	struct json_object		*rules, *r;
	const char			*state[] = { "pending", "installed",
					    "refused" };
	int				 i;

	json_add_int64(o, "rules_installed",
	    fim_rules_in(fim, FIM_RS_INSTALLED));
	json_add_int64(o, "rules_removed_by_others", (int64_t)k->removed);
	rules = json_object_new_array();
	for (i = 0; i < k->nwant; i++) {
		r = json_object_new_object();
		json_add_string(r, "path", k->want[i].w.path);
		json_add_string(r, "watch", k->want[i].w.is_tree ? "tree" :
		    "path");
		json_add_string(r, "state", state[k->want[i].state]);
		if (k->want[i].state == FIM_RS_REFUSED)
			json_add_string(r, "error", strerror(k->want[i].err));
		json_object_array_add(rules, r);
	}
	json_object_object_add(o, "kernel_rules", rules);
}
