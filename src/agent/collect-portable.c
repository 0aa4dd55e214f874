/*
 * collect-portable.c: the system-specific collectors where there is no Linux
 * /proc or /sys: cpu and memory from sysconf(3) (for the host's own root
 * only), interfaces and MACs from getifaddrs(3). Listening sockets and
 * kernel modules are not collected on these systems yet.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#ifdef AF_LINK
#include <net/if_dl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "collect.h"
#include "jsonutil.h"

/* cpu: the number of processors (no model without /proc/cpuinfo). */
static enum collect_rc
collect_cpu_step(struct collect_job *job)
{
	struct json_object	*o;
	long			 n;

	if (!collect_root_is_host(job))
		return collect_fail(job, "cpu: only the host's own root can be "
		    "read on this system");
	o = json_object_new_object();
	json_object_object_add(o, "model", NULL);
	n = sysconf(_SC_NPROCESSORS_CONF);
	json_add_int64(o, "count", n > 0 ? n : 0);
	return collect_done(job, o);
}

const struct collector collect_cpu = { "cpu", 0, collect_cpu_step, NULL };

/* memory: physical pages times page size. */
static enum collect_rc
collect_memory_step(struct collect_job *job)
{
	struct json_object	*o;
	long			 pages, size;

	if (!collect_root_is_host(job))
		return collect_fail(job, "memory: only the host's own root can "
		    "be read on this system");
	pages = sysconf(_SC_PHYS_PAGES);
	size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return collect_fail(job, "sysconf(_SC_PHYS_PAGES): %s",
		    strerror(errno));
	o = json_object_new_object();
	json_add_int64(o, "total_bytes", (int64_t)pages * size);
	return collect_done(job, o);
}

const struct collector collect_memory = { "memory", 0, collect_memory_step,
    NULL };

const struct collector collect_listening = { "listening", 0, NULL, NULL };

/* Nothing is kept between scans here. */
void
collect_os_forget(void)
{
}
const struct collector collect_kernel_modules = { "kernel_modules", 0, NULL,
    NULL };

/* Order strings. */
static int
collect_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The interface names of getifaddrs(3), sorted. Returns 0, or -1. */
int
collect_os_interfaces(struct collect_job *job, char ***names, size_t *count)
{
	struct ifaddrs	*ifa, *i;
	char		**v = NULL, **nv;
	size_t		 n = 0, k;

	*names = NULL;
	*count = 0;
	if (getifaddrs(&ifa) == -1) {
		collect_fail(job, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		for (k = 0; k < n; k++)
			if (strcmp(v[k], i->ifa_name) == 0)
				break;
		if (k < n)
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (nv[n] = strdup(i->ifa_name)) == NULL) {
			if (nv != NULL)
				v = nv;
			while (n > 0)
				free(v[--n]);
			free(v);
			freeifaddrs(ifa);
			collect_fail(job, "getifaddrs: out of memory");
			return -1;
		}
		v = nv;
		n++;
	}
	freeifaddrs(ifa);
	if (v != NULL)
		qsort(v, n, sizeof(*v), collect_str_cmp);
	*names = v;
	*count = n;
	return 0;
}

/* The MAC of interface name from getifaddrs(3) (AF_LINK), or "". */
void
collect_os_mac(struct collect_job *job, const char *name, char *buf,
    size_t len)
{
#ifdef AF_LINK
	struct ifaddrs		*ifa, *i;
	struct sockaddr_dl	*sdl;
	const unsigned char	*mac;
	size_t			 k, off = 0;

	buf[0] = '\0';
	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_LINK ||
		    strcmp(i->ifa_name, name) != 0)
			continue;
		sdl = (struct sockaddr_dl *)i->ifa_addr;
		mac = (const unsigned char *)LLADDR(sdl);
		for (k = 0; k < sdl->sdl_alen && off + 3 < len; k++)
			off += (size_t)snprintf(buf + off, len - off, "%s%02x",
			    k ? ":" : "", mac[k]);
		break;
	}
	freeifaddrs(ifa);
#else
	buf[0] = '\0';
#endif
}
