/*
 * platform.h: the map of outpost-platform, and the sizes of the
 * identifiers every part of it handles.
 *
 * platform-main.c (options, init, daemon; platform-conf.h) -> server.c
 * (evhttp over TLS, body limits, group commit; server.h) -> console.c
 * (the web console's static files, at every path outside the APIs) or
 * api.c (routing, authentication; api.h) -> api-agent.c, api-admin.c,
 * api-vuln.c and scan-merge.c (the handlers) -> the store (store.h,
 * SQLite in store.c and store-*.c). pki.c holds the CA, the server
 * certificate and the manifest-signing key; profile-doc.c validates
 * configuration profiles; vuln.c and vercmp.c decide what a vulnsigs
 * signature matches; body.c inflates gzip bodies with a cap. Who may
 * use the admin API: users.c (users, passwords, API tokens), session.c
 * (authentication, sign-in sessions, CSRF, sign-in rate limits) and
 * audit-trail.c (the record of every admin write); worker.c runs their
 * password hashing off the event loop; user-command.c is the user
 * command of outpost-platform;
 * conn-limits.c bounds the connections; identity.c decides who an
 * activation or a heartbeat is (re-activation proof, clones).
 *
 * Data flows one way: a header never includes one further up the map.
 */
#ifndef OUTPOST_PLATFORM_H
#define OUTPOST_PLATFORM_H

#define PLATFORM_UUID_LEN		36
#define PLATFORM_SECRET_HEX_LEN		64
#define PLATFORM_CORRELATION_LEN	32
#define PLATFORM_INSTANCE_LEN		32	/* hex digits of an instance id */
#define PLATFORM_ERRLEN			256
#define PLATFORM_USER_MAX		64	/* bytes of a user name */
#define PLATFORM_TOKEN_ID_LEN		16	/* hex digits of a token id */

#endif /* OUTPOST_PLATFORM_H */
