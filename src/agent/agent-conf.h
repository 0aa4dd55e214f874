/*
 * agent-conf.h: outpost.conf(5), the agent's configuration file.
 */
#ifndef OUTPOST_AGENT_CONF_H
#define OUTPOST_AGENT_CONF_H

#include <stdint.h>

#include "conf.h"
#include "log.h"

#define AGENT_CONF_DEFAULT	OUTPOST_SYSCONFDIR "/outpost.conf"

/* Everything outpost.conf sets. */
struct agent_conf {
	char		*path;			/* the file it came from */
	char		*platform_url;
	char		*activation_id;
	char		*customer_id;
	char		*ca_file;
	char		*pin_sha256;
	char		*state_dir;
	char		*log_dir;
	char		*run_dir;
	enum log_level	 log_level;
	uint64_t	 log_max_size;
	int		 log_rotations;
	int		 log_compression_level;
	char		*proxy_file;
	int		 audit_retry_interval;
	uint64_t	 spool_max_size;
	char		*inventory_root;	/* collectors read below it */
	uint64_t	 fim_hash_max_size;	/* hash files up to this size */
	char		*release_key;		/* Ed25519 public key (PEM) */
};

extern const struct conf_key agent_conf_keys[];

/*
 * Read path into conf (zeroed first); a relative path is made absolute
 * (conf->path). Every error goes to errfn (NULL: stderr,
 * "file:line: reason"), a ca_file that is not a readable file of PEM
 * certificates among them. Returns the number of errors, or -1 if the
 * file cannot be read; conf must be freed with agent_conf_free() anyway.
 */
int	agent_conf_load(const char *path, struct agent_conf *conf,
	    conf_error_fn errfn, void *errarg);
/* Free what agent_conf_load() allocated. */
void	agent_conf_free(struct agent_conf *);
/* The rotation settings of the agent's log files. */
void	agent_conf_log_settings(const struct agent_conf *,
	    struct log_settings *);

#endif /* OUTPOST_AGENT_CONF_H */
