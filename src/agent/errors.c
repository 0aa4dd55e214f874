/*
 * errors.c: the agent's stable error code table, and the classification
 * of a finished libcurl transfer into one of its codes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "compat.h"
#include "errors.h"

/* The table; indexed by enum error_code, ids never reused. */
static const struct error_info error_table[] = {
	{ ERR_NONE, "E000", "ok", "no error", "-", "-" },
	{ ERR_DNS, "E101", "dns_failure",
	    "the platform host name does not resolve",
	    "DNS unreachable, wrong platform_url host, or a host that needs "
	    "a proxy",
	    "resolv.conf, `getent hosts HOST`, platform_url; configure "
	    "proxy.conf if only the proxy resolves outside names" },
	{ ERR_CONNECT_REFUSED, "E102", "connect_refused",
	    "the platform refused the connection",
	    "platform not running, wrong port, or a firewall rejecting",
	    "platform_url port, that the platform is up, firewall rules" },
	{ ERR_CONNECT_TIMEOUT, "E103", "connect_timeout",
	    "no answer while connecting to the platform",
	    "packets dropped by a firewall, no route, or outbound HTTPS "
	    "allowed only through a proxy",
	    "routing and firewall to the platform; proxy.conf" },
	{ ERR_NETWORK, "E104", "network_error",
	    "the connection failed during the exchange",
	    "connection reset or closed by the peer or a middlebox",
	    "middleboxes that cut TLS, platform log around that time" },
	{ ERR_TIMEOUT, "E105", "request_timeout",
	    "the request did not complete in time",
	    "platform overloaded or stalled, or a very slow link",
	    "platform load and log, network latency" },
	{ ERR_TLS_VERIFY, "E201", "tls_verify_failed",
	    "the platform certificate failed verification",
	    "ca_file is not the CA that signed the platform certificate, an "
	    "expired certificate, a name mismatch, or TLS interception",
	    "ca_file, the certificate's names and dates "
	    "(`openssl s_client -connect HOST:PORT`)" },
	{ ERR_PIN_MISMATCH, "E202", "pin_mismatch",
	    "the platform public key does not match pin_sha256",
	    "the platform key was changed, or TLS interception",
	    "pin_sha256 against the platform's current key" },
	{ ERR_TLS_HANDSHAKE, "E203", "tls_handshake_failed",
	    "the TLS handshake with the platform failed",
	    "no common TLS version (1.2 or later needed) or cipher, or not a "
	    "TLS server",
	    "platform_url scheme and port, the server's TLS settings" },
	{ ERR_PROXY_FAILURE, "E301", "proxy_failure",
	    "no proxy could be reached",
	    "proxy down, wrong proxy host or port, or a firewall",
	    "https_proxy lines in proxy.conf, that each proxy is up" },
	{ ERR_PROXY_AUTH, "E302", "proxy_auth_required",
	    "the proxy requires authentication (HTTP 407)",
	    "no, or a wrong, user name or password for the proxy",
	    "user:password in the https_proxy URL of proxy.conf" },
	{ ERR_PROXY_REJECTED, "E303", "proxy_connect_rejected",
	    "the proxy rejected the CONNECT to the platform",
	    "proxy policy forbids the platform host or port, or the proxy "
	    "cannot reach it",
	    "proxy access rules for CONNECT to the platform host and port" },
	{ ERR_PROXY_CONFIG, "E304", "proxy_config_invalid",
	    "the proxy configuration is refused",
	    "a syntax error, or a password file readable by other users",
	    "`outpostd -n`; `chmod 600` the proxy file" },
	{ ERR_HTTP, "E401", "http_error",
	    "the platform answered with an HTTP error",
	    "a platform fault or a request the platform does not accept",
	    "the HTTP status in agent.log, the platform log" },
	{ ERR_ACTIVATION_REJECTED, "E402", "activation_rejected",
	    "the platform rejected the activation",
	    "wrong activation_id or customer_id, or a key that was revoked "
	    "or used up",
	    "activation_id and customer_id in outpost.conf against the "
	    "platform's activation keys" },
	{ ERR_CREDENTIAL_REVOKED, "E403", "credential_revoked",
	    "the platform no longer accepts the agent credential",
	    "the agent record was deleted or its credential replaced",
	    "the agent on the platform (clone_of, clone_detected_at); it "
	    "activates again by itself, its credential as proof" },
	{ ERR_UNINSTALLED, "E404", "agent_uninstalled",
	    "the platform told the agent that it was uninstalled",
	    "an administrator deleted the agent through the admin API",
	    "the platform's audit trail; reinstall to enrol again" },
	{ ERR_RESPONSE_TOO_LARGE, "E405", "response_too_large",
	    "the platform answer exceeded the size limit",
	    "a wrong platform_url, or a proxy returning a large page",
	    "platform_url and what answers at it" },
	{ ERR_BAD_RESPONSE, "E406", "bad_response",
	    "the platform answer could not be decoded",
	    "an empty body, a body that is not JSON, a corrupt compressed "
	    "body, or not the platform answering",
	    "platform_url and what answers at it" },
	{ ERR_REDIRECTED, "E407", "redirect_refused",
	    "the platform answered with a redirect, which the agent never "
	    "follows",
	    "a captive portal or TLS-inspecting proxy sending a sign-in "
	    "page, or a platform_url that is not the platform",
	    "the Location named in agent.log; proxy.conf, platform_url" },
	{ ERR_UNEXPECTED_STATUS, "E408", "unexpected_status",
	    "the platform answered with a status this request never gets",
	    "a proxy or a half-upgraded platform answering 204, 304 to an "
	    "unconditional request, or another success status",
	    "the status and URL in agent.log; docs/protocol.md for the "
	    "answers of that endpoint" },
	{ ERR_ANSWER_INVALID, "E409", "answer_invalid",
	    "the platform answer lacks a member or has one of the wrong "
	    "type or value",
	    "a half-upgraded or broken platform, or something else "
	    "answering for it",
	    "the member named in agent.log against docs/protocol.md" },
	{ ERR_ANSWER_OVER_LIMIT, "E410", "answer_over_limit",
	    "the platform answer passes the agent's parse limits",
	    "nesting, a number of members or elements, or a string longer "
	    "than any answer of that endpoint can legitimately hold",
	    "the limit named in agent.log (outpostd(8) ANSWERS FROM THE "
	    "PLATFORM); what answers at platform_url" },
	{ ERR_COMMAND_REFUSED, "E411", "command_refused",
	    "a command from the platform was refused",
	    "an answer naming another agent id, or answering a request "
	    "that did not carry this agent's credential",
	    "the agent id in agent.log and `outpostctl status`; what "
	    "answers at platform_url" },
	{ ERR_STATE_UNREADABLE, "E501", "state_unreadable",
	    "the state file cannot be read or parsed",
	    "state.json corrupted, truncated or with wrong permissions",
	    "state_dir/state.json; the agent re-activates when it is gone" },
	{ ERR_WRITE_FAILURE, "E502", "write_failure",
	    "a file could not be written",
	    "the cause named in the message: the directory is missing, the "
	    "file system is full or read-only, or permissions",
	    "for a missing directory, the agent recreates it within 15 "
	    "seconds (E504); otherwise `df` and permissions of state_dir and "
	    "log_dir" },
	{ ERR_SPOOL_OVERFLOW, "E503", "spool_overflow",
	    "the upload spool passed spool_max_size; the oldest uploads "
	    "were dropped",
	    "the platform was unreachable for long while the host produced "
	    "many events, or spool_max_size is too small",
	    "`outpostctl status` (spool depth, dropped), the errors above it, "
	    "spool_max_size in outpost.conf" },
	{ ERR_DIR_MISSING, "E504", "directory_missing",
	    "a required directory was missing and has been recreated",
	    "something removed it while the agent ran (an OS upgrade, a "
	    "cleanup script, an operator)",
	    "what removed it; what it held is gone (the message says what "
	    "was lost, e.g. uploads waiting in the spool)" },
	{ ERR_MANIFEST_SIGNATURE, "E601", "manifest_signature_invalid",
	    "a downloaded manifest failed signature verification",
	    "tampering between platform and agent, or a platform whose "
	    "manifest key changed since activation",
	    "the platform's manifest.pub against the key in state.json; "
	    "re-activate after a deliberate key change" },
	{ ERR_MANIFEST_INVALID, "E602", "manifest_invalid",
	    "a manifest is malformed or cannot be stored",
	    "a platform bug, or state_dir/manifests not writable",
	    "agent.log for the field at fault; state_dir/manifests" },
	{ ERR_INVENTORY, "E603", "inventory_failed",
	    "an inventory collector failed",
	    "an unreadable system file (package database, /proc) or an "
	    "inventory_root that does not exist",
	    "agent.log for the collector and file; inventory_root" },
	{ ERR_RELEASE_INVALID, "E604", "release_invalid",
	    "an agent release offered by the platform is unusable",
	    "a malformed release manifest, one for another OS or "
	    "architecture, or one that names another version than offered",
	    "the release on the platform (`outpost-platform release list`) "
	    "against the agent's OS and architecture" },
	{ ERR_RELEASE_SIGNATURE, "E605", "release_signature_invalid",
	    "an agent release failed signature verification; refused",
	    "a release signed with another key than release_key, or "
	    "tampering on the platform or on the way",
	    "release_key in outpost.conf against the key the release was "
	    "signed with (`make agent-release RELEASE_KEY=...`)" },
	{ ERR_RELEASE_FILE, "E606", "release_file_mismatch",
	    "a file of an agent release differs from its signed manifest; "
	    "refused",
	    "a file altered on the platform, on the way or on this host",
	    "the release on the platform; add it again from the file "
	    "`make agent-release` made" },
	{ ERR_RELEASE_DOWNGRADE, "E607", "release_downgrade_refused",
	    "an agent release older than the running version was refused",
	    "the platform's newest release for this OS and architecture is "
	    "older than this agent; only a pinned version may go back",
	    "the profile's update policy; publish a newer release, or pin "
	    "the version to go back to" },
	{ ERR_RELEASE_DOWNLOAD, "E608", "release_download_failed",
	    "an agent release could not be downloaded or stored",
	    "the platform unreachable or the release deleted meanwhile, or "
	    "state_dir full",
	    "the errors before it, `df` of state_dir; the download resumes "
	    "at the next check-in" },
	{ ERR_UPDATE_EXITED, "E609", "update_exited",
	    "the new agent version stopped before its first check-in; the "
	    "previous version was restored",
	    "a release that fails at start (missing library, a crash, a bad "
	    "configuration for it), or the agent stopped during the switch",
	    "the new version's lines in agent.log; it is not tried again "
	    "until the profile changes" },
	{ ERR_UPDATE_NO_CHECKIN, "E610", "update_no_checkin",
	    "the new agent version did not check in before the deadline; the "
	    "previous version was restored",
	    "a release that hangs at start or cannot reach the platform",
	    "agent.log of the new version, update.deadline of the profile; "
	    "it is not tried again until the profile changes" },
	{ ERR_UPDATE_SWITCH, "E611", "update_switch_failed",
	    "the switch to a new agent version could not be made; the "
	    "running version goes on",
	    "the new program or the watchdog could not be started, or an "
	    "installed version failed its check at start",
	    "agent.log and state_dir/update.json; permissions of "
	    "state_dir/versions" },
	{ ERR_RELEASE_KEY, "E612", "release_key_unusable",
	    "self-update is not possible: no usable release key",
	    "release_key is not set in outpost.conf, or the file is not an "
	    "Ed25519 public key",
	    "release_key in outpost.conf(5); the site's release.pub" },
	{ ERR_AUDIT_HELD, "E701", "audit_netlink_held",
	    "the audit netlink socket is held by another process",
	    "auditd or another audit client owns the audit pid",
	    "the holder named in the message (`ps -p PID`); FIM continues "
	    "read-only where the kernel allows; the pid is claimed the "
	    "moment the holder exits, and retried every "
	    "audit_retry_interval seconds meanwhile" },
	{ ERR_AUDIT_UNAVAILABLE, "E702", "audit_unavailable",
	    "the kernel audit system cannot be used",
	    "kernel without audit, audit=0 on the command line, no "
	    "CAP_AUDIT_CONTROL, or inside a container",
	    "`auditctl -s`, the kernel command line, that outpostd runs as "
	    "root" },
	{ ERR_AUDIT_RULE, "E703", "audit_rule_refused",
	    "the kernel refused a FIM audit rule",
	    "a path that does not exist, too many rules, or the audit "
	    "configuration locked (enabled 2)",
	    "the rule named in the message; `auditctl -s` (enabled)" },
	{ ERR_AUDIT_LOST, "E704", "audit_events_lost",
	    "file integrity events were lost",
	    "the kernel audit backlog overflowed, or a burst passed the "
	    "agent's own queue",
	    "`outpostctl status` (losses by cause); the backlog limit" },
	{ ERR_AUDIT_DISABLED, "E705", "audit_disabled",
	    "auditing is disabled by the process that holds the audit pid",
	    "auditd or another audit client set enabled 0: the kernel makes "
	    "no records, so no FIM events reach the agent",
	    "`auditctl -s` (enabled); `auditctl -e 1`, or stop the holder so "
	    "that the agent owns the audit pid" },
	{ ERR_FIM_UNCLEAN, "E706", "fim_unclean_stop",
	    "the agent stopped without a clean stop: who made the changes in "
	    "a window is lost",
	    "a crash, SIGKILL, an OOM kill or a power loss; the window runs "
	    "from the last sign of life to the moment the rules were back",
	    "the window and count in the message; the changes found are "
	    "reported with source scan; the journal for the cause of the "
	    "stop (dmesg for the OOM killer)" },
	{ ERR_CORRELATION_PORT, "E801", "correlation_port_unavailable",
	    "a correlation ID port could not be opened",
	    "another program listens on the port, or no address lies in "
	    "the approved networks",
	    "`ss -ltnp` for the port; the profile's correlation ports and "
	    "approved_networks" },
	{ ERR_CORRELATION_LIMIT, "E802", "correlation_limit",
	    "correlation connections were refused by a limit",
	    "a scan or a connection flood from one source",
	    "agentid.log for the sources; the scanner's concurrency" },
	{ ERR_INTERNAL, "E901", "internal_error",
	    "an internal error occurred",
	    "out of memory or a bug",
	    "agent.log around that time; report it" },
};
_Static_assert(nitems(error_table) == ERR_MAX, "error_table out of step");

/* The row for code (the ERR_INTERNAL row for an unknown code). */
const struct error_info *
error_info(enum error_code code)
{
	if ((int)code < 0 || code >= ERR_MAX)
		code = ERR_INTERNAL;
	return &error_table[code];
}

/* The stable id of code ("E102"). */
const char *
error_id(enum error_code code)
{
	return error_info(code)->id;
}

/* The one-line message of code. */
const char *
error_message(enum error_code code)
{
	return error_info(code)->message;
}

/* Find a code by its id or name. Returns it, or -1. */
int
error_lookup(const char *s)
{
	size_t	 i;

	for (i = 0; i < nitems(error_table); i++)
		if (strcasecmp(s, error_table[i].id) == 0 ||
		    strcasecmp(s, error_table[i].name) == 0)
			return (int)error_table[i].code;
	return -1;
}

/* Is code a failure of the proxy, so that the next proxy should be tried? */
int
error_is_proxy_failure(enum error_code code)
{
	return code == ERR_PROXY_FAILURE || code == ERR_PROXY_AUTH ||
	    code == ERR_PROXY_REJECTED;
}

/* Classify a failed connect: to the proxy, or to the platform by errno. */
static enum error_code
error_from_connect(const struct error_transfer *t, const char **why)
{
	if (t->via_proxy) {
		*why = t->os_errno == ECONNREFUSED ? "proxy refused the "
		    "connection" : "cannot connect to the proxy";
		return ERR_PROXY_FAILURE;
	}
	switch (t->os_errno) {
	case ECONNREFUSED:
		*why = "connection refused";
		return ERR_CONNECT_REFUSED;
	case ETIMEDOUT:
		*why = "connect timed out";
		return ERR_CONNECT_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
		*why = "no route to the platform";
		return ERR_CONNECT_TIMEOUT;
	default:
		*why = "cannot connect";
		return ERR_CONNECT_REFUSED;
	}
}

/* Classify a curl failure (curl_code != CURLE_OK). Sets *why. */
static enum error_code
error_from_curl(const struct error_transfer *t, const char **why)
{
	switch ((CURLcode)t->curl_code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
		*why = "cannot resolve the proxy host";
		return ERR_PROXY_FAILURE;
	case CURLE_COULDNT_RESOLVE_HOST:
		*why = "cannot resolve the host";
		return ERR_DNS;
	case CURLE_COULDNT_CONNECT:
		return error_from_connect(t, why);
	case CURLE_OPERATION_TIMEDOUT:
		if (!t->connected && !t->established) {
			if (t->via_proxy) {
				*why = "no connection or no CONNECT answer "
				    "from the proxy in time";
				return ERR_PROXY_FAILURE;
			}
			*why = "connect timed out";
			return ERR_CONNECT_TIMEOUT;
		}
		if (t->via_proxy && !t->established &&
		    (t->connect_code < 200 || t->connect_code > 299)) {
			*why = "no CONNECT answer from the proxy in time";
			return ERR_PROXY_FAILURE;
		}
		*why = "the request timed out";
		return ERR_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
		*why = "certificate verification failed";
		return ERR_TLS_VERIFY;
	case CURLE_SSL_CACERT_BADFILE:
		*why = "cannot load the CA file";
		return ERR_TLS_VERIFY;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		*why = "public key does not match the pin";
		return ERR_PIN_MISMATCH;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_USE_SSL_FAILED:
		*why = "TLS handshake failed";
		return ERR_TLS_HANDSHAKE;
	case CURLE_FILESIZE_EXCEEDED:
		*why = "response larger than the limit";
		return ERR_RESPONSE_TOO_LARGE;
	case CURLE_BAD_CONTENT_ENCODING:
		*why = "cannot decode the response body";
		return ERR_BAD_RESPONSE;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
		*why = "malformed response";
		return ERR_BAD_RESPONSE;
	case CURLE_PROXY:
		*why = "proxy handshake failed";
		return ERR_PROXY_FAILURE;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		if (t->via_proxy && !t->established &&
		    (t->connect_code < 200 || t->connect_code > 299)) {
			*why = "the proxy closed the connection before the "
			    "tunnel was up";
			return ERR_PROXY_FAILURE;
		}
		*why = "connection lost";
		return ERR_NETWORK;
	case CURLE_OUT_OF_MEMORY:
		*why = "out of memory";
		return ERR_INTERNAL;
	default:
		*why = "transfer failed";
		return ERR_NETWORK;
	}
}

/*
 * Classify a finished transfer and write a one-line detail into detail.
 * Returns the code; ERR_NONE for an HTTP status below 400.
 */
enum error_code
error_from_transfer(const struct error_transfer *t, char *detail,
    size_t detaillen)
{
	enum error_code	 code;
	const char	*why = NULL, *curlmsg;
	char		 extra[320];
	int		 tunnel_failed;

	extra[0] = '\0';
	tunnel_failed = t->via_proxy && !t->established &&
	    t->connect_code != 0 &&
	    (t->connect_code < 200 || t->connect_code > 299);
	if (tunnel_failed) {
		if (t->connect_code == 407 || t->connect_code == 401) {
			/* Some proxies (tinyproxy) answer 401, not 407. */
			code = ERR_PROXY_AUTH;
			why = "proxy requires authentication: wrong or missing "
			    "user:password";
			snprintf(extra, sizeof(extra), " (HTTP %ld to CONNECT)",
			    t->connect_code);
		} else {
			code = ERR_PROXY_REJECTED;
			why = "proxy rejected CONNECT";
			snprintf(extra, sizeof(extra), " (HTTP %ld to CONNECT)",
			    t->connect_code);
		}
	} else if (t->curl_code != CURLE_OK) {
		code = error_from_curl(t, &why);
		curlmsg = t->curl_error != NULL && t->curl_error[0] != '\0' ?
		    t->curl_error : curl_easy_strerror(t->curl_code);
		snprintf(extra, sizeof(extra), " (curl %d: %s%s%s)",
		    t->curl_code, curlmsg, t->os_errno != 0 ? "; " : "",
		    t->os_errno != 0 ? strerror((int)t->os_errno) : "");
	} else if (t->http_status >= 400) {
		code = ERR_HTTP;
		why = "HTTP error";
		snprintf(extra, sizeof(extra), " %ld", t->http_status);
	} else if (t->http_status == 0) {
		code = ERR_BAD_RESPONSE;
		why = "no HTTP status";
	} else {
		code = ERR_NONE;
		why = "HTTP";
		snprintf(extra, sizeof(extra), " %ld", t->http_status);
	}
	snprintf(detail, detaillen, "%s via %s: %s%s",
	    t->url != NULL ? t->url : "(no URL)",
	    t->proxy != NULL ? t->proxy : "direct", why, extra);
	return code;
}

/* What a failed write's errno says about its cause. */
const char *
error_write_cause(int err)
{
	switch (err) {
	case ENOENT:
		return "the directory is missing";
	case ENOSPC:
	case EDQUOT:
		return "the file system is full";
	case EROFS:
		return "the file system is read-only";
	case EACCES:
	case EPERM:
		return "permission denied";
	case ENOTDIR:
		return "a path component is not a directory";
	default:
		return "an I/O error";
	}
}

/* Does a run of digits at s stand for a count that varies (ms, bytes)? */
static int
error_is_varying(const char *s)
{
	static const char *const units[] = { " ms", " milliseconds",
	    " bytes", " out of ", " seconds" };
	size_t	 i, n;

	for (i = 0; i < nitems(units); i++) {
		n = strlen(units[i]);
		if (strncmp(s, units[i], n) == 0)
			return 1;
	}
	return 0;
}

/* The cause of a failure: detail without its varying numbers. */
char *
error_cause_text(const char *detail, char *out, size_t outlen)
{
	const char	*p = detail, *d;
	size_t		 o = 0;

	if (outlen == 0)
		return out;
	while (*p != '\0' && o + 1 < outlen) {
		if (*p >= '0' && *p <= '9' && (p == detail || p[-1] == ' ')) {
			for (d = p; *d >= '0' && *d <= '9'; d++)
				;
			if (error_is_varying(d)) {
				out[o++] = '#';
				p = d;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* Print one line per code. Returns the number of rows. */
int
errors_print_table(FILE *fp)
{
	size_t	 i;

	for (i = 1; i < nitems(error_table); i++)
		fprintf(fp, "%s %s: %s (cause: %s; check: %s)\n",
		    error_table[i].id, error_table[i].name,
		    error_table[i].message, error_table[i].cause,
		    error_table[i].check);
	return (int)i - 1;
}
