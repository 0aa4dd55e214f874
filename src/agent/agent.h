/*
 * agent.h: the agent. It owns the one event base of outpostd and every
 * subsystem on it, and applies configuration (and later profiles) to them.
 */
#ifndef OUTPOST_AGENT_H
#define OUTPOST_AGENT_H

#include <time.h>

#include "agent-conf.h"
#include "dirs.h"
#include "module.h"
#include "update-launch.h"

struct event_base;
struct checkin;
struct inventory;
struct control;
struct log_file;
struct report;
struct route;

/* The running agent. */
struct agent {
	struct event_base	*base;
	struct agent_conf	 conf;
	int			 verbosity;	/* -v count, added to log_level */
	int			 is_foreground;
	struct log_file		*log;		/* agent.log */
	struct control		*control;
	struct route		*route;
	struct checkin		*checkin;
	struct event		*stop_timer;
	int			 profile_log_level;	/* -1: none */
	int			 exit_status;
	time_t			 started;	/* wall clock */
	struct timespec		 started_mono;
	struct dirs_report	 last_repair;	/* the newest check's repairs */
	struct event		*dirs_timer;	/* the live directory check */
	int			 is_dir_reported;	/* E504 standing */
	time_t			 last_repair_time;
	unsigned long		 repairs_total;
	unsigned long		 reloads;
	const char		*stop_reason;
	struct upload		*upload;	/* the durable upload queue */
	struct report		*report;	/* error reports */
	struct agent_env	 env;		/* what modules get */
	struct inventory	*inventory;	/* also a module */
	struct update_switch	 update_switch;	/* asked by the update module */
	int			 is_switching;	/* main() executes it */
	struct {
		const struct agent_module_ops	*ops;
		void				*self;
	}			 modules[AGENT_MODULES_MAX];
	int			 nmodules;
};

/*
 * Set the agent up on base from a loaded configuration (consumed): check
 * and repair directories, open agent.log, listen on the control socket,
 * follow interface addresses. Returns 0, or -1 after printing why.
 */
int	agent_start(struct agent *, struct event_base *, struct agent_conf *,
	    int is_foreground, int verbosity);
/* Re-read the configuration file; keep the old one if the new is bad. */
void	agent_reload(struct agent *);
/* Leave the event loop, recording why. */
void	agent_shutdown(struct agent *, const char *reason);
/* Exit status for the agent uninstalled by the platform. */
#define AGENT_EXIT_UNINSTALLED	3
/* Exit status after SIGUSR2: stopped to be started again (EX_TEMPFAIL). */
#define AGENT_EXIT_RESTART	75
/* Free every subsystem in reverse order of agent_start(). */
void	agent_free(struct agent *);
/*
 * Register a module (module.h); the agent calls its operations from now
 * on and frees it in agent_free(). Returns 0, or -1 when full.
 */
int	agent_add_module(struct agent *, const struct agent_module_ops *,
	    void *self);

#endif /* OUTPOST_AGENT_H */
