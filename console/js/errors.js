// errors.js: the agent's error codes (outpostd(8) ERRORS) with what each
// means, its likely cause and what to check: the hints the console shows
// next to an agent's errors. The table between the markers is made by
// tests/tools/console-errors.py from the agent's own table, and
// tests/platform/console-files.sh fails when the two differ.

const table = [
// errors table: made by tests/tools/console-errors.py; do not edit
	["E101", "dns_failure", "the platform host name does not resolve", "DNS unreachable, wrong platform_url host, or a host that needs a proxy", "resolv.conf, `getent hosts HOST`, platform_url; configure proxy.conf if only the proxy resolves outside names"],
	["E102", "connect_refused", "the platform refused the connection", "platform not running, wrong port, or a firewall rejecting", "platform_url port, that the platform is up, firewall rules"],
	["E103", "connect_timeout", "no answer while connecting to the platform", "packets dropped by a firewall, no route, or outbound HTTPS allowed only through a proxy", "routing and firewall to the platform; proxy.conf"],
	["E104", "network_error", "the connection failed during the exchange", "connection reset or closed by the peer or a middlebox", "middleboxes that cut TLS, platform log around that time"],
	["E105", "request_timeout", "the request did not complete in time", "platform overloaded or stalled, or a very slow link", "platform load and log, network latency"],
	["E201", "tls_verify_failed", "the platform certificate failed verification", "ca_file is not the CA that signed the platform certificate, an expired certificate, a name mismatch, or TLS interception", "ca_file, the certificate's names and dates (`openssl s_client -connect HOST:PORT`)"],
	["E202", "pin_mismatch", "the platform public key does not match pin_sha256", "the platform key was changed, or TLS interception", "pin_sha256 against the platform's current key"],
	["E203", "tls_handshake_failed", "the TLS handshake with the platform failed", "no common TLS version (1.2 or later needed) or cipher, or not a TLS server", "platform_url scheme and port, the server's TLS settings"],
	["E301", "proxy_failure", "no proxy could be reached", "proxy down, wrong proxy host or port, or a firewall", "https_proxy lines in proxy.conf, that each proxy is up"],
	["E302", "proxy_auth_required", "the proxy requires authentication (HTTP 407)", "no, or a wrong, user name or password for the proxy", "user:password in the https_proxy URL of proxy.conf"],
	["E303", "proxy_connect_rejected", "the proxy rejected the CONNECT to the platform", "proxy policy forbids the platform host or port, or the proxy cannot reach it", "proxy access rules for CONNECT to the platform host and port"],
	["E304", "proxy_config_invalid", "the proxy configuration is refused", "a syntax error, or a password file readable by other users", "`outpostd -n`; `chmod 600` the proxy file"],
	["E401", "http_error", "the platform answered with an HTTP error", "a platform fault or a request the platform does not accept", "the HTTP status in agent.log, the platform log"],
	["E402", "activation_rejected", "the platform rejected the activation", "wrong activation_id or customer_id, or a key that was revoked or used up", "activation_id and customer_id in outpost.conf against the platform's activation keys"],
	["E403", "credential_revoked", "the platform no longer accepts the agent credential", "the agent record was deleted or its credential replaced", "the agent on the platform (clone_of, clone_detected_at); it activates again by itself, its credential as proof"],
	["E404", "agent_uninstalled", "the platform told the agent that it was uninstalled", "an administrator deleted the agent through the admin API", "the platform's audit trail; reinstall to enrol again"],
	["E405", "response_too_large", "the platform answer exceeded the size limit", "a wrong platform_url, or a proxy returning a large page", "platform_url and what answers at it"],
	["E406", "bad_response", "the platform answer could not be decoded", "an empty body, a body that is not JSON, a corrupt compressed body, or not the platform answering", "platform_url and what answers at it"],
	["E407", "redirect_refused", "the platform answered with a redirect, which the agent never follows", "a captive portal or TLS-inspecting proxy sending a sign-in page, or a platform_url that is not the platform", "the Location named in agent.log; proxy.conf, platform_url"],
	["E408", "unexpected_status", "the platform answered with a status this request never gets", "a proxy or a half-upgraded platform answering 204, 304 to an unconditional request, or another success status", "the status and URL in agent.log; docs/protocol.md for the answers of that endpoint"],
	["E409", "answer_invalid", "the platform answer lacks a member or has one of the wrong type or value", "a half-upgraded or broken platform, or something else answering for it", "the member named in agent.log against docs/protocol.md"],
	["E410", "answer_over_limit", "the platform answer passes the agent's parse limits", "nesting, a number of members or elements, or a string longer than any answer of that endpoint can legitimately hold", "the limit named in agent.log (outpostd(8) ANSWERS FROM THE PLATFORM); what answers at platform_url"],
	["E411", "command_refused", "a command from the platform was refused", "an answer naming another agent id, or answering a request that did not carry this agent's credential", "the agent id in agent.log and `outpostctl status`; what answers at platform_url"],
	["E501", "state_unreadable", "the state file cannot be read or parsed", "state.json corrupted, truncated or with wrong permissions", "state_dir/state.json; the agent re-activates when it is gone"],
	["E502", "write_failure", "a file could not be written", "the cause named in the message: the directory is missing, the file system is full or read-only, or permissions", "for a missing directory, the agent recreates it within 15 seconds (E504); otherwise `df` and permissions of state_dir and log_dir"],
	["E503", "spool_overflow", "the upload spool passed spool_max_size; the oldest uploads were dropped", "the platform was unreachable for long while the host produced many events, or spool_max_size is too small", "`outpostctl status` (spool depth, dropped), the errors above it, spool_max_size in outpost.conf"],
	["E504", "directory_missing", "a required directory was missing and has been recreated", "something removed it while the agent ran (an OS upgrade, a cleanup script, an operator)", "what removed it; what it held is gone (the message says what was lost, e.g. uploads waiting in the spool)"],
	["E601", "manifest_signature_invalid", "a downloaded manifest failed signature verification", "tampering between platform and agent, or a platform whose manifest key changed since activation", "the platform's manifest.pub against the key in state.json; re-activate after a deliberate key change"],
	["E602", "manifest_invalid", "a manifest is malformed or cannot be stored", "a platform bug, or state_dir/manifests not writable", "agent.log for the field at fault; state_dir/manifests"],
	["E603", "inventory_failed", "an inventory collector failed", "an unreadable system file (package database, /proc) or an inventory_root that does not exist", "agent.log for the collector and file; inventory_root"],
	["E604", "release_invalid", "an agent release offered by the platform is unusable", "a malformed release manifest, one for another OS or architecture, or one that names another version than offered", "the release on the platform (`outpost-platform release list`) against the agent's OS and architecture"],
	["E605", "release_signature_invalid", "an agent release failed signature verification; refused", "a release signed with another key than release_key, or tampering on the platform or on the way", "release_key in outpost.conf against the key the release was signed with (`make agent-release RELEASE_KEY=...`)"],
	["E606", "release_file_mismatch", "a file of an agent release differs from its signed manifest; refused", "a file altered on the platform, on the way or on this host", "the release on the platform; add it again from the file `make agent-release` made"],
	["E607", "release_downgrade_refused", "an agent release older than the running version was refused", "the platform's newest release for this OS and architecture is older than this agent; only a pinned version may go back", "the profile's update policy; publish a newer release, or pin the version to go back to"],
	["E608", "release_download_failed", "an agent release could not be downloaded or stored", "the platform unreachable or the release deleted meanwhile, or state_dir full", "the errors before it, `df` of state_dir; the download resumes at the next check-in"],
	["E609", "update_exited", "the new agent version stopped before its first check-in; the previous version was restored", "a release that fails at start (missing library, a crash, a bad configuration for it), or the agent stopped during the switch", "the new version's lines in agent.log; it is not tried again until the profile changes"],
	["E610", "update_no_checkin", "the new agent version did not check in before the deadline; the previous version was restored", "a release that hangs at start or cannot reach the platform", "agent.log of the new version, update.deadline of the profile; it is not tried again until the profile changes"],
	["E611", "update_switch_failed", "the switch to a new agent version could not be made; the running version goes on", "the new program or the watchdog could not be started, or an installed version failed its check at start", "agent.log and state_dir/update.json; permissions of state_dir/versions"],
	["E612", "release_key_unusable", "self-update is not possible: no usable release key", "release_key is not set in outpost.conf, or the file is not an Ed25519 public key", "release_key in outpost.conf(5); the site's release.pub"],
	["E701", "audit_netlink_held", "the audit netlink socket is held by another process", "auditd or another audit client owns the audit pid", "the holder named in the message (`ps -p PID`); FIM continues read-only where the kernel allows; the pid is claimed the moment the holder exits, and retried every audit_retry_interval seconds meanwhile"],
	["E702", "audit_unavailable", "the kernel audit system cannot be used", "kernel without audit, audit=0 on the command line, no CAP_AUDIT_CONTROL, or inside a container", "`auditctl -s`, the kernel command line, that outpostd runs as root"],
	["E703", "audit_rule_refused", "the kernel refused a FIM audit rule", "a path that does not exist, too many rules, or the audit configuration locked (enabled 2)", "the rule named in the message; `auditctl -s` (enabled)"],
	["E704", "audit_events_lost", "file integrity events were lost", "the kernel audit backlog overflowed, or a burst passed the agent's own queue", "`outpostctl status` (losses by cause); the backlog limit"],
	["E705", "audit_disabled", "auditing is disabled by the process that holds the audit pid", "auditd or another audit client set enabled 0: the kernel makes no records, so no FIM events reach the agent", "`auditctl -s` (enabled); `auditctl -e 1`, or stop the holder so that the agent owns the audit pid"],
	["E706", "fim_unclean_stop", "the agent stopped without a clean stop: who made the changes in a window is lost", "a crash, SIGKILL, an OOM kill or a power loss; the window runs from the last sign of life to the moment the rules were back", "the window and count in the message; the changes found are reported with source scan; the journal for the cause of the stop (dmesg for the OOM killer)"],
	["E801", "correlation_port_unavailable", "a correlation ID port could not be opened", "another program listens on the port, or no address lies in the approved networks", "`ss -ltnp` for the port; the profile's correlation ports and approved_networks"],
	["E802", "correlation_limit", "correlation connections were refused by a limit", "a scan or a connection flood from one source", "agentid.log for the sources; the scanner's concurrency"],
	["E901", "internal_error", "an internal error occurred", "out of memory or a bug", "agent.log around that time; report it"],
// end of errors table
];

// code -> {code, name, message, cause, check}
export const agentErrors = new Map(table.map(([code, name, message, cause, check]) =>
    [code, { code, name, message, cause, check }]));

// The hint for an error code: what to check, or "" for a code the console
// does not know (a newer agent).
export function errorHint(code) {
	const e = agentErrors.get(code);
	return e ? `${e.cause}. Check: ${e.check}` : "";
}

// The name of an error code ("dns_failure"), or "".
export function errorName(code) {
	const e = agentErrors.get(code);
	return e ? e.name : "";
}
