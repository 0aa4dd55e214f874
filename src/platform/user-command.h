/*
 * user-command.h: "outpost-platform user add|list|passwd|del"
 * (user-command.c), run by main() in platform-main.c, and the opening of
 * a platform's database that it shares with release-command.c.
 */
#ifndef OUTPOST_USER_COMMAND_H
#define OUTPOST_USER_COMMAND_H

#include <stdint.h>

#include "platform-conf.h"

struct store;

#ifndef PLATFORM_DEFAULT_CONF
#define PLATFORM_DEFAULT_CONF	"/var/lib/outpost-platform/platform.conf"
#endif

/*
 * A platform opened from its host by a command (user, release), whether
 * the platform runs or not: its configuration, its database, and the
 * actor its changes are recorded under ("cli:<login>").
 */
struct cli_platform {
	struct platform_conf	 conf;
	struct store		*store;
	char			 actor[64];
	int64_t			 now;
};

/* A platform command's arguments (cli_parse). */
struct cli_args {
	const char	*command;	/* "add", "list", ... */
	const char	*conf;		/* -c, or PLATFORM_DEFAULT_CONF */
	const char	*operand;	/* the one after the options, or NULL */
	const char	*opt[128];	/* long options' values by their val */
};

struct option;

int	 user_command(int argc, char *argv[]);
int	 cli_parse(int argc, char *argv[], const struct option *,
	    struct cli_args *);
int	 cli_platform_open(const char *conf, struct cli_platform *);
int	 cli_platform_close(struct cli_platform *, int ok);

#endif /* OUTPOST_USER_COMMAND_H */
