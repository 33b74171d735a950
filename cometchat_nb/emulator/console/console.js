// The emulator console: every action goes through the emulator's own REST and /_emulator/
// routes with the REST API key, which stays in this tab's session storage and never in a
// URL, the page or a log. Keys and tokens are shown masked, as the Python package masks them.
"use strict";

const KEY = "cometchat-nb-console:key";
const THEME = "cometchat-nb-console:theme";
// Where the emulator is served (the page may be opened under a version prefix too).
const BASE = location.pathname.replace(/(\/v\d+(\.\d+)?)?\/_emulator\/ui\/?$/, "");
const PER_PAGE = 25;
const LOG_SHOWN = 300;
const POLL_MS = 500;

const $ = (id) => document.getElementById(id);
// entries: the log entries shown, oldest first; shown: whether the log was shown yet.
const view = { page: 1, pages: 1, selected: null, tokens: new Map(), entries: [], shown: false, opened: new Set() };

// -- helpers ------------------------------------------------------------------

/** A secret as the package masks it: its last four characters when it can spare them. */
function mask(value) {
  return "\u2022\u2022\u2022\u2022" + (value.length >= 16 ? value.slice(-4) : "");
}

/** An element with attributes and children (strings become text: never parsed as HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function when(seconds) {
  if (!seconds) return "";
  const d = new Date(seconds * 1000);
  return d.toISOString().replace("T", " ").slice(0, 19);
}

function notify(message, error = false) {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = error ? "cc-error" : "";
  notice.hidden = !message;
}

class ApiError extends Error {
  constructor(message, code, status) { super(message); this.code = code; this.status = status; }
}

/** Call the emulator (`path` under its base) with the REST API key; its whole answer. */
async function call(method, path, body) {
  const key = sessionStorage.getItem(KEY);
  if (!key) { signedOut(); throw new ApiError("Sign in first.", "", 0); }
  const headers = { apiKey: key, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(BASE + path, {
    method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let answer = null;
  try { answer = await response.json(); } catch { answer = null; }
  if (!answer || typeof answer !== "object") {
    throw new ApiError(`${method} ${path}: not an emulator answer (HTTP ${response.status})`, "", response.status);
  }
  if (answer.error) {
    const e = answer.error;
    const details = e.details ? " " + JSON.stringify(e.details) : "";
    if (e.code === "AUTH_ERR_APIKEY_NOT_FOUND" || e.code === "AUTH_ERR_EMPTY_APIKEY") signedOut(e.message);
    throw new ApiError(`${e.code}: ${e.message}${details}`, e.code, response.status);
  }
  return answer;
}

/** `call`, for the answer's `data`. */
async function api(method, path, body) {
  return (await call(method, path, body)).data;
}

/** A ticket for a load of `what`: `current()` is false once a later load of it started, so
 * an answer that comes late never paints over a newer one. */
const loads = {};
function ticket(what) {
  const mine = (loads[what] = (loads[what] || 0) + 1);
  return { current: () => loads[what] === mine };
}

let acting = 0;  // actions under way: the page is aria-busy (its forms may be refilled)

/** Run an action from a click or a form; say what went wrong in the notice, never throw. */
function act(action) {
  return async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    acting += 1;
    document.body.setAttribute("aria-busy", "true");
    try { await action(event); } catch (error) { notify(error.message, true); }
    finally { if (--acting === 0) document.body.removeAttribute("aria-busy"); }
  };
}

/** A button that asks for a second click before it acts (no modal dialogs). */
function confirming(button, label, action) {
  const original = button.textContent;
  let armed = null;
  button.addEventListener("click", act(async () => {
    if (!armed) {
      button.textContent = label; button.classList.add("cc-confirm");
      armed = setTimeout(() => { button.textContent = original; button.classList.remove("cc-confirm"); armed = null; }, 4000);
      return;
    }
    clearTimeout(armed); armed = null;
    button.textContent = original; button.classList.remove("cc-confirm");
    await action();
  }));
}

// -- theme ----------------------------------------------------------------------

function applyTheme(theme) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  $("theme").textContent = "Theme: " + (theme || "auto");
}

$("theme").addEventListener("click", () => {
  const order = ["", "light", "dark"];
  const next = order[(order.indexOf(localStorage.getItem(THEME) || "") + 1) % order.length];
  localStorage.setItem(THEME, next);
  applyTheme(next);
});

// -- signing in -----------------------------------------------------------------

function signedOut(message) {
  sessionStorage.removeItem(KEY);
  $("console").hidden = true; $("login").hidden = false;
  $("signout").hidden = true; $("keyshown").hidden = true;
  if (message) notify(message, true);
}

async function signedIn() {
  try {
    await loadUsers();  // the key is the REST API key, or the emulator says why not
  } catch (error) {
    signedOut(error.message);
    return;
  }
  $("keyshown").textContent = "key " + mask(sessionStorage.getItem(KEY));
  $("login").hidden = true; $("console").hidden = false;
  $("signout").hidden = false; $("keyshown").hidden = false;
  notify("");
  await Promise.all([pollLog(), loadFaults()]);
}

$("login-form").addEventListener("submit", act(async () => {
  const input = $("key");
  const key = input.value.trim();
  input.value = "";  // the key lives in session storage only, not in the form
  if (!key) return;
  sessionStorage.setItem(KEY, key);
  await signedIn();
}));

$("signout").addEventListener("click", () => { signedOut(); notify("The key is forgotten in this tab."); });

// -- users ----------------------------------------------------------------------

async function loadUsers() {
  const params = new URLSearchParams({ perPage: String(PER_PAGE), page: String(view.page), withTags: "true" });
  const search = $("search").value.trim();
  if (search) params.set("searchKey", search);
  if ($("deactivated").checked) params.set("withDeactivated", "true");
  if ($("online").checked) params.set("status", "available");  // logged in and not logged out
  const load = ticket("users");
  const answer = await call("GET", "/v3/users?" + params);
  if (!load.current()) return;
  const pagination = (answer.meta && answer.meta.pagination) || {};
  view.pages = Math.max(1, pagination.total_pages || 1);
  $("users-total").textContent = `${pagination.total ?? answer.data.length} in all`;
  $("pageinfo").textContent = `page ${view.page} of ${view.pages}`;
  $("prev").disabled = view.page <= 1;
  $("next").disabled = view.page >= view.pages;
  const body = $("users").tBodies[0];
  body.replaceChildren(...answer.data.map(userRow));
  if (!answer.data.length) body.append(el("tr", {}, el("td", { colspan: 7, class: "cc-muted" }, "no users")));
}

function status(user) {
  if (user.deactivatedAt) return el("span", { class: "cc-pill cc-off" }, "deactivated");
  const online = user.status && user.status !== "offline";
  return el("span", { class: "cc-pill" + (online ? " cc-online" : "") }, online ? "online" : (user.status || "offline"));
}

function userRow(user) {
  const avatar = user.avatar && /^https?:\/\//.test(user.avatar) && new URL(user.avatar).origin === location.origin
    ? el("img", { class: "cc-avatar", src: user.avatar, alt: "" }) : "";
  return el("tr", {
    class: view.selected === user.uid ? "cc-selected" : "", "data-uid": user.uid,
    onclick: act(() => selectUser(user.uid)),
  }, el("td", {}, avatar), el("td", { class: "cc-mono" }, user.uid), el("td", {}, user.name || ""),
  el("td", {}, user.role || ""), el("td", {}, status(user)), el("td", {}, when(user.lastActiveAt)),
  el("td", {}, when(user.createdAt)));
}

$("search").addEventListener("input", () => { view.page = 1; clearTimeout(view.searching); view.searching = setTimeout(act(loadUsers), 250); });
for (const box of ["deactivated", "online"]) $(box).addEventListener("change", act(() => { view.page = 1; return loadUsers(); }));
$("refresh").addEventListener("click", act(loadUsers));
$("prev").addEventListener("click", act(() => { view.page = Math.max(1, view.page - 1); return loadUsers(); }));
$("next").addEventListener("click", act(() => { view.page = Math.min(view.pages, view.page + 1); return loadUsers(); }));

$("create-form").addEventListener("submit", act(async () => {
  const uid = $("new-uid").value.trim(), name = $("new-name").value.trim();
  const user = await api("POST", "/v3/users", { uid, name });
  $("new-uid").value = ""; $("new-name").value = "";
  notify(`Created ${user.uid}.`);
  await loadUsers();
  await selectUser(user.uid);
}));

const userPath = (uid) => "/v3/users/" + encodeURIComponent(uid);

/** A user by uid; a deactivated one, which `GET /users/{uid}` does not answer, from the list. */
async function findUser(uid) {
  try {
    return await api("GET", userPath(uid) + "?withTags=true");
  } catch (error) {
    if (error.code !== "ERR_UID_NOT_FOUND") throw error;
    const params = new URLSearchParams({ onlyDeactivated: "true", searchKey: uid, searchIn: "uid", withTags: "true" });
    const found = (await api("GET", "/v3/users?" + params)).find((u) => u.uid === uid);
    if (!found) throw error;
    return found;
  }
}

async function selectUser(uid) {
  const user = await findUser(uid);
  view.selected = user.uid;
  $("user-card").hidden = false;
  $("user-uid").textContent = user.uid;
  $("user-state").replaceWith(Object.assign(status(user), { id: "user-state" }));
  $("edit-name").value = user.name || "";
  $("edit-role").value = user.role || "";
  $("edit-avatar").value = user.avatar || "";
  $("edit-link").value = user.link || "";
  $("edit-tags").value = (user.tags || []).join(", ");
  $("edit-metadata").value = user.metadata ? JSON.stringify(user.metadata) : "";
  $("deactivate").textContent = user.deactivatedAt ? "Reactivate" : "Deactivate";
  $("deactivate").dataset.active = user.deactivatedAt ? "" : "1";
  for (const row of $("users").tBodies[0].rows) row.classList.toggle("cc-selected", row.dataset.uid === user.uid);
  await loadTokens();
}

$("close-user").addEventListener("click", () => { view.selected = null; $("user-card").hidden = true; });

$("edit-form").addEventListener("submit", act(async () => {
  const changes = { name: $("edit-name").value.trim(), unset: [] };
  for (const field of ["role", "avatar", "link"]) {
    const value = $("edit-" + field).value.trim();
    if (value) changes[field] = value;
    else if (field !== "role") changes.unset.push(field);  // emptied: removed, as `unset` does
  }
  changes.tags = $("edit-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  const metadata = $("edit-metadata").value.trim();
  if (!metadata) changes.unset.push("metadata");
  else {
    try { changes.metadata = JSON.parse(metadata); } catch { throw new ApiError("metadata must be a JSON object", "", 0); }
  }
  await api("PUT", userPath(view.selected), changes);
  notify(`Saved ${view.selected}.`);
  await loadUsers();
  await selectUser(view.selected);
}));

$("deactivate").addEventListener("click", act(async () => {
  const uid = view.selected;
  if ($("deactivate").dataset.active) await api("DELETE", "/v3/users", { uidsToDeactivate: [uid] });
  else await api("PUT", "/v3/users", { uidsToActivate: [uid] });
  $("deactivated").checked = true;
  await loadUsers();
  await selectUser(uid);
}));

confirming($("delete"), "Delete for good?", async () => {
  const uid = view.selected;
  await api("DELETE", userPath(uid), { permanent: true });
  view.selected = null; $("user-card").hidden = true;
  notify(`Deleted ${uid}.`);
  await loadUsers();
});

// -- auth tokens (the whole token is kept in memory, for revoking; shown masked) ----------

async function loadTokens() {
  const uid = view.selected, load = ticket("tokens");
  const answer = await api("GET", userPath(uid) + "/auth_tokens");
  if (!load.current()) return;
  const tokens = Array.isArray(answer) ? answer : [];
  view.tokens = new Map(tokens.map((t, i) => [String(i), t.authToken]));
  const body = $("tokens").tBodies[0];
  body.replaceChildren(...tokens.map((t, i) => el("tr", { "data-token": String(i) },
    el("td", { class: "cc-mono" }, mask(t.authToken)), el("td", {}, when(t.createdAt)),
    el("td", {}, el("button", { type: "button", class: "cc-revoke", onclick: act(() => revoke(String(i))) }, "Revoke")))));
  if (!tokens.length) body.append(el("tr", {}, el("td", { colspan: 3, class: "cc-muted" }, "no auth tokens")));
}

async function revoke(index) {
  const token = view.tokens.get(index);
  await api("DELETE", userPath(view.selected) + "/auth_tokens/" + encodeURIComponent(token));
  notify(`Revoked ${mask(token)}.`);
  await loadTokens();
}

$("mint").addEventListener("click", act(async () => {
  const token = await api("POST", userPath(view.selected) + "/auth_tokens", {});
  notify(`Minted ${mask(token.authToken)} for ${view.selected}.`);
  await loadTokens();
}));

// -- the request log -----------------------------------------------------------------

async function pollLog() {
  clearTimeout(view.polling);
  try {
    if ($("live").checked && !document.hidden && sessionStorage.getItem(KEY)) await loadLog();
  } catch (error) {  // said beside the log: a notice of the user's own action stays
    $("log-info").textContent = "not updated: " + error.message;
  }
  if (sessionStorage.getItem(KEY)) view.polling = setTimeout(pollLog, POLL_MS);
}

/** Whether two log entries are the same request (numbers restart after a reset). */
function same(a, b) {
  return Boolean(a && b) && ["number", "time", "method", "path"].every((k) => a[k] === b[k]);
}

/** Fetch the entries after the newest one shown; start over when that one is gone. */
async function loadLog() {
  const load = ticket("log"), newest = view.entries[view.entries.length - 1];
  const answer = await call("GET", "/_emulator/requests?after=" + (newest ? newest.number : 0));
  if (!load.current()) return;
  const { dropped, kept, previous } = answer.meta;
  $("log-info").textContent = `${kept} kept` + (dropped ? `, ${dropped} dropped` : "") + ", newest first";
  if (newest && !same(previous, newest)) {  // reset, imported, or dropped: read it all again
    view.entries = []; view.opened.clear();
    return loadLog();
  }
  const fresh = answer.data;
  if (!fresh.length && view.shown) return;
  view.entries = [...view.entries, ...fresh].slice(-LOG_SHOWN);
  $("log").replaceChildren(...[...view.entries].reverse().map(logRow));
  const first = !view.shown;
  view.shown = true;
  // What others did (a login, a write, a fault) shows in the users and faults at once.
  if (!first && fresh.some((e) => e.method !== "GET" || e.fault)) await Promise.all([loadUsers(), loadFaults()]);
}

function logRow(entry) {
  const number = entry.number;
  const failed = !entry.status || entry.status >= 400;
  const details = el("details", { class: "cc-entry", "data-number": String(number) },
    el("summary", {},
      el("span", { class: "cc-muted" }, when(entry.time).slice(11)), " ",
      el("span", { class: "cc-method" }, entry.method), " ", entry.path, " ",
      el("span", { class: failed ? "cc-fail" : "cc-ok" }, entry.status ? String(entry.status) : "no answer"),
      entry.fault ? el("span", { class: "cc-fault" }, ` fault: ${entry.fault}`) : ""));
  details.addEventListener("toggle", act(async () => {
    if (!details.open) { view.opened.delete(number); return; }
    view.opened.add(number);
    if (details.dataset.loaded) return;
    details.dataset.loaded = "1";
    const exchange = await api("GET", "/_emulator/requests/" + number);
    const shown = (part) => JSON.stringify({ body: part.body, headers: part.headers }, null, 2);
    details.append(
      el("div", { class: "cc-label" }, "request"), el("pre", {}, shown(exchange.request)),
      el("div", { class: "cc-label" }, "answer"),
      el("pre", {}, exchange.response ? shown(exchange.response) : "(none kept: no answer was sent, or it is too old)"));
  }));
  if (view.opened.has(number)) details.open = true;
  return details;
}

document.addEventListener("visibilitychange", () => { if (!document.hidden) pollLog(); });

// -- faults ------------------------------------------------------------------------

async function loadFaults() {
  const load = ticket("faults");
  const answer = await api("GET", "/_emulator/faults");
  if (!load.current()) return;
  const body = $("faults").tBodies[0];
  body.replaceChildren(...answer.rules.map((rule) => {
    const options = rule.options || {};
    const often = [rule.times != null ? `${rule.times}×` : "", rule.rate != null ? `rate ${rule.rate}` : ""];
    return el("tr", { class: "cc-rule" }, el("td", {}, [rule.kind].flat().join(", ")),
      el("td", {}, rule.method || "any"), el("td", { class: "cc-mono" }, rule.path || "any"),
      el("td", {}, often.filter(Boolean).join(" ") || "every"),
      el("td", { class: "cc-mono" }, Object.keys(options).length ? JSON.stringify(options) : ""),
      el("td", { class: rule.fired ? "cc-fail" : "" }, String(rule.fired ?? 0)));
  }));
  if (!answer.rules.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "cc-muted" }, "no faults: every request is answered as the service would")));
  const injected = answer.injected || {};
  const counts = Object.entries(injected).map(([k, n]) => `${k} ${n}`).join(", ");
  $("faults-fired").textContent = counts ? "fired so far: " + counts : "";
}

$("fault-form").addEventListener("submit", act(async () => {
  const kind = $("fault-kind").value;
  const rule = { kind };
  if ($("fault-method").value) rule.method = $("fault-method").value;
  if ($("fault-path").value.trim()) rule.path = $("fault-path").value.trim();
  if ($("fault-times").value) rule.times = Number($("fault-times").value);
  if (kind === "status") rule.options = { status: Number($("fault-status").value) };
  await api("POST", "/_emulator/faults", rule);
  notify(`Fault added: ${kind} on ${rule.method || "any method"} ${rule.path || "any path"}.`);
  await loadFaults();
}));

$("clear-faults").addEventListener("click", act(async () => {
  await api("DELETE", "/_emulator/faults");
  notify("Faults cleared.");
  await loadFaults();
}));

// -- state ---------------------------------------------------------------------------

confirming($("reset"), "Reset everything?", async () => {
  await api("POST", "/_emulator/reset");
  view.page = 1; view.selected = null; $("user-card").hidden = true;
  notify("The emulator was reset: the five test users, no tokens, no requests, no faults.");
  await Promise.all([loadUsers(), loadLog(), loadFaults()]);
});

$("export").addEventListener("click", act(async () => {
  const snapshot = await api("GET", "/_emulator/state");
  const blob = new Blob([JSON.stringify(snapshot, null, 1)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: "emulator-state.json" });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  notify(`Exported ${snapshot.users.length} users and ${snapshot.tokens.length} tokens.`);
}));

$("import").addEventListener("change", act(async (event) => {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  let snapshot;
  try { snapshot = JSON.parse(await file.text()); } catch { throw new ApiError(`${file.name} is not JSON`, "", 0); }
  const answer = await api("PUT", "/_emulator/state", snapshot);
  notify(`Imported ${answer.users} users and ${answer.tokens} tokens from ${file.name}.`);
  view.page = 1;
  await Promise.all([loadUsers(), loadLog()]);
}));

// -- start ---------------------------------------------------------------------------

/** Where this is: the emulator's address, app id and region (its index needs no key). */
async function describe() {
  $("where").textContent = location.host;
  const answer = await (await fetch(BASE + "/_emulator/", { cache: "no-store", credentials: "omit" })).json();
  $("where").textContent = `${location.host} · app ${answer.data.app_id} · region ${answer.data.region}`;
  const host = location.hostname;
  if (!(host.startsWith("127.") || host === "localhost" || host === "[::1]")) {
    notify(`This emulator listens on ${host}, not only on this machine: anyone who can reach it and knows the key can use it.`, true);
  }
}

applyTheme(localStorage.getItem(THEME) || "");
act(describe)();
if (sessionStorage.getItem(KEY)) act(signedIn)();
