/*
 * fim-samples.h: audit records captured from a Linux 6.x kernel (x86_64),
 * and the assembler callback that keeps the events they make, for the
 * unit tests of fim-record.c, fim-assemble.c and fim-change.c.
 */
#ifndef OUTPOST_TEST_FIM_SAMPLES_H
#define OUTPOST_TEST_FIM_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "fim-assemble.h"
#include "fim-record.h"

/* One captured record. */
struct rec {
	int		 type;
	const char	*text;
};

/* touch a (openat O_CREAT), relative to the cwd. */
extern const struct rec	 ev_create[];
/* mv "sp ace.txt" moved (renameat2; a hex-encoded name). */
extern const struct rec	 ev_rename[];
/* rm -r: unlinkat(dirfd 4, "c.txt"): the PARENT name is the cwd. */
extern const struct rec	 ev_unlinkat_fd[];
/* sh -c 'echo hi > x': openat O_WRONLY|O_TRUNC of an existing file. */
extern const struct rec	 ev_modify[];
/* chmod 600 x (fchmodat). */
extern const struct rec	 ev_chmod[];

/* Events handed out by the assembler, copied. */
extern struct fim_raw_event	 got[16];
extern int			 ngot;

/* The assembler's callback: keep a deep copy in got[]. */
void	collect(const struct fim_raw_event *, void *arg);
/* Free the collected events. */
void	collected_free(void);
/* Feed records from source; returns the sum of fim_asm_add() results. */
int	feed(struct fim_assembler *, const struct rec *, int source,
	    uint64_t now);
/*
 * Assemble the records of one event (none a duplicate) and decode it into
 * sc. Returns what fim_syscall_decode() returns.
 */
int	sample_decode(const struct rec *, struct fim_syscall *sc, char *err,
	    size_t errlen);

#endif /* OUTPOST_TEST_FIM_SAMPLES_H */
