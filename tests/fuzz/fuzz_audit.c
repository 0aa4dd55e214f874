/*
 * fuzz_audit.c: libFuzzer target for the kernel audit record parser
 * (fim-record.c), assembler (fim-assemble.c) and file changes
 * (fim-change.c), and the fim manifest's rules (fim-rules.c).
 * Input: lines "TYPE SOURCE TEXT" fed to the assembler as records, with a
 * tick every few lines; every assembled event is decoded and turned into
 * file changes. An input starting with '{' is parsed as the "fim" object
 * of a manifest and matched against a few paths; one starting with
 * "outpost-fim-baseline" as a saved baseline (fim-scan.c), optionally
 * followed by "--" and the journal replayed over it (fim-replay.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fim-assemble.h"
#include "fim-change.h"
#include "fim-replay.h"
#include "fim-record.h"
#include "fim-rules.h"
#include "fim-scan.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A resolver that knows one descriptor and one directory. */
static int
fuzz_resolve(int64_t pid, int fd, uint64_t ino, const char *dev, char *out,
    size_t outlen, void *arg)
{
	if (fd == 3 || ino == 2) {
		snprintf(out, outlen, "/srv/dir");
		return 0;
	}
	return -1;
}

/* Each event: decode it, find its changes, check what came out. */
static void
fuzz_event(const struct fim_raw_event *ev, void *arg)
{
	struct fim_syscall	 sc;
	struct fim_change	 ch[2];
	char			 err[256];
	int			 n, i;

	if (fim_syscall_decode(ev, &sc, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	n = fim_changes(&sc, 1, fuzz_resolve, NULL, ch, 2);
	if (n < 0 || n > 2)
		abort();
	for (i = 0; i < n; i++)
		if (ch[i].path[0] != '/' || (ch[i].action == FIM_RENAME &&
		    ch[i].old_path[0] != '/'))
			abort();
	(void)fim_syscall_name(sc.arch, sc.syscall);
	fim_syscall_clear(&sc);
}

/* Parse the input as manifest rules and match a few paths. */
static void
fuzz_rules(const char *text)
{
	struct json_object	*o;
	struct fim_rules	 r;
	struct fim_kwatch	*kw;
	char			 err[256];
	int			 n;

	if ((o = json_tokener_parse(text)) == NULL)
		return;
	if (fim_rules_parse(o, &r, err, sizeof(err)) == 0) {
		(void)fim_rules_match(&r, "/etc/passwd", FIM_MODIFY);
		(void)fim_rules_match(&r, "/", FIM_CREATE);
		if ((n = fim_rules_kwatches(&r, NULL, NULL, &kw)) > 0)
			fim_kwatches_free(kw, n);
		fim_rules_free(&r);
	} else if (err[0] == '\0')
		abort();
	json_object_put(o);
}

/* A difference: it must name a path. */
static void
fuzz_diff(enum fim_action a, const char *path, const char *old,
    const struct fim_fstate *before, const struct fim_fstate *now,
    void *arg)
{
	if (path == NULL || path[0] != '/' || (a == FIM_RENAME && old == NULL))
		abort();
}

/*
 * Parse the input as a saved baseline and, after a line "--", the journal
 * that follows it (fim-journal.c); compare the result with itself.
 */
static void
fuzz_baseline(char *text, size_t len)
{
	struct fim_snapshot	*s, *dirty, *attributed;
	struct fim_snap_header	 h;
	struct fim_snap_extra	 x;
	struct fim_replay	*r;
	struct fim_pending	*lost;
	char			 err[256], *journal;
	size_t			 n, jlen = 0;

	if ((journal = strstr(text, "\n--\n")) != NULL) {
		len = (size_t)(journal - text) + 1;
		journal += 4;
		jlen = strlen(journal);
	}
	err[0] = '\0';
	if ((r = fim_replay_new()) == NULL)
		return;
	fim_replay_extra_for(&x, r);
	if ((s = fim_snap_parse(text, len, &h, &x, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
		fim_replay_free(r);
		return;
	}
	fim_replay_base(r, s, h.generation);
	if (journal != NULL && fim_replay_text(r, journal, jlen, err,
	    sizeof(err)) < 0 && err[0] == '\0')
		abort();
	n = fim_replay_lost(r, NULL, NULL, &lost);
	fim_replay_dirty(r, lost, n, &dirty, &attributed);
	fim_pending_free(lost, n);
	fim_snap_free(dirty);
	fim_snap_free(attributed);
	fim_replay_free(r);
	fim_snap_diff(s, s, INT64_MAX, 0, fuzz_diff, NULL);
	fim_snap_prune(s);
	fim_snap_free(s);
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fim_assembler	*as;
	char			*text, *line, *next, *sp, err[256];
	uint64_t		 now = 0;
	long			 type;
	int			 source, lines = 0;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (size > 0 && text[0] == '{') {
		fuzz_rules(text);
		free(text);
		return 0;
	}
	if (size >= 20 && memcmp(text, "outpost-fim-baseline", 20) == 0) {
		fuzz_baseline(text, size);
		free(text);
		return 0;
	}
	as = fim_asm_new(fuzz_event, NULL, 1000);
	for (line = text; line != NULL && as != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		type = strtol(line, &sp, 10);
		if (sp == line || *sp != ' ' || sp[1] == '\0')
			continue;
		source = sp[1] == '1';
		if (sp[2] != ' ')
			continue;
		sp += 3;
		if (fim_asm_add(as, (int)type, sp, strlen(sp), source, now,
		    err, sizeof(err)) == -1 && err[0] == '\0')
			abort();
		if (++lines % 4 == 0) {
			now += 700;
			fim_asm_tick(as, now);
		}
	}
	if (as != NULL) {
		fim_asm_flush(as);
		fim_asm_free(as);
	}
	free(text);
	return 0;
}
