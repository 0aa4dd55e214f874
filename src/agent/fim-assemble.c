/*
 * fim-assemble.c: the records of the kernel audit system put together into
 * events by serial (see fim-assemble.h). No I/O here.
 *
 * The events in progress live in a fixed table of slots; a slot's record
 * bodies are copied one after the other into a text buffer the slot keeps
 * for its next event, so the steady state allocates nothing. A bitmap
 * over a window of serials says which were seen: it drops the second copy
 * of a record that came both ways during a handover, and at each tick the
 * serials below the previous tick's highest that never came are counted
 * as gaps. The stamp of the last record is kept as text: the records of
 * an event come together, so most stamps are compared, not parsed.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fim-assemble.h"

#define FIM_ASM_SLOTS		256		/* events in progress */
#define FIM_SERIAL_WINDOW	65536		/* serials remembered */
#define FIM_SLOT_TEXT		2048		/* a slot's first text buffer */
#define FIM_SLOT_TEXT_KEEP	4096		/* larger ones are freed */
#define FIM_STAMP_TEXT		48		/* a stamp worth remembering */

/*
 * One event being assembled. The bodies of its records are kept one after
 * the other, NUL-terminated, in text, a buffer the slot keeps for its next
 * event (unless it grew large).
 */
struct fim_slot {
	int			 used;
	int			 mixed;		/* records from both sockets */
	uint64_t		 first_ms;
	char			*text;
	size_t			 textlen;
	size_t			 textsize;
	size_t			 off[FIM_EVENT_RECORDS];	/* of each body */
	size_t			 len[FIM_EVENT_RECORDS];
	struct fim_raw_event	 ev;
};

struct fim_assembler {
	fim_event_fn		 fn;
	void			*arg;
	unsigned int		 timeout_ms;
	struct fim_slot		 slots[FIM_ASM_SLOTS];
	int			 nslots;
	int			 last;		/* the slot of the last record */
	/* Serials: bits for [high - WINDOW, high) say which were seen. */
	int			 started;
	uint32_t		 base;		/* gaps below are settled */
	uint32_t		 floor;		/* first serial: no gaps below */
	uint32_t		 high;		/* highest seen + 1 */
	uint32_t		 mark;		/* high at the previous tick */
	uint8_t			 seen[FIM_SERIAL_WINDOW / 8];
	struct fim_asm_stats	 st;
	/* The stamp of the last record, which the next one often shares. */
	char			 stamp_text[FIM_STAMP_TEXT];	/* to "):" */
	size_t			 stamp_len;
	struct fim_stamp	 stamp;
};

/* a - b as a signed distance on the 32-bit serial circle. */
static int64_t
fim_asm_serial_diff(uint32_t a, uint32_t b)
{
	return (int64_t)(int32_t)(a - b);
}

/* Is serial s marked seen? */
static int
fim_asm_seen(const struct fim_assembler *as, uint32_t s)
{
	uint32_t	 i = s % FIM_SERIAL_WINDOW;

	return (as->seen[i / 8] >> (i % 8)) & 1;
}

/* Mark serial s seen (1) or not (0). */
static void
fim_asm_set_seen(struct fim_assembler *as, uint32_t s, int on)
{
	uint32_t	 i = s % FIM_SERIAL_WINDOW;

	if (on)
		as->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		as->seen[i / 8] &= (uint8_t)~(1u << (i % 8));
}

/*
 * Settle the serials below to: those of [base, to) at or above floor that
 * were never seen are gaps. The cost is bounded by the window.
 */
static void
fim_asm_settle(struct fim_assembler *as, uint32_t to)
{
	uint32_t	 s, from = as->base, top = to;

	if (fim_asm_serial_diff(to, from) <= 0)
		return;
	if (fim_asm_serial_diff(from, as->floor) < 0)
		from = fim_asm_serial_diff(to, as->floor) > 0 ? as->floor : to;
	/* Above the highest serial seen nothing was seen. */
	if (fim_asm_serial_diff(to, as->high) > 0) {
		s = fim_asm_serial_diff(from, as->high) > 0 ? from : as->high;
		as->st.gaps += (uint32_t)(to - s);
		top = as->high;
	}
	for (s = from; fim_asm_serial_diff(top, s) > 0; s++)
		if (!fim_asm_seen(as, s))
			as->st.gaps++;
	as->base = to;
	if (fim_asm_serial_diff(as->mark, as->base) < 0)
		as->mark = as->base;
}

/* Make a new assembler. */
struct fim_assembler *
fim_asm_new(fim_event_fn fn, void *arg, unsigned int timeout_ms)
{
	struct fim_assembler	*as;

	if ((as = calloc(1, sizeof(*as))) == NULL)
		return NULL;
	as->fn = fn;
	as->arg = arg;
	as->timeout_ms = timeout_ms;
	return as;
}

/* Emit the event of a slot and free the slot (its text buffer is kept). */
static void
fim_asm_emit(struct fim_assembler *as, struct fim_slot *sl)
{
	int	 i, has_syscall = 0, has_parts = 0;

	for (i = 0; i < sl->ev.nrecords; i++)
		switch (sl->ev.records[i].type) {
		case FIM_T_SYSCALL:
			has_syscall = 1;
			break;
		case FIM_T_CWD:
		case FIM_T_PATH:
		case FIM_T_PROCTITLE:
			has_parts = 1;
			break;
		}
	if (!sl->ev.complete && has_syscall)
		as->st.incomplete++;
	/* Records that only a syscall event has, without its SYSCALL. */
	if (!has_syscall && (has_parts || sl->ev.complete))
		as->st.partial++;
	as->st.events++;
	if (as->fn != NULL)
		as->fn(&sl->ev, as->arg);
	sl->used = 0;
	sl->mixed = 0;
	sl->textlen = 0;
	sl->ev.complete = 0;
	sl->ev.nrecords = 0;
	if (sl->textsize > FIM_SLOT_TEXT_KEEP) {
		free(sl->text);
		sl->text = NULL;
		sl->textsize = 0;
	}
	as->nslots--;
}

/* The slot of serial s, or NULL. */
static struct fim_slot *
fim_asm_slot_find(struct fim_assembler *as, uint32_t s)
{
	struct fim_slot	*sl = &as->slots[as->last];
	int		 i, left;

	if (as->nslots == 0)
		return NULL;
	/* Most records belong to the event of the record before. */
	if (sl->used && sl->ev.stamp.serial == s)
		return sl;
	for (i = 0, left = as->nslots; i < FIM_ASM_SLOTS && left > 0; i++) {
		sl = &as->slots[i];
		if (!sl->used)
			continue;
		if (sl->ev.stamp.serial == s)
			return sl;
		left--;
	}
	return NULL;
}

/* A free slot, emitting the oldest event if none is free. */
static struct fim_slot *
fim_asm_slot_new(struct fim_assembler *as)
{
	struct fim_slot	*oldest = NULL;
	int		 i;

	if (as->nslots < FIM_ASM_SLOTS) {
		for (i = 0; i < FIM_ASM_SLOTS; i++)
			if (!as->slots[i].used)
				return &as->slots[i];
	}
	for (i = 0; i < FIM_ASM_SLOTS; i++)
		if (oldest == NULL ||
		    as->slots[i].first_ms < oldest->first_ms)
			oldest = &as->slots[i];
	as->st.evicted++;
	fim_asm_emit(as, oldest);
	return oldest;
}

/*
 * Note serial s in the window. Returns 1 if it was already seen, 0 if new.
 */
static int
fim_asm_note_serial(struct fim_assembler *as, uint32_t s)
{
	uint32_t	 t;
	int64_t		 d;

	if (!as->started) {
		as->started = 1;
		as->base = as->floor = as->high = as->mark = s;
		memset(as->seen, 0, sizeof(as->seen));
	}
	d = fim_asm_serial_diff(s, as->high);
	if (d >= 0) {
		/* Serials about to leave the window are settled first. */
		t = s + 1 - FIM_SERIAL_WINDOW;
		if (fim_asm_serial_diff(t, as->base) > 0)
			fim_asm_settle(as, t);
		if (d >= FIM_SERIAL_WINDOW)
			memset(as->seen, 0, sizeof(as->seen));
		else
			for (t = as->high; fim_asm_serial_diff(s, t) >= 0; t++)
				fim_asm_set_seen(as, t, 0);
		as->high = s + 1;
		fim_asm_set_seen(as, s, 1);
		return 0;
	}
	if (-d > FIM_SERIAL_WINDOW)
		return 0;		/* too old to tell: take it */
	if (fim_asm_seen(as, s))
		return 1;
	fim_asm_set_seen(as, s, 1);
	/* A straggler already counted as a gap. */
	if (fim_asm_serial_diff(s, as->base) < 0 &&
	    fim_asm_serial_diff(s, as->floor) >= 0 && as->st.gaps > 0)
		as->st.gaps--;
	return 0;
}

/* Does the event in slot sl hold a record of type with this body? */
static int
fim_asm_slot_has(const struct fim_slot *sl, int type, const char *body,
    size_t len)
{
	int	 i;

	for (i = 0; i < sl->ev.nrecords; i++)
		if (sl->ev.records[i].type == type && sl->len[i] == len &&
		    memcmp(sl->ev.records[i].body, body, len) == 0)
			return 1;
	return 0;
}

/*
 * Append a record of type with body (len bytes) to the event of slot sl,
 * growing its text buffer if needed. Returns 0, or -1 (out of memory).
 */
static int
fim_asm_slot_append(struct fim_slot *sl, int type, const char *body, size_t len)
{
	size_t	 need = sl->textlen + len + 1, size;
	char	*text;
	int	 i;

	if (need > sl->textsize) {
		size = sl->textsize != 0 ? sl->textsize : FIM_SLOT_TEXT;
		while (size < need)
			size *= 2;
		if ((text = realloc(sl->text, size)) == NULL)
			return -1;
		sl->text = text;
		sl->textsize = size;
		for (i = 0; i < sl->ev.nrecords; i++)
			sl->ev.records[i].body = text + sl->off[i];
	}
	i = sl->ev.nrecords++;
	sl->off[i] = sl->textlen;
	sl->len[i] = len;
	sl->ev.records[i].type = type;
	sl->ev.records[i].body = sl->text + sl->textlen;
	memcpy(sl->ev.records[i].body, body, len);
	sl->ev.records[i].body[len] = '\0';
	sl->textlen = need;
	return 0;
}

/*
 * Parse the stamp of a record as fim_parse_stamp() does, but a stamp that
 * reads as the last one's (the records of an event come together) is not
 * parsed again. Returns the body offset, or -1 (err).
 */
static int
fim_asm_stamp(struct fim_assembler *as, const char *text, size_t len,
    struct fim_stamp *st, char *err, size_t errlen)
{
	size_t	 n = as->stamp_len;
	int	 off;

	if (n > 0 && len >= n && memcmp(text, as->stamp_text, n) == 0) {
		*st = as->stamp;
		return (int)(n < len && text[n] == ' ' ? n + 1 : n);
	}
	if ((off = fim_parse_stamp(text, len, st, err, errlen)) == -1)
		return -1;
	/* The text up to "):", without the space that may follow. */
	n = text[off - 1] == ' ' ? (size_t)off - 1 : (size_t)off;
	if (n <= sizeof(as->stamp_text)) {
		memcpy(as->stamp_text, text, n);
		as->stamp_len = n;
		as->stamp = *st;
	} else
		as->stamp_len = 0;
	return off;
}

/* Add one record. Returns 0, 1 (duplicate), or -1 (malformed). */
int
fim_asm_add(struct fim_assembler *as, int type, const char *text, size_t len,
    int source, uint64_t now_ms, char *err, size_t errlen)
{
	struct fim_stamp	 st;
	struct fim_slot		*sl;
	const char		*nul;
	int			 off, was_seen;

	if ((off = fim_asm_stamp(as, text, len, &st, err, errlen)) == -1) {
		as->st.malformed++;
		return -1;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		snprintf(err, errlen, "offset %zu: NUL byte in the record",
		    (size_t)(nul - text));
		as->st.malformed++;
		return -1;
	}
	sl = fim_asm_slot_find(as, st.serial);
	if (sl != NULL) {
		/*
		 * A copy from the other socket (multicast and unicast during
		 * a handover): a record already in the event is a duplicate,
		 * byte for byte; one not yet there is the rest of an event
		 * that began on the socket since left, and is kept.
		 */
		if ((sl->ev.source != source || sl->mixed) &&
		    fim_asm_slot_has(sl, type, text + off, len - (size_t)off)) {
			as->st.duplicates++;
			return 1;
		}
		if (sl->ev.source != source)
			sl->mixed = 1;
	} else {
		was_seen = fim_asm_note_serial(as, st.serial);
		if (was_seen) {
			as->st.duplicates++;
			return 1;
		}
		if (type == FIM_T_EOE) {
			/* An event that ends before it began: nothing. */
			as->st.records++;
			return 0;
		}
		sl = fim_asm_slot_new(as);
		sl->used = 1;
		sl->first_ms = now_ms;
		sl->ev.stamp = st;
		sl->ev.source = source;
		as->nslots++;
	}
	as->last = (int)(sl - as->slots);
	as->st.records++;
	if (type == FIM_T_EOE) {
		sl->ev.complete = 1;
		fim_asm_emit(as, sl);
		return 0;
	}
	if (sl->ev.nrecords >= FIM_EVENT_RECORDS) {
		as->st.truncated++;
		return 0;
	}
	if (fim_asm_slot_append(sl, type, text + off,
	    len - (size_t)off) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Flush timed-out events; settle the serials of the previous tick. */
void
fim_asm_tick(struct fim_assembler *as, uint64_t now_ms)
{
	int	 i;

	for (i = 0; i < FIM_ASM_SLOTS && as->nslots > 0; i++)
		if (as->slots[i].used &&
		    now_ms - as->slots[i].first_ms >= as->timeout_ms)
			fim_asm_emit(as, &as->slots[i]);
	if (!as->started)
		return;
	fim_asm_settle(as, as->mark);
	as->mark = as->high;
}

/* Flush every event in progress. */
void
fim_asm_flush(struct fim_assembler *as)
{
	int	 i;

	for (i = 0; i < FIM_ASM_SLOTS && as->nslots > 0; i++)
		if (as->slots[i].used)
			fim_asm_emit(as, &as->slots[i]);
}

/* Start a new serial sequence. */
void
fim_asm_restart(struct fim_assembler *as)
{
	as->started = 0;
}

/* The counters. */
void
fim_asm_stats(const struct fim_assembler *as, struct fim_asm_stats *st)
{
	*st = as->st;
}

/* Free the assembler (events in progress are dropped). */
void
fim_asm_free(struct fim_assembler *as)
{
	int	 i;

	if (as == NULL)
		return;
	for (i = 0; i < FIM_ASM_SLOTS; i++)
		free(as->slots[i].text);
	free(as);
}
