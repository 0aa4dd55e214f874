/*
 * test_fim_record.c: audit record parsing, assembly by serial (duplicates,
 * gaps, timeouts), decoding and the file changes of real record texts
 * captured from a Linux 6.x kernel (x86_64), and the manifest's rules.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fim-record.h"
#include "fim-rules.h"
#include "fim-scan.h"

/* One captured record. */
struct rec {
	int		 type;
	const char	*text;
};

/* touch a (openat O_CREAT), relative to the cwd. */
static const struct rec ev_create[] = {
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
static const struct rec ev_rename[] = {
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
static const struct rec ev_unlinkat_fd[] = {
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
static const struct rec ev_modify[] = {
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
static const struct rec ev_chmod[] = {
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
static struct fim_raw_event	 got[16];
static int			 ngot;

/* The assembler's callback: keep a deep copy. */
static void
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
static void
collected_free(void)
{
	int	 i, j;

	for (i = 0; i < ngot; i++)
		for (j = 0; j < got[i].nrecords; j++)
			free(got[i].records[j].body);
	ngot = 0;
}

/* Feed records from source; returns the sum of fim_asm_add() results. */
static int
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

static void
test_stamp(void **state)
{
	struct fim_stamp	 st;
	char			 err[128];
	const char		*t = "audit(1795258547.339:5): arch=c000003e";

	assert_int_equal(fim_parse_stamp(t, strlen(t), &st, err, sizeof(err)),
	    25);
	assert_true(st.sec == 1795258547);
	assert_int_equal(st.msec, 339);
	assert_int_equal(st.serial, 5);
	t = "audit(1795258547.339:4294967296): ";
	assert_int_equal(fim_parse_stamp(t, strlen(t), &st, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "serial"));
	t = "audit(17.1000:5): ";
	assert_int_equal(fim_parse_stamp(t, strlen(t), &st, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "milliseconds"));
	t = "type=SYSCALL msg=audit(1.2:3): ";
	assert_int_equal(fim_parse_stamp(t, strlen(t), &st, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "offset 0: expected \"audit(\"");
	assert_int_equal(fim_parse_stamp("audit(", 6, &st, err, sizeof(err)),
	    -1);
}

static void
test_fields(void **state)
{
	char	 v[64], err[128];

	assert_int_equal(fim_field("item=2 name=7370206163652E747874 "
	    "inode=1", "name", v, sizeof(v), err, sizeof(err)), 1);
	assert_string_equal(v, "sp ace.txt");
	assert_int_equal(fim_field("comm=\"touch\" exe=\"/usr/bin/x y\"",
	    "exe", v, sizeof(v), err, sizeof(err)), 1);
	assert_string_equal(v, "/usr/bin/x y");
	/* Not a string field: hex digits stay as they are. */
	assert_int_equal(fim_field("a0=ffffff9c a1=7f", "a0", v, sizeof(v),
	    err, sizeof(err)), 1);
	assert_string_equal(v, "ffffff9c");
	assert_int_equal(fim_field("key=(null)", "key", v, sizeof(v), err,
	    sizeof(err)), 1);
	assert_string_equal(v, "(null)");
	/* Several keys: hex with 0x01 between them. */
	assert_int_equal(fim_field("key=6F7468657201" "6F7574706F73742D66696D",
	    "key", v, sizeof(v), err, sizeof(err)), 1);
	assert_string_equal(v, "other\001outpost-fim");
	assert_int_equal(fim_field("pid=1", "uid", v, sizeof(v), err,
	    sizeof(err)), 0);
	assert_int_equal(fim_field("avc:  denied  { read } for pid=3",
	    "pid", v, sizeof(v), err, sizeof(err)), 1);
	assert_string_equal(v, "3");
	assert_int_equal(fim_field("msg='op=x exe=\"/a\"' res=1", "res", v,
	    sizeof(v), err, sizeof(err)), 1);
	assert_int_equal(fim_field("name=\"unterminated", "name", v,
	    sizeof(v), err, sizeof(err)), -1);
	assert_string_equal(err, "offset 5: unterminated quoted value");
	assert_int_equal(fim_field("name=\"0123456789\"", "name", v, 4, err,
	    sizeof(err)), -1);
}

static void
test_path_join(void **state)
{
	char	 out[64];

	assert_int_equal(fim_path_join("/tmp/w", "a", out, sizeof(out)), 0);
	assert_string_equal(out, "/tmp/w/a");
	assert_int_equal(fim_path_join("/tmp/w/", "sub/deeper/", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/tmp/w/sub/deeper");
	assert_int_equal(fim_path_join("/tmp/w", "../x/./y//z", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/tmp/x/y/z");
	assert_int_equal(fim_path_join("/ignored", "/abs/../../..", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(fim_path_join("/a", "0123456789012345678901234567"
	    "890123456789012345678901234567890123456789", out, sizeof(out)),
	    -1);
}

static void
test_assemble_and_create(void **state)
{
	struct fim_assembler	*as;
	struct fim_syscall	 sc;
	struct fim_change	 ch[2];
	struct fim_asm_stats	 st;
	char			 err[256];

	as = fim_asm_new(collect, NULL, 1000);
	assert_int_equal(feed(as, ev_create, 0, 10), 0);
	assert_int_equal(ngot, 1);
	assert_true(got[0].complete);
	assert_int_equal(got[0].nrecords, 5);
	assert_int_equal(fim_syscall_decode(&got[0], &sc, err, sizeof(err)),
	    1);
	assert_int_equal(sc.syscall, 257);
	assert_string_equal(fim_syscall_name(sc.arch, sc.syscall), "openat");
	assert_int_equal(sc.success, 1);
	assert_true(sc.pid == 30875 && sc.ppid == 30814);
	assert_true(sc.auid == -1 && sc.uid == 0 && sc.euid == 0);
	assert_string_equal(sc.comm, "touch");
	assert_string_equal(sc.exe, "/usr/bin/touch");
	assert_string_equal(sc.cwd, "/tmp/fimexp/w");
	assert_string_equal(sc.key, "testk");
	assert_string_equal(sc.proctitle, "touch a");
	assert_null(sc.tty);
	assert_int_equal(sc.nitems, 2);
	assert_int_equal(sc.items[1].nametype, FIM_NAME_CREATE);
	assert_int_equal(sc.items[1].mode, 0100644);
	assert_int_equal(fim_changes(&sc, 0, NULL, NULL, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_CREATE);
	assert_string_equal(ch[0].path, "/tmp/fimexp/w/a");
	assert_true(ch[0].is_resolved);
	assert_true(ch[0].item->inode == 10960888);
	fim_syscall_clear(&sc);
	fim_asm_stats(as, &st);
	assert_true(st.records == 6 && st.events == 1 && st.gaps == 0);
	collected_free();
	fim_asm_free(as);
}

static void
test_rename_modify_attrib(void **state)
{
	struct fim_assembler	*as;
	struct fim_syscall	 sc;
	struct fim_change	 ch[2];
	char			 err[256];

	as = fim_asm_new(collect, NULL, 1000);
	feed(as, ev_rename, 0, 10);
	feed(as, ev_modify, 0, 10);
	feed(as, ev_chmod, 0, 10);
	assert_int_equal(ngot, 3);
	assert_int_equal(fim_syscall_decode(&got[0], &sc, err, sizeof(err)),
	    1);
	assert_int_equal(fim_changes(&sc, 1, NULL, NULL, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_RENAME);
	assert_string_equal(ch[0].path, "/tmp/fimexp/cap/moved");
	assert_string_equal(ch[0].old_path, "/tmp/fimexp/cap/sp ace.txt");
	assert_string_equal(sc.proctitle, "mv sp ace.txt moved");
	fim_syscall_clear(&sc);
	assert_int_equal(fim_syscall_decode(&got[1], &sc, err, sizeof(err)),
	    1);
	assert_int_equal(fim_changes(&sc, 0, NULL, NULL, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_MODIFY);
	assert_string_equal(ch[0].path, "/tmp/fimexp/w/x");
	assert_true(ch[0].item->ouid == 1);
	fim_syscall_clear(&sc);
	assert_int_equal(fim_syscall_decode(&got[2], &sc, err, sizeof(err)),
	    1);
	assert_null(sc.key);
	assert_int_equal(fim_changes(&sc, 0, NULL, NULL, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_ATTRIB);
	assert_string_equal(fim_syscall_name(sc.arch, sc.syscall), "fchmodat");
	fim_syscall_clear(&sc);
	collected_free();
	fim_asm_free(as);
}

/* A resolver that knows fd 4 of pid 16382, or directory 10966387. */
static int
resolve(int64_t pid, int fd, uint64_t ino, const char *dev, char *out,
    size_t outlen, void *arg)
{
	int	*mode = arg;

	if (*mode == 1 && pid == 16382 && fd == 4) {
		snprintf(out, outlen, "/srv/w/sub");
		return 0;
	}
	if (*mode == 2 && ino == 10966387 && strcmp(dev, "fe:00") == 0) {
		snprintf(out, outlen, "/srv/w/sub2");
		return 0;
	}
	return -1;
}

static void
test_dirfd(void **state)
{
	struct fim_assembler	*as;
	struct fim_syscall	 sc;
	struct fim_change	 ch[2];
	char			 err[256];
	int			 mode;

	as = fim_asm_new(collect, NULL, 1000);
	feed(as, ev_unlinkat_fd, 0, 10);
	assert_int_equal(fim_syscall_decode(&got[0], &sc, err, sizeof(err)),
	    1);
	assert_true(sc.auid == 1000);
	assert_string_equal(sc.tty, "pts0");
	/* Through the process's descriptor. */
	mode = 1;
	assert_int_equal(fim_changes(&sc, 1, resolve, &mode, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_DELETE);
	assert_string_equal(ch[0].path, "/srv/w/sub/c.txt");
	assert_true(ch[0].is_resolved);
	/* Through the directory's inode. */
	mode = 2;
	assert_int_equal(fim_changes(&sc, 1, resolve, &mode, ch, 2), 1);
	assert_string_equal(ch[0].path, "/srv/w/sub2/c.txt");
	/* Neither: a guess, and said so. */
	mode = 0;
	assert_int_equal(fim_changes(&sc, 1, resolve, &mode, ch, 2), 1);
	assert_string_equal(ch[0].path, "/work/main/c.txt");
	assert_false(ch[0].is_resolved);
	fim_syscall_clear(&sc);
	collected_free();
	fim_asm_free(as);
}

/* Records that came both ways (handover) are taken once. */
static void
test_duplicates(void **state)
{
	struct fim_assembler	*as;
	struct fim_asm_stats	 st;

	as = fim_asm_new(collect, NULL, 1000);
	/* Interleaved: multicast starts the event, unicast copies drop. */
	assert_int_equal(feed(as, ev_create, 1, 10), 0);
	assert_int_equal(feed(as, ev_create, 0, 10), 6);
	/* Unicast first this time, then the multicast copies. */
	assert_int_equal(feed(as, ev_modify, 0, 10), 0);
	assert_int_equal(feed(as, ev_modify, 1, 10), 4);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].source, 1);
	assert_int_equal(got[1].source, 0);
	fim_asm_stats(as, &st);
	assert_true(st.duplicates == 10);
	collected_free();
	fim_asm_free(as);
}

/*
 * A handover that splits an event: its first records came by multicast,
 * the group was left, the rest come only by unicast. The unicast copies
 * of what multicast gave are dropped; the rest completes the event.
 */
static void
test_handover_split(void **state)
{
	struct fim_assembler	*as;
	struct fim_asm_stats	 st;
	char			 err[256];
	int			 i;

	as = fim_asm_new(collect, NULL, 1000);
	for (i = 0; i < 2; i++)
		assert_int_equal(fim_asm_add(as, ev_create[i].type,
		    ev_create[i].text, strlen(ev_create[i].text), 1, 10, err,
		    sizeof(err)), 0);
	assert_int_equal(feed(as, ev_create, 0, 10), 2);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].nrecords, 5);
	assert_int_equal(got[0].records[0].type, 1300);
	assert_int_equal(got[0].records[1].type, 1307);
	assert_int_equal(got[0].records[2].type, 1302);
	assert_int_equal(got[0].records[3].type, 1302);
	assert_int_equal(got[0].records[4].type, 1327);
	fim_asm_stats(as, &st);
	assert_true(st.duplicates == 2);
	collected_free();
	fim_asm_free(as);

	/*
	 * Interleaved reads during the handover: multicast gives the first
	 * two, unicast all but EOE, then multicast the rest and EOE. Every
	 * record is kept once.
	 */
	as = fim_asm_new(collect, NULL, 1000);
	for (i = 0; i < 2; i++)
		assert_int_equal(fim_asm_add(as, ev_create[i].type,
		    ev_create[i].text, strlen(ev_create[i].text), 1, 10, err,
		    sizeof(err)), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(fim_asm_add(as, ev_create[i].type,
		    ev_create[i].text, strlen(ev_create[i].text), 0, 10, err,
		    sizeof(err)), i < 2);
	for (i = 2; i < 6; i++)
		assert_int_equal(fim_asm_add(as, ev_create[i].type,
		    ev_create[i].text, strlen(ev_create[i].text), 1, 10, err,
		    sizeof(err)), i < 5);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].nrecords, 5);
	fim_asm_stats(as, &st);
	assert_true(st.duplicates == 5);
	collected_free();
	fim_asm_free(as);
}

/* Make "audit(100.000:SERIAL): " records of type. */
static void
add_serial(struct fim_assembler *as, int type, uint32_t serial,
    uint64_t now)
{
	char	 text[64], err[128];

	snprintf(text, sizeof(text), "audit(100.000:%u): x=1", serial);
	assert_int_not_equal(fim_asm_add(as, type, text, strlen(text), 0, now,
	    err, sizeof(err)), -1);
}

static void
test_gaps_and_timeouts(void **state)
{
	struct fim_assembler	*as;
	struct fim_asm_stats	 st;

	as = fim_asm_new(collect, NULL, 1000);
	add_serial(as, 1300, 100, 0);
	add_serial(as, 1320, 100, 0);
	add_serial(as, 1300, 102, 0);		/* 101 missing */
	add_serial(as, 1320, 102, 0);
	add_serial(as, 1300, 104, 0);		/* no EOE yet */
	fim_asm_tick(as, 100);
	fim_asm_stats(as, &st);
	assert_true(st.gaps == 0);		/* not settled yet */
	add_serial(as, 1300, 103, 200);		/* late but in time */
	add_serial(as, 1320, 103, 200);
	fim_asm_tick(as, 1200);			/* 104 times out */
	fim_asm_stats(as, &st);
	assert_true(st.gaps == 1);		/* 101 */
	assert_true(st.incomplete == 1);
	assert_int_equal(ngot, 4);
	/* 101 arrives after all: no longer a gap. */
	add_serial(as, 1300, 101, 1300);
	fim_asm_stats(as, &st);
	assert_true(st.gaps == 0);
	/* A jump past the window counts what it skipped. */
	add_serial(as, 1320, 101, 1300);
	add_serial(as, 1300, 105 + 70000, 1400);
	fim_asm_tick(as, 1400);
	fim_asm_tick(as, 1500);
	fim_asm_stats(as, &st);
	assert_true(st.gaps == 70000);
	/* Serials wrap around 2^32. */
	fim_asm_restart(as);
	add_serial(as, 1320, 4294967295U, 2000);
	add_serial(as, 1320, 0, 2000);
	add_serial(as, 1320, 2, 2000);
	fim_asm_tick(as, 2100);
	fim_asm_tick(as, 2200);
	fim_asm_stats(as, &st);
	assert_true(st.gaps == 70001);
	collected_free();
	fim_asm_flush(as);
	collected_free();
	fim_asm_free(as);
}

static void
test_malformed(void **state)
{
	struct fim_assembler	*as;
	struct fim_syscall	 sc;
	char			 err[256];
	const char		*bad = "audit(1.000:7): arch=c000003e "
	    "syscall=257 success=yes exit=3 a0=zz items=0 pid=1";

	as = fim_asm_new(collect, NULL, 1000);
	assert_int_equal(fim_asm_add(as, 1300, "garbage", 7, 0, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(fim_asm_add(as, 1300, "audit(1.000:7): a\0b", 19, 0,
	    0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte"));
	assert_int_equal(fim_asm_add(as, 1300, bad, strlen(bad), 0, 0, err,
	    sizeof(err)), 0);
	fim_asm_flush(as);
	assert_int_equal(ngot, 1);
	assert_int_equal(fim_syscall_decode(&got[0], &sc, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "SYSCALL: field a0: bad value \"zz\"");
	collected_free();
	fim_asm_free(as);
}

/*
 * The unusual forms the fast paths hand over: a stamp shared with the
 * record before, with and without the space after it; numbers quoted, with
 * "0x" or out of range; "(null)" and "(none)" strings; a repeated field.
 */
static void
test_decode_forms(void **state)
{
	static const struct rec ev[] = {
		{ 1300, "audit(7.001:9):arch=0xc000003e syscall=\"257\" "
		    "success=no exit=-2 a0=ffffff9c a1=0 a2=0X41 a3=0 pid=12 "
		    "ppid=0000000000000000000001 uid=4294967295 auid=7 "
		    "comm=(none) exe=2F62696E2F7800 key=(null) tty=pts1 "
		    "comm=\"x\"" },
		{ 1307, "audit(7.001:9): cwd=2F746D70" },
		{ 1302, "audit(7.001:9):  item=0 name=(null) inode=3 "
		    "dev=fe:00 mode=0100644 nametype=NORMAL name=\"a\"" },
		{ 1302, "audit(7.001:9): item=1 name=(null) ouid=4294967295" },
		{ 1320, "audit(7.001:9): " },
		{ 0, NULL }
	};
	struct fim_assembler	*as;
	struct fim_syscall	 sc;
	char			 err[256];

	as = fim_asm_new(collect, NULL, 1000);
	feed(as, ev, 0, 10);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].nrecords, 4);
	assert_string_equal(got[0].records[2].body, " item=0 name=(null) "
	    "inode=3 dev=fe:00 mode=0100644 nametype=NORMAL name=\"a\"");
	assert_int_equal(fim_syscall_decode(&got[0], &sc, err, sizeof(err)),
	    1);
	assert_true(sc.stamp.sec == 7 && sc.stamp.msec == 1 &&
	    sc.stamp.serial == 9);
	assert_true(sc.arch == 0xc000003eU && sc.syscall == 257);
	assert_true(sc.success == 0 && sc.exit == -2);
	assert_true(sc.a[2] == 0x41 && sc.pid == 12 && sc.ppid == 1);
	assert_true(sc.uid == -1 && sc.auid == 7 && sc.ses == -1);
	assert_string_equal(sc.comm, "x");
	assert_string_equal(sc.exe, "/bin/x ");
	assert_null(sc.key);
	assert_string_equal(sc.tty, "pts1");
	assert_string_equal(sc.cwd, "/tmp");
	assert_null(sc.proctitle);
	assert_int_equal(sc.nitems, 2);
	assert_string_equal(sc.items[0].name, "a");
	assert_true(sc.items[0].has_inode && sc.items[0].inode == 3);
	assert_null(sc.items[1].name);
	assert_true(sc.items[1].ouid == -1 && !sc.items[1].has_mode);
	fim_syscall_clear(&sc);
	assert_null(sc.strings);
	collected_free();
	fim_asm_free(as);
}

/* Parse rules from JSON text. */
static int
rules_from(const char *text, struct fim_rules *r, char *err, size_t len)
{
	struct json_object	*o = json_tokener_parse(text);
	int			 rc;

	assert_non_null(o);
	rc = fim_rules_parse(o, r, err, len);
	json_object_put(o);
	return rc;
}

/* Every path is a directory in this test except *.conf; /new is missing. */
static int
is_dir(const char *path, void *arg)
{
	if (strncmp(path, "/new", 4) == 0)
		return -1;
	return strstr(path, ".conf") == NULL;
}

static void
test_rules(void **state)
{
	struct fim_rules	 r;
	struct fim_kwatch	*kw;
	char			 err[256];

	assert_int_equal(rules_from("{\"enabled\":true,\"hash_max_size\":10,"
	    "\"rules\":[{\"path\":\"/etc/\",\"excludes\":[\"/etc/mtab\"]},"
	    "{\"path\":\"/etc/ssh\",\"recursive\":false,\"events\":"
	    "[\"modify\"]},{\"path\":\"/srv/app.conf\",\"events\":"
	    "[\"attrib\"]}]}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrules, 3);
	assert_true(r.is_enabled);
	assert_true(r.hash_max_size == 10);
	assert_string_equal(r.rules[0].path, "/etc");
	assert_int_equal(fim_rules_match(&r, "/etc/passwd", FIM_MODIFY), 0);
	assert_int_equal(fim_rules_match(&r, "/etc", FIM_ATTRIB), 0);
	assert_int_equal(fim_rules_match(&r, "/etcetera", FIM_MODIFY), -1);
	assert_int_equal(fim_rules_match(&r, "/etc/mtab", FIM_MODIFY), -1);
	/* The most specific rule decides. */
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/sshd_config",
	    FIM_MODIFY), 1);
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/sshd_config",
	    FIM_DELETE), -1);
	/* Not recursive: deeper entries fall back to /etc. */
	assert_int_equal(fim_rules_match(&r, "/etc/ssh/a/b", FIM_DELETE), 0);
	assert_int_equal(fim_rules_match(&r, "/srv/app.conf", FIM_ATTRIB), 2);
	assert_int_equal(fim_rules_match(&r, "/srv/app.conf", FIM_MODIFY),
	    -1);
	assert_int_equal(fim_rules_kwatches(&r, is_dir, NULL, &kw), 3);
	assert_true(kw[0].is_tree && kw[0].perm == 0xa);
	assert_true(kw[1].is_tree && kw[1].perm == 0x2);
	assert_true(!kw[2].is_tree && kw[2].perm == 0x8);
	fim_kwatches_free(kw, 3);
	fim_rules_free(&r);
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/new/a\"},"
	    "{\"path\":\"/new/b\",\"recursive\":false},{\"path\":\"/new/a\","
	    "\"events\":[\"attrib\"]}]}", &r, err, sizeof(err)), 0);
	assert_int_equal(fim_rules_kwatches(&r, is_dir, NULL, &kw), 2);
	assert_true(kw[0].is_tree && kw[0].perm == 0xa);
	assert_true(!kw[1].is_tree);
	fim_kwatches_free(kw, 2);
	fim_rules_free(&r);

	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"etc\"}]}", &r,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[0].path: expected an absolute "
	    "path of at most 4095 bytes");
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/a\"},{\"path\":"
	    "\"/b\",\"events\":[\"explode\"]}]}", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[1].events[0]: expected create, "
	    "modify, attrib, delete or rename");
	assert_int_equal(rules_from("{\"rules\":[{\"path\":\"/a\","
	    "\"excludes\":[1]}]}", &r, err, sizeof(err)), -1);
	assert_string_equal(err, "fim.rules[0].excludes[0]: expected a "
	    "string");
	assert_int_equal(rules_from("{\"hash_max_size\":-1}", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(rules_from("{\"enabled\":\"yes\"}", &r, err,
	    sizeof(err)), -1);
	assert_int_equal(rules_from("{}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.nrules, 0);
	assert_false(r.is_enabled);
}

/* A stat result for the snapshot tests. */
static struct stat
st_of(uint64_t ino, mode_t mode, off_t size, time_t mtime, time_t ctime)
{
	struct stat	 sb;

	memset(&sb, 0, sizeof(sb));
	sb.st_dev = 65024;
	sb.st_ino = ino;
	sb.st_mode = mode;
	sb.st_size = size;
	sb.st_mtim.tv_sec = mtime;
	sb.st_ctim.tv_sec = ctime;
	return sb;
}

/* What the diff reported, one line each. */
static char	 diffs[1024];

static void
diff_cb(enum fim_action a, const char *path, const char *old,
    const struct fim_fstate *before, const struct fim_fstate *now,
    void *arg)
{
	size_t	 len = strlen(diffs);

	snprintf(diffs + len, sizeof(diffs) - len, "%s %s%s%s;",
	    fim_action_name(a), path, old != NULL ? " from " : "",
	    old != NULL ? old : "");
}

static void
test_snapshot(void **state)
{
	struct fim_snapshot	*a, *b, *c;
	struct stat		 sb;
	char			 tmpl[] = "/tmp/test_fim.XXXXXX", file[64];
	char			 sig[65], *text;
	int64_t			 sec;
	long			 nsec;
	size_t			 len;
	FILE			*fp;

	a = fim_snap_new();
	sb = st_of(1, 040755, 4096, 100, 100);
	assert_int_equal(fim_snap_add(a, "/w", &sb), 0);
	assert_int_equal(fim_snap_add(a, "/w", &sb), 1);
	sb = st_of(2, 0100644, 3, 100, 100);
	fim_snap_add(a, "/w/mod", &sb);
	sb = st_of(3, 0100644, 3, 100, 100);
	fim_snap_add(a, "/w/attr", &sb);
	sb = st_of(4, 0100644, 3, 100, 100);
	fim_snap_add(a, "/w/ren", &sb);
	sb = st_of(5, 0100644, 3, 100, 100);
	fim_snap_add(a, "/w/del", &sb);
	sb = st_of(6, 0100644, 3, 100, 100);
	fim_snap_add(a, "/w/new\nline\n", &sb);

	/* Saved and read back. */
	assert_non_null(mkdtemp(tmpl));
	snprintf(file, sizeof(file), "%s/baseline", tmpl);
	memset(sig, 'a', 64);
	sig[64] = '\0';
	assert_int_equal(fim_snap_save(a, file, sig, 1234, 5), 0);
	assert_non_null(fp = fopen(file, "r"));
	text = calloc(1, 4096);
	len = fread(text, 1, 4095, fp);
	fclose(fp);
	unlink(file);
	rmdir(tmpl);
	b = fim_snap_parse(text, len, sig, &sec, &nsec, diffs,
	    sizeof(diffs));
	assert_non_null(b);
	assert_true(sec == 1234 && nsec == 5);
	assert_int_equal(fim_snap_count(b), 6);
	assert_non_null(fim_snap_find(b, "/w/new\nline\n"));
	assert_true(fim_snap_find(b, "/w/mod")->ino == 2);
	/* A damaged file is refused with the line named. */
	text[len - 3] = 'x';
	text[len - 2] = '\\';
	assert_null(fim_snap_parse(text, len, sig, &sec, &nsec, diffs,
	    sizeof(diffs)));
	assert_string_equal(diffs, "line 10: expected DEV INO MODE UID GID "
	    "SIZE MTIME CTIME /PATH");
	assert_null(fim_snap_parse(text, len - 1, sig, &sec, &nsec, diffs,
	    sizeof(diffs)));
	assert_null(fim_snap_parse("outpost-fim-baseline 1\nsignature x\n",
	    35, sig, &sec, &nsec, diffs, sizeof(diffs)));
	assert_string_equal(diffs, "line 2: expected \"signature\" and 64 "
	    "hex digits");
	free(text);

	/* Now: modified, chmod, renamed, deleted, created, and one changed
	 * after the rules were back (left to audit). */
	c = fim_snap_new();
	sb = st_of(1, 040755, 4096, 300, 300);
	fim_snap_add(c, "/w", &sb);
	sb = st_of(2, 0100644, 9, 300, 300);
	fim_snap_add(c, "/w/mod", &sb);
	sb = st_of(3, 0100600, 3, 100, 300);
	fim_snap_add(c, "/w/attr", &sb);
	sb = st_of(4, 0100644, 3, 100, 300);
	fim_snap_add(c, "/w/ren2", &sb);
	sb = st_of(7, 0100644, 3, 300, 300);
	fim_snap_add(c, "/w/created", &sb);
	sb = st_of(8, 0100644, 3, 900, 900);
	fim_snap_add(c, "/w/later", &sb);
	sb = st_of(6, 0100644, 3, 100, 100);
	fim_snap_add(c, "/w/new\nline\n", &sb);
	diffs[0] = '\0';
	fim_snap_diff(b, c, 500, 0, diff_cb, NULL);
	assert_string_equal(diffs, "modify /w/mod;attrib /w/attr;"
	    "rename /w/ren2 from /w/ren;create /w/created;delete /w/del;");
	/* /w/del's inode reused by a file created since: not a rename. */
	sb = st_of(5, 0100644, 3, 300, 300);
	fim_snap_add(c, "/w/reused", &sb);
	diffs[0] = '\0';
	fim_snap_diff(b, c, 500, 0, diff_cb, NULL);
	assert_string_equal(diffs, "modify /w/mod;attrib /w/attr;"
	    "rename /w/ren2 from /w/ren;create /w/created;create /w/reused;"
	    "delete /w/del;");
	assert_int_equal(fim_snap_refresh(c, "/w/reused"), 0);
	/* Refreshed from the file system: gone, back, and new. */
	assert_int_equal(fim_snap_refresh(c, "/w/created"), 0);
	assert_null(fim_snap_find(c, "/w/created"));
	assert_int_equal(fim_snap_count(c), 6);
	assert_int_equal(fim_snap_refresh(c, "/"), 0);
	assert_non_null(fim_snap_find(c, "/"));
	assert_int_equal(fim_snap_count(c), 7);
	sb = st_of(7, 0100644, 3, 300, 300);
	assert_int_equal(fim_snap_add(c, "/w/created", &sb), 0);
	assert_int_equal(fim_snap_count(c), 8);
	fim_snap_free(a);
	fim_snap_free(b);
	fim_snap_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_assemble_and_create),
		cmocka_unit_test(test_rename_modify_attrib),
		cmocka_unit_test(test_dirfd),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_handover_split),
		cmocka_unit_test(test_gaps_and_timeouts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_decode_forms),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
