// The scenario of spec §11: CometChat's official JS SDK 4.2.0 through the authentication guide
// against a local emulator; prints ONE JSON document describing what happened (see harness.mjs).
//
// Env: those of harness.mjs, and optional TELEMETRY_WAIT_MS (default 9000),
//      RESTORE_STORAGE ("shared" (default) or "copy"). See README.md in this folder.

import {
  APP_ID, AUTH_KEY, H, MemoryStorage, REST_API_KEY, UID, addListener, compileSdk, cur, env, loadSdk, out,
  realFetch, run, step,
} from "./harness.mjs";

const TELEMETRY_WAIT_MS = Number(env.TELEMETRY_WAIT_MS || 9000);
const RESTORE_STORAGE = env.RESTORE_STORAGE || "shared";
Object.assign(out, {
  extra_requests: [],  // SDK requests of item 31 (extra check after the scenario)
  mint: null,          // the harness's own POST .../auth_tokens for T2 (not an SDK request)
  restore: null,
});

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
  cur.instance = "A";
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
  cur.step = "25.mint_T2";
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
  cur.instance = "B";
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
  if (useB) CC = B.CometChat; else cur.instance = "A";
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
}

run(main);
