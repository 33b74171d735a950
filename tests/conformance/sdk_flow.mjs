// Conformance harness: runs CometChat's official JS SDK (@cometchat/chat-sdk-javascript@4.2.0)
// against a local emulator and prints ONE JSON document describing what happened.
// Assertions are made by the Python test that runs this script; this file only observes.
//
// Env: EMULATOR_HOST (host:port), APP_ID, AUTH_KEY, REST_API_KEY, UID,
//      SDK_DIR (npm --prefix dir, a node_modules dir, or the package dir; falls back to NODE_PATH),
//      optional STEP_TIMEOUT_MS (default 10000), TOTAL_TIMEOUT_MS (default 60000),
//      TELEMETRY_WAIT_MS (default 9000), RESTORE_STORAGE ("shared" (default) or "copy").
// See README.md in this folder.

import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";
import { webcrypto } from "node:crypto";

const T0 = Date.now();
const env = process.env;
const EMULATOR_HOST = env.EMULATOR_HOST || "127.0.0.1:8790";
const APP_ID = env.APP_ID || "localapp";
const AUTH_KEY = env.AUTH_KEY || "";
const REST_API_KEY = env.REST_API_KEY || "";
const UID = env.UID || `conf-${Date.now().toString(36)}`;
const STEP_TIMEOUT_MS = Number(env.STEP_TIMEOUT_MS || 10000);
const TOTAL_TIMEOUT_MS = Number(env.TOTAL_TIMEOUT_MS || 60000);
const TELEMETRY_WAIT_MS = Number(env.TELEMETRY_WAIT_MS || 9000);
const RESTORE_STORAGE = env.RESTORE_STORAGE || "shared";
const H = `${EMULATOR_HOST}/v3.0`;
const PKG = "@cometchat/chat-sdk-javascript";

// ---------------------------------------------------------------- output state
const out = {
  completed: false,
  config: { emulator_host: EMULATOR_HOST, app_id: APP_ID, uid: UID, host_override: H },
  sdk: {},
  steps: [],
  events: [],
  requests: [],        // SDK requests of the whole scenario (spec §11 items 11, 18, 9, 10, 12-30)
  extra_requests: [],  // SDK requests of item 31 (extra check after the scenario)
  mint: null,          // the harness's own POST .../auth_tokens for T2 (not an SDK request)
  restore: null,
  globals_accessed: [],
  uncaught: [],
  sdk_log_lines: 0,
};
let seq = 0;                 // shared ordering counter for requests, events and step settlement
let currentStep = "load";
let currentInstance = "-";
let requestSink = out.requests;
const globalsAccessed = new Set();
const nextSeq = () => ++seq;
const ms = () => Date.now() - T0;

function emit(code) {
  out.globals_accessed = [...globalsAccessed].sort();
  out.elapsed_ms = ms();
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(code));
}

const watchdog = setTimeout(() => {
  out.aborted = `total timeout ${TOTAL_TIMEOUT_MS} ms hit during step ${currentStep}`;
  emit(3);
}, TOTAL_TIMEOUT_MS);

process.on("unhandledRejection", (reason) => {
  out.uncaught.push({ kind: "unhandledRejection", step: currentStep, instance: currentInstance, error: describeError(reason) });
});
process.on("uncaughtException", (e) => {
  out.uncaught.push({ kind: "uncaughtException", step: currentStep, instance: currentInstance, error: describeError(e) });
});

// ---------------------------------------------------------------- helpers
function plain(x) {
  if (x === undefined) return null;
  try { return JSON.parse(JSON.stringify(x)); } catch (e) { return String(x); }
}

function describeError(e) {
  if (e === null || e === undefined) return { code: null, message: String(e) };
  if (typeof e !== "object") return { code: null, message: String(e), raw: e };
  // makeApiCall sometimes rejects with the raw body {error: {...}}
  const src = (e.error && typeof e.error === "object") ? e.error : e;
  const d = {
    code: src.code !== undefined ? src.code : null,
    name: src.name !== undefined ? src.name : null,
    message: src.message !== undefined ? String(src.message) : null,
  };
  if (src.details !== undefined) d.details = plain(src.details);
  if (src !== e) d.wrapped = true;  // rejected with the raw response body {error: {...}}
  // native errors (TypeError etc., from any realm): the SDK threw instead of rejecting with a CometChatException
  if (Object.prototype.toString.call(e) === "[object Error]") {
    d.type = e.name || (e.constructor && e.constructor.name) || "Error";
    if (typeof e.stack === "string") d.stack = e.stack.split("\n").slice(0, 4).join("\n");
  }
  return d;
}

function headerMap(h) {
  const m = {};
  if (!h) return m;
  if (typeof h.forEach === "function" && typeof h.get === "function") h.forEach((v, k) => { m[k] = v; });
  else if (Array.isArray(h)) for (const [k, v] of h) m[k] = v;
  else Object.assign(m, h);
  return m;
}

function parseBody(b) {
  if (b === undefined || b === null) return null;
  if (typeof b === "string") { try { return JSON.parse(b); } catch { return b; } }
  if (typeof FormData !== "undefined" && b instanceof FormData) return "[FormData]";
  return `[${Object.prototype.toString.call(b)}]`;
}

// ---------------------------------------------------------------- fetch wrapper
const realFetch = globalThis.fetch;

function makeRecordingFetch(instanceName) {
  return async function fetch(input, init = {}) {
    const urlStr = typeof input === "string" ? input : (input && (input.url || input.href || String(input)));
    const method = (init.method || (input && input.method) || "GET").toUpperCase();
    const hdrs = headerMap(init.headers || (input && input.headers));
    const lower = {};
    for (const [k, v] of Object.entries(hdrs)) lower[k.toLowerCase()] = v;
    let u;
    try { u = new URL(urlStr); } catch { u = null; }
    const rec = {
      seq: nextSeq(), t_ms: ms(), step: currentStep, instance: instanceName,
      method, url: urlStr, path: u ? u.pathname + u.search : urlStr,
      headers: {}, header_names: Object.keys(hdrs), body: parseBody(init.body),
    };
    if ("appid" in lower) rec.headers.appId = lower.appid;
    if ("apikey" in lower) rec.headers.apiKey = lower.apikey;
    if ("authtoken" in lower) rec.headers.authToken = lower.authtoken;
    requestSink.push(rec);
    if (!u || u.host !== EMULATOR_HOST || !(u.protocol === "https:" || u.protocol === "http:")) {
      rec.blocked = true;
      rec.error = "request to a host other than EMULATOR_HOST refused by the harness";
      throw new TypeError("fetch failed");
    }
    rec.scheme = u.protocol.replace(":", "");
    const target = "http://" + u.host + u.pathname + u.search;
    try {
      const res = await realFetch(target, { method, headers: hdrs, body: init.body, redirect: "follow" });
      rec.status = res.status;
      const text = await res.clone().text();
      try { rec.response = JSON.parse(text); } catch { rec.response = text.slice(0, 500); rec.response_not_json = true; }
      return res;
    } catch (e) {
      rec.error = String(e && e.message || e);
      throw e;
    }
  };
}

// ---------------------------------------------------------------- browser shims
class MemoryStorage {
  // Web Storage API over a Map (localforage's localStorage driver uses length/key/getItem/setItem/removeItem).
  constructor(entries) { this._m = new Map(entries || []); }
  get length() { return this._m.size; }
  key(i) { return [...this._m.keys()][i] ?? null; }
  getItem(k) { k = String(k); return this._m.has(k) ? this._m.get(k) : null; }
  setItem(k, v) { this._m.set(String(k), String(v)); }
  removeItem(k) { this._m.delete(String(k)); }
  clear() { this._m.clear(); }
  toJSON() { return Object.fromEntries(this._m); }
}

function tracked(name, obj) {
  return new Proxy(obj, {
    get(t, p, r) { if (typeof p === "string") globalsAccessed.add(`${name}.${p}`); return Reflect.get(t, p, r); },
    has(t, p) { if (typeof p === "string") globalsAccessed.add(`${name}.${p}`); return Reflect.has(t, p); },
  });
}

function makeSandbox(instanceName, localStorage) {
  const sdkLog = (level) => (...a) => {
    out.sdk_log_lines++;
    if (env.SDK_LOG) process.stderr.write(`[sdk ${instanceName} ${level}] ${a.map((x) => typeof x === "string" ? x : (() => { try { return JSON.stringify(x); } catch { return String(x); } })()).join(" ")}\n`);
  };
  const listeners = [];
  const sb = {
    // host builtins a browser has but a bare vm context lacks
    console: { log: sdkLog("log"), info: sdkLog("info"), warn: sdkLog("warn"), error: sdkLog("error"), debug: sdkLog("debug"), trace: sdkLog("trace") },
    setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask,
    TextEncoder, TextDecoder, URL, URLSearchParams, AbortController, Blob, FormData, Headers, Request, Response,
    Event, EventTarget, atob, btoa, structuredClone,
    crypto: webcrypto,
    fetch: makeRecordingFetch(instanceName),
    XMLHttpRequest: function XMLHttpRequest() {
      requestSink.push({ seq: nextSeq(), t_ms: ms(), step: currentStep, instance: instanceName, method: "XHR", path: null, blocked: true, headers: {}, body: null });
      throw new TypeError("XMLHttpRequest is not available in the conformance harness");
    },
    WebSocket: function WebSocket(url) {
      requestSink.push({ seq: nextSeq(), t_ms: ms(), step: currentStep, instance: instanceName, method: "WEBSOCKET", url: String(url), path: null, blocked: true, headers: {}, body: null });
      throw new TypeError("WebSocket is not available in the conformance harness");
    },
    // the browser surface the SDK touches
    localStorage,
    sessionStorage: new MemoryStorage(),
    navigator: tracked("navigator", {
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) cometchat-nb-conformance Node/${process.versions.node}`,
      language: "en-US", languages: ["en-US"], platform: "Linux x86_64", onLine: true, vendor: "",
    }),
    document: tracked("document", {
      hasFocus: () => true, querySelector: () => null, querySelectorAll: () => [], getElementsByName: () => [],
      createElement: (tag) => ({ tagName: String(tag).toUpperCase(), style: {}, setAttribute() {}, appendChild() {} }),
      createTextNode: (t) => ({ data: t }), documentElement: { style: {} }, body: null,
      addEventListener() {}, removeEventListener() {}, visibilityState: "visible", hidden: false, readyState: "complete",
    }),
    location: tracked("location", {
      href: "http://localhost/", origin: "http://localhost", protocol: "http:", host: "localhost", hostname: "localhost", port: "", pathname: "/", search: "", hash: "",
    }),
    screen: { width: 1920, height: 1080 },
    matchMedia: (q) => ({ matches: false, media: q, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} }),
    addEventListener: (type) => { listeners.push(type); },
    removeEventListener() {},
    dispatchEvent: () => true,
  };
  sb.module = { exports: {} };
  sb.exports = sb.module.exports;
  const ctx = vm.createContext(sb, { name: `cometchat-${instanceName}` });
  // window === self === the global object, as in a browser; access through `window.` is logged.
  sb.window = tracked("window", ctx);
  sb.self = sb.window;
  // log bare-identifier reads of the shimmed globals (and probes for absent ones)
  for (const name of ["localStorage", "sessionStorage", "navigator", "document", "location", "screen", "matchMedia",
    "indexedDB", "webkitIndexedDB", "mozIndexedDB", "OIndexedDB", "msIndexedDB", "openDatabase", "IDBKeyRange",
    "XMLHttpRequest", "WebSocket", "fetch", "crypto", "msCrypto"]) {
    const had = Object.prototype.hasOwnProperty.call(sb, name);
    const val = sb[name];
    Object.defineProperty(sb, name, {
      configurable: true, enumerable: had,
      get() { globalsAccessed.add(name); return had ? val : undefined; },
      set(v) { Object.defineProperty(sb, name, { value: v, writable: true, configurable: true }); },
    });
  }
  return { sb, ctx, listeners };
}

// ---------------------------------------------------------------- SDK loading
function resolveSdkFile() {
  const bases = [];
  if (env.SDK_DIR) bases.push(env.SDK_DIR);
  for (const p of (env.NODE_PATH || "").split(path.delimiter).filter(Boolean)) bases.push(p);
  const tried = [];
  for (const b of bases) {
    for (const probe of [path.join(b, "__probe__.js"), path.join(b, "node_modules", "__probe__.js")]) {
      try { return createRequire(probe).resolve(PKG); } catch { tried.push(probe); }
    }
    // SDK_DIR may be the package directory itself
    const direct = path.join(b, "package.json");
    if (fs.existsSync(direct)) {
      try {
        const pj = JSON.parse(fs.readFileSync(direct, "utf8"));
        if (pj.name === PKG) return path.join(b, pj.main || "CometChat.js");
      } catch { /* ignore */ }
    }
  }
  throw new Error(`cannot find ${PKG}; set SDK_DIR (tried ${tried.join(", ") || "nothing"})`);
}

let sdkScript = null;

function compileSdk() {
  const sdkFile = resolveSdkFile();
  const sdkSource = fs.readFileSync(sdkFile, "utf8");
  out.sdk = { file: sdkFile, bytes: sdkSource.length, format: "UMD (webpack), loaded via its CommonJS branch in a vm context" };
  try {
    const pj = JSON.parse(fs.readFileSync(path.join(path.dirname(sdkFile), "package.json"), "utf8"));
    Object.assign(out.sdk, { version: pj.version, main: pj.main });
  } catch { /* ignore */ }
  sdkScript = new vm.Script(sdkSource, { filename: sdkFile });
}

function loadSdk(instanceName, storage) {
  const { sb, ctx, listeners } = makeSandbox(instanceName, storage);
  sdkScript.runInContext(ctx);
  const CometChat = sb.module.exports.CometChat;
  if (!CometChat) throw new Error("bundle did not export CometChat");
  return { CometChat, sb, listeners };
}

function addListener(CometChat, instanceName) {
  const ev = (event, extra) => out.events.push({ seq: nextSeq(), t_ms: ms(), step: currentStep, instance: instanceName, event, ...extra });
  CometChat.addLoginListener("conformance", new CometChat.LoginListener({
    loginSuccess: (...a) => ev("loginSuccess", { uid: a[0] && a[0].uid, authToken: a[0] && a[0].authToken, argc: a.length }),
    loginFailure: (...a) => ev("loginFailure", { code: a[0] && a[0].code, message: a[0] && a[0].message, argc: a.length }),
    logoutSuccess: (...a) => ev("logoutSuccess", { argc: a.length }),
    logoutFailure: (...a) => ev("logoutFailure", { code: a[0] && a[0].code, message: a[0] && a[0].message, argc: a.length }),
  }));
}

// ---------------------------------------------------------------- step runner
async function step(name, fn, { sink } = {}) {
  currentStep = name;
  if (sink) requestSink = sink;
  const sinkAtStart = requestSink;
  const firstReq = requestSink.length;
  const firstEvent = out.events.length;
  const rec = { step: name, instance: currentInstance, ok: false, result: null, error: null, started_seq: nextSeq(), t_ms: ms() };
  out.steps.push(rec);
  let timer;
  try {
    const p = Promise.resolve().then(fn);
    const v = await Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej({ __timeout: true }), STEP_TIMEOUT_MS); })]);
    rec.ok = true;
    rec.result = plain(v);
  } catch (e) {
    if (e && e.__timeout) rec.error = { code: "HARNESS_TIMEOUT", message: `promise did not settle within ${STEP_TIMEOUT_MS} ms` };
    else rec.error = describeError(e);
  } finally {
    clearTimeout(timer);
  }
  rec.settled_seq = nextSeq();
  rec.duration_ms = ms() - rec.t_ms;
  // let listeners / follow-up requests triggered synchronously after settlement land in this step
  await new Promise((r) => setTimeout(r, 50));
  rec.request_count = sinkAtStart.length - firstReq;
  rec.request_seqs = sinkAtStart.slice(firstReq).map((r) => r.seq);
  rec.events = out.events.slice(firstEvent).map((e) => e.event);
  return rec;
}

// ---------------------------------------------------------------- scenario
const sharedStorage = new MemoryStorage();
const N = `Conformance ${UID}`;
const N2 = `${N} (updated)`;
const unknownUid = `${UID}-missing`;
const wrongKey = "wrong-auth-key-0123456789abcdef";
const unknownToken = `${UID}_0000000000${"0".repeat(30)}`;
let T = null;
let T2 = null;

function buildSettings(CometChat) {
  return new CometChat.AppSettingsBuilder()
    .setRegion("eu")
    .autoEstablishSocketConnection(false)
    .overrideClientHost(H)
    .overrideAdminHost(H)
    .build();
}

async function main() {
  compileSdk();
  currentInstance = "A";
  const A = loadSdk("A", sharedStorage);
  let CC = A.CometChat;
  addListener(CC, "A");
  out.sdk.exports_sample = Object.keys(A.sb.module.exports).slice(0, 20);

  await step("init", () => CC.init(APP_ID, buildSettings(CC)));

  // item 11
  await step("11.createUser_empty_authKey", () => { const u = new CC.User(UID); u.setName(N); return CC.createUser(u, ""); });
  await step("11.createUser_no_name", () => CC.createUser(new CC.User(UID), AUTH_KEY));
  // item 18
  await step("18.login_no_args", () => CC.login());
  await step("18.login_empty_authKey", () => CC.login(UID, ""));
  // item 19 (before the first login)
  await step("19.getLoggedinUser_before_login", () => CC.getLoggedinUser());
  // items 9, 10
  await step("9.createUser", () => { const u = new CC.User(UID); u.setName(N); return CC.createUser(u, AUTH_KEY); });
  await step("10.createUser_duplicate", () => { const u = new CC.User(UID); u.setName(N); return CC.createUser(u, AUTH_KEY); });
  // items 12-15
  const login = await step("12-15.login_uid_authKey", () => CC.login(UID, AUTH_KEY));
  T = login.result && login.result.authToken;
  // item 16: the SDK posts /user_sessions ~5 s after login; wait for it, bounded
  await step("16.wait_user_sessions", async () => {
    const start = Date.now();
    while (Date.now() - start < TELEMETRY_WAIT_MS) {
      const hit = out.requests.find((r) => r.path && /\/user_sessions(\?|$)/.test(r.path));
      if (hit) {
        await new Promise((r) => setTimeout(r, 200)); // let the response be recorded
        return { found: true, waited_ms: Date.now() - start, since_login_ms: hit.t_ms - login.t_ms, status: hit.status ?? null };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { found: false, waited_ms: Date.now() - start };
  });
  // item 17
  await step("17.login_again", () => CC.login(UID, AUTH_KEY));
  // item 19
  await step("19.getLoggedinUser", () => CC.getLoggedinUser());
  // item 20
  await step("20.updateCurrentUserDetails", () => { const u = new CC.User(UID); u.setName(N2); return CC.updateCurrentUserDetails(u); });
  // item 21
  await step("21.getUser", () => CC.getUser(UID));
  await step("21.getUser_unknown", () => CC.getUser(unknownUid));
  // items 22-23
  await step("22-23.logout", () => CC.logout());
  await step("23.getLoggedinUser_after_logout", () => CC.getLoggedinUser());
  // item 24
  await step("24.logout_logged_out", () => CC.logout());

  // item 25: T2 minted by the harness itself with the REST API key (not an SDK request)
  currentStep = "25.mint_T2";
  const mintRec = await step("25.mint_T2", async () => {
    const url = `http://${H}/users/${encodeURIComponent(UID)}/auth_tokens`;
    const headers = { appId: APP_ID, apiKey: REST_API_KEY, "Content-Type": "application/json", Accept: "application/json" };
    const body = JSON.stringify({ force: true });
    const res = await realFetch(url, { method: "POST", headers, body });
    const text = await res.text();
    let json; try { json = JSON.parse(text); } catch { json = text; }
    out.mint = { method: "POST", path: new URL(url).pathname, headers: { appId: APP_ID, apiKey: REST_API_KEY }, body: { force: true }, status: res.status, response: json };
    if (!json || !json.data || !json.data.authToken) throw { code: "HARNESS_MINT_FAILED", message: `mint failed: HTTP ${res.status} ${text.slice(0, 200)}` };
    return json.data;
  });
  T2 = mintRec.result && mintRec.result.authToken;
  await step("25.login_T2", () => CC.login(T2 || "harness-mint-failed"));
  await step("25.getLoggedinUser", () => CC.getLoggedinUser());

  // item 26: a fresh SDK instance (own vm context = fresh module state) restoring from the storage
  const storageSnapshot = sharedStorage.toJSON();
  const storageB = RESTORE_STORAGE === "copy" ? new MemoryStorage(Object.entries(storageSnapshot)) : sharedStorage;
  out.restore = { storage_mode: RESTORE_STORAGE, storage_keys: Object.keys(storageSnapshot).sort() };
  const reqBefore = out.requests.length;
  let B = null;
  currentInstance = "B";
  const loadB = await step("26.load_fresh_instance", () => { B = loadSdk("B", storageB); addListener(B.CometChat, "B"); return { loaded: true }; });
  if (B) {
    const CB = B.CometChat;
    await step("26.init_restore", () => CB.init(APP_ID, buildSettings(CB)));
    const who = await step("26.getLoggedinUser_restored", () => CB.getLoggedinUser());
    await new Promise((r) => setTimeout(r, 300)); // catch any immediate restore traffic
    const restoreReqs = out.requests.slice(reqBefore);
    const user = who.result || null;
    Object.assign(out.restore, {
      ok: !!(who.ok && user && user.uid === UID && user.authToken === T2),
      request_count: restoreReqs.length,
      requests: restoreReqs.map((r) => ({ method: r.method, path: r.path })),
      user_uid: user ? user.uid : null,
      user_authToken: user ? user.authToken : null,
      authToken_matches_T2: !!(user && T2 && user.authToken === T2),
      events: out.events.filter((e) => e.instance === "B").map((e) => e.event),
    });
  } else {
    Object.assign(out.restore, { ok: false, error: loadB.error });
  }
  // items 27-31 continue on the restored instance (falls back to A if B could not be loaded)
  const useB = !!B;
  if (useB) CC = B.CometChat; else currentInstance = "A";
  out.restore.continued_on = useB ? "B" : "A";

  await step("27.logout", () => CC.logout());
  await step("28.login_unknown_uid", () => CC.login(unknownUid, AUTH_KEY));
  await step("29.login_wrong_authKey", () => CC.login(UID, wrongKey));
  await step("30.login_unknown_token", () => CC.login(unknownToken));
  await step("30.getLoggedinUser_after", () => CC.getLoggedinUser());

  // item 31: extra check, requests recorded separately
  await step("31.login_after_failures", () => CC.login(UID, AUTH_KEY), { sink: out.extra_requests });
  await step("31.getLoggedinUser", () => CC.getLoggedinUser());
  await new Promise((r) => setTimeout(r, 200));

  out.tokens = { T, T2, unknown_token: unknownToken, unknown_uid: unknownUid, wrong_key: wrongKey };
  out.window_listeners = { A: A.listeners, B: B ? B.listeners : null };
  out.completed = true;
}

main().then(
  () => { clearTimeout(watchdog); emit(0); },
  (e) => { clearTimeout(watchdog); out.fatal = describeError(e); out.fatal.stack = String(e && e.stack || ""); emit(2); },
);
