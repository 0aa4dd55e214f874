/*
 * version.c: the version of the agent's programs, in one object of its
 * own: libagent.a holds it with the configure version, and "make
 * agent-release RELEASE_VERSION=..." compiles it again with
 * -DAGENT_VERSION and links that object ahead of the library, so a
 * release of another version is two links, not a rebuild.
 */
#include "config.h"

#include "version.h"

#ifndef AGENT_VERSION
#define AGENT_VERSION	PACKAGE_VERSION
#endif

const char	agent_version[] = AGENT_VERSION;
