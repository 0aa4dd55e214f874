/*
 * test_fim_change.c: the file changes of decoded syscall events (create,
 * modify, attrib, rename; a delete relative to a directory descriptor,
 * resolved through the process, through the directory's inode, or
 * guessed), the syscall table, and the joining and cleaning of paths.
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
#include "fim-change.h"
#include "fim-record.h"
#include "fim-samples.h"

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

/* touch a: one create, of the name joined to the cwd. */
static void
test_changes_create(void **state)
{
	struct fim_syscall	 sc;
	struct fim_change	 ch[2];
	char			 err[256];

	assert_int_equal(sample_decode(ev_create, &sc, err, sizeof(err)), 1);
	assert_string_equal(fim_syscall_name(sc.arch, sc.syscall), "openat");
	assert_int_equal(fim_changes(&sc, 0, NULL, NULL, ch, 2), 1);
	assert_int_equal(ch[0].action, FIM_CREATE);
	assert_string_equal(ch[0].path, "/tmp/fimexp/w/a");
	assert_true(ch[0].is_resolved);
	assert_true(ch[0].item->inode == 10960888);
	fim_syscall_clear(&sc);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_changes_create),
		cmocka_unit_test(test_rename_modify_attrib),
		cmocka_unit_test(test_dirfd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
