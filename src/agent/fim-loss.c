/*
 * fim-loss.c: what the FIM module lost, counted by cause and reported.
 *
 * Five causes: records the kernel dropped (its lost counter, read by the
 * status poll; its growth while collecting is ours), events whose serials
 * never arrived (the assembler's gaps), socket overruns (the transport),
 * events over our queue and batches the spool refused (fim-queue.c). The
 * total is reported (E704) at most once a minute while it grows, and every
 * counter is in the status and the heartbeat. The total also counts the
 * unclean stops and the changes found in their windows without who-data
 * (fim-catchup.c reports those as E706), so that a total of 0 means that
 * nothing was lost.
 */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "errors.h"
#include "fim-assemble.h"
#include "fim-int.h"
#include "fim-queue.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"

#define FIM_LOSS_REPORT_SECONDS	60

/* Note the kernel's lost counter; while collecting, its growth is ours. */
void
fim_loss_kernel(struct fim *fim, uint32_t lost)
{
	struct fim_loss	*l = &fim->loss;

	if (fim->is_active && l->has_last_lost)
		l->kernel += (uint32_t)(lost - l->last_lost);
	l->last_lost = lost;
	l->has_last_lost = 1;
}

/* The kernel's lost counter counts from the next look on. */
void
fim_loss_restart(struct fim *fim)
{
	fim->loss.has_last_lost = 0;
}

/* The transport's socket overran: the kernel dropped records for us. */
void
fim_loss_overrun_cb(enum audit_source source, void *arg)
{
	struct fim	*fim = arg;

	if (!fim->is_active)
		return;
	/* Only the socket that carries our records matters. */
	if ((source == AUDIT_SOURCE_UNICAST) == (fim->owner.is_owner != 0)) {
		fim->loss.socket++;
		log_warnx("fim: the audit %s socket overran; records were "
		    "lost", source == AUDIT_SOURCE_UNICAST ? "unicast" :
		    "multicast");
	}
}

/* Every loss so far; the assembler's and queue's counters into as, qs. */
static uint64_t
fim_loss_total(const struct fim *fim, struct fim_asm_stats *as,
    struct fim_queue_stats *qs)
{
	fim_asm_stats(fim->as, as);
	fim_queue_stats(fim->queue, qs);
	return fim->loss.kernel + as->gaps + fim->loss.socket +
	    qs->lost_queue + qs->lost_spool + fim->loss.unclean +
	    fim->loss.who;
}

/* Report losses (E704) at most once a minute while they grow. */
void
fim_loss_report(struct fim *fim)
{
	struct fim_loss		*l = &fim->loss;
	struct fim_asm_stats	 as;
	struct fim_queue_stats	 qs;
	uint64_t		 total;
	time_t			 now = time(NULL);

	/* An unclean stop's window is E706's (fim-catchup.c). */
	total = fim_loss_total(fim, &as, &qs) - l->unclean - l->who;
	if (total <= l->reported ||
	    now - l->reported_at < FIM_LOSS_REPORT_SECONDS)
		return;
	report_error(fim->env->report, ERR_AUDIT_LOST, "%llu lost since "
	    "start: %llu records dropped by the kernel (backlog %u of %u), "
	    "%llu events never delivered (serial gaps), %llu socket "
	    "overruns, %llu events over the agent's queue, %llu refused by "
	    "the spool", (unsigned long long)total,
	    (unsigned long long)l->kernel, fim->owner.ks.backlog,
	    fim->owner.ks.backlog_limit, (unsigned long long)as.gaps,
	    (unsigned long long)l->socket,
	    (unsigned long long)qs.lost_queue,
	    (unsigned long long)qs.lost_spool);
	l->reported = total;
	l->reported_at = now;
}

/* Add the loss counters to o. */
void
fim_loss_status(struct fim *fim, struct json_object *o)
{
	struct fim_asm_stats	 as;
	struct fim_queue_stats	 qs;
	uint64_t		 total;

	total = fim_loss_total(fim, &as, &qs);
	json_add_int64(o, "lost_total", (int64_t)total);
	json_add_int64(o, "lost_kernel", (int64_t)fim->loss.kernel);
	json_add_int64(o, "lost_gaps", (int64_t)as.gaps);
	json_add_int64(o, "lost_socket", (int64_t)fim->loss.socket);
	json_add_int64(o, "lost_queue", (int64_t)qs.lost_queue);
	json_add_int64(o, "lost_spool", (int64_t)qs.lost_spool);
	json_add_int64(o, "lost_unclean", (int64_t)fim->loss.unclean);
	json_add_int64(o, "lost_who", (int64_t)fim->loss.who);
}
