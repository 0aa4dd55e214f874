/*
 * version.h: the version of the agent's programs (version.c).
 */
#ifndef OUTPOST_VERSION_H
#define OUTPOST_VERSION_H

/*
 * The version outpostd and outpostctl report (outpostd -V, status,
 * heartbeats, activation, the HTTP User-Agent): the configure version,
 * or the RELEASE_VERSION of "make agent-release" (am/agent.am).
 */
extern const char	agent_version[];

#endif /* OUTPOST_VERSION_H */
