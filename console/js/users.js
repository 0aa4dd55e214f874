// users.js: Users (admins): who may sign in and with which role, new
// users, a new role or password, deleting a user (docs/protocol.md 4.10).

import * as api from "./api.js";
import { h, table, when, panel, select, field, notify, showError,
    confirmChange, fill } from "./dom.js";

const ROLES = [["reader", "reader (reads everything, changes nothing)"],
    ["admin", "admin (reads and changes everything)"]];

// The actions on user u: role, password, delete.
function userActions(ctx, u, self) {
	const role = select(ROLES.map(([v]) => [v, v]), u.role,
	    { "aria-label": `Role of ${u.name}`, "data-write": true });
	const setRole = h("button", { type: "button", "data-write": true,
	    "aria-label": `Save the role of ${u.name}` }, "Save role");
	setRole.addEventListener("click", async () => {
		try {
			await api.patch(api.path("/api/v1/users", u.name), { role: role.value });
			notify(`${u.name} is now ${role.value}.`);
			ctx.navigate(location.hash);
		} catch (e) {
			notify(`Changing the role of ${u.name} failed: ${e.message}`, "error");
		}
	});
	const del = h("button", { type: "button", class: "danger", "data-write": true,
	    "aria-label": `Delete ${u.name}`, disabled: self }, "Delete");
	del.addEventListener("click", async () => {
		if (!await confirmChange(`Delete ${u.name}?`,
		    `${u.name} can no longer sign in; their sessions and API tokens end.`, "Delete"))
			return;
		try {
			await api.del(api.path("/api/v1/users", u.name));
			notify(`${u.name} was deleted.`);
			ctx.navigate(location.hash);
		} catch (e) {
			notify(`Deleting ${u.name} failed: ${e.message}`, "error");
		}
	});
	return h("div", { class: "actions" }, role, setRole, del);
}

// The form that sets a new password for a user.
function passwordForm(ctx, users) {
	const who = select(users.map((u) => [u.name, u.name]), ctx.session.user,
	    { "data-field": "name" });
	const pw = h("input", { type: "password", autocomplete: "new-password",
	    "data-field": "password" });
	const form = h("form", { class: "stack", novalidate: true, "data-write": true },
	    field("User", who), field("New password (8 to 1024 bytes)", pw,
	    "The user's sessions end, but yours."),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Set password")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			await api.patch(api.path("/api/v1/users", who.value), { password: pw.value });
			pw.value = "";
			notify(`The password of ${who.value} was changed.`);
		} catch (e) {
			showError(form, e);
		}
	});
	return form;
}

// The form of a new user.
function newUserForm(ctx) {
	const name = h("input", { type: "text", autocomplete: "off", "data-field": "name" });
	const role = select(ROLES, "reader", { "data-field": "role" });
	const pw = h("input", { type: "password", autocomplete: "new-password", "data-field": "password" });
	const form = h("form", { class: "stack", novalidate: true, "data-write": true },
	    field("User name", name, "Letters, digits, . _ @ -; a letter or digit first."),
	    field("Role", role), field("Password (8 to 1024 bytes)", pw),
	    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Add user")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			const u = await api.post("/api/v1/users",
			    { name: name.value.trim(), role: role.value, password: pw.value });
			notify(`${u.name} was added as ${u.role}.`);
			ctx.navigate(location.hash);
		} catch (e) {
			showError(form, e);
		}
	});
	return form;
}

// #/users (admins; app.js shows readers a note instead).
export async function showUsers(ctx) {
	const r = await api.get("/api/v1/users");
	if (!ctx.current())
		return;
	fill(ctx.main, h("h1", { tabindex: "-1" }, "Users"),
	    table("Users", [
		{ title: "Name", render: (u) => u.name },
		{ title: "Role", render: (u) => u.role },
		{ title: "Last sign-in", render: (u) => when(u.last_sign_in_at) },
		{ title: "API tokens", render: (u) => String(u.tokens), num: true },
		{ title: "Sessions", render: (u) => String(u.sessions), num: true },
		{ title: "Created", render: (u) => when(u.created_at) },
		{ title: "Change", render: (u) => userActions(ctx, u, u.name === ctx.session.user) },
	    ], r.users, "No user."),
	    panel("Add a user", newUserForm(ctx)),
	    panel("Set a password", passwordForm(ctx, r.users)));
}
