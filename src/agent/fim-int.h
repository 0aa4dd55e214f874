/*
 * fim-int.h: the FIM module's state, shared by the files of the module and
 * by no other: fim.c (the module: configuration, status, life cycle),
 * fim-owner.c (the audit pid), fim-rules.c (the kernel's rules),
 * fim-event.c (records in, FIM events out), fim-loss.c, fim-dirs.c,
 * fim-users.c, fim-journal.c (the durable baseline) and fim-catchup.c.
 * Each part keeps its state in a member of
 * struct fim whose type its own header declares; the members above them
 * are the module's.
 */
#ifndef OUTPOST_FIM_INT_H
#define OUTPOST_FIM_INT_H

#include <sys/types.h>

#include <stdint.h>

#include "fim-catchup.h"
#include "fim-dirs.h"
#include "fim-event.h"
#include "fim-journal.h"
#include "fim-loss.h"
#include "fim-owner.h"
#include "fim-rules.h"
#include "fim-users.h"
#include "fim.h"

#define FIM_STOP_TIMEOUT_MS	3000	/* a kernel answer at stop, at most */

struct agent_env;
struct audit;
struct event;
struct fim_assembler;
struct fim_queue;

struct fim {
	const struct agent_env	*env;
	struct audit		*audit;		/* NULL: unavailable */
	int			 open_errno;
	struct fim_assembler	*as;
	struct fim_queue	*queue;
	struct event		*tick;
	struct event		*poll;
	struct event		*kick;		/* claim / reconcile soon */
	char			 key[FIM_KEY_MAX];	/* of our rules */

	/* What the manifest and profile say. */
	struct fim_rules	 rules;
	int			 has_manifest;
	int64_t			 manifest_version;
	char			 manifest_error[256];
	int			 is_paused;
	int			 profile_enabled;	/* -1: no profile */
	int			 is_active;

	/* Life cycle. */
	int			 is_stopping;
	int			 is_starting;	/* inside fim_new() */
	int			 need_reconcile;
	int			 is_uninstalled;
	int			 was_active;	/* our rules went in once */
	int			 stale_checked;	/* not collecting: rules
						   left by a crash removed */
	unsigned int		 polls;		/* status polls by the timer */

	/* The parts, each in its own file. */
	struct fim_kernel_rules	 kernel;	/* fim-rules.c */
	struct fim_owner	 owner;		/* fim-owner.c */
	struct fim_loss		 loss;		/* fim-loss.c */
	struct fim_events	 events;	/* fim-event.c */
	struct fim_dirs		 dirs;		/* fim-dirs.c */
	struct fim_users	 users;		/* fim-users.c */
	struct fim_catchup	 catchup;	/* fim-catchup.c */
	struct fim_journal	 journal;	/* fim-journal.c */
	struct fim_queue_hooks	 queue_hooks;	/* the journal's */
};

/* Run the claim, the reconcile asked for and the catch-up in ms (fim.c). */
void	fim_kick(struct fim *, int ms);

#endif /* OUTPOST_FIM_INT_H */
