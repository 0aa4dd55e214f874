// audit.js: the Audit trail (admins): every change made through the
// admin API and every refused attempt, newest first: who, when, from
// where, what and the outcome, with filters and pages (docs/protocol.md
// 4.12).

import * as api from "./api.js";
import { h, table, when, badge, orDash, select, field, fill } from "./dom.js";

// A datetime-local value from epoch seconds, in the browser's time zone.
function localInput(epoch) {
	if (!epoch)
		return "";
	const d = new Date(Number(epoch) * 1000);
	const p = (n) => String(n).padStart(2, "0");
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// Epoch seconds of a datetime-local value, or "".
function epochOf(value) {
	return value ? String(Math.floor(new Date(value).getTime() / 1000)) : "";
}

// #/audit?user=&resource=&method=&outcome=&since=&until=&before=
export async function showAudit(ctx) {
	const f = {};
	for (const k of ["user", "resource", "method", "outcome", "since", "until", "before"])
		f[k] = ctx.query.get(k) || "";
	const r = await api.get("/api/v1/audit", Object.assign({ limit: 100 }, f));
	if (!ctx.current())
		return;
	const c = {
		user: h("input", { type: "text", value: f.user, placeholder: "alice" }),
		resource: h("input", { type: "text", value: f.resource, placeholder: "/api/v1/profiles" }),
		method: select([["", "Any"], ["POST", "POST"], ["PATCH", "PATCH"], ["DELETE", "DELETE"],
		    ["PUT", "PUT"], ["CLI", "CLI"]], f.method),
		outcome: select([["", "Any"], ["success", "success"], ["refused", "refused"],
		    ["failed", "failed"]], f.outcome),
		since: h("input", { type: "datetime-local", step: "1", value: localInput(f.since) }),
		until: h("input", { type: "datetime-local", step: "1", value: localInput(f.until) }),
	};
	for (const [k, el] of Object.entries(c))
		el.id = `audit-filter-${k}`;
	const form = h("form", { class: "filters", role: "search", "aria-label": "Find audit records" },
	    field("User", c.user), field("Resource (and below)", c.resource), field("Method", c.method),
	    field("Outcome", c.outcome), field("From (your time)", c.since),
	    field("Until (your time)", c.until),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Apply"),
	    h("a", { href: "#/audit" }, "Clear")));
	const hashOf = (before) => "#/audit" + api.queryString({ user: c.user.value.trim(),
	    resource: c.resource.value.trim(), method: c.method.value, outcome: c.outcome.value,
	    since: epochOf(c.since.value), until: epochOf(c.until.value), before });
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		ctx.navigate(hashOf(""));
	});
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Audit trail"), form,
	    table("Audit trail", [
		{ title: "Time", render: (e) => when(e.time) },
		{ title: "User", render: (e) => h("span", { "data-actor": e.actor }, e.actor) },
		{ title: "Role", render: (e) => orDash(e.role) },
		{ title: "From", render: (e) => orDash(e.address) },
		{ title: "Change", render: (e) => h("span", {}, h("code", {}, `${e.method} ${e.resource}`)) },
		{ title: "Summary", render: (e) => orDash(e.summary) },
		{ title: "Outcome", render: (e) => h("span", {},
		    badge(`${e.outcome} ${e.status}`, e.outcome === "success" ? "ok" : "bad"),
		    e.error ? ` ${e.error}: ${e.message}` : "") },
	    ], r.entries, "No record matches."),
	    h("nav", { class: "pager", "aria-label": "Pages of the audit trail" },
		f.before ? h("a", { href: hashOf("") }, "← Newest") : null,
		r.next_before !== null ? h("a", { href: hashOf(r.next_before), id: "audit-older" },
		    "Older records →") : h("span", { class: "muted" }, "No older record")));
}
