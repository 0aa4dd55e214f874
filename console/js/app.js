// app.js: the console's start: who is signed in (GET /api/v1/session),
// the sign-in and sign-out, the pages by location hash ("#/agents/ID"),
// the navigation, and the marks a page leaves when it is shown
// (main[data-state="ready"], main[data-rendered-at]: performance.now()
// after the page was painted) for people and tests alike.

import * as api from "./api.js";
import { h, clear, clearNotices, notify, problem, refreshTimes, field } from "./dom.js";
import * as agents from "./agents.js";
import * as agent from "./agent.js";
import * as profiles from "./profiles.js";
import * as keys from "./keys.js";
import * as settings from "./settings.js";
import * as scans from "./scans.js";
import * as users from "./users.js";
import * as audit from "./audit.js";

// Each page: the hash path it answers, its module's function, its tab.
const routes = [
	{ re: /^agents$/, show: agents.showList, nav: "agents" },
	{ re: /^agents\/([0-9a-f-]{36})$/, show: agent.showAgent, nav: "agents" },
	{ re: /^profiles$/, show: profiles.showList, nav: "profiles" },
	{ re: /^profiles\/new$/, show: profiles.showNew, nav: "profiles" },
	{ re: /^profiles\/(\d+)$/, show: profiles.showProfile, nav: "profiles" },
	{ re: /^keys$/, show: keys.showList, nav: "keys" },
	{ re: /^keys\/([0-9a-f-]{36})$/, show: keys.showKey, nav: "keys" },
	{ re: /^settings$/, show: settings.showSettings, nav: "settings" },
	{ re: /^scans$/, show: scans.showScans, nav: "scans" },
	{ re: /^users$/, show: users.showUsers, nav: "users", admin: true },
	{ re: /^audit$/, show: audit.showAudit, nav: "audit", admin: true },
];

const state = { session: null, seq: 0, next: null };
const main = () => document.getElementById("main");

// The page path and query of the location hash ("#/agents?q=web").
function parseHash() {
	const raw = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
	const q = raw.indexOf("?");
	return {
		path: q === -1 ? raw : raw.slice(0, q),
		query: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)),
	};
}

// Go to the page of hash ("#/agents"); the same hash shows it again.
export function navigate(hash) {
	if (location.hash === hash)
		show();
	else
		location.hash = hash;
}

// Mark main as shown (after the browser painted it).
function markReady(seq) {
	requestAnimationFrame(() => setTimeout(() => {
		if (seq !== state.seq)
			return;
		const m = main();
		m.dataset.state = "ready";
		m.dataset.renderedAt = String(performance.now());
	}, 0));
}

// What a page gets: where to draw, what was asked, who asks.
function context(seq, match, query) {
	return {
		main: main(),
		params: match.slice(1),
		query,
		session: state.session,
		isAdmin: state.session.role === "admin",
		navigate,
		// Whether this page is still the one shown (not navigated away).
		current: () => seq === state.seq,
		// The page redrew itself (a filter, a new page of a list).
		rendered: () => markReady(seq),
	};
}

// Show the page of the location hash.
async function show() {
	const seq = ++state.seq;
	const m = main();
	m.dataset.state = "loading";
	if (state.session === null)
		return;
	const { path, query } = parseHash();
	const route = routes.find((r) => r.re.test(path));
	if (!route) {
		location.replace("#/agents");
		return;
	}
	for (const a of document.querySelectorAll("[data-nav]")) {
		if (a.dataset.nav === route.nav)
			a.setAttribute("aria-current", "page");
		else
			a.removeAttribute("aria-current");
	}
	clear(m).append(h("p", { class: "loading" }, "Loading…"));
	try {
		if (route.admin && state.session.role !== "admin")
			showAdminOnly(m, route.nav);
		else
			await route.show(context(seq, path.match(route.re), query));
	} catch (e) {
		if (seq !== state.seq || (e instanceof api.ApiError && e.status === 401))
			return;
		clear(m).append(h("h1", { tabindex: "-1" }, "This page could not be shown"),
		    problem(e instanceof api.ApiError ? e.message : String(e)));
	}
	if (seq !== state.seq)
		return;
	const title = m.querySelector("h1");
	document.title = title ? `${title.textContent} · outpost` : "outpost console";
	// A new page takes the focus to its title, unless the page kept it.
	if (title && !m.contains(document.activeElement))
		title.focus({ preventScroll: true });
	markReady(seq);
}

// The place of a page for admins, as a reader sees it.
function showAdminOnly(m, nav) {
	const what = nav === "users" ? "Users" : "The audit trail";
	clear(m).append(h("h1", { tabindex: "-1" }, nav === "users" ? "Users" : "Audit trail"),
	    h("p", {}, `${what} is for admins. You are signed in as a reader: you see every agent, profile, key, scan and setting, and change nothing.`));
}

// Show who is signed in, or nobody.
function showSession() {
	const s = state.session;
	document.getElementById("nav").hidden = s === null;
	document.getElementById("who").hidden = s === null;
	for (const li of document.querySelectorAll("[data-admin]"))
		li.hidden = s === null || s.role !== "admin";
	if (s !== null) {
		document.getElementById("who-name").textContent = s.user || "admin token";
		document.getElementById("who-role").textContent = s.role;
	}
}

// The sign-in form; after signing in, the page that was asked for.
function showSignIn(message) {
	state.session = null;
	api.setCsrf(null);
	showSession();
	const m = main();
	const name = h("input", { type: "text", name: "name", autocomplete: "username",
	    required: true, autocapitalize: "none", spellcheck: "false" });
	const password = h("input", { type: "password", name: "password",
	    autocomplete: "current-password", required: true });
	const status = h("p", { class: "field-error", role: "alert", hidden: true });
	const button = h("button", { type: "submit", class: "primary" }, "Sign in");
	const form = h("form", { class: "stack", novalidate: true },
	    field("User name", name), field("Password", password), status,
	    h("div", { class: "actions" }, button));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		status.hidden = true;
		button.disabled = true;
		try {
			const s = await api.post("/api/v1/session",
			    { name: name.value, password: password.value });
			password.value = "";
			signedIn({ user: s.user, role: s.role, csrf_token: s.csrf_token });
			clearNotices();
			if (!location.hash.startsWith("#/"))
				history.replaceState(null, "", "#/agents");
			show();
		} catch (e) {
			status.textContent = e.code === "sign_in_failed" ?
			    "Wrong user name or password." : e.message;
			status.hidden = false;
			button.disabled = false;
			password.focus();
		}
	});
	clear(m).append(h("div", { class: "signin" },
	    h("h1", {}, "Sign in to outpost"),
	    message ? h("p", { class: "muted" }, message) : null, form));
	m.dataset.state = "ready";
	document.title = "Sign in · outpost";
	name.focus();
}

// Remember the session s ({user, role, csrf_token}).
function signedIn(s) {
	state.session = { user: s.user, role: s.role };
	api.setCsrf(s.csrf_token || null);
	showSession();
}

// Sign out, then show the sign-in form.
async function signOut() {
	try {
		await api.del("/api/v1/session");
	} catch (e) {
		if (!(e instanceof api.ApiError && e.status === 401)) {
			notify(`Signing out failed: ${e.message}`, "error");
			return;
		}
	}
	showSignIn("You are signed out.");
}

// Start: ask the platform who we are.
async function start() {
	document.getElementById("signout").addEventListener("click", signOut);
	api.onSessionEnd(() => showSignIn("Your session ended. Sign in again."));
	window.addEventListener("hashchange", () => {
		if (location.hash.startsWith("#/"))
			show();
	});
	setInterval(refreshTimes, 30000);
	let s = null;
	try {
		s = await api.get("/api/v1/session");
	} catch (e) {
		if (!(e instanceof api.ApiError) || e.status !== 401) {
			clear(main()).append(h("h1", {}, "outpost console"),
			    problem(`The platform cannot tell who you are: ${e.message}`));
			return;
		}
	}
	if (s === null || s.auth !== "session") {
		showSignIn(null);
		return;
	}
	signedIn(s);
	if (!location.hash.startsWith("#/"))
		history.replaceState(null, "", "#/agents");
	show();
}

start();
