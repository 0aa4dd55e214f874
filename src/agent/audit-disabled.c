/*
 * audit-disabled.c: no kernel audit system (built without netlink, or on a
 * system other than Linux). Every call fails with ENOTSUP, so the FIM
 * module reports itself disabled.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "audit.h"

/* The backend's name. */
const char *
audit_backend(void)
{
	return "none";
}

/* There is nothing to open. Returns NULL with errno ENOTSUP. */
struct audit *
audit_open(struct event_base *base, const struct audit_callbacks *cb)
{
	errno = ENOTSUP;
	return NULL;
}

/* Nothing to close. */
void
audit_close(struct audit *a)
{
}

/* Returns -ENOTSUP. */
int
audit_multicast_join(struct audit *a)
{
	return -ENOTSUP;
}

/* Nothing to leave. */
void
audit_multicast_leave(struct audit *a)
{
}

/* Never joined. */
int
audit_is_multicast(struct audit *a)
{
	return 0;
}

/* Returns -ENOTSUP. */
int
audit_drain(struct audit *a, enum audit_source source, int max)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_get_state(struct audit *a, audit_state_fn fn, void *arg)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_set_pid(struct audit *a, uint32_t pid, audit_done_fn done, void *arg)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_set(struct audit *a, unsigned int mask, const struct audit_state *st,
    audit_done_fn done, void *arg)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_add_watch(struct audit *a, const struct audit_watch *w,
    audit_done_fn done, void *arg)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_del_raw(struct audit *a, const void *raw, size_t len,
    audit_done_fn done, void *arg)
{
	return -ENOTSUP;
}

/* Returns -ENOTSUP. */
int
audit_list_rules(struct audit *a, const char *key_wanted, audit_rule_fn each,
    audit_done_fn done, void *arg)
{
	return -ENOTSUP;
}

/* Nothing to wait for. */
int
audit_wait(struct audit *a, int timeout_ms)
{
	return 0;
}

/* Nothing pending. */
int
audit_pending(struct audit *a)
{
	return 0;
}

/* All zero. */
void
audit_get_stats(struct audit *a, struct audit_stats *st)
{
	memset(st, 0, sizeof(*st));
}

/* Returns -ENOTSUP. */
int
audit_watch_holder(struct audit *a, uint32_t pid, void (*gone)(void *),
    void *arg)
{
	return -ENOTSUP;
}
