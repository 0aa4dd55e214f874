/*
 * fim-replay.c: the files of the durable baseline read back (pure code,
 * fuzzed): the pending events and dirty paths of a snapshot, the journal
 * replayed over it line by line (a torn or damaged line ends it), and what
 * that leaves: the events whose batch never reached the spool and the
 * files whose state was not settled. fim-journal.c writes the files and
 * describes their format; the updates of the baseline, applied here and
 * there, are one function (fim_update_apply).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compat.h"
#include "fim-change.h"
#include "fim-replay.h"
#include "jsonutil.h"

/* Free n pending events and the array. */
void
fim_pending_free(struct fim_pending *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(p[i].text);
	free(p);
}

/* Append a copy of text as event id to *p (n, cap). Returns 0, or -1. */
int
fim_pending_add(struct fim_pending **p, size_t *n, size_t *cap, uint64_t id,
    const char *text, size_t len)
{
	struct fim_pending	*grown;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((grown = reallocarray(*p, *cap, sizeof(**p))) == NULL)
			return -1;
		*p = grown;
	}
	if (((*p)[*n].text = strndup(text, len)) == NULL)
		return -1;
	(*p)[*n].id = id;
	(*p)[*n].len = len;
	(*n)++;
	return 0;
}

/* Add path to the set s (a snapshot of paths; NULL: nothing). */
static void
fim_pathset_add(struct fim_snapshot *s, const char *path)
{
	struct fim_fstate	 f;

	if (s == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.path = (char *)path;
	fim_snap_set(s, &f);
}

/* Apply one update to base; dirty (may be NULL) follows the dirty paths. */
void
fim_update_apply(struct fim_snapshot *base, struct fim_snapshot *dirty,
    const struct fim_update *u)
{
	struct fim_fstate	 f;

	if (base == NULL)
		return;
	if (u->from != NULL)
		fim_snap_move(base, u->from, u->path);
	if (u->is_dirty) {
		fim_pathset_add(dirty, u->path);
		return;
	}
	if (dirty != NULL)
		fim_snap_gone(dirty, u->path);
	if (u->state != NULL) {
		f = *u->state;
		f.path = (char *)u->path;
		fim_snap_set(base, &f);
	} else if (u->from == NULL)
		fim_snap_gone(base, u->path);
}

/* One batch line: events up to through went into spool record seq. */
struct fim_replay_batch {
	uint64_t	 through;
	uint64_t	 seq;
};

/* A replay of the files of the last run. */
struct fim_replay {
	struct fim_snapshot	*base;
	uint64_t		 generation;
	struct fim_pending	*ev;		/* journalled, in order */
	size_t			 nev;
	size_t			 evcap;
	struct fim_replay_batch	*b;
	size_t			 nb;
	size_t			 bcap;
	uint64_t		*done;
	size_t			 ndone;
	size_t			 dcap;
	int64_t			 alive_ms;
	uint64_t		 next_id;
	struct fim_snapshot	*dirty;		/* paths not settled */
};

/* A new replay. */
struct fim_replay *
fim_replay_new(void)
{
	struct fim_replay	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->next_id = 1;
	if ((r->dirty = fim_snap_new()) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

/* Replay into base a journal of generation. */
void
fim_replay_base(struct fim_replay *r, struct fim_snapshot *base,
    uint64_t generation)
{
	r->base = base;
	r->generation = generation;
}

/* Free a replay (not its base). */
void
fim_replay_free(struct fim_replay *r)
{
	if (r == NULL)
		return;
	fim_pending_free(r->ev, r->nev);
	free(r->b);
	free(r->done);
	fim_snap_free(r->dirty);
	free(r);
}

/*
 * Keep event id (a JSON object, not taken) to send again if its batch
 * never reached the spool: marked "recovered", and a create or modify
 * without its hash says why. Returns 0, or -1.
 */
static int
fim_replay_keep(struct fim_replay *r, uint64_t id, struct json_object *ev)
{
	const char	*action, *text;
	size_t		 len;

	if (!json_object_is_type(ev, json_type_object) ||
	    json_get_string(ev, "path") == NULL ||
	    (action = json_get_string(ev, "action")) == NULL)
		return -1;
	json_object_object_add(ev, "recovered", json_object_new_boolean(1));
	if ((strcmp(action, "create") == 0 || strcmp(action, "modify") == 0) &&
	    !json_object_object_get_ex(ev, "sha256", NULL) &&
	    !json_object_object_get_ex(ev, "hash_skipped", NULL))
		json_add_string(ev, "hash_skipped", "crash");
	text = json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL || fim_pending_add(&r->ev, &r->nev, &r->evcap, id,
	    text, len) == -1)
		return -1;
	if (id >= r->next_id)
		r->next_id = id + 1;
	return 0;
}

/* A pending event of the snapshot. Returns 0, or -1. */
static int
fim_replay_pending(uint64_t id, const char *json, size_t len, void *arg)
{
	struct fim_replay	*r = arg;
	struct json_object	*ev;
	char			 err[128];
	int			 rc;

	if ((ev = json_parse_object(json, len, err, sizeof(err))) == NULL)
		return -1;
	rc = fim_replay_keep(r, id, ev);
	json_object_put(ev);
	return rc;
}

/* A dirty path of the snapshot. Returns 0, or -1. */
static int
fim_replay_dirty_path(const char *path, void *arg)
{
	struct fim_replay	*r = arg;

	fim_pathset_add(r->dirty, path);
	return 0;
}

static const struct fim_snap_extra fim_replay_extra = {
	fim_replay_pending, fim_replay_dirty_path, NULL
};

/* The snapshot's extras for replay r. */
void
fim_replay_extra_for(struct fim_snap_extra *x, struct fim_replay *r)
{
	*x = fim_replay_extra;
	x->arg = r;
}

/* An integer member >= 0 of o into *v. Returns 0, or -1. */
static int
fim_replay_uint(struct json_object *o, const char *key, uint64_t *v)
{
	int64_t	 n;

	if (json_get_int64(o, key, &n) == -1 || n < 0)
		return -1;
	*v = (uint64_t)n;
	return 0;
}

/* Element i of array a as an integer >= 0. Returns 0, or -1. */
static int
fim_replay_num(struct json_object *a, size_t i, uint64_t *v)
{
	struct json_object	*o = json_object_array_get_idx(a, i);
	int64_t			 n;

	if (!json_object_is_type(o, json_type_int))
		return -1;
	n = json_object_get_int64(o);
	if (n < 0)
		return -1;
	*v = (uint64_t)n;
	return 0;
}

/* Element i of array a as an absolute path, or NULL. */
static const char *
fim_replay_path(struct json_object *a, size_t i)
{
	struct json_object	*o = json_object_array_get_idx(a, i);
	const char		*s;

	if (!json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	return s[0] == '/' && strlen(s) < FIM_PATH_MAX ? s : NULL;
}

/* Decode update a into u (state into f). Returns 0, or -1. */
static int
fim_replay_update(struct json_object *a, struct fim_update *u,
    struct fim_fstate *f)
{
	uint64_t	 v[10];
	size_t		 n, first, i;

	memset(u, 0, sizeof(*u));
	memset(f, 0, sizeof(*f));
	if (!json_object_is_type(a, json_type_array) ||
	    (u->path = fim_replay_path(a, 0)) == NULL)
		return -1;
	n = json_object_array_length(a);
	first = 1;
	if (n == 2 || n == 12) {
		/* [path, from]: a rename, with or without a new state. */
		if ((u->from = fim_replay_path(a, 1)) == NULL)
			return -1;
		first = 2;
	}
	if (n == first)
		return 0;
	if (n != first + 10)
		return -1;
	for (i = 0; i < 10; i++)
		if (fim_replay_num(a, first + i, &v[i]) == -1)
			return -1;
	if (v[2] > 0177777 || v[3] > UINT32_MAX || v[4] > UINT32_MAX ||
	    v[5] > INT64_MAX || v[6] > INT64_MAX || v[7] > 999999999 ||
	    v[8] > INT64_MAX || v[9] > 999999999)
		return -1;
	fim_fstate_numbers(f, v);
	f->mtime_sec = (int64_t)v[6];
	f->mtime_nsec = (long)v[7];
	f->ctime_sec = (int64_t)v[8];
	f->ctime_nsec = (long)v[9];
	u->state = f;
	return 0;
}

/*
 * Check, then apply, the updates (arr) and dirty paths (dirty) of a
 * journal line. Returns 0, or -1.
 */
static int
fim_replay_updates(struct fim_replay *r, struct json_object *arr,
    struct json_object *dirty)
{
	struct fim_update	 u;
	struct fim_fstate	 f;
	size_t			 i, n = 0, nd = 0;

	if ((arr != NULL && !json_object_is_type(arr, json_type_array)) ||
	    (dirty != NULL && !json_object_is_type(dirty, json_type_array)))
		return -1;
	if (arr != NULL)
		n = json_object_array_length(arr);
	if (dirty != NULL)
		nd = json_object_array_length(dirty);
	for (i = 0; i < n; i++)
		if (fim_replay_update(json_object_array_get_idx(arr, i), &u,
		    &f) == -1)
			return -1;
	for (i = 0; i < nd; i++)
		if (fim_replay_path(dirty, i) == NULL)
			return -1;
	for (i = 0; i < n; i++) {
		fim_replay_update(json_object_array_get_idx(arr, i), &u, &f);
		fim_update_apply(r->base, r->dirty, &u);
	}
	for (i = 0; i < nd; i++)
		fim_pathset_add(r->dirty, fim_replay_path(dirty, i));
	return 0;
}

/* Append v to the array *a (n, cap). Returns 0, or -1. */
static int
fim_replay_push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	uint64_t	*grown;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((grown = reallocarray(*a, *cap, sizeof(**a))) == NULL)
			return -1;
		*a = grown;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/* One batch line. Returns 0, or -1. */
static int
fim_replay_batch(struct fim_replay *r, uint64_t through, uint64_t seq)
{
	struct fim_replay_batch	*grown;

	if (r->nb == r->bcap) {
		r->bcap = r->bcap ? r->bcap * 2 : 32;
		if ((grown = reallocarray(r->b, r->bcap,
		    sizeof(*r->b))) == NULL)
			return -1;
		r->b = grown;
	}
	r->b[r->nb].through = through;
	r->b[r->nb].seq = seq;
	r->nb++;
	return 0;
}

/* One journal line (a JSON object). Returns 0, or -1 (damaged). */
static int
fim_replay_object(struct fim_replay *r, struct json_object *o)
{
	struct json_object	*u = NULL, *k = NULL, *v = NULL;
	uint64_t		 id, seq, ms;

	if (fim_replay_uint(o, "t", &ms) == 0 && (int64_t)ms > r->alive_ms)
		r->alive_ms = (int64_t)ms;
	json_object_object_get_ex(o, "u", &u);
	json_object_object_get_ex(o, "k", &k);
	if (json_object_object_get_ex(o, "e", NULL)) {
		if (fim_replay_uint(o, "e", &id) == -1 || id == 0 ||
		    !json_object_object_get_ex(o, "v", &v) ||
		    fim_replay_updates(r, u, k) == -1)
			return -1;
		return fim_replay_keep(r, id, v);
	}
	if (u != NULL || k != NULL)
		return fim_replay_updates(r, u, k);
	if (json_object_object_get_ex(o, "b", NULL))
		return fim_replay_uint(o, "b", &id) == -1 ||
		    fim_replay_uint(o, "q", &seq) == -1 ? -1 :
		    fim_replay_batch(r, id, seq);
	if (json_object_object_get_ex(o, "d", NULL))
		return fim_replay_uint(o, "d", &seq) == -1 ? -1 :
		    fim_replay_push_u64(&r->done, &r->ndone, &r->dcap, seq);
	if (fim_replay_uint(o, "a", &ms) == 0)
		return 0;
	return -1;
}

/* Replay the journal text. Returns the lines applied, or -1 with err. */
int
fim_replay_text(struct fim_replay *r, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct json_object	*o;
	const char		*line, *end, *stop = text + len;
	char			 head[64], jerr[128];
	unsigned long long	 gen;
	int			 n = 0, rc;

	if ((end = memchr(text, '\n', len)) == NULL ||
	    (size_t)(end - text) >= sizeof(head)) {
		snprintf(err, errlen, "no header line");
		return -1;
	}
	memcpy(head, text, (size_t)(end - text));
	head[end - text] = '\0';
	if (sscanf(head, FIM_JOURNAL_MAGIC " %llu", &gen) != 1) {
		snprintf(err, errlen, "not a FIM journal");
		return -1;
	}
	if (gen != r->generation) {
		snprintf(err, errlen, "generation %llu, not the baseline's "
		    "%llu", gen, (unsigned long long)r->generation);
		return -1;
	}
	for (line = end + 1; line < stop; line = end + 1) {
		if ((end = memchr(line, '\n', (size_t)(stop - line))) == NULL)
			break;		/* torn: never completely written */
		o = json_parse_object(line, (size_t)(end - line), jerr,
		    sizeof(jerr));
		rc = o != NULL ? fim_replay_object(r, o) : -1;
		json_object_put(o);
		if (rc == -1)
			break;		/* damaged: trust nothing after it */
		n++;
	}
	return n;
}

/* Was spool record seq done with (acknowledged, refused, lost)? */
static int
fim_replay_is_done(const struct fim_replay *r, uint64_t seq)
{
	size_t	 i;

	if (seq == 0)
		return 1;
	for (i = 0; i < r->ndone; i++)
		if (r->done[i] == seq)
			return 1;
	return 0;
}

/* The events that never reached the spool, moved into *out. */
size_t
fim_replay_lost(struct fim_replay *r, int (*is_held)(uint64_t, void *),
    void *arg, struct fim_pending **out)
{
	struct fim_pending	*lost = NULL;
	size_t			 i, b = 0, n = 0, cap = 0;
	int			 is_safe;

	for (i = 0; i < r->nev; i++) {
		/* The batch that took event i, if any (batches in order). */
		while (b < r->nb && r->b[b].through < r->ev[i].id)
			b++;
		is_safe = b < r->nb && (fim_replay_is_done(r, r->b[b].seq) ||
		    (is_held != NULL && is_held(r->b[b].seq, arg)));
		if (is_safe)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			lost = reallocarray(lost, cap, sizeof(*lost));
			if (lost == NULL)
				break;
		}
		lost[n++] = r->ev[i];
		r->ev[i].text = NULL;
	}
	*out = lost;
	return lost != NULL ? n : 0;
}

/* Is action (of a lost event) one whose file the queue looks at? */
static int
fim_replay_is_looked(const char *action)
{
	return strcmp(action, "create") == 0 || strcmp(action, "modify") == 0 ||
	    strcmp(action, "attrib") == 0 || strcmp(action, "rename") == 0;
}

/* The dirty paths, and those of them that lost events changed. */
void
fim_replay_dirty(struct fim_replay *r, const struct fim_pending *lost,
    size_t nlost, struct fim_snapshot **out, struct fim_snapshot **attributed)
{
	struct json_object	*ev;
	const char		*path, *action;
	char			 err[64];
	size_t			 i;

	*attributed = fim_snap_new();
	for (i = 0; *attributed != NULL && i < nlost; i++) {
		if ((ev = json_parse_object(lost[i].text, lost[i].len, err,
		    sizeof(err))) == NULL)
			continue;
		path = json_get_string(ev, "path");
		action = json_get_string(ev, "action");
		if (path != NULL && action != NULL &&
		    fim_replay_is_looked(action) &&
		    fim_snap_find(r->dirty, path) != NULL)
			fim_pathset_add(*attributed, path);
		json_object_put(ev);
	}
	*out = r->dirty;
	r->dirty = NULL;
}

/* The last sign of life in the journal (ms since the epoch, or 0). */
int64_t
fim_replay_alive_ms(const struct fim_replay *r)
{
	return r->alive_ms;
}

/* The id after the highest one seen. */
uint64_t
fim_replay_next_id(const struct fim_replay *r)
{
	return r->next_id;
}

