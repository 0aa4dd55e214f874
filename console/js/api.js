// api.js: the admin API (docs/protocol.md section 4) as the console uses
// it: same-origin fetch with the session cookie, the session's CSRF token
// in X-CSRF-Token on every write, and every error answer as an ApiError
// carrying the platform's code, field and message.

let csrfToken = null;
let sessionEnded = null;

// An error answer of the platform (or no answer: status 0).
export class ApiError extends Error {
	constructor(status, body) {
		super((body && body.message) || `the platform answered HTTP ${status}`);
		this.status = status;
		this.code = (body && body.error) || null;
		this.field = (body && body.field) || null;
		this.body = body || {};
	}
}

// Use token as the X-CSRF-Token of writes from now on (null: signed out).
export function setCsrf(token) {
	csrfToken = token;
}

// Call fn(error) when a request finds the session ended (401).
export function onSessionEnd(fn) {
	sessionEnded = fn;
}

// Send a request; resolves to the parsed JSON answer, rejects with ApiError.
export async function request(method, path, body) {
	const headers = { Accept: "application/json" };
	const init = { method, headers, credentials: "same-origin", cache: "no-store" };
	if (body !== undefined) {
		headers["Content-Type"] = "application/json";
		init.body = JSON.stringify(body);
	}
	if (method !== "GET" && csrfToken !== null)
		headers["X-CSRF-Token"] = csrfToken;
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		throw new ApiError(0, { error: "unreachable",
		    message: `the platform cannot be reached (${e.message})` });
	}
	const text = await res.text();
	let data = null;
	if (text !== "") {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	if (!res.ok) {
		const err = new ApiError(res.status, data);
		if (res.status === 401 && path !== "/api/v1/session" && sessionEnded)
			sessionEnded(err);
		throw err;
	}
	return data;
}

// GET path (a query object is added as its query string).
export function get(path, query) {
	return request("GET", path + queryString(query));
}

export function post(path, body) {
	return request("POST", path, body);
}

export function patch(path, body) {
	return request("PATCH", path, body);
}

export function del(path) {
	return request("DELETE", path);
}

// "?a=1&b=x" of the members of query that are set ("" when none is).
export function queryString(query) {
	if (!query)
		return "";
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		if (v !== undefined && v !== null && v !== "")
			p.set(k, String(v));
	const s = p.toString();
	return s === "" ? "" : "?" + s;
}

// The path of a resource with its id escaped.
export function path(prefix, id) {
	return prefix + "/" + encodeURIComponent(String(id));
}
