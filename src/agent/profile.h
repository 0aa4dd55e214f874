/*
 * profile.h: the configuration profile on the agent side (docs/protocol.md
 * 3.4). The platform's JSON document is parsed once, here, into a struct
 * profile that every module receives (module.h); no other file reads the
 * document. The same file caches the document in state_dir, so the agent
 * keeps working on its last profile while the platform is unreachable.
 */
#ifndef OUTPOST_PROFILE_H
#define OUTPOST_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

struct json_object;

#define PROFILE_FILE		"profile.json"
#define PROFILE_NAME_MAX	128
/* The platform's own bounds (docs/protocol.md 4.3); values beyond are
   clamped to them, and the clamp is logged. */
#define PROFILE_HEARTBEAT_MIN	10
#define PROFILE_HEARTBEAT_MAX	86400
#define PROFILE_INVENTORY_MIN	60
#define PROFILE_INVENTORY_MAX	604800
#define CORR_MAX_PORTS		16
#define CORR_MAX_NETWORKS	64
#define PROFILE_VERSION_MAX	64	/* bytes of update.version */
#define PROFILE_DEADLINE	300	/* update.deadline, seconds */

/* The profile's update.policy (docs/protocol.md 3.4). */
enum profile_update_policy {
	PROFILE_UPDATE_OFF = 0,	/* the default: no self-update */
	PROFILE_UPDATE_LATEST,	/* the newest release */
	PROFILE_UPDATE_PINNED	/* update.version, even an older one */
};

/* The profile's "correlation" object (agent scan merge), checked. */
struct corr_settings {
	int		 enabled;
	int		 bind_all;
	int		 nports;
	int		 ports[CORR_MAX_PORTS];		/* ascending */
	int		 nnetworks;
	struct cidr	 networks[CORR_MAX_NETWORKS];	/* empty: all */
};

/*
 * A profile as the agent applies it. A member that is absent or of the
 * wrong type takes its default (and the problem is logged); an interval
 * outside the platform's bounds is clamped to them (logged); a
 * "correlation" object that does not check leaves correlation_error set
 * and the settings at their defaults, so that the correlation module can
 * keep its previous settings. Only the document's text is kept (for the
 * cache), never its parsed tree.
 */
struct profile {
	int64_t			 id;
	int64_t			 version;
	char			 name[PROFILE_NAME_MAX + 1];
	int			 heartbeat_interval;	/* seconds */
	int			 inventory_interval;	/* seconds */
	int			 is_paused;	/* data_collection_paused */
	int			 log_level;	/* enum log_level; -1: none */
	int			 fim_enabled;	/* 1, 0; -1: not said */
	/* inventory_changes: change-driven inventory uploads (invchange.h) */
	int			 changes_enabled;
	int			 changes_settle;		/* seconds */
	int			 changes_min_interval;	/* seconds */
	int			 changes_poll_interval;	/* seconds; 0: none */
	struct corr_settings	 correlation;
	char			 correlation_error[256];	/* "": good */
	int			 update_policy;	/* enum profile_update_policy */
	char			 update_version[PROFILE_VERSION_MAX + 1];
	int			 update_deadline;	/* seconds */
	char			*text;	/* the document, compact JSON */
	size_t			 len;
};

/* Put the defaults of docs/protocol.md 3.4 in p (no document). */
void	profile_default(struct profile *);
/*
 * Parse doc into p (p's previous document is released; p keeps doc's
 * text). Returns 0, or -1 with the reason in err when doc is not a JSON
 * object (p then holds the defaults).
 */
int	profile_parse(struct profile *, struct json_object *doc, char *err,
	    size_t errlen);
/* Release p's document and put the defaults back. */
void	profile_clear(struct profile *);
/*
 * Load the cached document state_dir/profile.json into p, within the
 * profile answer's parse budget (answer.h). Returns 0, -ENOENT when there
 * is none, or another -errno / -EINVAL (err says why).
 */
int	profile_load(struct profile *, const char *state_dir, char *err,
	    size_t errlen);
/* Cache p's document in state_dir/profile.json (0600). Returns 0, or -errno. */
int	profile_save(const struct profile *, const char *state_dir);
/* Remove the cached document. Returns 0, or -errno. */
int	profile_remove(const char *state_dir);
/* Put the default correlation settings in s: disabled, 10001-10005. */
void	profile_correlation_default(struct corr_settings *);
/* The correlation settings as the profile's JSON object (new reference). */
struct json_object *profile_correlation_json(const struct corr_settings *);

#endif /* OUTPOST_PROFILE_H */
