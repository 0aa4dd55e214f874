/*
 * healthcheck.h: "outpostctl healthcheck". The daemon runs, on its loop,
 * the checks a support engineer would, each giving one line: a name, a
 * result, what was found and a hint to fix it.
 *
 * A check that needs I/O calls hc_hold() before it starts and hc_add()
 * then hc_release() when it is done; the report is sent when nothing is
 * held any more.
 */
#ifndef OUTPOST_HEALTHCHECK_H
#define OUTPOST_HEALTHCHECK_H

struct agent;
struct json_object;
struct healthcheck;

enum hc_result {
	HC_PASS = 0,
	HC_WARN,
	HC_FAIL,
	HC_SKIP
};

/*
 * Add one line: check is a short dotted name ("tls.verify"), hint what
 * to do about a WARN or FAIL (NULL for PASS), the rest what was found.
 */
void	hc_add(struct healthcheck *, const char *check, enum hc_result,
	    const char *hint, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* An asynchronous check starts ... */
void	hc_hold(struct healthcheck *);
/* ... and ends (after its hc_add()). May send the report. */
void	hc_release(struct healthcheck *);

/*
 * Run every check of agent; done(report, arg) gets
 * {"result":"PASS|WARN|FAIL","checks":[{check,result,message,hint}]}
 * (the callee owns it). Returns 0, or -1 if out of memory.
 */
int	healthcheck_run(struct agent *,
	    void (*done)(struct json_object *report, void *), void *arg);

#endif /* OUTPOST_HEALTHCHECK_H */
