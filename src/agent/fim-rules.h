/*
 * fim-rules.h: the watch rules of the fim manifest (docs/protocol.md
 * section 5): parsed and checked, matched against paths in user space
 * (which events a rule wants, its excludes, recursive or not), and turned
 * into kernel watch rules; that part is pure code, unit-tested and fuzzed
 * with the record parser. Then the kernel's rules with our key, kept in
 * line with those (private to the FIM module, whose state they use).
 */
#ifndef OUTPOST_FIM_RULES_H
#define OUTPOST_FIM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "fim-change.h"

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

/*
 * Does a SYSCALL record's key (decoded; several keys are separated by
 * 0x01) name ours? NULL names nothing.
 */
int	fim_rules_is_key(const char *keys, const char *ours);

/* ---- The kernel's rules (fim-rules.c, for the FIM module only) ---- */

struct fim;
struct fim_listed;

/* One kernel watch we want, and how the kernel took it. */
struct fim_rule_state {
	struct fim_kwatch	 w;
	int			 state;		/* FIM_RS_* */
	int			 err;		/* errno when refused */
};
#define FIM_RS_PENDING		0
#define FIM_RS_INSTALLED	1
#define FIM_RS_REFUSED		2

/* The rules we want in the kernel, and the reconcile in progress. */
struct fim_kernel_rules {
	struct fim_rule_state	*want;
	int			 nwant;
	unsigned int		 want_gen;
	int			 ops;		/* rule requests in flight */
	int			 is_reconciling;
	int			 reconcile_again;
	struct fim_listed	*listed;	/* rules of ours listed */
	int			 nlisted;
	int			 listed_cap;
	unsigned int		 refused_reported;	/* count reported */
	int			 deleted_total;
	uint64_t		 removed;	/* by other programs */
};

/*
 * Work out the kernel watches for the rules in force (none when not
 * collecting). Returns 1 if they differ from the wanted ones (which are
 * then replaced), 0 if not.
 */
int	fim_rules_want_update(struct fim *);
/* Bring the kernel's rules with our key in line with the wanted ones. */
void	fim_rules_reconcile(struct fim *);
/* At start, before the loop runs: add every wanted rule without listing. */
void	fim_rules_add_all(struct fim *);
/*
 * Delete every rule with key (our key, or the key of older agents),
 * waiting for the kernel (before the loop runs, or at stop). Returns the
 * number deleted, or -1.
 */
int	fim_rules_remove_sync(struct fim *, const char *key);
/*
 * Our key: FIM_AUDIT_KEY "-" the installation's id (state_dir/fim-id, made
 * at the first start); an upgrade from the older key removes the rules of
 * that key (before the loop runs).
 */
void	fim_rules_key_load(struct fim *);
/* Remove the installation's id (uninstall). */
void	fim_rules_key_remove(struct fim *);
/* From the retry timer: try the refused rules again, if any. */
void	fim_rules_retry(struct fim *);
/* Not collecting: clear the report of refused rules (E703). */
void	fim_rules_stop(struct fim *);
/* How many wanted rules are in state (FIM_RS_*). */
int	fim_rules_in(const struct fim *, int state);
/* A CONFIG_CHANGE event: reinstall a rule of ours another removed. */
void	fim_rules_config_change(struct fim *, const struct fim_raw_event *,
	    const struct fim_syscall *);
/* Add rules_installed, rules_removed_by_others, kernel_rules to o. */
void	fim_rules_status(const struct fim *, struct json_object *o);
/* Forget the wanted and listed rules (the kernel is not asked). */
void	fim_rules_kernel_free(struct fim *);

#endif /* OUTPOST_FIM_RULES_H */
