// dom.js: how the console builds its pages: elements from plain data
// (never from HTML strings, so nothing the platform stores can become
// markup), tables, facts, times shown relative with the absolute time in
// the browser's time zone, notices, the confirmation dialog, and the
// platform's field errors put next to their controls.

// An element: h("a", {href: "#/x", class: "y"}, "text", child...).
// Attributes: class, text, on<event> handlers, booleans (true sets, false
// leaves out), everything else as is.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith("on") && typeof v === "function")
			el.addEventListener(k.slice(2), v);
		else if (k === "class")
			el.className = v;
		else if (k === "text")
			el.textContent = v;
		else if (v === true)
			el.setAttribute(k, "");
		else
			el.setAttribute(k, String(v));
	}
	append(el, children);
	return el;
}

// Append children (strings, numbers, nodes, arrays of them; null skipped).
export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// Remove every child of el.
export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

// Replace the children of el with children (flattened like h's).
export function fill(el, ...children) {
	return append(clear(el), children);
}

// Add children (flattened like h's) after those of el.
export function add(el, ...children) {
	return append(el, children);
}

let idCounter = 0;

// A new id for a control ("c12").
export function newId(prefix) {
	idCounter += 1;
	return `${prefix || "c"}${idCounter}`;
}

const absFormat = new Intl.DateTimeFormat(undefined, {
	year: "numeric", month: "2-digit", day: "2-digit",
	hour: "2-digit", minute: "2-digit", second: "2-digit",
	timeZoneName: "short",
});

// The time epoch (seconds) in the browser's time zone.
export function absTime(epoch) {
	return absFormat.format(new Date(epoch * 1000));
}

// How long ago (or until) epoch is, in words.
export function relTime(epoch, now) {
	const d = Math.round((now === undefined ? Date.now() / 1000 : now) - epoch);
	const a = Math.abs(d);
	let s;
	if (a < 10)
		return "just now";
	if (a < 60)
		s = `${a} s`;
	else if (a < 5400)
		s = `${Math.round(a / 60)} min`;
	else if (a < 129600)
		s = `${Math.round(a / 3600)} h`;
	else
		s = `${Math.round(a / 86400)} days`;
	return d >= 0 ? `${s} ago` : `in ${s}`;
}

// A time shown relative, with the absolute time under it; "never" for null.
export function when(epoch, never) {
	if (epoch === null || epoch === undefined)
		return h("span", { class: "muted" }, never || "never");
	const iso = new Date(epoch * 1000).toISOString();
	return h("span", { class: "when" },
	    h("time", { datetime: iso, "data-epoch": epoch }, relTime(epoch)),
	    h("span", { class: "abs" }, absTime(epoch)));
}

// Bring every relative time on the page up to date.
export function refreshTimes() {
	for (const t of document.querySelectorAll("time[data-epoch]"))
		t.textContent = relTime(Number(t.dataset.epoch));
}

// A table: columns [{title, render(row) -> node or text, num}], rows.
export function table(caption, columns, rows, empty) {
	if (rows.length === 0)
		return h("p", { class: "muted" }, empty || "None.");
	const head = h("tr", {}, columns.map((c) =>
	    h("th", { scope: "col", class: c.num ? "num" : null }, c.title)));
	const body = h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) =>
	    h("td", { class: c.num ? "num" : null }, c.render(r))))));
	return h("div", { class: "table-wrap" },
	    h("table", {}, h("caption", { class: "visually-hidden" }, caption),
	    h("thead", {}, head), body));
}

// A list of facts: [[term, value], ...] (rows with undefined values skipped).
export function facts(pairs) {
	return h("dl", { class: "facts" }, pairs.filter((p) => p[1] !== undefined)
	    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v === null ? "—" : v)]));
}

// A titled panel.
export function panel(title, ...content) {
	const hid = newId("h");
	return h("section", { class: "panel", "aria-labelledby": hid },
	    h("h2", { id: hid }, title), content);
}

// A badge: kind is "ok", "warn", "bad" or none.
export function badge(text, kind) {
	return h("span", { class: kind ? `badge ${kind}` : "badge" }, text);
}

// Text, or a muted dash for null, undefined and "".
export function orDash(v) {
	return v === null || v === undefined || v === "" ?
	    h("span", { class: "muted" }, "—") : String(v);
}

// Show a notice at the top of the page (kind "error" for failures).
export function notify(message, kind) {
	const box = document.getElementById("notices");
	const n = h("p", { class: kind === "error" ? "notice error" : "notice" },
	    message);
	const close = h("button", { type: "button", onclick: () => n.remove() },
	    "Dismiss");
	n.append(close);
	clear(box).append(n);
}

// Remove the notices.
export function clearNotices() {
	clear(document.getElementById("notices"));
}

// Ask before a change that cannot be undone. Resolves to true or false.
export function confirmChange(title, text, okLabel) {
	const dlg = document.getElementById("confirm");
	document.getElementById("confirm-title").textContent = title;
	document.getElementById("confirm-text").textContent = text;
	document.getElementById("confirm-ok").textContent = okLabel;
	return new Promise((resolve) => {
		dlg.addEventListener("close", () => resolve(dlg.returnValue === "ok"),
		    { once: true });
		dlg.returnValue = "cancel";
		dlg.showModal();
		document.getElementById("confirm-cancel").focus();
	});
}

// A labelled control: field(label, control, hint, errorFor).
// The control gets an id; hint and errors are tied to it by
// aria-describedby. Returns the field's element.
export function field(label, control, hint) {
	if (!control.id)
		control.id = newId("f");
	const hintEl = hint ? h("p", { class: "hint", id: newId("hint") }, hint) : null;
	if (hintEl)
		control.setAttribute("aria-describedby", hintEl.id);
	return h("div", { class: "field" },
	    h("label", { for: control.id }, label), control, hintEl);
}

// A checkbox with its label to the right.
export function checkbox(label, checked, attrs) {
	const box = h("input", Object.assign({ type: "checkbox", id: newId("f") },
	    attrs || {}));
	box.checked = Boolean(checked);
	return { box, el: h("div", { class: "check" }, box,
	    h("label", { for: box.id }, label)) };
}

// A <select> of [value, label] options with value selected.
export function select(options, value, attrs) {
	const s = h("select", attrs || {}, options.map(([v, l]) =>
	    h("option", { value: v }, l)));
	s.value = value === undefined || value === null ? "" : String(value);
	return s;
}

// Remove the field errors of form.
export function clearFieldErrors(form) {
	for (const e of form.querySelectorAll(".field-error"))
		e.remove();
	for (const c of form.querySelectorAll("[aria-invalid]")) {
		c.removeAttribute("aria-invalid");
		const ids = (c.getAttribute("aria-describedby") || "").split(" ")
		    .filter((id) => id && !id.startsWith("fe"));
		if (ids.length > 0)
			c.setAttribute("aria-describedby", ids.join(" "));
		else
			c.removeAttribute("aria-describedby");
	}
}

// The control of form for the platform's field name ("fim.rules[2].path"):
// the one marked data-field with it, else that of the field it is part of.
function controlFor(form, name) {
	let n = name;
	while (n) {
		const c = form.querySelector(`[data-field="${CSS.escape(n)}"]`);
		if (c)
			return c;
		const cut = Math.max(n.lastIndexOf("["), n.lastIndexOf("."));
		n = cut > 0 ? n.slice(0, cut) : "";
	}
	return null;
}

// Show err (an ApiError) in form: next to the control its field names, or
// at the top of the form. Focuses the control.
export function showError(form, err) {
	clearFieldErrors(form);
	const id = newId("fe");
	const where = err.field ? ` (${err.field})` : "";
	const msg = h("p", { class: "field-error", id, role: "alert" },
	    `${err.message}${where}`);
	const control = err.field ? controlFor(form, err.field) : null;
	if (control) {
		control.setAttribute("aria-invalid", "true");
		const d = control.getAttribute("aria-describedby");
		control.setAttribute("aria-describedby", d ? `${d} ${id}` : id);
		const fieldEl = control.closest(".field, .check, fieldset") || control;
		fieldEl.append(msg);
		control.focus();
	} else {
		form.prepend(msg);
	}
}

// An error box for a page that could not be loaded.
export function problem(text) {
	return h("p", { class: "problem", role: "alert" }, text);
}
