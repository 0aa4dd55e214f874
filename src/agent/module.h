/*
 * module.h: how the agent's subsystems (inventory, FIM, correlation) plug
 * into it. Each is created in agent_start() with the agent's environment
 * and registered with agent_add_module(); the agent then calls the
 * operations below on its one event base. Every operation may be NULL.
 */
#ifndef OUTPOST_MODULE_H
#define OUTPOST_MODULE_H

struct agent_conf;
struct checkin;
struct event_base;
struct healthcheck;
struct json_object;
struct manifests;
struct profile;
struct report;
struct route;
struct route_addr;
struct state;
struct upload;

/* What a module gets at creation; valid until it is freed. */
struct agent_env {
	struct event_base	*base;
	const struct agent_conf	*conf;		/* updated in place on reload */
	struct checkin		*checkin;	/* the platform client: checkin_client() */
	struct report		*report;	/* errors: report_error() */
	struct upload		*upload;	/* spooled uploads */
	struct route		*route;		/* may be NULL */
	struct manifests	*manifests;	/* manifest.h */
};

struct agent_module_ops {
	/* Names the module's member in status and heartbeat ("fim"). */
	const char	*name;
	/* A configuration profile is in force (the cached one at start). */
	void		(*profile)(void *self, const struct profile *);
	/*
	 * The agent's identity: st after activation (and at start when
	 * state.json is good); NULL when it was removed.
	 */
	void		(*identity)(void *self, const struct state *st);
	/* Add members to the heartbeat body about to be sent. */
	void		(*heartbeat)(void *self, struct json_object *body);
	/* The heartbeat's answer (manifest versions, ...). */
	void		(*checked_in)(void *self, struct json_object *reply);
	/* An interface address was added (1) or removed (0). */
	void		(*address)(void *self, int is_added,
			    const struct route_addr *);
	/* The module's section of "outpostctl status". */
	struct json_object *(*status)(void *self);
	/* Add this module's lines to a running health check. */
	void		(*healthcheck)(void *self, struct healthcheck *);
	/* The configuration file was reloaded (env->conf changed). */
	void		(*reconfigure)(void *self);
	/* Stop: undo what must not outlive the agent, free everything. */
	void		(*free)(void *self);
};

#define AGENT_MODULES_MAX	8

#endif /* OUTPOST_MODULE_H */
