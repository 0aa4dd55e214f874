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
	["E403", "credential_revoked", "the platform no longer accepts the agent credential", "the agent record was deleted or its credential replaced", "the agent on the platform; re-activate by removing state.json"],
	["E404", "agent_uninstalled", "the platform told the agent that it was uninstalled", "an administrator deleted the agent through the admin API", "the platform's audit trail; reinstall to enrol again"],
	["E405", "response_too_large", "the platform answer exceeded the size limit", "a wrong platform_url, or a proxy returning a large page", "platform_url and what answers at it"],
	["E406", "bad_response", "the platform answer could not be decoded", "a corrupt compressed body, or not the platform answering", "platform_url and what answers at it"],
	["E501", "state_unreadable", "the state file cannot be read or parsed", "state.json corrupted, truncated or with wrong permissions", "state_dir/state.json; the agent re-activates when it is gone"],
	["E502", "write_failure", "a file could not be written (disk full or read-only)", "the file system of state_dir or log_dir is full, read-only or the directory is gone", "`df` and permissions of state_dir and log_dir; `outpostctl repair`"],
	["E503", "spool_overflow", "the upload spool passed spool_max_size; the oldest uploads were dropped", "the platform was unreachable for long while the host produced many events, or spool_max_size is too small", "`outpostctl status` (spool depth, dropped), the errors above it, spool_max_size in outpost.conf"],
	["E601", "manifest_signature_invalid", "a downloaded manifest failed signature verification", "tampering between platform and agent, or a platform whose manifest key changed since activation", "the platform's manifest.pub against the key in state.json; re-activate after a deliberate key change"],
	["E602", "manifest_invalid", "a manifest is malformed or cannot be stored", "a platform bug, or state_dir/manifests not writable", "agent.log for the field at fault; state_dir/manifests"],
	["E603", "inventory_failed", "an inventory collector failed", "an unreadable system file (package database, /proc) or an inventory_root that does not exist", "agent.log for the collector and file; inventory_root"],
	["E701", "audit_netlink_held", "the audit netlink socket is held by another process", "auditd or another audit client owns the audit pid", "the holder named in the message (`ps -p PID`); FIM continues read-only where the kernel allows and the claim is retried every audit_retry_interval seconds"],
	["E702", "audit_unavailable", "the kernel audit system cannot be used", "kernel without audit, audit=0 on the command line, no CAP_AUDIT_CONTROL, or inside a container", "`auditctl -s`, the kernel command line, that outpostd runs as root"],
	["E703", "audit_rule_refused", "the kernel refused a FIM audit rule", "a path that does not exist, too many rules, or the audit configuration locked (enabled 2)", "the rule named in the message; `auditctl -s` (enabled)"],
	["E704", "audit_events_lost", "file integrity events were lost", "the kernel audit backlog overflowed, or a burst passed the agent's own queue", "`outpostctl status` (losses by cause); the backlog limit"],
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
