// keys.js: Activation keys: the list, a new key, and a key's page with
// its outpost.conf lines; admins edit a key (name, profile, tags) with
// "apply changes to all existing agents", and disable or enable it
// (docs/protocol.md 4.2).

import * as api from "./api.js";
import { h, table, when, facts, panel, badge, orDash, select, field,
    checkbox, notify, showError, fill } from "./dom.js";
import { profilesAndKeys, forgetProfilesAndKeys } from "./agents.js";

// Tags typed as "a, b".
function tagsOf(text) {
	return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

// A badge for enabled or disabled.
function enabledBadge(enabled) {
	return enabled ? badge("Enabled", "ok") : badge("Disabled", "bad");
}

// The name of profile id, as a link.
function profileLink(profiles, id) {
	const p = profiles.find((x) => x.id === id);
	return h("a", { href: `#/profiles/${id}` }, p ? p.name : `profile ${id}`);
}

// The form of a new key.
function newKeyForm(ctx, profiles) {
	const name = h("input", { type: "text", "data-field": "name" });
	const profile = select(profiles.map((p) => [String(p.id), p.name]),
	    profiles.length ? profiles[0].id : "", { "data-field": "profile_id" });
	const tags = h("input", { type: "text", "data-field": "tags", placeholder: "web, production" });
	const enabled = checkbox("Enabled (agents may activate with it)", true, { "data-field": "enabled" });
	const form = h("form", { class: "stack", novalidate: true, "data-write": true },
	    field("Name", name), field("Configuration profile", profile),
	    field("Tags (separated by commas)", tags), enabled.el,
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" },
	    "Create activation key")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			const k = await api.post("/api/v1/activation-keys", {
				name: name.value.trim(), profile_id: Number(profile.value),
				tags: tagsOf(tags.value), enabled: enabled.box.checked });
			forgetProfilesAndKeys();
			notify(`Activation key ${k.name} created: activation_id ${k.activation_id}.`);
			ctx.navigate(`#/keys/${k.activation_id}`);
		} catch (e) {
			showError(form, e);
		}
	});
	return panel("New activation key", form);
}

// #/keys: every activation key.
export async function showList(ctx) {
	const [r, pk] = await Promise.all([api.get("/api/v1/activation-keys"), profilesAndKeys()]);
	if (!ctx.current())
		return;
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Activation keys"),
	    table("Activation keys", [
		{ title: "Name", render: (k) => h("a", { href: `#/keys/${k.activation_id}` }, k.name) },
		{ title: "Activation ID", render: (k) => h("code", {}, k.activation_id) },
		{ title: "Configuration profile", render: (k) => profileLink(pk.profiles, k.profile_id) },
		{ title: "Tags", render: (k) => orDash((k.tags || []).join(", ")) },
		{ title: "State", render: (k) => enabledBadge(k.enabled) },
		{ title: "Agents", render: (k) => h("a", { href: `#/agents?activation_id=${k.activation_id}` },
		    String(k.agents)), num: true },
		{ title: "Created", render: (k) => when(k.created_at) },
	    ], r.activation_keys, "No activation key."),
	    ctx.isAdmin ? newKeyForm(ctx, pk.profiles) : null);
}

// The edit form of key k.
function editKeyForm(ctx, k, profiles) {
	const name = h("input", { type: "text", value: k.name, "data-field": "name" });
	const profile = select(profiles.map((p) => [String(p.id), p.name]), k.profile_id,
	    { "data-field": "profile_id" });
	const tags = h("input", { type: "text", value: (k.tags || []).join(", "), "data-field": "tags" });
	const enabled = checkbox("Enabled (agents may activate with it)", k.enabled,
	    { "data-field": "enabled" });
	const apply = checkbox("Apply changes to all existing agents", false,
	    { "data-field": "apply_to_all_agents" });
	const form = h("form", { class: "stack", novalidate: true, "data-write": true },
	    field("Name", name), field("Configuration profile", profile),
	    field("Tags (separated by commas)", tags), enabled.el, apply.el,
	    h("p", { class: "hint" }, `The ${k.agents} agents activated with this key get its profile and tags at their next check-in; without it, only agents activated from now on do.`),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save key")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			const r = await api.patch(`/api/v1/activation-keys/${k.activation_id}`, {
				name: name.value.trim(), profile_id: Number(profile.value),
				tags: tagsOf(tags.value), enabled: enabled.box.checked,
				apply_to_all_agents: apply.box.checked });
			forgetProfilesAndKeys();
			notify(`Activation key ${r.name} saved` + (apply.box.checked ?
			    `; applied to ${r.applied_to} existing agents.` : "."));
			ctx.navigate(location.hash);
		} catch (e) {
			showError(form, e);
		}
	});
	const toggle = h("button", { type: "button", "data-write": true,
	    class: k.enabled ? "danger" : "primary" }, k.enabled ? "Disable key" : "Enable key");
	toggle.addEventListener("click", async () => {
		try {
			await api.patch(`/api/v1/activation-keys/${k.activation_id}`, { enabled: !k.enabled });
			forgetProfilesAndKeys();
			notify(`Activation key ${k.name} ${k.enabled ? "disabled" : "enabled"}.`);
			ctx.navigate(location.hash);
		} catch (e) {
			notify(`Changing the key failed: ${e.message}`, "error");
		}
	});
	return [panel("Edit", form), panel(k.enabled ? "Disable" : "Enable",
	    h("p", {}, k.enabled ? "A disabled key refuses new activations; agents already activated keep working." :
	    "Agents may activate with the key again."), toggle)];
}

// #/keys/ID: one activation key.
export async function showKey(ctx) {
	const [k, pk] = await Promise.all([api.get(`/api/v1/activation-keys/${ctx.params[0]}`),
	    profilesAndKeys()]);
	if (!ctx.current())
		return;
	fill(ctx.main, h("h1", { tabindex: "-1" }, `Activation key ${k.name}`),
	    panel("Key", facts([
		["Activation ID", h("code", {}, k.activation_id)],
		["Customer ID", h("code", {}, k.customer_id)],
		["State", enabledBadge(k.enabled)],
		["Configuration profile", profileLink(pk.profiles, k.profile_id)],
		["Tags", orDash((k.tags || []).join(", "))],
		["Agents", h("a", { href: `#/agents?activation_id=${k.activation_id}` }, String(k.agents))],
		["Created", when(k.created_at)],
		["Updated", when(k.updated_at)],
	    ]), h("h3", {}, "outpost.conf of an agent activated with it"),
	    h("pre", { class: "mono" }, `activation_id = ${k.activation_id}\ncustomer_id = ${k.customer_id}`)),
	    ctx.isAdmin ? editKeyForm(ctx, k, pk.profiles) : null);
}
