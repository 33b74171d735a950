// The conformance harness: CometChat's official JS SDK (@cometchat/chat-sdk-javascript@4.2.0) in a
// node:vm context with browser shims, a recording fetch, and a step runner. A scenario script imports
// it, runs its steps with `run(main)`, and prints ONE JSON document; assertions are made in Python.
//
// Env: EMULATOR_HOST (host:port), APP_ID, AUTH_KEY, REST_API_KEY, UID,
//      SDK_DIR (npm --prefix dir, a node_modules dir, or the package dir; falls back to NODE_PATH),
//      optional STEP_TIMEOUT_MS (default 10000), TOTAL_TIMEOUT_MS (default 60000),
//      TLS ("1": the emulator serves https:// and wss:// (NODE_EXTRA_CA_CERTS names its certificate),
//      and the SDK's URLs are kept as they are; else https:// is rewritten to http://).
// See README.md in this folder.

import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";
import { webcrypto } from "node:crypto";

const T0 = Date.now();
export const env = process.env;
export const EMULATOR_HOST = env.EMULATOR_HOST || "127.0.0.1:8790";
export const APP_ID = env.APP_ID || "localapp";
export const AUTH_KEY = env.AUTH_KEY || "";
export const REST_API_KEY = env.REST_API_KEY || "";
export const UID = env.UID || `conf-${Date.now().toString(36)}`;
const STEP_TIMEOUT_MS = Number(env.STEP_TIMEOUT_MS || 10000);
const TOTAL_TIMEOUT_MS = Number(env.TOTAL_TIMEOUT_MS || 60000);
export const TLS = env.TLS === "1";
export const H = `${EMULATOR_HOST}/v3.0`;
/** The emulator's REST base URL, for the harness's own calls (setup, minting). */
export const BASE = `${TLS ? "https" : "http"}://${H}`;
const PKG = "@cometchat/chat-sdk-javascript";

// ---------------------------------------------------------------- output state
export const out = {
  completed: false,
  config: { emulator_host: EMULATOR_HOST, app_id: APP_ID, uid: UID, host_override: H },
  sdk: {},
  steps: [],
  events: [],
  requests: [],        // the SDK's requests (a scenario may add sinks of its own)
  sockets: [],         // the SDK's WebSockets: url, frames each way, close
  globals_accessed: [],
  uncaught: [],
  sdk_log_lines: 0,
};
let seq = 0;                 // shared ordering counter for requests, events and step settlement
// the step and SDK instance running now, and where their requests are recorded
export const cur = { step: "load", instance: "-", sink: out.requests };
const globalsAccessed = new Set();
const nextSeq = () => ++seq;
const ms = () => Date.now() - T0;

function emit(code) {
  out.globals_accessed = [...globalsAccessed].sort();
  out.elapsed_ms = ms();
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(code));
}

/** Run a scenario under the watchdog, then print the report: exit 0 (ran to the end), 2 (fatal), 3 (watchdog). */
export function run(main) {
  const watchdog = setTimeout(() => {
    out.aborted = `total timeout ${TOTAL_TIMEOUT_MS} ms hit during step ${cur.step}`;
    emit(3);
  }, TOTAL_TIMEOUT_MS);
  main().then(
    () => { clearTimeout(watchdog); out.completed = true; emit(0); },
    (e) => { clearTimeout(watchdog); out.fatal = describeError(e); out.fatal.stack = String(e && e.stack || ""); emit(2); },
  );
}

process.on("unhandledRejection", (reason) => {
  out.uncaught.push({ kind: "unhandledRejection", step: cur.step, instance: cur.instance, error: describeError(reason) });
});
process.on("uncaughtException", (e) => {
  out.uncaught.push({ kind: "uncaughtException", step: cur.step, instance: cur.instance, error: describeError(e) });
});

// ---------------------------------------------------------------- helpers
export function plain(x) {
  if (x === undefined) return null;
  try { return JSON.parse(JSON.stringify(x)); } catch (e) { return String(x); }
}

export function describeError(e) {
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
export const realFetch = globalThis.fetch;

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
      seq: nextSeq(), t_ms: ms(), step: cur.step, instance: instanceName,
      method, url: urlStr, path: u ? u.pathname + u.search : urlStr,
      headers: {}, header_names: Object.keys(hdrs), body: parseBody(init.body),
    };
    if ("appid" in lower) rec.headers.appId = lower.appid;
    if ("apikey" in lower) rec.headers.apiKey = lower.apikey;
    if ("authtoken" in lower) rec.headers.authToken = lower.authtoken;
    cur.sink.push(rec);
    if (!u || u.host !== EMULATOR_HOST || !(u.protocol === "https:" || u.protocol === "http:")) {
      rec.blocked = true;
      rec.error = "request to a host other than EMULATOR_HOST refused by the harness";
      throw new TypeError("fetch failed");
    }
    rec.scheme = u.protocol.replace(":", "");
    // Node's fetch gets only these fields: it refuses the SDK's `referrer: "no-referrer"`.
    const target = TLS ? urlStr : "http://" + u.host + u.pathname + u.search;
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

// ---------------------------------------------------------------- WebSocket
const parseFrame = (text) => { try { return JSON.parse(text); } catch { return text; } };

/** The runtime's own WebSocket for one SDK instance, recording into `out.sockets` what goes each way and how it ends. */
function recordingWebSocket(instanceName) {
  if (typeof globalThis.WebSocket !== "function") throw new Error("this Node has no WebSocket: run it with --experimental-websocket (Node 20)");
  return class extends globalThis.WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const rec = { instance: instanceName, step: cur.step, url: String(url), opened: false, sent: [], received: [], close: null, error: null };
      this._rec = rec;
      out.sockets.push(rec);
      this.addEventListener("open", () => { rec.opened = true; });
      this.addEventListener("message", (e) => rec.received.push({ seq: nextSeq(), step: cur.step, frame: parseFrame(e.data) }));
      this.addEventListener("close", (e) => { rec.close = { seq: nextSeq(), step: cur.step, code: e.code, reason: e.reason }; });
      this.addEventListener("error", (e) => { rec.error = String(e && e.message || "error"); });
    }
    send(data) { this._rec.sent.push({ seq: nextSeq(), step: cur.step, frame: parseFrame(data) }); super.send(data); }
  };
}

/** The frames `instanceName`'s sockets sent ("sent") or received ("received"), in order. */
export const frames = (instanceName, way) => out.sockets.filter((s) => s.instance === instanceName).flatMap((s) => s[way]);

// ---------------------------------------------------------------- browser shims
export class MemoryStorage {
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

function makeSandbox(instanceName, localStorage, socket) {
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
      cur.sink.push({ seq: nextSeq(), t_ms: ms(), step: cur.step, instance: instanceName, method: "XHR", path: null, blocked: true, headers: {}, body: null });
      throw new TypeError("XMLHttpRequest is not available in the conformance harness");
    },
    WebSocket: socket ? recordingWebSocket(instanceName) : function WebSocket(url) {
      cur.sink.push({ seq: nextSeq(), t_ms: ms(), step: cur.step, instance: instanceName, method: "WEBSOCKET", url: String(url), path: null, blocked: true, headers: {}, body: null });
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

export function compileSdk() {
  const sdkFile = resolveSdkFile();
  const sdkSource = fs.readFileSync(sdkFile, "utf8");
  out.sdk = { file: sdkFile, bytes: sdkSource.length, format: "UMD (webpack), loaded via its CommonJS branch in a vm context" };
  try {
    const pj = JSON.parse(fs.readFileSync(path.join(path.dirname(sdkFile), "package.json"), "utf8"));
    Object.assign(out.sdk, { version: pj.version, main: pj.main });
  } catch { /* ignore */ }
  sdkScript = new vm.Script(sdkSource, { filename: sdkFile });
}

// `socket`: the SDK gets the runtime's WebSocket, recorded (default: a stub that records the attempt and throws).
export function loadSdk(instanceName, storage, { socket = false } = {}) {
  const { sb, ctx, listeners } = makeSandbox(instanceName, storage, socket);
  sdkScript.runInContext(ctx);
  const CometChat = sb.module.exports.CometChat;
  if (!CometChat) throw new Error("bundle did not export CometChat");
  return { CometChat, sb, listeners };
}

export function addListener(CometChat, instanceName) {
  const ev = (event, extra) => out.events.push({ seq: nextSeq(), t_ms: ms(), step: cur.step, instance: instanceName, event, ...extra });
  CometChat.addLoginListener("conformance", new CometChat.LoginListener({
    loginSuccess: (...a) => ev("loginSuccess", { uid: a[0] && a[0].uid, authToken: a[0] && a[0].authToken, argc: a.length }),
    loginFailure: (...a) => ev("loginFailure", { code: a[0] && a[0].code, message: a[0] && a[0].message, argc: a.length }),
    logoutSuccess: (...a) => ev("logoutSuccess", { argc: a.length }),
    logoutFailure: (...a) => ev("logoutFailure", { code: a[0] && a[0].code, message: a[0] && a[0].message, argc: a.length }),
  }));
}

/** Record the SDK's ConnectionListener and UserListener (presence) events of one instance. */
export function addSocketListeners(CometChat, instanceName) {
  const ev = (event, extra) => out.events.push({ seq: nextSeq(), t_ms: ms(), step: cur.step, instance: instanceName, event, ...extra });
  CometChat.addConnectionListener("conformance", new CometChat.ConnectionListener({
    inConnecting: () => ev("inConnecting"),
    onConnected: () => ev("onConnected"),
    onDisconnected: () => ev("onDisconnected"),
  }));
  CometChat.addUserListener("conformance", new CometChat.UserListener({
    onUserOnline: (u) => ev("onUserOnline", { uid: u.getUid(), status: u.getStatus() }),
    onUserOffline: (u) => ev("onUserOffline", { uid: u.getUid(), status: u.getStatus() }),
  }));
}

/** Wait (bounded, `ms`) until `found()` is truthy: its value, else a HARNESS_TIMEOUT rejection. */
export async function until(found, ms = STEP_TIMEOUT_MS - 500) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = found();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw { code: "HARNESS_TIMEOUT", message: `not seen within ${ms} ms` };
}

// ---------------------------------------------------------------- step runner
export async function step(name, fn, { sink, timeout = STEP_TIMEOUT_MS } = {}) {
  cur.step = name;
  if (sink) cur.sink = sink;
  const sinkAtStart = cur.sink;
  const firstReq = cur.sink.length;
  const firstEvent = out.events.length;
  const rec = { step: name, instance: cur.instance, ok: false, result: null, error: null, started_seq: nextSeq(), t_ms: ms() };
  out.steps.push(rec);
  let timer;
  try {
    const p = Promise.resolve().then(fn);
    const v = await Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej({ __timeout: true }), timeout); })]);
    rec.ok = true;
    rec.result = plain(v);
  } catch (e) {
    if (e && e.__timeout) rec.error = { code: "HARNESS_TIMEOUT", message: `promise did not settle within ${timeout} ms` };
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
