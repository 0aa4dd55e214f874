// scans.js: Scans: the unauthenticated scan results submitted to the
// platform (outpost-scan --submit), which were merged into an agent by
// its correlation id and which were flagged for an address mismatch
// (docs/protocol.md 4.6).

import * as api from "./api.js";
import { h, table, when, badge, orDash, select, field, fill } from "./dom.js";

// The open ports of a scan, as text.
function ports(list) {
	return orDash((list || []).map((p) =>
	    `${p.port}/${p.protocol || "tcp"}${p.service ? " " + p.service : ""}`).join(", "));
}

// #/scans?merged=&address_mismatch=&limit=
export async function showScans(ctx) {
	const f = {
		merged: ctx.query.get("merged") || "",
		address_mismatch: ctx.query.get("address_mismatch") || "",
		limit: ["50", "100", "500", "1000"].includes(ctx.query.get("limit")) ?
		    ctx.query.get("limit") : "100",
	};
	const r = await api.get("/api/v1/scans", f);
	if (!ctx.current())
		return;
	const merged = select([["", "Merged or not"], ["true", "Merged into an agent"],
	    ["false", "Not merged"]], f.merged, { id: "scan-filter-merged" });
	const mismatch = select([["", "Any address"], ["true", "Address mismatch"],
	    ["false", "Address matches"]], f.address_mismatch, { id: "scan-filter-mismatch" });
	const limit = select([["50", "50"], ["100", "100"], ["500", "500"], ["1000", "1000"]],
	    f.limit, { id: "scan-filter-limit" });
	const form = h("form", { class: "filters", role: "search", "aria-label": "Find scans" },
	    field("Merge", merged), field("Address check", mismatch), field("Newest scans shown", limit),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Apply")));
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		ctx.navigate("#/scans" + api.queryString({ merged: merged.value,
		    address_mismatch: mismatch.value, limit: limit.value === "100" ? "" : limit.value }));
	});
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Scans"),
	    h("p", { class: "lead" }, "Unauthenticated scans merged into agents by their correlation identifier (Settings: accept agent correlation identifier)."),
	    form,
	    table("Scans", [
		{ title: "Scanned", render: (s) => when(s.scanned_at) },
		{ title: "Target", render: (s) => s.target },
		{ title: "Address", render: (s) => orDash(s.address) },
		{ title: "Scanner", render: (s) => orDash(s.scanner) },
		{ title: "Merged into", render: (s) => s.agent_id ?
		    h("a", { href: `#/agents/${s.agent_id}` }, `agent ${s.agent_id.slice(0, 8)}…`) : h("span", { class: "muted" }, "not merged") },
		{ title: "Address check", render: (s) => !s.merged ? orDash(null) : s.address_mismatch ?
		    badge("address mismatch", "bad") : badge("matches", "ok") },
		{ title: "Open ports", render: (s) => ports(s.ports) },
		{ title: "Findings", render: (s) => String((s.findings || []).length), num: true },
	    ], r.scans, "No scan matches."));
}
