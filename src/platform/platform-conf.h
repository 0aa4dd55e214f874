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
	enum log_level	 log_level;
	uint64_t	 log_max_size;
	int		 log_rotations;
	int		 log_compression_level;
	uint64_t	 max_body_size;
	uint64_t	 max_inflated_size;
	int		 request_timeout;
	int		 sync_acks;		/* fdatasync before answering */
	/* Connections (conn-limits.c); -1 = derived from RLIMIT_NOFILE. */
	int		 max_connections;
	int		 max_connections_per_source;
	int		 source_prefix_ipv4;
	int		 source_prefix_ipv6;
	int		 handshake_timeout;
	int		 header_timeout;
	int		 keepalive_timeout;
	int		 write_timeout;
	uint64_t	 max_output_size;
};

int	 platform_conf_load(const char *, struct platform_conf *);
void	 platform_conf_free(struct platform_conf *);
int	 platform_listen_parse(const char *, char *, size_t, int *);

#endif /* OUTPOST_PLATFORM_CONF_H */
