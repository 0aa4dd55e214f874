/*
 * fim-record.c: audit record text: parsing, assembly by serial with
 * duplicate and gap accounting, decoding of syscall events, and the file
 * changes they describe. No I/O here (see fim-record.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "fim-record.h"

#define FIM_ASM_SLOTS		256		/* events in progress */
#define FIM_SERIAL_WINDOW	65536		/* serials remembered */
#define FIM_AT_FDCWD		(-100)

/* ---- Fields ---- */

/* A cursor over the fields of a record body. */
struct fim_cursor {
	const char	*start;
	const char	*p;
};

/* Characters a field name may hold. */
static int
fim_is_keychar(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/*
 * The next key=value field of the body. Words without '=' (as in SELinux
 * records) are skipped. Returns 1, 0 at the end, or -1 (err).
 */
static int
fim_next_field(struct fim_cursor *c, const char **key, size_t *keylen,
    const char **val, size_t *vallen, int *quote, char *err, size_t errlen)
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
		while (fim_is_keychar((unsigned char)*p))
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
		*key = k;
		*keylen = (size_t)(p - k);
		p++;
		if (*p == '"' || *p == '\'') {
			*quote = *p;
			if ((end = strchr(p + 1, *p)) == NULL)
				goto unterminated;
			*val = p + 1;
			*vallen = (size_t)(end - p - 1);
			p = end + 1;
		} else {
			*quote = 0;
			*val = p;
			while (*p != '\0' && *p != ' ')
				p++;
			*vallen = (size_t)(p - *val);
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
/* The fields of a SYSCALL record that decoding reads. */
static const struct fim_name fim_syscall_fields[] = {
	FIM_NAME("arch"), FIM_NAME("syscall"), FIM_NAME("success"),
	FIM_NAME("exit"), FIM_NAME("a0"), FIM_NAME("a1"), FIM_NAME("a2"),
	FIM_NAME("a3"), FIM_NAME("pid"), FIM_NAME("ppid"), FIM_NAME("uid"),
	FIM_NAME("gid"), FIM_NAME("euid"), FIM_NAME("auid"), FIM_NAME("ses"),
	FIM_NAME("comm"), FIM_NAME("exe"), FIM_NAME("key"), FIM_NAME("tty")
};
/* The fields of a PATH record that decoding reads. */
static const struct fim_name fim_path_fields[] = {
	FIM_NAME("item"), FIM_NAME("name"), FIM_NAME("inode"),
	FIM_NAME("dev"), FIM_NAME("mode"), FIM_NAME("ouid"), FIM_NAME("ogid"),
	FIM_NAME("nametype")
};
#undef FIM_NAME

/* Is key (of length len) one of the n names? */
static int
fim_name_in(const struct fim_name *names, size_t n, const char *key,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (names[i].len == len && memcmp(names[i].name, key, len) == 0)
			return 1;
	return 0;
}

/* Does field key hold a hex-encoded untrusted string when unquoted? */
static int
fim_is_untrusted(const char *key, size_t len)
{
	return fim_name_in(fim_untrusted, nitems(fim_untrusted), key, len);
}

/* Is the value all hex digits, of even length? */
static int
fim_is_hex(const char *v, size_t len)
{
	size_t	 i;

	if (len == 0 || len % 2 != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (hex_value((unsigned char)v[i]) < 0)
			return 0;
	return 1;
}

/*
 * Decode a value into out: quoted values as they are, hex-encoded
 * untrusted strings decoded (NUL bytes become spaces). Returns 0, or -1 if
 * it does not fit.
 */
static int
fim_decode_value(const char *key, size_t keylen, const char *val,
    size_t vallen, int quote, char *out, size_t outlen)
{
	size_t	 i, n;
	int	 b;

	if (quote == 0 && fim_is_untrusted(key, keylen) &&
	    fim_is_hex(val, vallen)) {
		n = vallen / 2;
		if (n >= outlen)
			return -1;
		for (i = 0; i < n; i++) {
			b = hex_value((unsigned char)val[2 * i]) * 16 +
			    hex_value((unsigned char)val[2 * i + 1]);
			out[i] = b == 0 ? ' ' : (char)b;
		}
		out[n] = '\0';
		return 0;
	}
	if (vallen >= outlen)
		return -1;
	memcpy(out, val, vallen);
	out[vallen] = '\0';
	return 0;
}

/* Find and decode field name of body. Returns 1, 0 if absent, or -1. */
int
fim_field(const char *body, const char *name, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	const char		*key, *val;
	size_t			 keylen, vallen, nlen = strlen(name);
	int			 quote, rc;

	while ((rc = fim_next_field(&c, &key, &keylen, &val, &vallen, &quote,
	    err, errlen)) == 1) {
		if (keylen != nlen || memcmp(key, name, nlen) != 0)
			continue;
		if (fim_decode_value(key, keylen, val, vallen, quote, out,
		    outlen) == -1) {
			snprintf(err, errlen, "field %s: value of %zu bytes "
			    "too long", name, vallen);
			return -1;
		}
		return 1;
	}
	return rc;
}

/* ---- Stamps ---- */

/* Parse digits at *p into *v (at most max). Returns 0, or -1. */
static int
fim_parse_digits(const char **p, const char *end, uint64_t max, uint64_t *v)
{
	const char	*s = *p;
	uint64_t	 n = 0;

	if (s >= end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (n > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
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

/* One event being assembled. */
struct fim_slot {
	int			 used;
	int			 mixed;		/* records from both sockets */
	uint64_t		 first_ms;
	struct fim_raw_event	 ev;
};

struct fim_assembler {
	fim_event_fn		 fn;
	void			*arg;
	unsigned int		 timeout_ms;
	struct fim_slot		 slots[FIM_ASM_SLOTS];
	int			 nslots;
	/* Serials: bits for [high - WINDOW, high) say which were seen. */
	int			 started;
	uint32_t		 base;		/* gaps below are settled */
	uint32_t		 floor;		/* first serial: no gaps below */
	uint32_t		 high;		/* highest seen + 1 */
	uint32_t		 mark;		/* high at the previous tick */
	uint8_t			 seen[FIM_SERIAL_WINDOW / 8];
	struct fim_asm_stats	 st;
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

/* Emit the event of a slot and free the slot. */
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
	for (i = 0; i < sl->ev.nrecords; i++)
		free(sl->ev.records[i].body);
	memset(sl, 0, sizeof(*sl));
	as->nslots--;
}

/* The slot of serial s, or NULL. */
static struct fim_slot *
fim_slot_find(struct fim_assembler *as, uint32_t s)
{
	int	 i;

	if (as->nslots == 0)
		return NULL;
	for (i = 0; i < FIM_ASM_SLOTS; i++)
		if (as->slots[i].used && as->slots[i].ev.stamp.serial == s)
			return &as->slots[i];
	return NULL;
}

/* A free slot, emitting the oldest event if none is free. */
static struct fim_slot *
fim_slot_new(struct fim_assembler *as)
{
	struct fim_slot	*oldest = NULL;
	int		 i;

	for (i = 0; i < FIM_ASM_SLOTS; i++) {
		if (!as->slots[i].used)
			return &as->slots[i];
		if (oldest == NULL ||
		    as->slots[i].first_ms < oldest->first_ms)
			oldest = &as->slots[i];
	}
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
		if (sl->ev.records[i].type == type &&
		    strlen(sl->ev.records[i].body) == len &&
		    memcmp(sl->ev.records[i].body, body, len) == 0)
			return 1;
	return 0;
}

/* Add one record. Returns 0, 1 (duplicate), or -1 (malformed). */
int
fim_asm_add(struct fim_assembler *as, int type, const char *text, size_t len,
    int source, uint64_t now_ms, char *err, size_t errlen)
{
	struct fim_stamp	 st;
	struct fim_slot		*sl;
	int			 off, was_seen;

	if ((off = fim_parse_stamp(text, len, &st, err, errlen)) == -1) {
		as->st.malformed++;
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "offset %zu: NUL byte in the record",
		    (size_t)((const char *)memchr(text, '\0', len) - text));
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
	if ((sl->ev.records[sl->ev.nrecords].body = strndup(text + off,
	    len - (size_t)off)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sl->ev.records[sl->ev.nrecords++].type = type;
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
int
fim_asm_pending(const struct fim_assembler *as)
{
	return as->nslots;
}

/* Free the assembler (events in progress are dropped). */
void
fim_asm_free(struct fim_assembler *as)
{
	int	 i, j;

	if (as == NULL)
		return;
	for (i = 0; i < FIM_ASM_SLOTS; i++)
		for (j = 0; j < as->slots[i].ev.nrecords; j++)
			free(as->slots[i].ev.records[j].body);
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

/* An id field: a number, 4294967295 (unset) is -1. */
static int
fim_id(const char *s, int64_t *v)
{
	if (fim_int(s, v) == -1)
		return -1;
	if (*v == 4294967295LL)
		*v = -1;
	return 0;
}

/* Free what a decoded event holds. */
void
fim_syscall_clear(struct fim_syscall *sc)
{
	int	 i;

	free(sc->comm);
	free(sc->exe);
	free(sc->key);
	free(sc->cwd);
	free(sc->proctitle);
	free(sc->tty);
	for (i = 0; i < sc->nitems; i++)
		free(sc->items[i].name);
	memset(sc, 0, sizeof(*sc));
}

/* Replace *dst with a copy of a decoded string ("(null)" is NULL). */
static int
fim_set_string(char **dst, const char *v)
{
	free(*dst);
	*dst = NULL;
	if (strcmp(v, "(null)") == 0 || strcmp(v, "(none)") == 0)
		return 0;
	return (*dst = strdup(v)) == NULL ? -1 : 0;
}

#define FIM_VALUE_MAX	(FIM_PATH_MAX * 2 + 1)	/* a decoded value */

/*
 * The next field of c among names[n]: its name in name (16 bytes) and its
 * decoded value in v (FIM_VALUE_MAX bytes). Returns 1, 0 at the end, or
 * -1 with err (what names the record type).
 */
static int
fim_next_wanted(struct fim_cursor *c, const struct fim_name *names, size_t n,
    const char *what, char *name, char *v, char *err, size_t errlen)
{
	const char	*key, *val;
	size_t		 keylen, vallen;
	int		 quote, rc;

	while ((rc = fim_next_field(c, &key, &keylen, &val, &vallen, &quote,
	    err, errlen)) == 1) {
		if (keylen >= 16 || !fim_name_in(names, n, key, keylen))
			continue;
		memcpy(name, key, keylen);
		name[keylen] = '\0';
		if (fim_decode_value(key, keylen, val, vallen, quote, v,
		    FIM_VALUE_MAX) == -1) {
			snprintf(err, errlen, "%s: field %s too long", what,
			    name);
			return -1;
		}
		return 1;
	}
	return rc;
}

/* Decode a SYSCALL record body into sc. Returns 0, or -1 (err). */
static int
fim_decode_syscall(const char *body, struct fim_syscall *sc, char *v,
    char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	char			 name[16];
	uint64_t		 u = 0;
	int64_t			 n = 0;
	int			 rc, bad = 0;

	sc->has_syscall = 1;
	sc->success = -1;
	sc->auid = sc->ses = -1;
	while ((rc = fim_next_wanted(&c, fim_syscall_fields,
	    nitems(fim_syscall_fields), "SYSCALL", name, v, err, errlen)) == 1) {
		if (strcmp(name, "arch") == 0) {
			bad = fim_uint(v, 16, &u) == -1 || u > UINT32_MAX;
			sc->arch = (uint32_t)u;
		} else if (strcmp(name, "syscall") == 0) {
			bad = fim_int(v, &n) == -1 || n < 0 || n > 100000;
			sc->syscall = (int)n;
		} else if (strcmp(name, "success") == 0)
			sc->success = strcmp(v, "yes") == 0 ? 1 :
			    strcmp(v, "no") == 0 ? 0 : -1;
		else if (strcmp(name, "exit") == 0)
			bad = fim_int(v, &sc->exit) == -1;
		else if (name[0] == 'a' && name[1] >= '0' && name[1] <= '3' &&
		    name[2] == '\0')
			bad = fim_uint(v, 16, &sc->a[name[1] - '0']) == -1;
		else if (strcmp(name, "pid") == 0)
			bad = fim_int(v, &sc->pid) == -1;
		else if (strcmp(name, "ppid") == 0)
			bad = fim_int(v, &sc->ppid) == -1;
		else if (strcmp(name, "uid") == 0)
			bad = fim_id(v, &sc->uid) == -1;
		else if (strcmp(name, "gid") == 0)
			bad = fim_id(v, &sc->gid) == -1;
		else if (strcmp(name, "euid") == 0)
			bad = fim_id(v, &sc->euid) == -1;
		else if (strcmp(name, "auid") == 0)
			bad = fim_id(v, &sc->auid) == -1;
		else if (strcmp(name, "ses") == 0)
			bad = fim_id(v, &sc->ses) == -1;
		else if (strcmp(name, "comm") == 0)
			bad = fim_set_string(&sc->comm, v) == -1;
		else if (strcmp(name, "exe") == 0)
			bad = fim_set_string(&sc->exe, v) == -1;
		else if (strcmp(name, "key") == 0)
			bad = fim_set_string(&sc->key, v) == -1;
		else if (strcmp(name, "tty") == 0)
			bad = fim_set_string(&sc->tty, v) == -1;
		if (bad) {
			snprintf(err, errlen, "SYSCALL: field %s: bad value "
			    "\"%.64s\"", name, v);
			return -1;
		}
	}
	return rc;
}

/* The name type of a PATH item. */
static enum fim_nametype
fim_nametype(const char *v)
{
	if (strcmp(v, "NORMAL") == 0)
		return FIM_NAME_NORMAL;
	if (strcmp(v, "PARENT") == 0)
		return FIM_NAME_PARENT;
	if (strcmp(v, "CREATE") == 0)
		return FIM_NAME_CREATE;
	if (strcmp(v, "DELETE") == 0)
		return FIM_NAME_DELETE;
	return FIM_NAME_UNKNOWN;
}

/* Decode a PATH record body into the next item. Returns 0, or -1. */
static int
fim_decode_path(const char *body, struct fim_syscall *sc, char *v,
    char *err, size_t errlen)
{
	struct fim_cursor	 c = { body, body };
	struct fim_item		*it;
	char			 name[16];
	uint64_t		 u = 0;
	int64_t			 n = 0;
	int			 rc, bad = 0;

	if (sc->nitems >= FIM_EVENT_ITEMS)
		return 0;
	it = &sc->items[sc->nitems];
	memset(it, 0, sizeof(*it));
	it->index = -1;
	it->ouid = it->ogid = -1;
	while ((rc = fim_next_wanted(&c, fim_path_fields,
	    nitems(fim_path_fields), "PATH", name, v, err, errlen)) == 1) {
		if (strcmp(name, "item") == 0) {
			bad = fim_int(v, &n) == -1 || n < 0 || n > 65535;
			it->index = (int)n;
		} else if (strcmp(name, "name") == 0) {
			free(it->name);
			it->name = NULL;
			if (strcmp(v, "(null)") != 0) {
				bad = strlen(v) >= FIM_PATH_MAX;
				if (!bad && (it->name = strdup(v)) == NULL)
					bad = 1;
			}
		} else if (strcmp(name, "inode") == 0) {
			bad = fim_uint(v, 10, &it->inode) == -1;
			it->has_inode = !bad;
		} else if (strcmp(name, "dev") == 0)
			bad = strlcpy(it->dev, v, sizeof(it->dev)) >=
			    sizeof(it->dev);
		else if (strcmp(name, "mode") == 0) {
			bad = fim_uint(v, 8, &u) == -1 || u > 0177777;
			it->mode = (unsigned int)u;
			it->has_mode = !bad;
		} else if (strcmp(name, "ouid") == 0)
			bad = fim_id(v, &it->ouid) == -1;
		else if (strcmp(name, "ogid") == 0)
			bad = fim_id(v, &it->ogid) == -1;
		else if (strcmp(name, "nametype") == 0)
			it->nametype = fim_nametype(v);
		if (bad) {
			snprintf(err, errlen, "PATH: field %s: bad value "
			    "\"%.64s\"", name, v);
			free(it->name);
			return -1;
		}
	}
	if (rc == -1) {
		free(it->name);
		return -1;
	}
	sc->nitems++;
	return 0;
}

/* Decode an assembled event. Returns 1 (syscall event), 0, or -1. */
int
fim_syscall_decode(const struct fim_raw_event *ev, struct fim_syscall *sc,
    char *err, size_t errlen)
{
	char	*v;
	int	 i, rc = 0, found;

	memset(sc, 0, sizeof(*sc));
	sc->stamp = ev->stamp;
	sc->complete = ev->complete;
	for (i = 0; i < ev->nrecords; i++)
		if (ev->records[i].type == FIM_T_SYSCALL)
			break;
	if (i == ev->nrecords)
		return 0;
	if ((v = malloc(FIM_VALUE_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < ev->nrecords && rc == 0; i++) {
		switch (ev->records[i].type) {
		case FIM_T_SYSCALL:
			if (sc->has_syscall)
				break;
			rc = fim_decode_syscall(ev->records[i].body, sc, v,
			    err, errlen);
			break;
		case FIM_T_CWD:
			found = fim_field(ev->records[i].body, "cwd", v,
			    FIM_PATH_MAX, err, errlen);
			if (found == 1)
				rc = fim_set_string(&sc->cwd, v);
			else if (found == -1)
				rc = -1;
			break;
		case FIM_T_PATH:
			rc = fim_decode_path(ev->records[i].body, sc, v, err,
			    errlen);
			break;
		case FIM_T_PROCTITLE:
			found = fim_field(ev->records[i].body, "proctitle", v,
			    FIM_VALUE_MAX, err, errlen);
			if (found == 1)
				rc = fim_set_string(&sc->proctitle, v);
			else if (found == -1) {
				/* A very long title: not worth failing. */
				rc = 0;
			}
			break;
		default:
			break;
		}
	}
	free(v);
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

/* Join and clean a path. Returns 0, or -1 if it does not fit. */
int
fim_path_join(const char *base, const char *name, char *out, size_t outlen)
{
	char		 buf[FIM_PATH_MAX * 2 + 2];
	const char	*p, *seg;
	size_t		 len = 0, n;
	int		 w;

	if (outlen < 2)
		return -1;
	if (name[0] == '/' || base == NULL || base[0] == '\0')
		w = snprintf(buf, sizeof(buf), "/%s", name);
	else
		w = snprintf(buf, sizeof(buf), "%s/%s", base, name);
	if (w < 0 || (size_t)w >= sizeof(buf))
		return -1;
	out[0] = '\0';
	for (p = buf; *p != '\0'; ) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		if (len + 1 + n + 1 > outlen)
			return -1;
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
		out[len] = '\0';
	}
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
 * The directory a relative name of item is relative to: the directory fd
 * argument (resolved through the process), else the cwd. parent is the
 * PARENT item of the name, if known. Returns 1 if certain, 0 if guessed.
 */
static int
fim_base_dir(const struct fim_syscall *sc, int dirfd_arg,
    const struct fim_item *parent, fim_resolve_fn resolve, void *arg,
    char *out, size_t outlen)
{
	int	 fd;

	if (dirfd_arg >= 0) {
		fd = fim_fd_arg(sc->a[dirfd_arg]);
		if (fd != FIM_AT_FDCWD) {
			if (resolve != NULL && resolve(sc->pid, fd,
			    parent != NULL && parent->has_inode ?
			    parent->inode : 0, parent != NULL ? parent->dev :
			    "", out, outlen, arg) == 0)
				return 1;
			/* The parent's name is then the cwd: a guess. */
			strlcpy(out, sc->cwd != NULL ? sc->cwd : "/", outlen);
			return 0;
		}
	}
	strlcpy(out, sc->cwd != NULL ? sc->cwd : "/", outlen);
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
	char	 base[FIM_PATH_MAX];
	int	 certain;

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
	certain = fim_base_dir(sc, dirfd_arg, parent, resolve, arg, base,
	    sizeof(base));
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
	memset(ch, 0, sizeof(*ch));
	rc = fim_item_path(sc, it, dirfd_arg, parent, resolve, arg, ch->path,
	    sizeof(ch->path));
	if (rc == -1)
		return 0;
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
