/*
 * fim-samples.c: audit records captured from a Linux 6.x kernel (x86_64)
 * and the helpers that assemble them, shared by the unit tests of the
 * record code (see fim-samples.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fim-samples.h"

/* touch a (openat O_CREAT), relative to the cwd. */
const struct rec ev_create[] = {
	{ 1300, "audit(1795258547.339:5): arch=c000003e syscall=257 "
	    "success=yes exit=3 a0=ffffff9c a1=7ffed525d9c7 a2=941 a3=1b6 "
	    "items=2 ppid=30814 pid=30875 auid=4294967295 uid=0 gid=0 "
	    "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) "
	    "ses=4294967295 comm=\"touch\" exe=\"/usr/bin/touch\" "
	    "key=\"testk\"" },
	{ 1307, "audit(1795258547.339:5): cwd=\"/tmp/fimexp/w\"" },
	{ 1302, "audit(1795258547.339:5): item=0 name=\"/tmp/fimexp/w\" "
	    "inode=10960890 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1302, "audit(1795258547.339:5): item=1 name=\"a\" inode=10960888 "
	    "dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE "
	    "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ 1327, "audit(1795258547.339:5): proctitle=746F7563680061" },
	{ 1320, "audit(1795258547.339:5): " },
	{ 0, NULL }
};

/* mv "sp ace.txt" moved (renameat2; a hex-encoded name). */
const struct rec ev_rename[] = {
	{ 1300, "audit(1795260260.507:10249): arch=c000003e syscall=316 "
	    "success=yes exit=0 a0=ffffff9c a1=7ffd7e4699bc a2=ffffff9c "
	    "a3=7ffd7e4699c7 items=4 ppid=20633 pid=20682 auid=4294967295 "
	    "uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
	    "tty=(none) ses=4294967295 comm=\"mv\" exe=\"/usr/bin/mv\" "
	    "key=\"outpost-fim\"" },
	{ 1307, "audit(1795260260.507:10249): cwd=\"/tmp/fimexp/cap\"" },
	{ 1302, "audit(1795260260.507:10249): item=0 name=\"/tmp/fimexp/cap\" "
	    "inode=10953079 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1302, "audit(1795260260.507:10249): item=1 name=\"/tmp/fimexp/cap\" "
	    "inode=10953079 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1302, "audit(1795260260.507:10249): item=2 "
	    "name=7370206163652E747874 inode=10953112 dev=fe:00 mode=0100644 "
	    "ouid=0 ogid=0 rdev=00:00 nametype=DELETE cap_fp=0 cap_fi=0 "
	    "cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ 1302, "audit(1795260260.507:10249): item=3 name=\"moved\" "
	    "inode=10953112 dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1327, "audit(1795260260.507:10249): "
	    "proctitle=6D76007370206163652E747874006D6F766564" },
	{ 1320, "audit(1795260260.507:10249): " },
	{ 0, NULL }
};

/* rm -r: unlinkat(dirfd 4, "c.txt"): the PARENT name is the cwd. */
const struct rec ev_unlinkat_fd[] = {
	{ 1300, "audit(1795259081.607:153): arch=c000003e syscall=263 "
	    "success=yes exit=0 a0=4 a1=55ebee520040 a2=0 a3=7f40b0049f80 "
	    "items=2 ppid=16214 pid=16382 auid=1000 uid=0 gid=0 euid=0 "
	    "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 "
	    "comm=\"rm\" exe=\"/usr/bin/rm\" key=\"outpost-fim\"" },
	{ 1307, "audit(1795259081.607:153): cwd=\"/work/main\"" },
	{ 1302, "audit(1795259081.607:153): item=0 name=\"/work/main\" "
	    "inode=10966387 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1302, "audit(1795259081.607:153): item=1 name=\"c.txt\" "
	    "inode=10966403 dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=DELETE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 "
	    "cap_frootid=0" },
	{ 1320, "audit(1795259081.607:153): " },
	{ 0, NULL }
};

/* sh -c 'echo hi > x': openat O_WRONLY|O_TRUNC of an existing file. */
const struct rec ev_modify[] = {
	{ 1300, "audit(1795258563.303:22): arch=c000003e syscall=257 "
	    "success=yes exit=3 a0=ffffff9c a1=55ae32fa5908 a2=241 a3=1b6 "
	    "items=1 ppid=31221 pid=31278 auid=4294967295 uid=0 gid=0 euid=0 "
	    "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	    "comm=\"sh\" exe=\"/usr/bin/dash\" key=\"testk\"" },
	{ 1307, "audit(1795258563.303:22): cwd=\"/tmp/fimexp/w\"" },
	{ 1302, "audit(1795258563.303:22): item=0 name=\"x\" inode=10953205 "
	    "dev=fe:00 mode=0100600 ouid=1 ogid=1 rdev=00:00 nametype=NORMAL "
	    "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ 1320, "audit(1795258563.303:22): " },
	{ 0, NULL }
};

/* chmod 600 x (fchmodat). */
const struct rec ev_chmod[] = {
	{ 1300, "audit(1795258563.299:20): arch=c000003e syscall=268 "
	    "success=yes exit=0 a0=ffffff9c a1=56320554bc20 a2=180 "
	    "a3=7f9a056effb8 items=1 ppid=31221 pid=31276 auid=4294967295 "
	    "uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
	    "tty=(none) ses=4294967295 comm=\"chmod\" exe=\"/usr/bin/chmod\" "
	    "key=(null)" },
	{ 1307, "audit(1795258563.299:20): cwd=\"/tmp/fimexp/w\"" },
	{ 1302, "audit(1795258563.299:20): item=0 name=\"x\" inode=10953205 "
	    "dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL "
	    "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ 1320, "audit(1795258563.299:20): " },
	{ 0, NULL }
};

/* Events handed out by the assembler, copied. */
struct fim_raw_event	 got[16];
int			 ngot;

/* The assembler's callback: keep a deep copy. */
void
collect(const struct fim_raw_event *ev, void *arg)
{
	int	 i;

	assert_true(ngot < 16);
	got[ngot] = *ev;
	for (i = 0; i < ev->nrecords; i++)
		got[ngot].records[i].body = strdup(ev->records[i].body);
	ngot++;
}

/* Free the collected events. */
void
collected_free(void)
{
	int	 i, j;

	for (i = 0; i < ngot; i++)
		for (j = 0; j < got[i].nrecords; j++)
			free(got[i].records[j].body);
	ngot = 0;
}

/* Feed records from source; returns the sum of fim_asm_add() results. */
int
feed(struct fim_assembler *as, const struct rec *r, int source, uint64_t now)
{
	char	 err[256];
	int	 sum = 0, rc;

	for (; r->text != NULL; r++) {
		rc = fim_asm_add(as, r->type, r->text, strlen(r->text), source,
		    now, err, sizeof(err));
		assert_int_not_equal(rc, -1);
		sum += rc;
	}
	return sum;
}

/* Assemble one event's records and decode it. Returns decode's result. */
int
sample_decode(const struct rec *r, struct fim_syscall *sc, char *err,
    size_t errlen)
{
	struct fim_assembler	*as;
	int			 rc;

	as = fim_asm_new(collect, NULL, 1000);
	assert_non_null(as);
	assert_int_equal(feed(as, r, 0, 10), 0);
	fim_asm_flush(as);
	assert_int_equal(ngot, 1);
	rc = fim_syscall_decode(&got[0], sc, err, errlen);
	collected_free();
	fim_asm_free(as);
	return rc;
}
