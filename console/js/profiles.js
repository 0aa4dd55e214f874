// profiles.js: Configuration Profiles: the list, a profile with every
// field (intervals, pause data collection, log level, FIM rules with
// paths, recursion, actions and excludes, Agent Scan Merge with ports,
// Bind All and approved networks), a new profile, and assigning a profile
// to activation keys and agents. The platform checks every field; its
// field errors are shown next to the control (docs/protocol.md 4.3).

import * as api from "./api.js";
import { h, table, when, facts, panel, badge, orDash, select, field,
    checkbox, notify, showError, clearFieldErrors, fill, add } from "./dom.js";
import { profilesAndKeys, forgetProfilesAndKeys } from "./agents.js";

const FIM_ACTIONS = ["create", "modify", "attrib", "delete", "rename"];
const LOG_LEVELS = [["error", "error"], ["warn", "warn"], ["info", "info"], ["debug", "debug"]];

// The defaults of a new profile (docs/protocol.md 3.4).
const DEFAULTS = {
	name: "", heartbeat_interval: 60, inventory_interval: 3600,
	data_collection_paused: false, log_level: "info",
	fim: { enabled: false, rules: [], hash_max_size: 10485760 },
	correlation: { enabled: false, ports: [10001, 10002, 10003, 10004, 10005],
	    bind_all: false, approved_networks: [] },
};

// A number typed in a text box, or the text itself (the platform says
// what is wrong with it); undefined when empty.
function numberOf(text) {
	const t = text.trim();
	if (t === "")
		return undefined;
	return /^-?\d+$/.test(t) ? Number(t) : t;
}

// The entries of a list typed one per line (or separated by commas).
function listOf(text) {
	return text.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== "");
}

// Whether a and b hold the same JSON (members in any order).
function same(a, b) {
	const canon = (v) => Array.isArray(v) ? v.map(canon) :
	    (v !== null && typeof v === "object") ? Object.keys(v).sort().map((k) => [k, canon(v[k])]) : v;
	return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

// The members of body that differ from profile p (fim and correlation
// member by member, as PATCH merges them), so the audit trail records the
// change and only it.
function changes(body, p) {
	const out = {};
	for (const [k, v] of Object.entries(body)) {
		if (v === undefined)
			continue;
		if (k === "fim" || k === "correlation") {
			const sub = {};
			for (const [m, w] of Object.entries(v))
				if (w !== undefined && !same(w, p[k][m]))
					sub[m] = w;
			if (Object.keys(sub).length > 0)
				out[k] = sub;
		} else if (!same(v, p[k])) {
			out[k] = v;
		}
	}
	return out;
}

// "On" or "Off".
function onOff(v) {
	return v ? badge("On", "ok") : badge("Off");
}

// One FIM rule's fieldset; renumber() gives it its place in the list.
function ruleFieldset(rule, onRemove) {
	const path = h("input", { type: "text", value: rule.path || "", placeholder: "/etc" });
	const recursive = checkbox("Recursive (the whole tree below the path)",
	    rule.recursive !== false);
	const wanted = rule.events || FIM_ACTIONS;
	const actions = FIM_ACTIONS.map((a) => checkbox(a, wanted.includes(a), { value: a }));
	const actionSet = h("fieldset", { class: "actions-set" },
	    h("legend", {}, "Actions watched"), actions.map((a) => a.el));
	const excludes = h("textarea", { rows: "2", placeholder: "/etc/mtab" });
	excludes.value = (rule.excludes || []).join("\n");
	const legend = h("legend", {});
	const remove = h("button", { type: "button" }, "Remove this rule");
	const fs = h("fieldset", { class: "rule" }, legend,
	    field("Path", path), recursive.el, actionSet,
	    field("Excluded paths (one per line)", excludes), h("div", {}, remove));
	remove.addEventListener("click", () => onRemove(fs));
	fs.renumber = (i) => {
		legend.textContent = `FIM rule ${i + 1}`;
		remove.setAttribute("aria-label", `Remove FIM rule ${i + 1}`);
		path.dataset.field = `fim.rules[${i}].path`;
		recursive.box.dataset.field = `fim.rules[${i}].recursive`;
		actionSet.dataset.field = `fim.rules[${i}].events`;
		excludes.dataset.field = `fim.rules[${i}].excludes`;
	};
	fs.read = () => ({
		path: path.value.trim(),
		recursive: recursive.box.checked,
		events: actions.filter((a) => a.box.checked).map((a) => a.box.value),
		excludes: listOf(excludes.value),
	});
	return fs;
}

// The form of profile p (DEFAULTS for a new one). onSave(body, form) sends it.
function profileForm(p, submitLabel, onSave) {
	const fim = Object.assign({}, DEFAULTS.fim, p.fim || {});
	const corr = Object.assign({}, DEFAULTS.correlation, p.correlation || {});
	const c = {
		name: h("input", { type: "text", value: p.name, "data-field": "name", required: true }),
		hb: h("input", { type: "text", inputmode: "numeric", value: p.heartbeat_interval,
		    "data-field": "heartbeat_interval" }),
		inv: h("input", { type: "text", inputmode: "numeric", value: p.inventory_interval,
		    "data-field": "inventory_interval" }),
		paused: checkbox("Pause data collection", p.data_collection_paused,
		    { "data-field": "data_collection_paused" }),
		log: select(LOG_LEVELS, p.log_level, { "data-field": "log_level" }),
		fimOn: checkbox("File integrity monitoring on", fim.enabled, { "data-field": "fim.enabled" }),
		hash: h("input", { type: "text", inputmode: "numeric", value: fim.hash_max_size,
		    "data-field": "fim.hash_max_size" }),
		corrOn: checkbox("Agent Scan Merge on (answer on the correlation ports)", corr.enabled,
		    { "data-field": "correlation.enabled" }),
		ports: h("input", { type: "text", value: corr.ports.join(", "),
		    "data-field": "correlation.ports" }),
		bindAll: checkbox("Bind All (listen on every port of the list, not only the lowest free one)",
		    corr.bind_all, { "data-field": "correlation.bind_all" }),
		nets: h("textarea", { rows: "3", "data-field": "correlation.approved_networks",
		    placeholder: "10.0.0.0/8" }),
	};
	c.nets.value = corr.approved_networks.join("\n");
	const rulesBox = h("div", { class: "stack", "data-field": "fim.rules" });
	const renumber = () => [...rulesBox.children].forEach((fs, i) => fs.renumber(i));
	const removeRule = (fs) => {
		fs.remove();
		renumber();
	};
	for (const r of fim.rules)
		rulesBox.append(ruleFieldset(r, removeRule));
	renumber();
	const addRule = h("button", { type: "button" }, "Add a FIM rule");
	addRule.addEventListener("click", () => {
		const fs = ruleFieldset({ path: "", recursive: true }, removeRule);
		rulesBox.append(fs);
		renumber();
		fs.querySelector("input").focus();
	});
	const save = h("button", { type: "submit", class: "primary" }, submitLabel);
	const form = h("form", { class: "stack", novalidate: true, "data-write": true },
	    field("Name", c.name),
	    h("fieldset", {}, h("legend", {}, "Check-in and collection"),
		field("Heartbeat interval (seconds, 10 to 86400)", c.hb),
		field("Inventory interval (seconds, 60 to 604800)", c.inv),
		c.paused.el,
		h("p", { class: "hint" }, "While paused, agents collect and upload no inventory or FIM events, and the platform does not hand out the FIM manifest."),
		field("Agent log level", c.log)),
	    h("fieldset", {}, h("legend", {}, "File integrity monitoring"),
		c.fimOn.el,
		field("Largest file hashed (bytes; 0: no hashing)", c.hash),
		rulesBox, h("div", {}, addRule)),
	    h("fieldset", {}, h("legend", {}, "Agent Scan Merge"),
		c.corrOn.el,
		field("Ports (1 to 16, separated by commas)", c.ports,
		    "Default 10001, 10002, 10003, 10004, 10005."),
		c.bindAll.el,
		field("Approved networks (CIDR, one per line; empty: every interface)", c.nets,
		    "Do not answer on Internet-facing interfaces: list the internal networks here.")),
	    h("div", { class: "actions" }, save));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		clearFieldErrors(form);
		const body = {
			name: c.name.value.trim(),
			heartbeat_interval: numberOf(c.hb.value),
			inventory_interval: numberOf(c.inv.value),
			data_collection_paused: c.paused.box.checked,
			log_level: c.log.value,
			fim: {
				enabled: c.fimOn.box.checked,
				hash_max_size: numberOf(c.hash.value),
				rules: [...rulesBox.children].map((fs) => fs.read()),
			},
			correlation: {
				enabled: c.corrOn.box.checked,
				ports: listOf(c.ports.value).map(numberOf),
				bind_all: c.bindAll.box.checked,
				approved_networks: listOf(c.nets.value),
			},
		};
		save.disabled = true;
		try {
			await onSave(body, form);
		} catch (e) {
			showError(form, e);
		} finally {
			save.disabled = false;
		}
	});
	return form;
}

// The profile p as facts, for a reader.
function profileFacts(p) {
	return [
		panel("Check-in and collection", facts([
			["Heartbeat interval", `${p.heartbeat_interval} s`],
			["Inventory interval", `${p.inventory_interval} s`],
			["Data collection", p.data_collection_paused ? badge("Paused", "warn") :
			    badge("Collecting", "ok")],
			["Agent log level", p.log_level],
		])),
		panel("File integrity monitoring", facts([
			["FIM", onOff(p.fim.enabled)],
			["Largest file hashed", `${p.fim.hash_max_size} bytes`],
		]), table("FIM rules", [
			{ title: "Path", render: (r) => h("code", {}, r.path) },
			{ title: "Recursive", render: (r) => r.recursive === false ? "no" : "yes" },
			{ title: "Actions", render: (r) => (r.events || FIM_ACTIONS).join(", ") },
			{ title: "Excluded", render: (r) => orDash((r.excludes || []).join(", ")) },
		], p.fim.rules, "No FIM rule.")),
		panel("Agent Scan Merge", facts([
			["Agent Scan Merge", onOff(p.correlation.enabled)],
			["Ports", p.correlation.ports.join(", ")],
			["Bind All", onOff(p.correlation.bind_all)],
			["Approved networks", p.correlation.approved_networks.length ?
			    p.correlation.approved_networks.join(", ") : "every interface"],
		])),
	];
}

// Assigning profile p: to an activation key (optionally applied to its
// agents) and to agents found by name.
function assignPanel(ctx, p, keys) {
	const key = select(keys.map((k) => [k.activation_id, `${k.name} (now profile ${k.profile_id})`]),
	    keys.length ? keys[0].activation_id : "", { "data-field": "activation_id" });
	const apply = checkbox("Apply changes to all existing agents", false,
	    { "data-field": "apply_to_all_agents" });
	const keyForm = h("form", { class: "stack", "data-write": true }, field("Activation key", key),
	    apply.el, h("p", { class: "hint" }, "Without it, only agents activated from now on get this profile."),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" },
	    "Use this profile for the key")));
	keyForm.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			const r = await api.patch(`/api/v1/activation-keys/${key.value}`,
			    { profile_id: p.id, apply_to_all_agents: apply.box.checked });
			forgetProfilesAndKeys();
			notify(`Activation key ${r.name} now uses ${p.name}` +
			    (apply.box.checked ? `; applied to ${r.applied_to} existing agents.` : "."));
			ctx.navigate(location.hash);
		} catch (e) {
			showError(keyForm, e);
		}
	});
	const find = h("input", { type: "search", placeholder: "web-01" });
	const found = h("div", {});
	const agentForm = h("form", { class: "stack", role: "search", "aria-label": "Find agents to assign" },
	    field("Find agents by host name or id", find),
	    h("div", { class: "actions" }, h("button", { type: "submit" }, "Find agents")), found);
	agentForm.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const r = await api.get("/api/v1/agents", { q: find.value.trim(), limit: 20, sort: "hostname" });
		fill(found, table("Agents found", [
			{ title: "Host name", render: (a) => h("a", { href: `#/agents/${a.agent_id}` }, a.hostname) },
			{ title: "Profile now", render: (a) => String(a.profile_id) },
			{ title: "", render: (a) => {
				const b = h("button", { type: "button", "data-write": true,
				    "aria-label": `Assign ${p.name} to ${a.hostname}` }, "Assign");
				b.addEventListener("click", async () => {
					try {
						await api.patch(`/api/v1/agents/${a.agent_id}`, { profile_id: p.id });
						notify(`${a.hostname} now uses ${p.name}.`);
						b.disabled = true;
					} catch (e) {
						notify(`Assigning failed: ${e.message}`, "error");
					}
				});
				return b;
			} },
		], r.agents, "No agent matches."));
	});
	return panel("Assign this profile", h("h3", {}, "To an activation key"), keyForm,
	    h("h3", {}, "To agents"), agentForm);
}

// #/profiles: every profile.
export async function showList(ctx) {
	const r = await api.get("/api/v1/profiles");
	if (!ctx.current())
		return;
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Configuration profiles"),
	    ctx.isAdmin ? h("p", {}, h("a", { class: "button", href: "#/profiles/new",
	    "data-write": true }, "New profile")) : null,
	    table("Configuration profiles", [
		{ title: "Name", render: (p) => h("a", { href: `#/profiles/${p.id}` }, p.name) },
		{ title: "Version", render: (p) => String(p.version), num: true },
		{ title: "Heartbeat", render: (p) => `${p.heartbeat_interval} s` },
		{ title: "Data collection", render: (p) => p.data_collection_paused ?
		    badge("Paused", "warn") : badge("Collecting", "ok") },
		{ title: "FIM", render: (p) => onOff(p.fim.enabled) },
		{ title: "Agent Scan Merge", render: (p) => onOff(p.correlation.enabled) },
		{ title: "Log level", render: (p) => p.log_level },
		{ title: "Updated", render: (p) => when(p.updated_at) },
	    ], r.profiles, "No profile."));
}

// #/profiles/new: a new profile (admins).
export async function showNew(ctx) {
	fill(ctx.main, h("h1", { tabindex: "-1" }, "New configuration profile"));
	if (!ctx.isAdmin) {
		add(ctx.main, h("p", {}, "Only admins make profiles."));
		return;
	}
	add(ctx.main, profileForm(DEFAULTS, "Create profile", async (body) => {
		const p = await api.post("/api/v1/profiles", body);
		forgetProfilesAndKeys();
		notify(`Profile ${p.name} created.`);
		ctx.navigate(`#/profiles/${p.id}`);
	}));
}

// #/profiles/ID: one profile, editable by admins.
export async function showProfile(ctx) {
	const id = ctx.params[0];
	const [p, pk] = await Promise.all([api.get(`/api/v1/profiles/${id}`),
	    ctx.isAdmin ? profilesAndKeys() : null]);
	if (!ctx.current())
		return;
	fill(ctx.main, h("h1", { tabindex: "-1" }, `Profile ${p.name}`),
	    h("p", { class: "lead" }, `Version ${p.version}, updated `, when(p.updated_at)));
	if (!ctx.isAdmin) {
		add(ctx.main, profileFacts(p));
		return;
	}
	add(ctx.main, panel("Edit", profileForm(p, "Save profile", async (body) => {
		const change = changes(body, p);
		if (Object.keys(change).length === 0) {
			notify(`Profile ${p.name}: nothing changed.`);
			return;
		}
		const saved = await api.patch(`/api/v1/profiles/${id}`, change);
		forgetProfilesAndKeys();
		notify(saved.version === p.version ? `Profile ${saved.name}: nothing changed.` :
		    `Profile ${saved.name} saved as version ${saved.version}; agents fetch it at their next check-in.`);
		ctx.navigate(location.hash);
	})), assignPanel(ctx, p, pk.keys));
}
