/*
 * fim-rules.h: the watch rules of the fim manifest (docs/protocol.md
 * section 5): parsed and checked, matched against paths in user space
 * (which events a rule wants, its excludes, recursive or not), and turned
 * into kernel watch rules. Pure code, fuzzed with the record parser.
 */
#ifndef OUTPOST_FIM_RULES_H
#define OUTPOST_FIM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "fim-record.h"

struct json_object;

#define FIM_RULES_MAX		256
#define FIM_EXCLUDES_MAX	256

/* One watch rule of the manifest. */
struct fim_rule {
	char		*path;		/* absolute, clean */
	int		 is_recursive;	/* the whole tree, else path and its
					   direct entries */
	unsigned int	 events;	/* 1 << enum fim_action */
	char		**excludes;	/* absolute, clean */
	int		 nexcludes;
};

/* The FIM part of the manifest. */
struct fim_rules {
	int		 is_enabled;
	struct fim_rule	*rules;
	int		 nrules;
	int64_t		 hash_max_size;	/* -1: not given */
};

/*
 * Parse the manifest's "fim" object (NULL or absent members: disabled, no
 * rules) into rules. Returns 0, or -1 with "fim.rules[2].path: ..." in
 * err (rules is then empty).
 */
int	fim_rules_parse(struct json_object *fim, struct fim_rules *rules,
	    char *err, size_t errlen);
void	fim_rules_free(struct fim_rules *);
/* Do a and b hold the same rules? */
int	fim_rules_equal(const struct fim_rules *, const struct fim_rules *);

/*
 * The rule that decides about action on path: the most specific rule
 * covering path. Returns its index, or -1 when no rule covers the path,
 * it is excluded, or the rule does not want the action.
 */
int	fim_rules_match(const struct fim_rules *, const char *path,
	    enum fim_action);

/* Is path one of rule's excludes, or below one? */
int	fim_rules_excluded(const struct fim_rule *, const char *path);

/* The kernel watch for a rule path: one per distinct path. */
struct fim_kwatch {
	char		*path;
	int		 is_tree;	/* directory tree, else one path */
	unsigned int	 perm;		/* AUDIT_WATCH_WRITE | _ATTR */
};

/*
 * The kernel watches for rules: is_dir(path, arg) says whether a path is
 * a directory now (1), something else (0) or missing (-1). A directory
 * gets a tree watch even when the rule is not recursive (depth is then
 * filtered here), a file a path watch; a missing path a tree watch if
 * the rule is recursive (the kernel refuses it until the directory
 * exists), else a path watch (which sees the file appear). Returns the
 * number of watches in *out (free with fim_kwatches_free), or -1.
 */
int	fim_rules_kwatches(const struct fim_rules *,
	    int (*is_dir)(const char *, void *), void *arg,
	    struct fim_kwatch **out);
void	fim_kwatches_free(struct fim_kwatch *, int n);

#endif /* OUTPOST_FIM_RULES_H */
