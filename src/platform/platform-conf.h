/*
 * platform-conf.h: platform.conf, the configuration file of
 * outpost-platform (outpost-platform(8)), parsed by platform-conf.c with
 * libcommon's table-driven parser into struct platform_conf.
 */
#ifndef OUTPOST_PLATFORM_CONF_H
#define OUTPOST_PLATFORM_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define PLATFORM_DEFAULT_LISTEN		"127.0.0.1:8443"
/* Where "make install" puts the console (am/platform.am sets it). */
#ifndef PLATFORM_CONSOLE_DIR
#define PLATFORM_CONSOLE_DIR		"/usr/local/share/outpost/console"
#endif

/* A scheduled vulnerability feed: "feed = NAME FORMAT URL [INTERVAL]". */
struct platform_feed {
	char		 name[64];
	char		 format[32];
	char		*url;
	int		 interval;		/* seconds */
};

#define PLATFORM_MAX_FEEDS		16
#define PLATFORM_FEED_INTERVAL		86400

/* platform.conf, parsed by platform-conf.c. */
struct platform_conf {
	char		*dir;			/* directory of the file */
	char		*listen;
	char		*database;
	char		*cert_file;
	char		*key_file;
	char		*ca_file;
	char		*manifest_key;
	char		*admin_token_file;
	char		*pid_file;
	char		*log_dir;
	char		*console_dir;		/* "" = no console */
	enum log_level	 log_level;
	uint64_t	 log_max_size;
	int		 log_rotations;
	int		 log_compression_level;
	uint64_t	 max_body_size;
	uint64_t	 max_inflated_size;
	int		 request_timeout;
	int		 sync_acks;		/* fdatasync before answering */
	int64_t		 session_idle_timeout;	/* seconds */
	int64_t		 session_lifetime;	/* seconds */
	int		 signin_max_failures;
	int		 signin_address_max_failures;
	int64_t		 signin_lockout;	/* seconds */
	int64_t		 audit_retention;	/* seconds */
	uint64_t	 password_scrypt_n;
	struct platform_feed feeds[PLATFORM_MAX_FEEDS];
	int		 nfeeds;
	char		*feed_ca_file;		/* NULL: the system's */
	char		*feed_dir;		/* downloads */
	/* Connections (conn-limits.c); -1 = derived from RLIMIT_NOFILE. */
	int		 max_connections;
	int		 max_connections_per_source;
	int		 source_prefix_ipv4;
	int		 source_prefix_ipv6;
	int		 handshake_timeout;
	int		 header_timeout;
	int		 keepalive_timeout;
	int		 agent_keepalive_timeout;
	int		 write_timeout;
	uint64_t	 max_output_size;
};

int	 platform_conf_load(const char *, struct platform_conf *);
void	 platform_conf_free(struct platform_conf *);
int	 platform_listen_parse(const char *, char *, size_t, int *);
int	 platform_duration_parse(const char *, int64_t *);

#endif /* OUTPOST_PLATFORM_CONF_H */
