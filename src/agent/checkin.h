/*
 * checkin.h: the agent's life with the platform: activation, identity in
 * state.json, heartbeats with jitter and back-off (carrying the error
 * reports of report.h), the configuration profile (fetched on version
 * change, cached on disk) and the platform's commands (uninstall,
 * reactivate).
 */
#ifndef OUTPOST_CHECKIN_H
#define OUTPOST_CHECKIN_H

struct agent_conf;
struct event_base;
struct json_object;
struct profile;
struct route;
struct checkin;
struct report;
struct state;
struct upload;
struct api_client;

/* What the agent is told by the check-in module. */
struct checkin_hooks {
	/* A new profile is in force (also the cached one at start). */
	void	(*profile)(const struct profile *, void *arg);
	/* The platform uninstalled this agent; its state is removed. */
	void	(*uninstalled)(void *arg);
	/* The identity: after activation or load; NULL when removed. */
	void	(*identity)(const struct state *, void *arg);
	/* Add members to the heartbeat body about to be sent. */
	void	(*heartbeat)(struct json_object *body, void *arg);
	/* The answer of a successful heartbeat. */
	void	(*checked_in)(struct json_object *reply, void *arg);
	void	*arg;
};

/*
 * Start on base with conf (kept by pointer: the caller updates it on
 * reload and calls checkin_reconfigure()). Loads state.json and the
 * cached profile, then activates or checks in. Returns NULL (logged) only
 * when out of memory or the HTTPS client cannot be made.
 */
struct checkin	*checkin_start(struct event_base *, const struct agent_conf *,
		    struct route *, struct upload *, struct report *,
		    const struct checkin_hooks *);
/*
 * The client of the platform with this agent's credential, for modules
 * that download (manifests); NULL while not activated.
 */
struct api_client	*checkin_client(struct checkin *);
/* Call the profile and identity hooks again with what is in force. */
void		 checkin_replay(struct checkin *);
/* Apply a reloaded configuration (platform, trust, proxies). */
void		 checkin_reconfigure(struct checkin *);
/*
 * Check in now (outpostctl heartbeat); when a check-in is running, wait
 * for it. done(ok, message, arg) is called when the check-in finished.
 * Returns 0, or -1 (a deregistration runs, or too many callers wait) and
 * done will not be called.
 */
int		 checkin_now(struct checkin *,
		    void (*done)(int ok, const char *message, void *), void *);
/* The status: activation, ids, check-ins, profile, proxy, errors. */
struct json_object *checkin_status_json(struct checkin *);
/* Ask the platform to delete this agent (uninstall --deregister). */
int		 checkin_deregister(struct checkin *,
		    void (*done)(int ok, const char *message, void *), void *);
/* Remove identity, profile, spool and manifests from state_dir. */
int		 checkin_remove_state(const struct agent_conf *);
/* Stop and free. */
void		 checkin_free(struct checkin *);

#endif /* OUTPOST_CHECKIN_H */
