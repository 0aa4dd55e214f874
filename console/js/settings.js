// settings.js: the platform's settings: "accept agent correlation
// identifier" (docs/protocol.md 4.5), changed by admins.

import * as api from "./api.js";
import { h, facts, panel, badge, checkbox, notify, showError, fill, add } from "./dom.js";

// #/settings
export async function showSettings(ctx) {
	const s = await api.get("/api/v1/settings");
	if (!ctx.current())
		return;
	const explain = h("p", { class: "hint" }, "When on, a scan submitted from now on that carries an agent's correlation identifier is merged into that agent's asset (Agent Scan Merge). Scans submitted while it is off stay assets of their own.");
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Settings"));
	if (!ctx.isAdmin) {
		add(ctx.main, panel("Agent Scan Merge", facts([
			["Accept agent correlation identifier", s.accept_correlation_id ?
			    badge("On", "ok") : badge("Off")],
		]), explain));
		return;
	}
	const accept = checkbox("Accept agent correlation identifier", s.accept_correlation_id,
	    { "data-field": "accept_correlation_id" });
	const form = h("form", { class: "stack", "data-write": true }, accept.el, explain,
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save settings")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			const r = await api.patch("/api/v1/settings",
			    { accept_correlation_id: accept.box.checked });
			notify(`Accept agent correlation identifier is ${r.accept_correlation_id ? "on" : "off"}.`);
			ctx.navigate(location.hash);
		} catch (e) {
			showError(form, e);
		}
	});
	add(ctx.main, panel("Agent Scan Merge", form));
}
