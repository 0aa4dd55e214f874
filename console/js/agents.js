// agents.js: the Agents tab: every agent with its status, online or
// offline, last check-in, version, current errors and FIM state; search
// and filters (status, online, error code, profile, activation key) and
// pages, all done by the platform (GET /api/v1/agents with q, status,
// online, error, profile_id, activation_id, sort, order, limit, offset),
// so a fleet of any size shows one page at a time.

import * as api from "./api.js";
import { h, table, when, badge, orDash, select, field, newId, fill } from "./dom.js";
import { agentErrors, errorName } from "./errors.js";

const PAGE_SIZES = ["25", "50", "100", "200"];
const DEFAULT_PER = "50";

// The words of the seed's UI for an agent status.
export function statusLabel(status) {
	if (status === "provisioned")
		return "Provisioned";
	if (status === "initial_scan_complete")
		return "Initial scan complete";
	return status;
}

// A badge for an agent's status.
export function statusBadge(status) {
	return badge(statusLabel(status), status === "initial_scan_complete" ? "ok" : "warn");
}

// A badge for online or offline.
export function onlineBadge(online) {
	return online ? badge("Online", "ok") : badge("Offline", "bad");
}

// The codes of an agent's current errors, as badges (null: not reported).
export function errorBadges(errors) {
	if (!Array.isArray(errors))
		return h("span", { class: "muted" }, "—");
	if (errors.length === 0)
		return h("span", { class: "muted" }, "none");
	return h("span", { class: "badges" }, errors.map((e) =>
	    badge(errorName(e.code) ? `${e.code} ${errorName(e.code)}` : e.code, "bad")));
}

// The FIM state an agent reported, as a badge.
export function fimBadge(fim) {
	if (!fim || !fim.state)
		return h("span", { class: "muted" }, "—");
	const kind = fim.state === "owner" ? "ok" : fim.state === "disabled" ? null : "warn";
	return badge(fim.state, kind);
}

let cache = { at: 0, profiles: [], keys: [] };

// The profiles and keys the filters offer (fetched at most every 30 s).
export async function profilesAndKeys() {
	if (Date.now() - cache.at < 30000)
		return cache;
	const [p, k] = await Promise.all([api.get("/api/v1/profiles"),
	    api.get("/api/v1/activation-keys")]);
	cache = { at: Date.now(), profiles: p.profiles, keys: k.activation_keys };
	return cache;
}

// Fetch the profiles and keys again next time (after a change).
export function forgetProfilesAndKeys() {
	cache.at = 0;
}

// The filters of the hash query, as the API takes them.
function filtersOf(query) {
	const per = PAGE_SIZES.includes(query.get("per")) ? query.get("per") : DEFAULT_PER;
	const page = Math.max(1, parseInt(query.get("page") || "1", 10) || 1);
	return {
		q: query.get("q") || "",
		status: query.get("status") || "",
		online: query.get("online") || "",
		error: query.get("error") || "",
		profile_id: query.get("profile_id") || "",
		activation_id: query.get("activation_id") || "",
		sort: query.get("sort") || "hostname",
		order: query.get("order") || "asc",
		per,
		page,
	};
}

// The hash of the list with filters f on page.
function hashOf(f, page) {
	const q = api.queryString({ q: f.q, status: f.status, online: f.online,
	    error: f.error, profile_id: f.profile_id, activation_id: f.activation_id,
	    sort: f.sort === "hostname" ? "" : f.sort,
	    order: f.order === "asc" ? "" : f.order,
	    per: f.per === DEFAULT_PER ? "" : f.per, page: page > 1 ? page : "" });
	return "#/agents" + q;
}

// The filter form, filled with f; submitting it shows the first page.
function filterForm(ctx, f, profiles, keys) {
	const c = {
		q: h("input", { type: "search", name: "q", value: f.q,
		    placeholder: "web-01, 3f0c8a4e…" }),
		status: select([["", "Any status"], ["provisioned", "Provisioned"],
		    ["initial_scan_complete", "Initial scan complete"]], f.status, { name: "status" }),
		online: select([["", "Online or offline"], ["true", "Online"],
		    ["false", "Offline"]], f.online, { name: "online" }),
		error: select([["", "Any or none"]].concat([...agentErrors.values()]
		    .map((e) => [e.code, `${e.code} ${e.name}`])), f.error, { name: "error" }),
		profile_id: select([["", "Any profile"]].concat(profiles.map((p) =>
		    [String(p.id), p.name])), f.profile_id, { name: "profile_id" }),
		activation_id: select([["", "Any key"]].concat(keys.map((k) =>
		    [k.activation_id, k.name])), f.activation_id, { name: "activation_id" }),
		sort: select([["hostname", "Host name"], ["last_checkin", "Last check-in"],
		    ["activated_at", "Activated"], ["status", "Status"],
		    ["agent_version", "Agent version"]], f.sort, { name: "sort" }),
		order: select([["asc", "Ascending"], ["desc", "Descending"]], f.order,
		    { name: "order" }),
		per: select(PAGE_SIZES.map((n) => [n, n]), f.per, { name: "per" }),
	};
	for (const [k, el] of Object.entries(c))
		el.id = `agent-filter-${k}`;
	const form = h("form", { class: "filters", role: "search",
	    "aria-label": "Find agents", id: "agent-filters" },
	    h("div", { class: "wide" }, field("Search host name, agent id or correlation id", c.q)),
	    field("Status", c.status), field("Online", c.online),
	    field("Current error", c.error), field("Configuration profile", c.profile_id),
	    field("Activation key", c.activation_id), field("Sort by", c.sort),
	    field("Order", c.order), field("Agents per page", c.per),
	    h("div", { class: "actions" },
	    h("button", { type: "submit", class: "primary", id: "agent-filters-apply" }, "Apply"),
	    h("a", { href: "#/agents" }, "Clear")));
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		const nf = {};
		for (const [k, el] of Object.entries(c))
			nf[k] = el.value.trim();
		ctx.navigate(hashOf(nf, 1));
	});
	return form;
}

// The table of one page of agents.
function agentTable(agents) {
	return table("Agents", [
		{ title: "Host name", render: (a) => h("a", { href: `#/agents/${a.agent_id}` }, a.hostname) },
		{ title: "Status", render: (a) => statusBadge(a.status) },
		{ title: "Online", render: (a) => onlineBadge(a.online) },
		{ title: "Last check-in", render: (a) => when(a.last_checkin) },
		{ title: "Agent version", render: (a) => orDash(a.agent_version) },
		{ title: "Current errors", render: (a) => errorBadges(a.current_errors) },
		{ title: "FIM", render: (a) => fimBadge(a.fim) },
	], agents, "No agent matches.");
}

// The pager: previous, where we are, next.
function pager(ctx, f, total) {
	const per = Number(f.per);
	const pages = Math.max(1, Math.ceil(total / per));
	const prev = f.page > 1 ? h("a", { href: hashOf(f, f.page - 1), rel: "prev", id: "agents-prev" }, "← Previous page") :
	    h("span", { class: "muted" }, "← Previous page");
	const next = f.page < pages ? h("a", { href: hashOf(f, f.page + 1), rel: "next", id: "agents-next" }, "Next page →") :
	    h("span", { class: "muted" }, "Next page →");
	return h("nav", { class: "pager", "aria-label": "Pages of agents" }, prev,
	    h("span", {}, `Page ${f.page} of ${pages}`), next);
}

// #/agents: the list.
export async function showList(ctx) {
	const f = filtersOf(ctx.query);
	const per = Number(f.per);
	const [list, pk] = await Promise.all([
		api.get("/api/v1/agents", { q: f.q, status: f.status, online: f.online,
		    error: f.error, profile_id: f.profile_id, activation_id: f.activation_id,
		    sort: f.sort, order: f.order, limit: per, offset: (f.page - 1) * per }),
		profilesAndKeys(),
	]);
	if (!ctx.current())
		return;
	const first = list.total === 0 ? 0 : list.offset + 1;
	const last = list.offset + list.count;
	const countId = newId("count");
	const focused = document.activeElement ? document.activeElement.id : "";
	fill(ctx.main, 
	    h("h1", { tabindex: "-1" }, "Agents"),
	    filterForm(ctx, f, pk.profiles, pk.keys),
	    h("p", { class: "count", id: countId, "aria-live": "polite" },
	    list.total === 0 ? "No agent matches." :
	    `Agents ${first.toLocaleString()}–${last.toLocaleString()} of ${list.total.toLocaleString()}`),
	    agentTable(list.agents),
	    pager(ctx, f, list.total));
	const again = focused ? document.getElementById(focused) : null;
	if (again && ctx.main.contains(again))
		again.focus();
}
