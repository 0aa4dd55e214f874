/*
 * test_fim_dirs.c: the directories learnt from audit events: which names
 * are trusted (PARENT names only in events that gave absolute paths,
 * directories created), a path found again by device and inode while it
 * still names that inode or nothing, and a stale one refused.
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

#include <cmocka.h>

#include "fim-change.h"
#include "fim-dirs.h"
#include "fim-record.h"

/* A PATH item: its name, type, and (dev, ino) with a mode. */
static void
item(struct fim_syscall *sc, const char *name, enum fim_nametype type,
    uint64_t ino, unsigned int mode)
{
	struct fim_item	*it = &sc->items[sc->nitems++];

	memset(it, 0, sizeof(*it));
	it->name = (char *)name;
	it->nametype = type;
	it->inode = ino;
	it->has_inode = 1;
	snprintf(it->dev, sizeof(it->dev), "fe:00");
	it->mode = mode;
	it->has_mode = 1;
}

/* Learn from an event of name in parent (PARENT, inode pino). */
static void
learn(struct fim_dirs *d, const char *parent, uint64_t pino,
    const char *name, enum fim_nametype type)
{
	struct fim_syscall	 sc;

	memset(&sc, 0, sizeof(sc));
	item(&sc, parent, FIM_NAME_PARENT, pino, 040755);
	item(&sc, name, type, pino + 1, 0100644);
	fim_dirs_learn_event(d, &sc, NULL, 0);
}

/* Resolve (dev fe:00, ino) without a descriptor: 0 and out, or -1. */
static int
find(struct fim_dirs *d, uint64_t ino, char *out, size_t outlen)
{
	return fim_dirs_resolve(0, -1, ino, "fe:00", out, outlen, d);
}

static void
test_dirs(void **state)
{
	struct fim_dirs		 d;
	struct fim_syscall	 sc;
	struct fim_change	 ch;
	struct stat		 sb;
	char			 out[256];

	assert_int_equal(fim_dirs_init(&d), 0);
	/* A bare name: the PARENT name is the cwd, not learnt. */
	learn(&d, "/gone/cwd", 11, "c.txt", FIM_NAME_DELETE);
	assert_int_equal(find(&d, 11, out, sizeof(out)), -1);
	/* An absolute path: its PARENT is learnt (and gone is fine). */
	learn(&d, "/gone/dir", 21, "/gone/dir/a", FIM_NAME_CREATE);
	assert_int_equal(find(&d, 21, out, sizeof(out)), 0);
	assert_string_equal(out, "/gone/dir");
	/* A directory created, resolved: learnt; deleted: not. */
	memset(&sc, 0, sizeof(sc));
	item(&sc, "sub", FIM_NAME_CREATE, 31, 040755);
	memset(&ch, 0, sizeof(ch));
	ch.action = FIM_CREATE;
	snprintf(ch.path, sizeof(ch.path), "/gone/dir/sub");
	ch.item = &sc.items[0];
	ch.is_resolved = 1;
	fim_dirs_learn_event(&d, &sc, &ch, 1);
	assert_int_equal(find(&d, 31, out, sizeof(out)), 0);
	assert_string_equal(out, "/gone/dir/sub");
	ch.action = FIM_DELETE;
	sc.items[0].inode = 32;
	fim_dirs_learn_event(&d, &sc, &ch, 1);
	assert_int_equal(find(&d, 32, out, sizeof(out)), -1);
	/* Learnt again under another path: the new one. */
	learn(&d, "/gone/moved", 21, "/gone/moved/b", FIM_NAME_CREATE);
	assert_int_equal(find(&d, 21, out, sizeof(out)), 0);
	assert_string_equal(out, "/gone/moved");
	/* A path that names another inode now is stale. */
	assert_int_equal(stat("/", &sb), 0);
	learn(&d, "/", (uint64_t)sb.st_ino + 1, "/x", FIM_NAME_CREATE);
	assert_int_equal(find(&d, (uint64_t)sb.st_ino + 1, out, sizeof(out)),
	    -1);
	fim_dirs_free(&d);
	assert_null(d.slots);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
