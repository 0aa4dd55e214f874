/*
 * fim-owner.h: the FIM module's hold on the kernel audit pid (fim-owner.c):
 * the claim and its retry timer, the multicast copy while another holds
 * it, the holder named, the kernel's settings saved and restored as owner,
 * and the kernel's state as the last AUDIT_GET told it.
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
	uint32_t		 held_reported;	/* holder pid of our E701 */
	int			 unavailable_reported;	/* E702 */
	/* The kernel's state, and the settings we changed as owner. */
	struct audit_state	 ks;
	int			 has_ks;
	struct audit_state	 saved;
	unsigned int		 changed;	/* AUDIT_SET_* we changed */
	/* Status polls: one sent before a claim may answer after it. */
	uint64_t		 polls_sent;
	uint64_t		 polls_answered;
	uint64_t		 claim_poll_mark;	/* polls_sent at the claim */
};

/* Make the retry timer. Returns 0, or -1 (out of memory). */
int	fim_owner_init(struct fim *);
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
