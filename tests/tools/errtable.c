/*
 * errtable.c: print the agent's error table, one "ID NAME: message (cause;
 * check)" line per code, for the test that keeps outpostd(8) in step.
 */
#include "config.h"

#include <stdio.h>

#include "errors.h"

int
main(void)
{
	return errors_print_table(stdout) > 0 ? 0 : 1;
}
