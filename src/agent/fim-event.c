/*
 * fim-event.c: the FIM module's record path, from the audit transport to
 * the queue.
 *
 * Each record the transport reads goes to the assembler (fim-assemble.c);
 * a multicast copy is dropped while we own the pid, but for the handover.
 * Each assembled event is decoded (fim-record.c); a CONFIG_CHANGE in it
 * may say another program removed a rule of ours (fim-rules.c); the
 * syscalls of this very process are ignored. The file changes it
 * describes (fim-change.c, paths resolved through /proc and the directory
 * cache of fim-dirs.c) that a manifest rule wants become FIM events,
 * written as JSON text once and queued (fim-queue.c) with what the queue
 * should learn of the file before sending: its hash (create, modify), its
 * state (attrib, rename) or nothing (delete). Each queued event goes into
 * the journal of the durable baseline (fim-journal.c) with the state of
 * its file, so that neither the change nor who made it is lost to a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "fim-assemble.h"
#include "fim-change.h"
#include "fim-int.h"
#include "fim-queue.h"
#include "fim-record.h"
#include "log.h"

#define FIM_CHANGES_MAX		2	/* file changes of one syscall */

/* Allocate the changes buffer. Returns 0, or -1. */
int
fim_event_init(struct fim *fim)
{
	fim->events.changes = calloc(FIM_CHANGES_MAX,
	    sizeof(*fim->events.changes));
	return fim->events.changes != NULL ? 0 : -1;
}

/* Free the buffers. */
void
fim_event_free(struct fim *fim)
{
	free(fim->events.changes);
	fim->events.changes = NULL;
	fim_text_free(&fim->events.text);
}

/* One record from the transport: into the assembler. */
void
fim_event_record_cb(int type, const char *text, size_t len,
    enum audit_source source, void *arg)
{
	struct fim	*fim = arg;
	char		 err[256];

	if (!fim->is_active)
		return;
	if (source == AUDIT_SOURCE_MULTICAST && fim->owner.is_owner &&
	    !fim->owner.is_handover)
		return;
	if (fim_asm_add(fim->as, type, text, len, (int)source, clock_mono_ms(),
	    err, sizeof(err)) == -1 && fim->events.bad_records++ < 10)
		log_warnx("fim: audit record of type %d refused: %s", type,
		    err);
}

/* Read now what the kernel delivered to our sockets (both in a handover). */
void
fim_event_drain(struct fim *fim)
{
	if (fim->audit == NULL)
		return;
	audit_drain(fim->audit, AUDIT_SOURCE_UNICAST, 1 << 20);
	if (audit_is_multicast(fim->audit))
		audit_drain(fim->audit, AUDIT_SOURCE_MULTICAST, 1 << 20);
}

/* An id, or JSON null when unset. */
static void
fim_event_id(struct fim_text *t, const char *key, int64_t id)
{
	if (id < 0)
		fim_text_null(t, key);
	else
		fim_text_int(t, key, id);
}

/* The file's state as the syscall found it ("before", and for a delete). */
static void
fim_event_before(struct fim_text *t, const struct fim_change *ch)
{
	char	 text[32];

	snprintf(text, sizeof(text), "%04o", ch->item->mode & 07777);
	fim_text_open(t, "before");
	fim_text_string(t, "mode", text);
	fim_event_id(t, "owner_uid", ch->item->ouid);
	fim_event_id(t, "owner_gid", ch->item->ogid);
	fim_text_close(t);
	if (ch->action == FIM_DELETE) {
		fim_text_string(t, "mode", text);
		fim_event_id(t, "owner_uid", ch->item->ouid);
		fim_event_id(t, "owner_gid", ch->item->ogid);
	}
}

/* The process that made the change: ids, names, program, terminal. */
static void
fim_event_actor(struct fim *fim, struct fim_text *t,
    const struct fim_syscall *sc)
{
	fim_text_int(t, "pid", sc->pid);
	fim_text_int(t, "ppid", sc->ppid);
	fim_event_id(t, "uid", sc->uid);
	fim_event_id(t, "euid", sc->euid);
	fim_event_id(t, "auid", sc->auid);
	fim_text_string(t, "user", fim_users_name(&fim->users, sc->uid));
	if (sc->auid >= 0)
		fim_text_string(t, "auser", fim_users_name(&fim->users,
		    sc->auid));
	fim_text_string(t, "exe", sc->exe);
	fim_text_string(t, "comm", sc->comm);
	fim_text_string(t, "cwd", sc->cwd);
	if (sc->tty != NULL)
		fim_text_string(t, "tty", sc->tty);
}

/*
 * The FIM event of one change, as JSON text in fim->events.text. The
 * inode goes in only when with_inode is set (else the queue adds it, or
 * the one it finds).
 */
static void
fim_event_text(struct fim *fim, const struct fim_syscall *sc,
    const struct fim_change *ch, int rule, int with_inode)
{
	struct fim_text		*t = &fim->events.text;
	const char		*name;
	char			 text[32];

	fim_text_begin(t, 0);
	fim_text_int(t, "time", sc->stamp.sec);
	fim_text_int(t, "time_ms", sc->stamp.sec * 1000 + sc->stamp.msec);
	fim_text_string(t, "path", ch->path);
	fim_text_string(t, "action", fim_action_name(ch->action));
	if (ch->action == FIM_RENAME)
		fim_text_string(t, "old_path", ch->old_path);
	fim_text_string(t, "rule", fim->rules.rules[rule].path);
	if ((name = fim_syscall_name(sc->arch, sc->syscall)) != NULL)
		fim_text_string(t, "syscall", name);
	else {
		snprintf(text, sizeof(text), "%d", sc->syscall);
		fim_text_string(t, "syscall", text);
	}
	fim_text_bool(t, "success", sc->success != 0);
	if (sc->success == 0)
		fim_text_int(t, "exit", sc->exit);
	fim_event_actor(fim, t, sc);
	if (with_inode && ch->item != NULL && ch->item->has_inode)
		fim_text_int(t, "inode", (int64_t)ch->item->inode);
	if (ch->item != NULL && ch->item->has_mode)
		fim_event_before(t, ch);
	if (!ch->is_resolved)
		fim_text_bool(t, "path_guessed", 1);
	fim_text_int(t, "audit_serial", (int64_t)sc->stamp.serial);
	fim_text_close(t);
}

/* What the queue learns of the file before sending the event. */
static enum fim_look
fim_event_look(const struct fim_syscall *sc, const struct fim_change *ch)
{
	if (sc->success == 0)
		return FIM_LOOK_NONE;
	switch (ch->action) {
	case FIM_CREATE:
	case FIM_MODIFY:
		return FIM_LOOK_HASH;
	case FIM_ATTRIB:
	case FIM_RENAME:
		return FIM_LOOK_STAT;
	default:
		return FIM_LOOK_NONE;
	}
}

/*
 * The baseline after change ch (fim-journal.c): the file's state now, or
 * gone; a rename moves the old path (and what is below it). Returns the
 * number of updates in u.
 */
static int
fim_event_updates(const struct fim_syscall *sc, const struct fim_change *ch,
    struct fim_update *u, struct fim_fstate *f)
{
	memset(u, 0, sizeof(*u));
	u->path = ch->path;
	if (ch->action == FIM_RENAME)
		u->from = ch->old_path;
	/*
	 * A create or modify is an open: the writes follow it. The file's
	 * state goes into the baseline once the queue looked at it.
	 */
	if (ch->action != FIM_DELETE && fim_event_look(sc, ch) !=
	    FIM_LOOK_NONE)
		u->is_dirty = 1;
	else if (ch->action != FIM_DELETE && fim_journal_stat(ch->path,
	    f) == 0)
		u->state = f;
	return 1;
}

/* One change of an event: a FIM event if a rule wants it. */
static void
fim_event_change(struct fim *fim, const struct fim_syscall *sc,
    const struct fim_change *ch)
{
	struct fim_update	 u;
	struct fim_fstate	 f;
	enum fim_look		 look;
	int64_t			 ev_inode;
	uint64_t		 id;
	int			 rule, n;

	rule = fim_rules_match(&fim->rules, ch->path, ch->action);
	if (rule < 0 && ch->action == FIM_RENAME)
		rule = fim_rules_match(&fim->rules, ch->old_path, ch->action);
	if (rule < 0)
		return;
	if (!ch->is_resolved)
		fim->events.unresolved++;
	/* Not the catch-up's at start; the listing at stop follows it. */
	fim_catchup_seen(fim, ch->path);
	if (ch->action == FIM_RENAME)
		fim_catchup_seen(fim, ch->old_path);
	look = fim_event_look(sc, ch);
	fim_event_text(fim, sc, ch, rule, look == FIM_LOOK_NONE);
	ev_inode = look != FIM_LOOK_NONE && ch->item != NULL &&
	    ch->item->has_inode ? (int64_t)ch->item->inode : -1;
	fim->events.matched++;
	fim->events.last = time(NULL);
	log_debug("fim: %s %s by pid %lld (%s)", fim_action_name(ch->action),
	    ch->path, (long long)sc->pid, sc->comm != NULL ? sc->comm : "?");
	if (fim->events.text.is_failed) {
		/* Out of memory: counted as over the queue. */
		fim_queue_push_text(fim->queue, NULL, 0, 0, -1, FIM_LOOK_NONE,
		    NULL, 0);
		return;
	}
	id = fim_journal_next_id(fim);
	if (fim_queue_push_text(fim->queue, fim->events.text.buf,
	    fim->events.text.len, id, ev_inode, look, look != FIM_LOOK_NONE ?
	    ch->path : NULL, ch->item != NULL ? ch->item->inode : 0) == -1)
		return;
	/* Durable from the end of this loop turn, with the file's state. */
	n = fim_event_updates(sc, ch, &u, &f);
	fim_journal_event(fim, id, fim->events.text.buf, fim->events.text.len,
	    &u, n);
}

/* Does the event hold a CONFIG_CHANGE record? */
static int
fim_event_has_config(const struct fim_raw_event *raw)
{
	int	 i;

	for (i = 0; i < raw->nrecords; i++)
		if (raw->records[i].type == FIM_T_CONFIG_CHANGE)
			return 1;
	return 0;
}

/* An assembled event: turn it into FIM events. */
void
fim_event_cb(const struct fim_raw_event *raw, void *arg)
{
	struct fim		*fim = arg;
	struct fim_syscall	 sc;
	struct fim_change	*ch = fim->events.changes;
	char			 err[256];
	int			 i, n, rc, has_config;

	/* Every record up to here was read (fim-journal.c settles by it). */
	if ((int64_t)raw->stamp.sec * 1000 + raw->stamp.msec >
	    fim->events.stamp_ms)
		fim->events.stamp_ms = (int64_t)raw->stamp.sec * 1000 +
		    raw->stamp.msec;
	has_config = fim_event_has_config(raw);
	rc = fim_syscall_decode(raw, &sc, err, sizeof(err));
	if (rc == -1) {
		if (fim->events.bad_records++ < 10)
			log_warnx("fim: audit event %u: %s",
			    raw->stamp.serial, err);
		return;
	}
	if (has_config)
		fim_rules_config_change(fim, raw, rc == 1 ? &sc : NULL);
	if (rc == 0)
		return;
	if (sc.pid == (int64_t)getpid()) {
		fim->events.ignored_self++;
		fim_syscall_clear(&sc);
		return;
	}
	n = fim_changes(&sc, fim_rules_is_key(sc.key, fim->key), fim_dirs_resolve,
	    &fim->dirs, ch, FIM_CHANGES_MAX);
	fim_dirs_learn_event(&fim->dirs, &sc, ch, n);
	for (i = 0; i < n; i++)
		fim_event_change(fim, &sc, &ch[i]);
	fim_syscall_clear(&sc);
}
