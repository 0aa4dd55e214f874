// agent.js: Asset details -> Agent summary of one agent: its identity,
// correlation id, addresses, profile and activation key, the manifest
// versions it runs (inventory, fim, vulnsigs) against the platform's
// newest, FIM state, current and past errors with their hints, inventory
// sections, vulnerabilities, FIM events (by path, action and time),
// correlation listeners and merged scans, manifest downloads; for admins
// the profile assignment and uninstall (DELETE, after a confirmation).

import * as api from "./api.js";
import { h, table, when, facts, panel, badge, orDash, select, field, notify,
    confirmChange, showError, problem, fill } from "./dom.js";
import { errorHint, errorName } from "./errors.js";
import { statusBadge, onlineBadge, fimBadge, profilesAndKeys } from "./agents.js";

const MANIFESTS = [
	["inventory", "Inventory manifest"],
	["fim", "FIM manifest"],
	["vulnsigs", "Vulnerability signatures (vulnsigs)"],
];
const ROWS_SHOWN = 200;

// A value of an inventory item as text.
function cellText(v) {
	if (v === null || v === undefined)
		return "";
	if (Array.isArray(v))
		return v.map((x) => (x !== null && typeof x === "object") ?
		    (x.address || x.name || JSON.stringify(x)) : String(x)).join(", ");
	if (typeof v === "object")
		return JSON.stringify(v);
	return String(v);
}

// The addresses an agent reported: activation and inventory interfaces.
function addressesOf(agent, inventory) {
	const out = new Set((agent.host && agent.host.ip_addresses) || []);
	const ifs = inventory && inventory.data && inventory.data.interfaces;
	if (Array.isArray(ifs))
		for (const i of ifs)
			for (const a of (i && Array.isArray(i.addresses) ? i.addresses : []))
				if (a && a.address)
					out.add(a.address);
	return [...out];
}

// One inventory section: a table for an array of objects (with a filter
// when long), facts for an object, text otherwise.
function inventorySection(name, value) {
	const body = h("div", {});
	if (Array.isArray(value) && value.every((x) => x !== null && typeof x === "object")) {
		const cols = [];
		for (const item of value.slice(0, 50))
			for (const k of Object.keys(item))
				if (!cols.includes(k) && cols.length < 8)
					cols.push(k);
		const columns = cols.map((k) => ({ title: k, render: (r) => cellText(r[k]) }));
		const out = h("div", {});
		const draw = (text) => {
			const t = text.toLowerCase();
			const rows = t === "" ? value : value.filter((r) =>
			    cols.some((k) => cellText(r[k]).toLowerCase().includes(t)));
			fill(out, 
			    rows.length > ROWS_SHOWN ? h("p", { class: "muted" },
			    `${ROWS_SHOWN} of ${rows.length} shown; filter to narrow.`) : null,
			    table(name, columns, rows.slice(0, ROWS_SHOWN), "None."));
		};
		if (value.length > 20) {
			const input = h("input", { type: "search" });
			input.addEventListener("input", () => draw(input.value.trim()));
			body.append(field(`Filter ${name}`, input));
		}
		draw("");
		body.append(out);
	} else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
		body.append(facts(Object.entries(value).map(([k, v]) => [k, cellText(v)])));
	} else {
		body.append(h("p", {}, cellText(value)));
	}
	const count = Array.isArray(value) ? ` (${value.length})` : "";
	return h("details", {}, h("summary", {}, name + count), body);
}

// The manifests the agent runs, and the newest of each on the platform.
function manifestTable(agent, manifests) {
	const newest = new Map((manifests || []).map((m) => [m.type, m.version]));
	const mv = agent.manifest_versions || {};
	return table("Manifest versions", [
		{ title: "Manifest", render: (r) => r[1] },
		{ title: "Active on the agent", render: (r) => h("span",
		    { "data-manifest": r[0] }, orDash(mv[r[0]])) },
		{ title: "Newest on the platform", render: (r) => orDash(newest.get(r[0])) },
		{ title: "", render: (r) => mv[r[0]] !== undefined && newest.has(r[0]) ?
		    (mv[r[0]] >= newest.get(r[0]) ? badge("current", "ok") : badge("behind", "warn")) : "" },
	], MANIFESTS);
}

// The FIM state facts the agent reported.
function fimFacts(fim) {
	if (!fim)
		return h("p", { class: "muted" }, "The agent reported no FIM state.");
	const pairs = [["State", fimBadge(fim)]];
	for (const [k, v] of Object.entries(fim))
		if (k !== "state")
			pairs.push([k, k === "next_retry" && typeof v === "number" ? when(v) : orDash(cellText(v))]);
	return facts(pairs);
}

// Errors (current or reported) with code, message, time and hint.
function errorTable(caption, errors, timeTitle) {
	return table(caption, [
		{ title: "Code", render: (e) => h("span", {}, h("code", {}, e.code),
		    errorName(e.code) ? ` ${errorName(e.code)}` : "") },
		{ title: "Message", render: (e) => e.message },
		{ title: timeTitle, render: (e) => when(e.time) },
		{ title: "Hint", render: (e) => orDash(errorHint(e.code)) },
	], errors, "None.");
}

// The FIM events panel, with its filter (path, action, time range).
function fimEvents(id) {
	const path = h("input", { type: "text", placeholder: "/etc/" });
	const action = select([["", "Any action"], ["create", "create"], ["modify", "modify"],
	    ["attrib", "attrib"], ["delete", "delete"], ["rename", "rename"]], "");
	const since = h("input", { type: "datetime-local", step: "1" });
	const until = h("input", { type: "datetime-local", step: "1" });
	const limit = select([["100", "100"], ["500", "500"], ["1000", "1000"]], "100");
	const out = h("div", {});
	const form = h("form", { class: "filters", role: "search", "aria-label": "Find FIM events" },
	    field("Path starts with", path), field("Action", action),
	    field("From (your time)", since), field("Until (your time)", until),
	    field("Events shown", limit),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Show events")));
	const epoch = (input) => input.value ? Math.floor(new Date(input.value).getTime() / 1000) : "";
	const load = async () => {
		try {
			const r = await api.get(`/api/v1/agents/${id}/fim-events`, {
				path: path.value.trim(), action: action.value, since: epoch(since),
				until: epoch(until), limit: limit.value, order: "desc" });
			fill(out, h("p", { class: "count" }, `${r.count} events, newest first`),
			    table("FIM events", [
				{ title: "Time", render: (e) => when(e.time) },
				{ title: "Action", render: (e) => badge(e.action) },
				{ title: "Path", render: (e) => h("span", { class: "mono" }, e.path,
				    e.old_path ? ` (from ${e.old_path})` : "") },
				{ title: "Who", render: (e) => orDash([e.user || e.auser, e.exe || e.comm]
				    .filter(Boolean).join(" · ")) },
				{ title: "SHA-256", render: (e) => e.sha256 ? h("code", { title: e.sha256 },
				    e.sha256.slice(0, 16) + "…") : orDash(e.hash_skipped) },
				{ title: "Source", render: (e) => orDash(e.source || "audit") },
			    ], r.events, "No FIM event matches."));
		} catch (e) {
			fill(out, problem(`The FIM events could not be read: ${e.message}`));
		}
	};
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		load();
	});
	return { el: h("div", {}, form, out), load };
}

// The merged scans of the agent.
function scanTable(scans) {
	return table("Merged scans", [
		{ title: "Scanned", render: (s) => when(s.scanned_at) },
		{ title: "Target", render: (s) => s.target },
		{ title: "Address", render: (s) => orDash(s.address) },
		{ title: "Scanner", render: (s) => orDash(s.scanner) },
		{ title: "Open ports", render: (s) => orDash((s.ports || []).map((p) =>
		    `${p.port}/${p.protocol || "tcp"}${p.service ? " " + p.service : ""}`).join(", ")) },
		{ title: "Address check", render: (s) => s.address_mismatch ?
		    badge("address mismatch", "bad") : badge("matches", "ok") },
	], scans, "No scan was merged into this agent.");
}

// The admin's controls: the agent's profile, uninstall.
function adminPanel(ctx, agent, profiles) {
	const pick = select(profiles.map((p) => [String(p.id), `${p.name} (version ${p.version})`]),
	    agent.profile_id, { "data-field": "profile_id" });
	const form = h("form", { class: "stack", "data-write": true },
	    field("Configuration profile of this agent", pick,
	    "The agent fetches it at its next check-in."),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" },
	    "Assign profile")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			await api.patch(`/api/v1/agents/${agent.agent_id}`, { profile_id: Number(pick.value) });
			notify(`${agent.hostname} now uses profile ${pick.selectedOptions[0].textContent}.`);
			ctx.navigate(location.hash);
		} catch (e) {
			showError(form, e);
		}
	});
	const uninstall = h("button", { type: "button", class: "danger", "data-write": true },
	    "Uninstall agent…");
	uninstall.addEventListener("click", async () => {
		const ok = await confirmChange(`Uninstall ${agent.hostname}?`,
		    "The agent's record, inventory, detections, FIM events, errors and manifest downloads are removed from the platform, and the agent stops and removes itself at its next check-in.",
		    "Uninstall");
		if (!ok)
			return;
		try {
			await api.del(`/api/v1/agents/${agent.agent_id}`);
			notify(`${agent.hostname} was uninstalled.`);
			ctx.navigate("#/agents");
		} catch (e) {
			notify(`Uninstalling ${agent.hostname} failed: ${e.message}`, "error");
		}
	});
	return panel("Change", form, h("h3", {}, "Uninstall"),
	    h("p", {}, "Removes the agent through the API; the host removes it at its next check-in."),
	    uninstall);
}

// #/agents/ID: the agent summary.
export async function showAgent(ctx) {
	const id = ctx.params[0];
	const a = await api.get(`/api/v1/agents/${id}`);
	const [errors, inventory, vulns, downloads, scans, manifests, profile, key, pk] =
	    await Promise.all([
		api.get(`/api/v1/agents/${id}/errors`, { limit: 50 }),
		a.last_inventory === null ? null : api.get(`/api/v1/agents/${id}/inventory`),
		api.get(`/api/v1/agents/${id}/vulnerabilities`),
		api.get(`/api/v1/agents/${id}/manifest-downloads`, { limit: 50 }),
		api.get("/api/v1/scans", { agent_id: id, limit: 100 }),
		api.get("/api/v1/manifests"),
		api.get(`/api/v1/profiles/${a.profile_id}`),
		api.get(`/api/v1/activation-keys/${a.activation_id}`),
		ctx.isAdmin ? profilesAndKeys() : null,
	]);
	if (!ctx.current())
		return;
	const host = a.host || {};
	const addresses = addressesOf(a, inventory);
	const events = fimEvents(id);
	fill(ctx.main, 
	    h("p", { class: "lead crumbs" }, h("a", { href: "#/agents" }, "Agents"),
	    " › Asset details › Agent summary"),
	    h("h1", { tabindex: "-1" }, a.hostname),
	    h("p", { class: "badges" }, statusBadge(a.status), onlineBadge(a.online),
	    a.pending_commands && a.pending_commands.length ?
	    badge(`pending: ${a.pending_commands.join(", ")}`, "warn") : null),
	    panel("Agent summary", facts([
		["Agent ID", h("code", {}, a.agent_id)],
		["Correlation ID", h("code", {}, a.correlation_id)],
		["Customer ID", h("code", {}, a.customer_id)],
		["Status", statusBadge(a.status)],
		["Online", onlineBadge(a.online)],
		["Last check-in", when(a.last_checkin)],
		["Activated", when(a.activated_at)],
		["Agent version", orDash(a.agent_version)],
		["Agent state", orDash(a.agent_status)],
		["Operating system", orDash([host.os, host.os_version].filter(Boolean).join(" "))],
		["Kernel", orDash(host.kernel)],
		["Architecture", orDash(host.arch)],
		["Addresses", addresses.length ? h("span", { class: "mono" }, addresses.join(", ")) : orDash(null)],
		["Tags", (a.tags || []).length ? h("span", { class: "badges" }, a.tags.map((t) => badge(t))) : orDash(null)],
		["Configuration profile", h("span", {}, h("a", { href: `#/profiles/${a.profile_id}` },
		    profile.name), ` (version ${profile.version}; heartbeat every ${profile.heartbeat_interval} s` +
		    `${profile.data_collection_paused ? "; data collection paused" : ""})`)],
		["Activation key", h("a", { href: `#/keys/${key.activation_id}` }, key.name)],
		["Last inventory", when(a.last_inventory, "not yet")],
		["Vulnerabilities", orDash(vulns.count)],
	    ])),
	    panel("Manifests", manifestTable(a, manifests.manifests)),
	    panel("File integrity monitoring", fimFacts(a.fim)),
	    panel("Errors",
		h("h3", {}, "Current errors"),
		Array.isArray(a.current_errors) ? errorTable("Current errors", a.current_errors, "Since") :
		    h("p", { class: "muted" }, "This agent does not report its current errors."),
		h("h3", {}, "Reported errors"),
		errorTable("Reported errors", errors.errors, "Reported")),
	    panel("Inventory", inventory === null ?
		h("p", { class: "muted" }, "The agent has not uploaded an inventory yet.") :
		[h("p", { class: "muted" }, `Version ${inventory.inventory_version}, updated `,
		    when(inventory.updated_at)),
		 Object.entries(inventory.data).map(([k, v]) => inventorySection(k, v))]),
	    panel("Vulnerabilities", table("Vulnerabilities", [
		{ title: "ID", render: (v) => h("code", {}, v.id) },
		{ title: "Severity", render: (v) => badge(v.severity,
		    v.severity === "critical" || v.severity === "high" ? "bad" : "warn") },
		{ title: "Title", render: (v) => v.title },
		{ title: "Package", render: (v) => `${v.package}${v.arch ? ` (${v.arch})` : ""}` },
		{ title: "Installed", render: (v) => v.installed_version },
		{ title: "Fixed in", render: (v) => orDash(v.fixed_version) },
	    ], vulns.vulnerabilities, "No vulnerability detected.")),
	    panel("FIM events", events.el),
	    panel("Agent Scan Merge",
		h("h3", {}, "Correlation listeners"),
		(a.correlation_listeners || []).length ? h("ul", {}, a.correlation_listeners.map((l) =>
		    h("li", { class: "mono" }, l))) : h("p", { class: "muted" }, "None reported."),
		h("h3", {}, "Merged scans"), scanTable(scans.scans)),
	    panel("Manifest downloads", table("Manifest downloads", [
		{ title: "Time", render: (d) => when(d.time) },
		{ title: "Manifest", render: (d) => d.type },
		{ title: "Version", render: (d) => orDash(d.version) },
		{ title: "Outcome", render: (d) => badge(d.outcome.replace("_", " "),
		    d.outcome === "served" || d.outcome === "not_modified" ? "ok" : "warn") },
		{ title: "HTTP", render: (d) => String(d.status) },
	    ], downloads.downloads, "No manifest request yet.")),
	    ctx.isAdmin ? adminPanel(ctx, a, pk.profiles) : null);
	await events.load();
}
