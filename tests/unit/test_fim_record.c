/*
 * test_fim_record.c: audit record text: the stamp, the fields of a body,
 * and the decoding of assembled events, on real record texts captured
 * from a Linux 6.x kernel (x86_64; fim-samples.c) and on the unusual
 * forms the fast paths hand over.
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

#include "fim-assemble.h"
#include "fim-record.h"
#include "fim-samples.h"

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

/* The create event decoded: the process, its cwd, its PATH items. */
static void
test_decode_create(void **state)
{
	struct fim_syscall	 sc;
	char			 err[256];

	assert_int_equal(sample_decode(ev_create, &sc, err, sizeof(err)), 1);
	assert_int_equal(sc.syscall, 257);
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
	fim_syscall_clear(&sc);
}

/* A SYSCALL record with a bad number is refused with the field named. */
static void
test_malformed_syscall(void **state)
{
	static const struct rec ev[] = {
		{ 1300, "audit(1.000:7): arch=c000003e syscall=257 "
		    "success=yes exit=3 a0=zz items=0 pid=1" },
		{ 0, NULL }
	};
	struct fim_syscall	 sc;
	char			 err[256];

	assert_int_equal(sample_decode(ev, &sc, err, sizeof(err)), -1);
	assert_string_equal(err, "SYSCALL: field a0: bad value \"zz\"");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_decode_create),
		cmocka_unit_test(test_malformed_syscall),
		cmocka_unit_test(test_decode_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
