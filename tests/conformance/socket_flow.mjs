// Conformance harness for the real-time side: two instances of CometChat's official JS SDK
// (@cometchat/chat-sdk-javascript@4.2.0) with their sockets ON, against a TLS-served emulator.
// Prints ONE JSON document; the Python test (test_js_sdk_socket.py) makes the assertions.
//
// Run with `node --experimental-websocket` (Node 20; from 22 on without) and NODE_EXTRA_CA_CERTS naming the
// emulator's certificate. Nothing is rewritten: the SDK builds its own https:// and wss://
// URLs from the login settings; only the client and admin hosts are overridden.
//
// Env: EMULATOR_HOST (host:port), APP_ID, AUTH_KEY, UID_A, UID_B, SDK_DIR (npm --prefix dir),
//      optional STEP_TIMEOUT_MS (default 10000), PING_WAIT_MS (default 20000),
//      TOTAL_TIMEOUT_MS (default 90000).

import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { createRequire } from "node:module";
import { webcrypto } from "node:crypto";

const env = process.env;
const HOST = env.EMULATOR_HOST;
const APP_ID = env.APP_ID;
const AUTH_KEY = env.AUTH_KEY;
const UIDS = { A: env.UID_A, B: env.UID_B };
const STEP_TIMEOUT_MS = Number(env.STEP_TIMEOUT_MS || 10000);
const PING_WAIT_MS = Number(env.PING_WAIT_MS || 20000);
const TOTAL_TIMEOUT_MS = Number(env.TOTAL_TIMEOUT_MS || 90000);
const PKG = "@cometchat/chat-sdk-javascript";
const T0 = Date.now();

const out = { completed: false, steps: [], events: [], requests: [], sockets: [], uncaught: [] };
let seq = 0;
let currentStep = "load";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function emit(code) {
  out.elapsed_ms = Date.now() - T0;
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(code));
}
const watchdog = setTimeout(() => { out.aborted = `total timeout in step ${currentStep}`; emit(3); }, TOTAL_TIMEOUT_MS);
process.on("unhandledRejection", (e) => out.uncaught.push({ step: currentStep, error: String(e && (e.message || e.code) || e) }));
process.on("uncaughtException", (e) => out.uncaught.push({ step: currentStep, error: String(e && e.message || e) }));

function parse(text) { try { return JSON.parse(text); } catch { return text; } }

// ---------------------------------------------------------------- what the SDK sees as a browser
class MemoryStorage {
  constructor() { this._m = new Map(); }
  get length() { return this._m.size; }
  key(i) { return [...this._m.keys()][i] ?? null; }
  getItem(k) { return this._m.has(String(k)) ? this._m.get(String(k)) : null; }
  setItem(k, v) { this._m.set(String(k), String(v)); }
  removeItem(k) { this._m.delete(String(k)); }
  clear() { this._m.clear(); }
}

function recordingFetch(instance) {
  return async (input, init = {}) => {
    const url = typeof input === "string" ? input : String(input.url || input);
    const rec = { seq: ++seq, step: currentStep, instance, method: (init.method || "GET").toUpperCase(), url };
    out.requests.push(rec);
    try {
      // Node's fetch refuses the SDK's `referrer: "no-referrer"` (no page to resolve it against).
      const res = await fetch(url, { method: rec.method, headers: init.headers, body: init.body, redirect: "follow" });
      rec.status = res.status;
      rec.response = parse(await res.clone().text());
      return res;
    } catch (e) {
      rec.error = String(e && (e.cause && e.cause.code || e.message) || e);
      throw e;
    }
  };
}

function recordingWebSocket(instance) {
  // The runtime's own WebSocket, recording what goes each way and how it ends.
  return class extends globalThis.WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const rec = { instance, step: currentStep, url: String(url), opened: false, sent: [], received: [], close: null, error: null };
      this._rec = rec;
      out.sockets.push(rec);
      this.addEventListener("open", () => { rec.opened = true; });
      this.addEventListener("message", (e) => rec.received.push({ seq: ++seq, step: currentStep, frame: parse(e.data) }));
      this.addEventListener("close", (e) => { rec.close = { seq: ++seq, step: currentStep, code: e.code, reason: e.reason }; });
      this.addEventListener("error", (e) => { rec.error = String(e && e.message || "error"); });
    }
    send(data) { this._rec.sent.push({ seq: ++seq, step: currentStep, frame: parse(data) }); super.send(data); }
  };
}

function sandbox(instance) {
  const sb = {
    console: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask,
    TextEncoder, TextDecoder, URL, URLSearchParams, AbortController, Blob, FormData, Headers, Request, Response,
    Event, EventTarget, atob, btoa, structuredClone, crypto: webcrypto,
    fetch: recordingFetch(instance),
    WebSocket: recordingWebSocket(instance),
    localStorage: new MemoryStorage(),
    sessionStorage: new MemoryStorage(),
    navigator: { userAgent: `cometchat-nb-conformance Node/${process.versions.node}`, language: "en-US", languages: ["en-US"], platform: "Linux", onLine: true },
    document: { hasFocus: () => true, querySelector: () => null, addEventListener() {}, removeEventListener() {}, visibilityState: "visible", hidden: false },
    location: { href: "http://localhost/", origin: "http://localhost", protocol: "http:", host: "localhost", hostname: "localhost", pathname: "/" },
    screen: { width: 1920, height: 1080 },
    matchMedia: (q) => ({ matches: false, media: q, addListener() {}, removeListener() {} }),
    addEventListener() {}, removeEventListener() {}, dispatchEvent: () => true,
  };
  sb.module = { exports: {} };
  sb.exports = sb.module.exports;
  const ctx = vm.createContext(sb);
  sb.window = ctx;
  sb.self = ctx;
  return { sb, ctx };
}

function sdkScript() {
  const require = createRequire(path.join(env.SDK_DIR, "node_modules", "__probe__.js"));
  const file = require.resolve(PKG);
  out.sdk_version = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "package.json"), "utf8")).version;
  return new vm.Script(fs.readFileSync(file, "utf8"), { filename: file });
}

function load(script, instance) {
  const { sb, ctx } = sandbox(instance);
  script.runInContext(ctx);
  const CC = sb.module.exports.CometChat;
  const ev = (event, extra) => out.events.push({ seq: ++seq, step: currentStep, instance, event, ...extra });
  CC.addConnectionListener("conformance", new CC.ConnectionListener({
    inConnecting: () => ev("inConnecting"),
    onConnected: () => ev("onConnected"),
    onDisconnected: () => ev("onDisconnected"),
  }));
  CC.addUserListener("conformance", new CC.UserListener({
    onUserOnline: (u) => ev("onUserOnline", { uid: u.getUid(), status: u.getStatus() }),
    onUserOffline: (u) => ev("onUserOffline", { uid: u.getUid(), status: u.getStatus() }),
  }));
  return CC;
}

async function step(name, fn, ms = STEP_TIMEOUT_MS) {
  currentStep = name;
  const rec = { step: name, ok: false, result: null, error: null };
  out.steps.push(rec);
  let timer;
  try {
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject({ code: "HARNESS_TIMEOUT" }), ms); });
    rec.result = JSON.parse(JSON.stringify((await Promise.race([Promise.resolve().then(fn), timeout])) ?? null));
    rec.ok = true;
  } catch (e) {
    rec.error = { code: e && e.code || null, message: String(e && e.message || e) };
  } finally {
    clearTimeout(timer);
  }
  return rec;
}

// Wait (bounded) until `found()` is truthy; its value, else a HARNESS_TIMEOUT rejection.
async function until(found, ms = STEP_TIMEOUT_MS - 500) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = found();
    if (value) return value;
    await sleep(50);
  }
  throw { code: "HARNESS_TIMEOUT", message: `not seen within ${ms} ms` };
}

const received = (instance, test) => out.sockets.filter((s) => s.instance === instance).flatMap((s) => s.received).find((r) => test(r.frame));
const authAnswered = (instance) => received(instance, (f) => f && f.type === "auth" && f.body && f.body.code === "200");
const event = (instance, name, uid) => out.events.find((e) => e.instance === instance && e.event === name && (!uid || e.uid === uid));

async function main() {
  const script = sdkScript();
  const sdk = { A: load(script, "A"), B: load(script, "B") };
  for (const name of ["A", "B"]) {
    const CC = sdk[name];
    const settings = new CC.AppSettingsBuilder().setRegion("eu").subscribePresenceForAllUsers()
      .overrideClientHost(`${HOST}/v3.0`).overrideAdminHost(`${HOST}/v3.0`).build();
    await step(`init_${name}`, () => CC.init(APP_ID, settings));
  }
  for (const name of ["A", "B"]) {
    await step(`createUser_${name}`, () => { const u = new sdk.A.User(UIDS[name]); u.setName(`Socket ${name}`); return sdk.A.createUser(u, AUTH_KEY); });
  }
  await step("login_B", () => sdk.B.login(UIDS.B, AUTH_KEY));
  await step("connected_B", async () => { await until(() => authAnswered("B")); return sdk.B.getConnectionStatus(); });
  await step("login_A", () => sdk.A.login(UIDS.A, AUTH_KEY));
  await step("connected_A", async () => { await until(() => authAnswered("A")); return sdk.A.getConnectionStatus(); });
  await step("B_sees_A_online", () => until(() => event("B", "onUserOnline", UIDS.A)));
  await step("getUser_A_by_B_online", () => sdk.B.getUser(UIDS.A));
  await step("getOnlineUserCount_A", () => sdk.A.getOnlineUserCount());
  await step("getOnlineUserCount_B", () => sdk.B.getOnlineUserCount());
  // The SDK pings 15 s after its auth answer; the emulator must pong within 3 s.
  await step("ping_pong_A", async () => {
    const ping = await until(() => out.sockets.filter((s) => s.instance === "A").flatMap((s) => s.sent).find((r) => r.frame && r.frame.action === "ping"), PING_WAIT_MS);
    const pong = await until(() => received("A", (f) => f && f.action === "pong"), 4000);
    return { ping: ping.frame, pong: pong.frame, ping_seq: ping.seq, pong_seq: pong.seq };
  }, PING_WAIT_MS + 5000);
  await step("logout_A", () => sdk.A.logout());
  await step("B_sees_A_offline", () => until(() => event("B", "onUserOffline", UIDS.A)));
  await step("A_socket_closed", () => until(() => out.sockets.find((s) => s.instance === "A" && s.close)).then((s) => s.close));
  await step("getUser_A_by_B_offline", () => sdk.B.getUser(UIDS.A));
  await step("getOnlineUserCount_B_after", () => sdk.B.getOnlineUserCount());
  await step("logout_B", () => sdk.B.logout());
  await sleep(300);  // let the last close land
  out.completed = true;
}

main().then(
  () => { clearTimeout(watchdog); emit(0); },
  (e) => { clearTimeout(watchdog); out.fatal = String(e && e.stack || e); emit(2); },
);
