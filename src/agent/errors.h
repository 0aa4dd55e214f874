/*
 * errors.h: the agent's stable error codes.
 *
 * Every failure the agent can explain has one row here: a code that never
 * changes meaning ("E102"), a short name, a one-line message, the likely
 * cause and what to check. The same row feeds agent.log, outpostctl status,
 * the error reports sent to the platform and outpostd(8) ERRORS.
 */
#ifndef OUTPOST_ERRORS_H
#define OUTPOST_ERRORS_H

#include <stddef.h>
#include <stdio.h>

enum error_code {
	ERR_NONE = 0,
	ERR_DNS,			/* E101 */
	ERR_CONNECT_REFUSED,		/* E102 */
	ERR_CONNECT_TIMEOUT,		/* E103 */
	ERR_NETWORK,			/* E104 */
	ERR_TIMEOUT,			/* E105 */
	ERR_TLS_VERIFY,			/* E201 */
	ERR_PIN_MISMATCH,		/* E202 */
	ERR_TLS_HANDSHAKE,		/* E203 */
	ERR_PROXY_FAILURE,		/* E301 */
	ERR_PROXY_AUTH,			/* E302 */
	ERR_PROXY_REJECTED,		/* E303 */
	ERR_PROXY_CONFIG,		/* E304 */
	ERR_HTTP,			/* E401 */
	ERR_ACTIVATION_REJECTED,	/* E402 */
	ERR_CREDENTIAL_REVOKED,		/* E403 */
	ERR_UNINSTALLED,		/* E404 */
	ERR_RESPONSE_TOO_LARGE,		/* E405 */
	ERR_BAD_RESPONSE,		/* E406 */
	ERR_REDIRECTED,			/* E407 */
	ERR_UNEXPECTED_STATUS,		/* E408 */
	ERR_ANSWER_INVALID,		/* E409 */
	ERR_ANSWER_OVER_LIMIT,		/* E410 */
	ERR_COMMAND_REFUSED,		/* E411 */
	ERR_STATE_UNREADABLE,		/* E501 */
	ERR_WRITE_FAILURE,		/* E502 */
	ERR_SPOOL_OVERFLOW,		/* E503 */
	ERR_DIR_MISSING,		/* E504 */
	ERR_MANIFEST_SIGNATURE,		/* E601 */
	ERR_MANIFEST_INVALID,		/* E602 */
	ERR_INVENTORY,			/* E603 */
	ERR_RELEASE_INVALID,		/* E604 */
	ERR_RELEASE_SIGNATURE,		/* E605 */
	ERR_RELEASE_FILE,		/* E606 */
	ERR_RELEASE_DOWNGRADE,		/* E607 */
	ERR_RELEASE_DOWNLOAD,		/* E608 */
	ERR_UPDATE_EXITED,		/* E609 */
	ERR_UPDATE_NO_CHECKIN,		/* E610 */
	ERR_UPDATE_SWITCH,		/* E611 */
	ERR_RELEASE_KEY,		/* E612 */
	ERR_AUDIT_HELD,			/* E701 */
	ERR_AUDIT_UNAVAILABLE,		/* E702 */
	ERR_AUDIT_RULE,			/* E703 */
	ERR_AUDIT_LOST,			/* E704 */
	ERR_AUDIT_DISABLED,		/* E705 */
	ERR_FIM_UNCLEAN,		/* E706 */
	ERR_CORRELATION_PORT,		/* E801 */
	ERR_CORRELATION_LIMIT,		/* E802 */
	ERR_INTERNAL,			/* E901 */
	ERR_MAX
};

/* One row of the error table. */
struct error_info {
	enum error_code	 code;
	const char	*id;		/* stable: "E102" */
	const char	*name;		/* stable: "connect_refused" */
	const char	*message;	/* one line */
	const char	*cause;		/* the likely cause */
	const char	*check;		/* what to check */
};

/* What is known of one finished transfer, for error_from_transfer(). */
struct error_transfer {
	int		 curl_code;	/* CURLcode */
	const char	*curl_error;	/* CURLOPT_ERRORBUFFER text, or NULL */
	long		 http_status;	/* CURLINFO_RESPONSE_CODE */
	long		 connect_code;	/* CURLINFO_HTTP_CONNECTCODE */
	long		 os_errno;	/* CURLINFO_OS_ERRNO */
	int		 via_proxy;	/* the attempt went through a proxy */
	int		 connected;	/* a TCP connection was established */
	int		 established;	/* connection, tunnel and TLS were up
					   (new or reused): the request went
					   out */
	const char	*url;		/* the request URL */
	const char	*proxy;		/* masked proxy URL, or NULL = direct */
};

/* The row for code (the ERR_INTERNAL row for an unknown code). */
const struct error_info	*error_info(enum error_code);
/* The stable id of code ("E102"). */
const char		*error_id(enum error_code);
/* The one-line message of code. */
const char		*error_message(enum error_code);
/* Find a code by its id ("E102") or name. Returns it, or -1. */
int			 error_lookup(const char *);
/* Is code a failure of the proxy, so that the next proxy should be tried? */
int			 error_is_proxy_failure(enum error_code);
/*
 * Classify a finished transfer and write a one-line detail (URL, proxy,
 * curl or TLS reason, statuses) into detail. Returns the code; ERR_NONE
 * for a transfer that got an HTTP status below 400.
 */
enum error_code		 error_from_transfer(const struct error_transfer *,
			    char *detail, size_t detaillen);
/*
 * What a failed write's errno says about its cause, in a few words ("the
 * directory is missing", "the file system is full", ...).
 */
const char		*error_write_cause(int err);
/*
 * The cause of a failure as one line: detail with the numbers that differ
 * from one attempt to the next (milliseconds, bytes received) replaced by
 * '#', into out. Two failures of one code with the same cause are the same
 * failure (logged and reported once). Returns out.
 */
char			*error_cause_text(const char *detail, char *out,
			    size_t outlen);
/*
 * Print the table, one "ID NAME: message (cause; check)" line per code
 * (the source of outpostd(8) ERRORS). Returns the number of rows.
 */
int			 errors_print_table(FILE *);

#endif /* OUTPOST_ERRORS_H */
