/*
 * fim-record.c: audit record text: parsing, assembly by serial with
 * duplicate and gap accounting, decoding of syscall events, and the file
 * changes they describe. No I/O here (see fim-record.h).
 *
 * The hot path (every record the kernel sends) allocates nothing in the
 * steady state: a record's body is copied into its event's text buffer,
 * reused from event to event; decoding walks each record once, picks the
 * fields it wants by a switch on the name, parses numbers in place and
 * decodes strings into one allocation per event.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fim-record.h"

#define FIM_ASM_SLOTS		256		/* events in progress */
#define FIM_SERIAL_WINDOW	65536		/* serials remembered */
#define FIM_SLOT_TEXT		2048		/* a slot's first text buffer */
#define FIM_SLOT_TEXT_KEEP	4096		/* larger ones are freed */
#define FIM_STAMP_TEXT		48		/* a stamp worth remembering */
#define FIM_AT_FDCWD		(-100)
#define FIM_VALUE_MAX		(FIM_PATH_MAX * 2 + 1)	/* a decoded value */

/* ---- Fields ---- */

/* Characters a field name may hold: ASCII letters, digits, '_', '-'. */
static const uint8_t fim_keychar[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	/* 0x80-0xff: none */
};

/* The value of a hex digit, or -1. */
static const int8_t fim_hexdigit[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* A cursor over the fields of a record body. */
struct fim_cursor {
	const char	*start;
	const char	*p;
};

/* One key=value field: slices of the body, quotes removed. */
struct fim_token {
	const char	*key;
	size_t		 keylen;
	const char	*val;
	size_t		 vallen;
	int		 quote;		/* '"', '\'' or 0 */
};

/*
 * The next key=value field of the body into t. Words without '=' (as in
 * SELinux records) are skipped. Returns 1, 0 at the end, or -1 (err).
 */
static inline int
fim_next_field(struct fim_cursor *c, struct fim_token *t, char *err,
    size_t errlen)
{
	const char	*p = c->p, *k, *end;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0') {
			c->p = p;
			return 0;
		}
		k = p;
		while (fim_keychar[(unsigned char)*p])
			p++;
		if (*p != '=' || p == k) {
			/* Not a field: skip the word (quotes and all). */
			while (*p != '\0' && *p != ' ') {
				if (*p == '"' || *p == '\'') {
					if ((end = strchr(p + 1, *p)) == NULL)
						goto unterminated;
					p = end;
				}
				p++;
			}
			continue;
		}
		t->key = k;
		t->keylen = (size_t)(p - k);
		p++;
		if (*p == '"' || *p == '\'') {
			t->quote = *p;
			if ((end = strchr(p + 1, *p)) == NULL)
				goto unterminated;
			t->val = p + 1;
			t->vallen = (size_t)(end - p - 1);
			p = end + 1;
		} else {
			t->quote = 0;
			t->val = p;
			while (*p != ' ' && *p != '\0')
				p++;
			t->vallen = (size_t)(p - t->val);
		}
		c->p = p;
		return 1;
	}
unterminated:
	snprintf(err, errlen, "offset %zu: unterminated quoted value",
	    (size_t)(p - c->start));
	return -1;
}

/* A field name and its length. */
struct fim_name {
	const char	*name;
	size_t		 len;
};
#define FIM_NAME(s)	{ s, sizeof(s) - 1 }

/* Fields whose unquoted values are hex-encoded untrusted strings. */
static const struct fim_name fim_untrusted[] = {
	FIM_NAME("name"), FIM_NAME("cwd"), FIM_NAME("exe"), FIM_NAME("comm"),
	FIM_NAME("key"), FIM_NAME("proctitle"), FIM_NAME("path"),
	FIM_NAME("dir"), FIM_NAME("old"), FIM_NAME("new")
};
#undef FIM_NAME

/* Does field key hold a hex-encoded untrusted string when unquoted? */
static int
fim_is_untrusted(const char *key, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(fim_untrusted); i++)
		if (fim_untrusted[i].len == len &&
		    memcmp(fim_untrusted[i].name, key, len) == 0)
			return 1;
	return 0;
}

/*
 * Decode the value of t into out (room for vallen + 1 bytes): a
 * hex-encoded untrusted string (is_untrusted, unquoted, all hex digits,
 * even length) decoded with NUL bytes as spaces, anything else copied.
 * Returns the decoded length.
 */
static size_t
fim_decode_into(const struct fim_token *t, int is_untrusted, char *out)
{
	const unsigned char	*v = (const unsigned char *)t->val;
	size_t			 i, n;
	int			 hi, lo;

	if (is_untrusted && t->quote == 0 && t->vallen > 0 &&
	    t->vallen % 2 == 0) {
		n = t->vallen / 2;
		for (i = 0; i < n; i++) {
			hi = fim_hexdigit[v[2 * i]];
			lo = fim_hexdigit[v[2 * i + 1]];
			if ((hi | lo) < 0)
				break;
			out[i] = (char)(hi << 4 | lo);
			if (out[i] == '\0')
				out[i] = ' ';
		}
		if (i == n) {
			out[n] = '\0';
			return n;
		}
	}
	memcpy(out, t->val, t->vallen);
	out[t->vallen] = '\0';
	return t->vallen;
}

/* The length of t's value once decoded (see fim_decode_into). */
static size_t
fim_decoded_len(const struct fim_token *t, int is_untrusted)
{
	const unsigned char	*v = (const unsigned char *)t->val;
	size_t			 i;

	if (!is_untrusted || t->quote != 0 || t->vallen == 0 ||
	    t->vallen % 2 != 0)
		return t->vallen;
	for (i = 0; i < t->vallen; i++)
		if (fim_hexdigit[v[i]] < 0)
			return t->vallen;
	return t->vallen / 2;
}

/*
 * The first field name of body into t. Returns 1, 0 if absent, or -1
 * (malformed, err).
 */
static int
fim_find_field(const char *body, const char *name, struct fim_token *t,
    char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	size_t			 nlen = strlen(name);
	int			 rc;

	while ((rc = fim_next_field(&c, t, err, errlen)) == 1)
		if (t->keylen == nlen && memcmp(t->key, name, nlen) == 0)
			return 1;
	return rc;
}

/* Find and decode field name of body. Returns 1, 0 if absent, or -1. */
int
fim_field(const char *body, const char *name, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct fim_token	 t;
	int			 rc, is_untrusted;

	if ((rc = fim_find_field(body, name, &t, err, errlen)) != 1)
		return rc;
	is_untrusted = fim_is_untrusted(t.key, t.keylen);
	if (fim_decoded_len(&t, is_untrusted) >= outlen) {
		snprintf(err, errlen, "field %s: value of %zu bytes too long",
		    name, t.vallen);
		return -1;
	}
	fim_decode_into(&t, is_untrusted, out);
	return 1;
}

/* ---- Stamps ---- */

/* Parse digits at *p into *v (at most max). Returns 0, or -1. */
static int
fim_parse_digits(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char	*s = *p, *e;
	uint64_t	 n = 0;
	unsigned int	 d;

	for (e = s; e < end && (d = (unsigned int)(*e - '0')) <= 9; e++)
		n = n * 10 + d;
	if (e == s)
		return -1;
	if (e - s > 19) {
		/* Past 19 digits n wrapped: only leading zeros are fine. */
		while (e - s > 19 && *s == '0')
			s++;
		if (e - s > 19)
			return -1;
		for (n = 0; s < e; s++)
			n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > max)
		return -1;
	*p = e;
	*v = n;
	return 0;
}

/* Parse "audit(SEC.MSEC:SERIAL): ". Returns the body offset, or -1. */
int
fim_parse_stamp(const char *text, size_t len, struct fim_stamp *st,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len;
	uint64_t	 sec, msec, serial;

	if (len < 6 || memcmp(p, "audit(", 6) != 0) {
		snprintf(err, errlen, "offset 0: expected \"audit(\"");
		return -1;
	}
	p += 6;
	if (fim_parse_digits(&p, end, INT64_MAX / 1000, &sec) == -1 ||
	    p >= end || *p++ != '.') {
		snprintf(err, errlen, "offset %zu: expected seconds and '.'",
		    (size_t)(p - text));
		return -1;
	}
	if (fim_parse_digits(&p, end, 999, &msec) == -1 || p >= end ||
	    *p++ != ':') {
		snprintf(err, errlen, "offset %zu: expected milliseconds "
		    "(0-999) and ':'", (size_t)(p - text));
		return -1;
	}
	if (fim_parse_digits(&p, end, UINT32_MAX, &serial) == -1 ||
	    end - p < 2 || p[0] != ')' || p[1] != ':') {
		snprintf(err, errlen, "offset %zu: expected a serial number "
		    "(32 bits) and \"):\"", (size_t)(p - text));
		return -1;
	}
	p += 2;
	if (p < end && *p == ' ')
		p++;
	st->sec = (int64_t)sec;
	st->msec = (int)msec;
	st->serial = (uint32_t)serial;
	return (int)(p - text);
}


/* ---- Assembly ---- */

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
fim_serial_diff(uint32_t a, uint32_t b)
{
	return (int64_t)(int32_t)(a - b);
}

/* Is serial s marked seen? */
static int
fim_seen(const struct fim_assembler *as, uint32_t s)
{
	uint32_t	 i = s % FIM_SERIAL_WINDOW;

	return (as->seen[i / 8] >> (i % 8)) & 1;
}

/* Mark serial s seen (1) or not (0). */
static void
fim_set_seen(struct fim_assembler *as, uint32_t s, int on)
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
fim_settle(struct fim_assembler *as, uint32_t to)
{
	uint32_t	 s, from = as->base, top = to;

	if (fim_serial_diff(to, from) <= 0)
		return;
	if (fim_serial_diff(from, as->floor) < 0)
		from = fim_serial_diff(to, as->floor) > 0 ? as->floor : to;
	/* Above the highest serial seen nothing was seen. */
	if (fim_serial_diff(to, as->high) > 0) {
		s = fim_serial_diff(from, as->high) > 0 ? from : as->high;
		as->st.gaps += (uint32_t)(to - s);
		top = as->high;
	}
	for (s = from; fim_serial_diff(top, s) > 0; s++)
		if (!fim_seen(as, s))
			as->st.gaps++;
	as->base = to;
	if (fim_serial_diff(as->mark, as->base) < 0)
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
fim_emit(struct fim_assembler *as, struct fim_slot *sl)
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
fim_slot_find(struct fim_assembler *as, uint32_t s)
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
fim_slot_new(struct fim_assembler *as)
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
	fim_emit(as, oldest);
	return oldest;
}

/*
 * Note serial s in the window. Returns 1 if it was already seen, 0 if new.
 */
static int
fim_note_serial(struct fim_assembler *as, uint32_t s)
{
	uint32_t	 t;
	int64_t		 d;

	if (!as->started) {
		as->started = 1;
		as->base = as->floor = as->high = as->mark = s;
		memset(as->seen, 0, sizeof(as->seen));
	}
	d = fim_serial_diff(s, as->high);
	if (d >= 0) {
		/* Serials about to leave the window are settled first. */
		t = s + 1 - FIM_SERIAL_WINDOW;
		if (fim_serial_diff(t, as->base) > 0)
			fim_settle(as, t);
		if (d >= FIM_SERIAL_WINDOW)
			memset(as->seen, 0, sizeof(as->seen));
		else
			for (t = as->high; fim_serial_diff(s, t) >= 0; t++)
				fim_set_seen(as, t, 0);
		as->high = s + 1;
		fim_set_seen(as, s, 1);
		return 0;
	}
	if (-d > FIM_SERIAL_WINDOW)
		return 0;		/* too old to tell: take it */
	if (fim_seen(as, s))
		return 1;
	fim_set_seen(as, s, 1);
	/* A straggler already counted as a gap. */
	if (fim_serial_diff(s, as->base) < 0 &&
	    fim_serial_diff(s, as->floor) >= 0 && as->st.gaps > 0)
		as->st.gaps--;
	return 0;
}

/* Does the event in slot sl hold a record of type with this body? */
static int
fim_slot_has(const struct fim_slot *sl, int type, const char *body,
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
fim_slot_append(struct fim_slot *sl, int type, const char *body, size_t len)
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
	sl = fim_slot_find(as, st.serial);
	if (sl != NULL) {
		/*
		 * A copy from the other socket (multicast and unicast during
		 * a handover): a record already in the event is a duplicate,
		 * byte for byte; one not yet there is the rest of an event
		 * that began on the socket since left, and is kept.
		 */
		if ((sl->ev.source != source || sl->mixed) &&
		    fim_slot_has(sl, type, text + off, len - (size_t)off)) {
			as->st.duplicates++;
			return 1;
		}
		if (sl->ev.source != source)
			sl->mixed = 1;
	} else {
		was_seen = fim_note_serial(as, st.serial);
		if (was_seen) {
			as->st.duplicates++;
			return 1;
		}
		if (type == FIM_T_EOE) {
			/* An event that ends before it began: nothing. */
			as->st.records++;
			return 0;
		}
		sl = fim_slot_new(as);
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
		fim_emit(as, sl);
		return 0;
	}
	if (sl->ev.nrecords >= FIM_EVENT_RECORDS) {
		as->st.truncated++;
		return 0;
	}
	if (fim_slot_append(sl, type, text + off, len - (size_t)off) == -1) {
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
			fim_emit(as, &as->slots[i]);
	if (!as->started)
		return;
	fim_settle(as, as->mark);
	as->mark = as->high;
}

/* Flush every event in progress. */
void
fim_asm_flush(struct fim_assembler *as)
{
	int	 i;

	for (i = 0; i < FIM_ASM_SLOTS && as->nslots > 0; i++)
		if (as->slots[i].used)
			fim_emit(as, &as->slots[i]);
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

/* Events in progress. */

/* Events in progress. */
int
fim_asm_pending(const struct fim_assembler *as)
{
	return as->nslots;
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

/* ---- Decoding ---- */

/* Parse a signed decimal. Returns 0, or -1. */
static int
fim_int(const char *s, int64_t *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = (int64_t)n;
	return 0;
}

/* Parse an unsigned number in base. Returns 0, or -1. */
static int
fim_uint(const char *s, int base, uint64_t *v)
{
	char			*end;
	unsigned long long	 n;

	if (*s == '-' || *s == '+' || *s == '\0')
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = (uint64_t)n;
	return 0;
}

/*
 * A value of t as a NUL-terminated string in buf (FIM_VALUE_MAX bytes),
 * for the strto*() that read the unusual forms. Returns buf.
 */
static const char *
fim_token_string(const struct fim_token *t, char *buf)
{
	memcpy(buf, t->val, t->vallen);
	buf[t->vallen] = '\0';
	return buf;
}

/*
 * Parse the value of t as a signed decimal, as fim_int() would: the usual
 * form ([-]digits, up to 18) here, any other through strtoll(). Returns 0,
 * or -1.
 */
static inline int
fim_token_int(const struct fim_token *t, char *buf, int64_t *v)
{
	const char	*s = t->val;
	size_t		 i = 0;
	uint64_t	 n = 0;
	unsigned int	 d;

	if (t->vallen > 0 && s[0] == '-')
		i = 1;
	if (i == t->vallen || t->vallen - i > 18)
		return fim_int(fim_token_string(t, buf), v);
	for (; i < t->vallen; i++) {
		if ((d = (unsigned int)(s[i] - '0')) > 9)
			return fim_int(fim_token_string(t, buf), v);
		n = n * 10 + d;
	}
	*v = s[0] == '-' ? -(int64_t)n : (int64_t)n;
	return 0;
}

/*
 * Parse the value of t as an unsigned number in base 8, 10 or 16, as
 * fim_uint() would: plain digits that cannot overflow here, any other
 * form through strtoull(). Returns 0, or -1.
 */
static inline int
fim_token_uint(const struct fim_token *t, int base, char *buf, uint64_t *v)
{
	const unsigned char	*s = (const unsigned char *)t->val;
	const unsigned char	*e = s + t->vallen;
	uint64_t		 n = 0;
	int			 d;

	if (base == 16) {
		if (t->vallen == 0 || t->vallen > 16)
			goto other;
		for (; s < e; s++) {
			if ((d = fim_hexdigit[*s]) < 0)
				goto other;
			n = n << 4 | (unsigned int)d;
		}
	} else {
		if (t->vallen == 0 || t->vallen > (base == 10 ? 19 : 21))
			goto other;
		for (; s < e; s++) {
			if ((d = *s - '0') < 0 || d >= base)
				goto other;
			n = n * (unsigned int)base + (unsigned int)d;
		}
	}
	*v = n;
	return 0;
other:
	return fim_uint(fim_token_string(t, buf), base, v);
}

/* An id field: a number, 4294967295 (unset) is -1. Returns 0, or -1. */
static inline int
fim_token_id(const struct fim_token *t, char *buf, int64_t *v)
{
	if (fim_token_int(t, buf, v) == -1)
		return -1;
	if (*v == 4294967295LL)
		*v = -1;
	return 0;
}

/* Does the value of t read exactly s? */
static int
fim_token_is(const struct fim_token *t, const char *s, size_t len)
{
	return t->vallen == len && memcmp(t->val, s, len) == 0;
}

/* Zero sc but for its items (each is zeroed when decoded). */
static void
fim_syscall_zero(struct fim_syscall *sc)
{
	memset(sc, 0, offsetof(struct fim_syscall, items));
	sc->strings = NULL;
}

/* Free what a decoded event holds. */
void
fim_syscall_clear(struct fim_syscall *sc)
{
	free(sc->strings);
	fim_syscall_zero(sc);
}

/*
 * Where a decoded event's strings go: one allocation, sized for the
 * bodies it is decoded from (a decoded value is never longer than the
 * field it comes from, with its name and '=').
 */
struct fim_arena {
	char	*p;
	char	*end;
};

/*
 * Decode the value of t into the arena. Returns the string (its length in
 * *lenp), or NULL if it would be max bytes or more long (nothing is then
 * taken from the arena).
 */
static char *
fim_arena_value(struct fim_arena *a, const struct fim_token *t,
    int is_untrusted, size_t max, size_t *lenp)
{
	char	*s = a->p;
	size_t	 n;

	if (t->vallen + 1 > (size_t)(a->end - a->p))
		return NULL;	/* cannot happen: the arena fits the bodies */
	n = fim_decode_into(t, is_untrusted, s);
	if (n >= max)
		return NULL;
	a->p += n + 1;
	*lenp = n;
	return s;
}

/* Is s (of length n) "(null)" or "(none)", an absent string? */
static int
fim_is_none(const char *s, size_t n)
{
	return n == 6 && (memcmp(s, "(null)", 6) == 0 ||
	    memcmp(s, "(none)", 6) == 0);
}

/*
 * Set *dst to the decoded value of t (shorter than max), or to NULL for
 * "(null)" and "(none)", whose space goes back to the arena. Returns 0,
 * or -1 if the value is too long.
 */
static int
fim_arena_string(struct fim_arena *a, const struct fim_token *t,
    int is_untrusted, size_t max, char **dst)
{
	char	*s;
	size_t	 n;

	if ((s = fim_arena_value(a, t, is_untrusted, max, &n)) == NULL)
		return -1;
	*dst = s;
	if (fim_is_none(s, n)) {
		*dst = NULL;
		a->p = s;
	}
	return 0;
}

/* The fields of a SYSCALL record that decoding reads. */
enum fim_sc_field {
	FIM_SC_OTHER = 0,
	FIM_SC_ARCH, FIM_SC_SYSCALL, FIM_SC_SUCCESS, FIM_SC_EXIT,
	FIM_SC_A0, FIM_SC_A1, FIM_SC_A2, FIM_SC_A3,
	FIM_SC_PID, FIM_SC_PPID, FIM_SC_UID, FIM_SC_GID, FIM_SC_EUID,
	FIM_SC_AUID, FIM_SC_SES, FIM_SC_COMM, FIM_SC_EXE, FIM_SC_KEY,
	FIM_SC_TTY
};

/* Which SYSCALL field a name is. */
static enum fim_sc_field
fim_sc_field(const char *k, size_t len)
{
	switch (len) {
	case 2:
		if (k[0] == 'a' && k[1] >= '0' && k[1] <= '3')
			return FIM_SC_A0 + (k[1] - '0');
		break;
	case 3:
		if (memcmp(k, "pid", 3) == 0)
			return FIM_SC_PID;
		if (memcmp(k, "uid", 3) == 0)
			return FIM_SC_UID;
		if (memcmp(k, "gid", 3) == 0)
			return FIM_SC_GID;
		if (memcmp(k, "ses", 3) == 0)
			return FIM_SC_SES;
		if (memcmp(k, "exe", 3) == 0)
			return FIM_SC_EXE;
		if (memcmp(k, "key", 3) == 0)
			return FIM_SC_KEY;
		if (memcmp(k, "tty", 3) == 0)
			return FIM_SC_TTY;
		break;
	case 4:
		if (memcmp(k, "arch", 4) == 0)
			return FIM_SC_ARCH;
		if (memcmp(k, "exit", 4) == 0)
			return FIM_SC_EXIT;
		if (memcmp(k, "ppid", 4) == 0)
			return FIM_SC_PPID;
		if (memcmp(k, "euid", 4) == 0)
			return FIM_SC_EUID;
		if (memcmp(k, "auid", 4) == 0)
			return FIM_SC_AUID;
		if (memcmp(k, "comm", 4) == 0)
			return FIM_SC_COMM;
		break;
	case 7:
		if (memcmp(k, "syscall", 7) == 0)
			return FIM_SC_SYSCALL;
		if (memcmp(k, "success", 7) == 0)
			return FIM_SC_SUCCESS;
		break;
	}
	return FIM_SC_OTHER;
}

/* The value of t in an error message: its first 64 bytes, decoded. */
static int
fim_shown_len(const struct fim_token *t)
{
	return t->vallen > 64 ? 64 : (int)t->vallen;
}

/* Decode a SYSCALL record body into sc. Returns 0, or -1 (err). */
static int
fim_decode_syscall(const char *body, struct fim_syscall *sc,
    struct fim_arena *a, char *buf, char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	struct fim_token	 t;
	enum fim_sc_field	 f;
	uint64_t		 u = 0;
	int64_t			 n = 0;
	int			 rc, bad;

	sc->has_syscall = 1;
	sc->success = -1;
	sc->auid = sc->ses = -1;
	while ((rc = fim_next_field(&c, &t, err, errlen)) == 1) {
		if ((f = fim_sc_field(t.key, t.keylen)) == FIM_SC_OTHER)
			continue;
		/* Strings are measured decoded, below. */
		if (f < FIM_SC_COMM && t.vallen >= FIM_VALUE_MAX)
			goto too_long;
		bad = 0;
		switch (f) {
		case FIM_SC_ARCH:
			bad = fim_token_uint(&t, 16, buf, &u) == -1 ||
			    u > UINT32_MAX;
			sc->arch = (uint32_t)u;
			break;
		case FIM_SC_SYSCALL:
			bad = fim_token_int(&t, buf, &n) == -1 || n < 0 ||
			    n > 100000;
			sc->syscall = (int)n;
			break;
		case FIM_SC_SUCCESS:
			sc->success = fim_token_is(&t, "yes", 3) ? 1 :
			    fim_token_is(&t, "no", 2) ? 0 : -1;
			break;
		case FIM_SC_EXIT:
			bad = fim_token_int(&t, buf, &sc->exit) == -1;
			break;
		case FIM_SC_A0:
		case FIM_SC_A1:
		case FIM_SC_A2:
		case FIM_SC_A3:
			bad = fim_token_uint(&t, 16, buf,
			    &sc->a[f - FIM_SC_A0]) == -1;
			break;
		case FIM_SC_PID:
			bad = fim_token_int(&t, buf, &sc->pid) == -1;
			break;
		case FIM_SC_PPID:
			bad = fim_token_int(&t, buf, &sc->ppid) == -1;
			break;
		case FIM_SC_UID:
			bad = fim_token_id(&t, buf, &sc->uid) == -1;
			break;
		case FIM_SC_GID:
			bad = fim_token_id(&t, buf, &sc->gid) == -1;
			break;
		case FIM_SC_EUID:
			bad = fim_token_id(&t, buf, &sc->euid) == -1;
			break;
		case FIM_SC_AUID:
			bad = fim_token_id(&t, buf, &sc->auid) == -1;
			break;
		case FIM_SC_SES:
			bad = fim_token_id(&t, buf, &sc->ses) == -1;
			break;
		case FIM_SC_COMM:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->comm) == -1)
				goto too_long;
			break;
		case FIM_SC_EXE:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->exe) == -1)
				goto too_long;
			break;
		case FIM_SC_KEY:
			if (fim_arena_string(a, &t, 1, FIM_VALUE_MAX,
			    &sc->key) == -1)
				goto too_long;
			break;
		case FIM_SC_TTY:
			if (fim_arena_string(a, &t, 0, FIM_VALUE_MAX,
			    &sc->tty) == -1)
				goto too_long;
			break;
		case FIM_SC_OTHER:
			break;
		}
		if (bad) {
			snprintf(err, errlen, "SYSCALL: field %.*s: bad value "
			    "\"%.*s\"", (int)t.keylen, t.key, fim_shown_len(&t),
			    t.val);
			return -1;
		}
	}
	return rc;
too_long:
	snprintf(err, errlen, "SYSCALL: field %.*s too long", (int)t.keylen,
	    t.key);
	return -1;
}

/* The fields of a PATH record that decoding reads. */
enum fim_path_field {
	FIM_PA_OTHER = 0,
	FIM_PA_ITEM, FIM_PA_NAME, FIM_PA_INODE, FIM_PA_DEV, FIM_PA_MODE,
	FIM_PA_OUID, FIM_PA_OGID, FIM_PA_NAMETYPE
};

/* Which PATH field a name is. */
static enum fim_path_field
fim_path_field(const char *k, size_t len)
{
	switch (len) {
	case 3:
		if (memcmp(k, "dev", 3) == 0)
			return FIM_PA_DEV;
		break;
	case 4:
		if (memcmp(k, "item", 4) == 0)
			return FIM_PA_ITEM;
		if (memcmp(k, "name", 4) == 0)
			return FIM_PA_NAME;
		if (memcmp(k, "mode", 4) == 0)
			return FIM_PA_MODE;
		if (memcmp(k, "ouid", 4) == 0)
			return FIM_PA_OUID;
		if (memcmp(k, "ogid", 4) == 0)
			return FIM_PA_OGID;
		break;
	case 5:
		if (memcmp(k, "inode", 5) == 0)
			return FIM_PA_INODE;
		break;
	case 8:
		if (memcmp(k, "nametype", 8) == 0)
			return FIM_PA_NAMETYPE;
		break;
	}
	return FIM_PA_OTHER;
}

/* The name type of a PATH item. */
static enum fim_nametype
fim_nametype(const struct fim_token *t)
{
	if (fim_token_is(t, "NORMAL", 6))
		return FIM_NAME_NORMAL;
	if (fim_token_is(t, "PARENT", 6))
		return FIM_NAME_PARENT;
	if (fim_token_is(t, "CREATE", 6))
		return FIM_NAME_CREATE;
	if (fim_token_is(t, "DELETE", 6))
		return FIM_NAME_DELETE;
	return FIM_NAME_UNKNOWN;
}

/* Decode a PATH record body into the next item. Returns 0, or -1. */
static int
fim_decode_path(const char *body, struct fim_syscall *sc,
    struct fim_arena *a, char *buf, char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	struct fim_token	 t;
	enum fim_path_field	 f;
	struct fim_item		*it;
	uint64_t		 u = 0;
	int64_t			 n = 0;
	char			*name;
	size_t			 len;
	int			 rc, bad;

	if (sc->nitems >= FIM_EVENT_ITEMS)
		return 0;
	it = &sc->items[sc->nitems];
	memset(it, 0, sizeof(*it));
	it->index = -1;
	it->ouid = it->ogid = -1;
	while ((rc = fim_next_field(&c, &t, err, errlen)) == 1) {
		if ((f = fim_path_field(t.key, t.keylen)) == FIM_PA_OTHER)
			continue;
		/* The name is measured decoded, below. */
		if (f != FIM_PA_NAME && t.vallen >= FIM_VALUE_MAX)
			goto too_long;
		bad = 0;
		switch (f) {
		case FIM_PA_ITEM:
			bad = fim_token_int(&t, buf, &n) == -1 || n < 0 ||
			    n > 65535;
			it->index = (int)n;
			break;
		case FIM_PA_NAME:
			it->name = NULL;
			if ((name = fim_arena_value(a, &t, 1, FIM_VALUE_MAX,
			    &len)) == NULL)
				goto too_long;
			if (len == 6 && memcmp(name, "(null)", 6) == 0)
				a->p = name;
			else if (len >= FIM_PATH_MAX) {
				snprintf(err, errlen, "PATH: field name: bad "
				    "value \"%.64s\"", name);
				return -1;
			} else
				it->name = name;
			break;
		case FIM_PA_INODE:
			bad = fim_token_uint(&t, 10, buf, &it->inode) == -1;
			it->has_inode = !bad;
			break;
		case FIM_PA_DEV:
			bad = t.vallen >= sizeof(it->dev);
			len = bad ? sizeof(it->dev) - 1 : t.vallen;
			memcpy(it->dev, t.val, len);
			it->dev[len] = '\0';
			break;
		case FIM_PA_MODE:
			bad = fim_token_uint(&t, 8, buf, &u) == -1 ||
			    u > 0177777;
			it->mode = (unsigned int)u;
			it->has_mode = !bad;
			break;
		case FIM_PA_OUID:
			bad = fim_token_id(&t, buf, &it->ouid) == -1;
			break;
		case FIM_PA_OGID:
			bad = fim_token_id(&t, buf, &it->ogid) == -1;
			break;
		case FIM_PA_NAMETYPE:
			it->nametype = fim_nametype(&t);
			break;
		case FIM_PA_OTHER:
			break;
		}
		if (bad) {
			snprintf(err, errlen, "PATH: field %.*s: bad value "
			    "\"%.*s\"", (int)t.keylen, t.key, fim_shown_len(&t),
			    t.val);
			return -1;
		}
	}
	if (rc == -1)
		return -1;
	sc->nitems++;
	return 0;
too_long:
	snprintf(err, errlen, "PATH: field %.*s too long", (int)t.keylen,
	    t.key);
	return -1;
}

/*
 * Set *dst to the first field name of body, decoded, as fim_field() into a
 * buffer of max bytes would read it. Returns 1, 0 if absent, or -1
 * (malformed or too long, err).
 */
static int
fim_decode_one(const char *body, const char *name, size_t max,
    struct fim_arena *a, char **dst, char *err, size_t errlen)
{
	struct fim_token	 t;
	int			 rc;

	if ((rc = fim_find_field(body, name, &t, err, errlen)) != 1)
		return rc;
	if (fim_arena_string(a, &t, fim_is_untrusted(t.key, t.keylen), max,
	    dst) == -1) {
		snprintf(err, errlen, "field %s: value of %zu bytes too long",
		    name, t.vallen);
		return -1;
	}
	return 1;
}

/* Decode an assembled event. Returns 1 (syscall event), 0, or -1. */
int
fim_syscall_decode(const struct fim_raw_event *ev, struct fim_syscall *sc,
    char *err, size_t errlen)
{
	struct fim_arena	 a;
	char			 buf[FIM_VALUE_MAX];
	size_t			 size = 1;
	int			 i, rc = 0, has_syscall = 0;

	fim_syscall_zero(sc);
	sc->stamp = ev->stamp;
	sc->complete = ev->complete;
	for (i = 0; i < ev->nrecords; i++)
		switch (ev->records[i].type) {
		case FIM_T_SYSCALL:
			has_syscall = 1;
			/* FALLTHROUGH */
		case FIM_T_CWD:
		case FIM_T_PATH:
		case FIM_T_PROCTITLE:
			size += strlen(ev->records[i].body) + 1;
			break;
		}
	if (!has_syscall)
		return 0;
	if ((sc->strings = malloc(size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a.p = sc->strings;
	a.end = sc->strings + size;
	for (i = 0; i < ev->nrecords && rc == 0; i++) {
		switch (ev->records[i].type) {
		case FIM_T_SYSCALL:
			if (sc->has_syscall)
				break;
			rc = fim_decode_syscall(ev->records[i].body, sc, &a,
			    buf, err, errlen);
			break;
		case FIM_T_CWD:
			if (fim_decode_one(ev->records[i].body, "cwd",
			    FIM_PATH_MAX, &a, &sc->cwd, err, errlen) == -1)
				rc = -1;
			break;
		case FIM_T_PATH:
			rc = fim_decode_path(ev->records[i].body, sc, &a, buf,
			    err, errlen);
			break;
		case FIM_T_PROCTITLE:
			/* A very long title is not worth failing for. */
			(void)fim_decode_one(ev->records[i].body, "proctitle",
			    FIM_VALUE_MAX, &a, &sc->proctitle, err, errlen);
			break;
		default:
			break;
		}
	}
	if (rc != 0) {
		fim_syscall_clear(sc);
		return -1;
	}
	return 1;
}
/* ---- Syscalls ---- */

#define FIM_ARCH_X86_64		0xc000003eU
#define FIM_ARCH_AARCH64	0xc00000b7U

/* How a syscall changes files. */
enum fim_class {
	FIM_C_OPEN,		/* flags in arg flags_arg */
	FIM_C_OPEN2,		/* openat2: flags behind a pointer */
	FIM_C_CREAT,
	FIM_C_TRUNCATE,		/* by path */
	FIM_C_FTRUNCATE,	/* by descriptor (a0) */
	FIM_C_RENAME,
	FIM_C_UNLINK,
	FIM_C_MAKE,		/* mkdir, mknod, link, symlink */
	FIM_C_ATTR,		/* by path */
	FIM_C_FATTR		/* by descriptor (a0) */
};

/* One syscall: its numbers, class and argument roles. */
struct fim_syscall_info {
	const char	*name;
	int		 x86_64;	/* -1: none */
	int		 aarch64;
	enum fim_class	 cls;
	int		 flags_arg;	/* open flags, or -1 */
	int		 dirfd_arg;	/* the (first) directory fd, or -1 */
	int		 dirfd2_arg;	/* the second (rename, link), or -1 */
};

static const struct fim_syscall_info fim_syscalls[] = {
	{ "open", 2, -1, FIM_C_OPEN, 1, -1, -1 },
	{ "openat", 257, 56, FIM_C_OPEN, 2, 0, -1 },
	{ "openat2", 437, 437, FIM_C_OPEN2, -1, 0, -1 },
	{ "creat", 85, -1, FIM_C_CREAT, -1, -1, -1 },
	{ "truncate", 76, 45, FIM_C_TRUNCATE, -1, -1, -1 },
	{ "ftruncate", 77, 46, FIM_C_FTRUNCATE, -1, -1, -1 },
	{ "fallocate", 285, 47, FIM_C_FTRUNCATE, -1, -1, -1 },
	{ "rename", 82, -1, FIM_C_RENAME, -1, -1, -1 },
	{ "renameat", 264, 38, FIM_C_RENAME, -1, 0, 2 },
	{ "renameat2", 316, 276, FIM_C_RENAME, -1, 0, 2 },
	{ "unlink", 87, -1, FIM_C_UNLINK, -1, -1, -1 },
	{ "unlinkat", 263, 35, FIM_C_UNLINK, -1, 0, -1 },
	{ "rmdir", 84, -1, FIM_C_UNLINK, -1, -1, -1 },
	{ "mkdir", 83, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "mkdirat", 258, 34, FIM_C_MAKE, -1, 0, -1 },
	{ "mknod", 133, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "mknodat", 259, 33, FIM_C_MAKE, -1, 0, -1 },
	{ "link", 86, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "linkat", 265, 37, FIM_C_MAKE, -1, 0, 2 },
	{ "symlink", 88, -1, FIM_C_MAKE, -1, -1, -1 },
	{ "symlinkat", 266, 36, FIM_C_MAKE, -1, 1, -1 },
	{ "chmod", 90, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchmod", 91, 52, FIM_C_FATTR, -1, -1, -1 },
	{ "fchmodat", 268, 53, FIM_C_ATTR, -1, 0, -1 },
	{ "fchmodat2", 452, 452, FIM_C_ATTR, -1, 0, -1 },
	{ "chown", 92, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchown", 93, 55, FIM_C_FATTR, -1, -1, -1 },
	{ "lchown", 94, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "fchownat", 260, 54, FIM_C_ATTR, -1, 0, -1 },
	{ "setxattr", 188, 5, FIM_C_ATTR, -1, -1, -1 },
	{ "lsetxattr", 189, 6, FIM_C_ATTR, -1, -1, -1 },
	{ "fsetxattr", 190, 7, FIM_C_FATTR, -1, -1, -1 },
	{ "removexattr", 197, 14, FIM_C_ATTR, -1, -1, -1 },
	{ "lremovexattr", 198, 15, FIM_C_ATTR, -1, -1, -1 },
	{ "fremovexattr", 199, 16, FIM_C_FATTR, -1, -1, -1 },
	{ "setxattrat", 463, 463, FIM_C_ATTR, -1, 0, -1 },
	{ "removexattrat", 466, 466, FIM_C_ATTR, -1, 0, -1 },
	{ "utime", 132, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "utimes", 235, -1, FIM_C_ATTR, -1, -1, -1 },
	{ "futimesat", 261, -1, FIM_C_ATTR, -1, 0, -1 },
	{ "utimensat", 280, 88, FIM_C_ATTR, -1, 0, -1 },
};

/* The table row of a syscall, or NULL. */
static const struct fim_syscall_info *
fim_syscall_info(uint32_t arch, int nr)
{
	size_t	 i;

	for (i = 0; i < nitems(fim_syscalls); i++) {
		if (arch == FIM_ARCH_X86_64 && fim_syscalls[i].x86_64 == nr)
			return &fim_syscalls[i];
		if (arch == FIM_ARCH_AARCH64 && fim_syscalls[i].aarch64 == nr)
			return &fim_syscalls[i];
	}
	return NULL;
}

/* The syscall's name, or NULL. */
const char *
fim_syscall_name(uint32_t arch, int nr)
{
	const struct fim_syscall_info	*si = fim_syscall_info(arch, nr);

	return si != NULL ? si->name : NULL;
}

static const char *const fim_action_names[FIM_NACTIONS] = {
	"create", "modify", "attrib", "delete", "rename"
};

/* The action's name. */
const char *
fim_action_name(enum fim_action a)
{
	return (unsigned int)a < FIM_NACTIONS ? fim_action_names[a] : "?";
}

/* Parse an action name. Returns it, or -1. */
int
fim_action_parse(const char *s)
{
	int	 i;

	for (i = 0; i < FIM_NACTIONS; i++)
		if (strcmp(s, fim_action_names[i]) == 0)
			return i;
	return -1;
}

/* ---- Paths ---- */

/*
 * Append the segments of path s to out (*lenp bytes so far), cleaning as
 * they come: empty and "." segments dropped, ".." taking the last one
 * back. Returns 0, or -1 if it does not fit in outlen.
 */
static int
fim_path_append(char *out, size_t outlen, size_t *lenp, const char *s)
{
	const char	*seg;
	size_t		 len = *lenp, n;

	while (*s != '\0') {
		while (*s == '/')
			s++;
		seg = s;
		while (*s != '\0' && *s != '/')
			s++;
		n = (size_t)(s - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > outlen) {
			out[len] = '\0';
			return -1;
		}
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
	}
	out[len] = '\0';
	*lenp = len;
	return 0;
}

/* Join and clean a path. Returns 0, or -1 if it does not fit. */
int
fim_path_join(const char *base, const char *name, char *out, size_t outlen)
{
	size_t	 len = 0;

	if (outlen < 2)
		return -1;
	if (name[0] == '/' || base == NULL || base[0] == '\0')
		base = NULL;
	/* The limit of the joined text ("base/name" or "/name"). */
	if ((base != NULL ? strlen(base) : 0) + 1 + strlen(name) >=
	    FIM_PATH_MAX * 2 + 2)
		return -1;
	out[0] = '\0';
	if (base != NULL && fim_path_append(out, outlen, &len, base) == -1)
		return -1;
	if (fim_path_append(out, outlen, &len, name) == -1)
		return -1;
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

/* A descriptor argument as an int (AT_FDCWD is 0xffffff9c). */
static int
fim_fd_arg(uint64_t v)
{
	return (int)(int32_t)(uint32_t)v;
}

/*
 * The directory a relative name of item is relative to, in *base: the
 * directory fd argument (resolved through the process into buf), else the
 * cwd. parent is the PARENT item of the name, if known. Returns 1 if
 * certain, 0 if guessed.
 */
static int
fim_base_dir(const struct fim_syscall *sc, int dirfd_arg,
    const struct fim_item *parent, fim_resolve_fn resolve, void *arg,
    char *buf, size_t buflen, const char **base)
{
	int	 fd;

	*base = sc->cwd != NULL ? sc->cwd : "/";
	if (dirfd_arg >= 0) {
		fd = fim_fd_arg(sc->a[dirfd_arg]);
		if (fd != FIM_AT_FDCWD) {
			if (resolve != NULL && resolve(sc->pid, fd,
			    parent != NULL && parent->has_inode ?
			    parent->inode : 0, parent != NULL ? parent->dev :
			    "", buf, buflen, arg) == 0) {
				*base = buf;
				return 1;
			}
			/* The parent's name is then the cwd: a guess. */
			return 0;
		}
	}
	return sc->cwd != NULL;
}

/*
 * The absolute path of item: its name joined to the base directory for
 * dirfd_arg. Returns 1 (certain), 0 (guessed), or -1 (no path).
 */
static int
fim_item_path(const struct fim_syscall *sc, const struct fim_item *it,
    int dirfd_arg, const struct fim_item *parent, fim_resolve_fn resolve,
    void *arg, char *out, size_t outlen)
{
	char		 buf[FIM_PATH_MAX];
	const char	*base;
	int		 certain;

	if (it->name == NULL) {
		/* By descriptor (fchmod, ftruncate): ask the process. */
		if (resolve != NULL && resolve(sc->pid, fim_fd_arg(sc->a[0]),
		    0, it->dev, out, outlen, arg) == 0)
			return 1;
		return -1;
	}
	if (it->name[0] == '/')
		return fim_path_join(NULL, it->name, out, outlen) == 0 ? 1 :
		    -1;
	certain = fim_base_dir(sc, dirfd_arg, parent, resolve, arg, buf,
	    sizeof(buf), &base);
	if (fim_path_join(base, it->name, out, outlen) == -1)
		return -1;
	return certain;
}

/* The n-th (0-based) item of nametype t, or NULL. */
static const struct fim_item *
fim_find_item(const struct fim_syscall *sc, enum fim_nametype t, int n)
{
	int	 i;

	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype == t && n-- == 0)
			return &sc->items[i];
	return NULL;
}

/* The first item that names the object itself (not its directory). */
static const struct fim_item *
fim_object_item(const struct fim_syscall *sc)
{
	int	 i;

	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype == FIM_NAME_NORMAL ||
		    sc->items[i].nametype == FIM_NAME_UNKNOWN)
			return &sc->items[i];
	return NULL;
}

/* Fill one change for item. Returns 1, or 0 if it has no path. */
static int
fim_change(const struct fim_syscall *sc, enum fim_action action,
    const struct fim_item *it, int dirfd_arg, const struct fim_item *parent,
    fim_resolve_fn resolve, void *arg, struct fim_change *ch)
{
	int	 rc;

	if (it == NULL)
		return 0;
	rc = fim_item_path(sc, it, dirfd_arg, parent, resolve, arg, ch->path,
	    sizeof(ch->path));
	if (rc == -1)
		return 0;
	ch->old_path[0] = '\0';
	ch->action = action;
	ch->item = it;
	ch->is_resolved = rc;
	return 1;
}

/* The changes of a decoded syscall event. Returns their number. */
int
fim_changes(const struct fim_syscall *sc, int is_ours,
    fim_resolve_fn resolve, void *arg, struct fim_change *out, int max)
{
	const struct fim_syscall_info	*si;
	const struct fim_item		*it, *old, *parent, *parent2;
	uint64_t			 flags;
	int				 dirfd, dirfd2, rc;

	if (!sc->has_syscall || max < 1)
		return 0;
	si = fim_syscall_info(sc->arch, sc->syscall);
	dirfd = si != NULL ? si->dirfd_arg : -1;
	dirfd2 = si != NULL && si->dirfd2_arg >= 0 ? si->dirfd2_arg : dirfd;
	parent = fim_find_item(sc, FIM_NAME_PARENT, 0);
	parent2 = fim_find_item(sc, FIM_NAME_PARENT, 1);
	if (parent2 == NULL)
		parent2 = parent;
	if (si == NULL) {
		/* Unknown syscall: what the names say. */
		it = fim_find_item(sc, FIM_NAME_CREATE, 0);
		old = fim_find_item(sc, FIM_NAME_DELETE, 0);
		if (it != NULL && old != NULL) {
			if (!fim_change(sc, FIM_RENAME, it, -1, parent2,
			    resolve, arg, out))
				return 0;
			if (fim_item_path(sc, old, -1, parent, resolve, arg,
			    out->old_path, sizeof(out->old_path)) == -1)
				return 0;
			return 1;
		}
		if (it != NULL)
			return fim_change(sc, FIM_CREATE, it, -1, parent,
			    resolve, arg, out);
		if (old != NULL)
			return fim_change(sc, FIM_DELETE, old, -1, parent,
			    resolve, arg, out);
		if (is_ours && (it = fim_object_item(sc)) != NULL)
			return fim_change(sc, FIM_MODIFY, it, -1, parent,
			    resolve, arg, out);
		return 0;
	}
	switch (si->cls) {
	case FIM_C_OPEN:
	case FIM_C_OPEN2:
	case FIM_C_CREAT:
		if ((it = fim_find_item(sc, FIM_NAME_CREATE, 0)) != NULL)
			return fim_change(sc, FIM_CREATE, it, dirfd, parent,
			    resolve, arg, out);
		if (si->cls == FIM_C_OPEN) {
			flags = sc->a[si->flags_arg];
			if ((flags & O_ACCMODE) == O_RDONLY &&
			    !(flags & O_TRUNC))
				return 0;
		} else if (si->cls == FIM_C_OPEN2 && !is_ours)
			return 0;
		return fim_change(sc, FIM_MODIFY, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	case FIM_C_TRUNCATE:
	case FIM_C_FTRUNCATE:
		return fim_change(sc, FIM_MODIFY, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	case FIM_C_RENAME:
		it = fim_find_item(sc, FIM_NAME_CREATE, 0);
		old = fim_find_item(sc, FIM_NAME_DELETE, 0);
		if (it == NULL || old == NULL)
			return 0;
		if (!fim_change(sc, FIM_RENAME, it, dirfd2, parent2, resolve,
		    arg, out))
			return 0;
		rc = fim_item_path(sc, old, dirfd, parent, resolve, arg,
		    out->old_path, sizeof(out->old_path));
		if (rc == -1)
			return 0;
		if (rc == 0)
			out->is_resolved = 0;
		return 1;
	case FIM_C_UNLINK:
		return fim_change(sc, FIM_DELETE,
		    fim_find_item(sc, FIM_NAME_DELETE, 0), dirfd, parent,
		    resolve, arg, out);
	case FIM_C_MAKE:
		return fim_change(sc, FIM_CREATE,
		    fim_find_item(sc, FIM_NAME_CREATE, 0),
		    si->dirfd2_arg >= 0 ? si->dirfd2_arg : dirfd, parent2,
		    resolve, arg, out);
	case FIM_C_ATTR:
	case FIM_C_FATTR:
		return fim_change(sc, FIM_ATTRIB, fim_object_item(sc), dirfd,
		    parent, resolve, arg, out);
	}
	return 0;
}
