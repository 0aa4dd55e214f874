/*
 * fim-owner.h: the FIM module's hold on the kernel audit pid (fim-owner.c):
 * the claim and its retry timer, the multicast copy while another holds
 * it, the holder named and watched, the one error of the audit state, the
 * kernel's settings saved (in memory and in state_dir) and restored as
 * owner, and the kernel's state as the last AUDIT_GET told it.
 */
#ifndef OUTPOST_FIM_OWNER_H
#define OUTPOST_FIM_OWNER_H

#include <stdint.h>
#include <time.h>

#include "audit.h"

struct event;
struct fim;
struct json_object;

/* What the module knows of the audit pid, and did about it. */
struct fim_owner {
	struct event		*retry;		/* claim, refused rules */
	time_t			 next_retry;
	int			 is_owner;
	int			 is_claiming;
	int			 claim_errno;
	time_t			 owner_since;
	/* Claimed while reading multicast: both until unicast flows. */
	int			 is_handover;
	uint64_t		 handover_ms;
	uint64_t		 handover_unicast;
	int			 mc_errno;	/* joining multicast failed */
	/* Another process holds the pid. */
	uint32_t		 holder_pid;
	char			 holder_comm[64];
	uint32_t		 last_holder;	/* for the log once it is gone */
	char			 last_comm[64];
	uint32_t		 watched;	/* holder pid watched for exit */
	/* The one error of the audit state: E701, E702, E705 or none. */
	int			 state_error;	/* enum error_code */
	/* The kernel's state, and the settings we changed as owner. */
	struct audit_state	 ks;
	int			 has_ks;
	struct audit_state	 saved;		/* as found before our change */
	struct audit_state	 set;		/* what we set */
	unsigned int		 changed;	/* AUDIT_SET_* we changed */
	int			 is_leftover;	/* saved by an earlier run */
	/* Status polls: one sent before a claim may answer after it. */
	uint64_t		 polls_sent;
	uint64_t		 polls_answered;
	uint64_t		 claim_poll_mark;	/* polls_sent at the claim */
};

/* Make the retry timer. Returns 0, or -1 (out of memory). */
int	fim_owner_init(struct fim *);
/*
 * At start: read the settings an earlier run saved before it changed them
 * (state_dir/fim-audit-saved): they are put back when this run lets go of
 * the pid, or at once when it will not take it and the pid is free.
 */
void	fim_owner_load_saved(struct fim *);
/* Uninstall, not owner: put back what an earlier run left, if we may. */
void	fim_owner_uninstall(struct fim *);
/* Free the retry timer. */
void	fim_owner_free(struct fim *);
/* Try to claim the audit pid (answered later). */
void	fim_owner_claim(struct fim *);
/* Let go of the audit pid, restoring the settings we changed. */
void	fim_owner_release(struct fim *);
/* Join the multicast group if we can (not owner). */
void	fim_owner_multicast_on(struct fim *);
/* Arm the retry timer at the configured interval, unless it is armed. */
void	fim_owner_retry_later(struct fim *);
/* Send the status poll (AUDIT_GET): counters, and who holds the pid. */
void	fim_owner_poll(struct fim *);
/* From the tick: leave multicast once unicast records flow. */
void	fim_owner_handover_tick(struct fim *, uint64_t now_ms);
/* Report (E702) or clear that rules are wanted but audit cannot open. */
void	fim_owner_unavailable(struct fim *, int is_wanted);
/* Not collecting: release, leave multicast, stop retrying, clear E701. */
void	fim_owner_stop(struct fim *);
/* outpost.conf was reloaded: a shorter retry interval applies at once. */
void	fim_owner_reconfigure(struct fim *);
/* Add holder_pid and holder_comm (null when none) to o. */
void	fim_owner_add_holder(const struct fim *, struct json_object *o);
/* Add the status members about the pid (holder to multicast) to o. */
void	fim_owner_status(const struct fim *, struct json_object *o);
/* Add the status object "kernel" (the last AUDIT_GET), if any, to o. */
void	fim_owner_kernel_status(const struct fim *, struct json_object *o);

#endif /* OUTPOST_FIM_OWNER_H */
