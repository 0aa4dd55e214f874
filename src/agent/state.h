/*
 * state.h: state_dir/state.json, the agent's identity and credential,
 * written atomically with mode 0600.
 */
#ifndef OUTPOST_STATE_H
#define OUTPOST_STATE_H

#include <stddef.h>
#include <time.h>

#define STATE_FILE_NAME		"state.json"
#define STATE_FORMAT_VERSION	1

/* What the agent keeps about itself between runs. */
struct state {
	char	*agent_id;
	char	*credential;		/* "<agent_id>.<secret>" */
	char	*correlation_id;
	char	*customer_id;
	char	*activation_id;
	char	*platform_url;
	char	*manifest_public_key;	/* PEM, pinned at activation */
	time_t	 activated_at;
};

/*
 * Read dir/state.json into st (zeroed first). Returns 0; -ENOENT when
 * there is none; -EINVAL when it is corrupt or incomplete (the reason in
 * err); or another -errno when it cannot be read. A file readable by
 * others is made 0600 again (and said so in err with a 0 return).
 */
int	state_load(const char *dir, struct state *st, char *err, size_t errlen);
/* Write st to dir/state.json atomically (mode 0600). Returns 0 or -errno. */
int	state_save(const char *dir, const struct state *st);
/* Remove dir/state.json. Returns 0 (also if absent), or -errno. */
int	state_remove(const char *dir);
/* Free st's strings. */
void	state_free(struct state *st);

#endif /* OUTPOST_STATE_H */
