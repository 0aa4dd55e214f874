/*
 * test_fim_assemble.c: the assembly of audit records into events by
 * serial: events flushed at EOE or by timeout, the second copies of
 * records that came both ways during a handover dropped, serial gaps
 * counted (and taken back when a straggler comes), malformed records
 * refused.
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
#include "fim-samples.h"

/* Free as and the events; returns the duplicates it dropped. */
static uint64_t
finish(struct fim_assembler *as)
{
	struct fim_asm_stats	 st;

	fim_asm_stats(as, &st);
	collected_free();
	fim_asm_free(as);
	return st.duplicates;
}

/* The records of one event make one complete event. */
static void
test_assemble_create(void **state)
{
	struct fim_assembler	*as;
	struct fim_asm_stats	 st;

	as = fim_asm_new(collect, NULL, 1000);
	assert_int_equal(feed(as, ev_create, 0, 10), 0);
	assert_int_equal(ngot, 1);
	assert_true(got[0].complete);
	assert_int_equal(got[0].nrecords, 5);
	fim_asm_stats(as, &st);
	assert_true(st.records == 6 && st.events == 1 && st.gaps == 0);
	collected_free();
	fim_asm_free(as);
}

/* Records that came both ways (handover) are taken once. */
static void
test_duplicates(void **state)
{
	struct fim_assembler	*as;

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
	assert_true(finish(as) == 10);
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
	assert_true(finish(as) == 2);

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
	assert_true(finish(as) == 5);
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

/* A record without a stamp, or with a NUL byte, is refused. */
static void
test_malformed_records(void **state)
{
	struct fim_assembler	*as;
	char			 err[256];

	as = fim_asm_new(collect, NULL, 1000);
	assert_int_equal(fim_asm_add(as, 1300, "garbage", 7, 0, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(fim_asm_add(as, 1300, "audit(1.000:7): a\0b", 19, 0,
	    0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte"));
	fim_asm_flush(as);
	assert_int_equal(ngot, 0);
	fim_asm_free(as);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assemble_create),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_handover_split),
		cmocka_unit_test(test_gaps_and_timeouts),
		cmocka_unit_test(test_malformed_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
