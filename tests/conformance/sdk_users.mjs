// User management with CometChat's official JS SDK 4.2.0 against a local emulator: getUser, the users
// request with each filter over several pages, updateUser, updateCurrentUserDetails, blocking and
// both blocked lists, hideBlockedUsers. Prints ONE JSON document (see harness.mjs); the Python test
// asserts, and replays the same calls with cometchat-nb (tests/conformance/test_sdk_users.py).
//
// Env: those of harness.mjs, and SOCKET ("1": the SDK's default autoEstablishSocketConnection(true),
// each SDK instance getting the runtime's WebSocket; else off, and the harness's stub).
// Users are named after UID (the run's prefix P): P-me (instance A), P-alice ... P-erin;
// instance B logs in as P-bob. Setup goes through the REST API key (the harness's own fetch).

import {
  APP_ID, AUTH_KEY, H, MemoryStorage, REST_API_KEY, UID as P, addListener, compileSdk, cur, env, loadSdk,
  out, realFetch, run, step,
} from "./harness.mjs";

const SOCKET = env.SOCKET === "1";
const ROLE = `${P}-mod`;
const U = Object.fromEntries(["me", "alice", "bob", "carol", "dave", "erin"].map((n) => [n, `${P}-${n}`]));
// [uid, name, role, tags]: names sort apart from uids and from creation order
const PEOPLE = [
  [U.alice, `Zed ${P}`, "default", ["red"]],
  [U.bob, `Yan ${P}`, "default", ["red", "blue"]],
  [U.carol, `Xu ${P}`, ROLE, []],
  [U.dave, `Wu ${P}`, ROLE, []],
  [U.erin, `Vi ${P}`, "default", ["blue"]],
  [U.me, `Me ${P}`, "default", []],
];
const MAX_PAGES = 8;
Object.assign(out, { setup: [], users: U, role: ROLE, socket: SOCKET });

/** One REST call of the setup (API key), recorded in `out.setup`; throws on an error answer. */
async function rest(method, path, body) {
  const res = await realFetch(`http://${H}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { appId: APP_ID, apiKey: REST_API_KEY, "Content-Type": "application/json", Accept: "application/json" },
  });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { json = text; }
  out.setup.push({ method, path, body: body ?? null, status: res.status, response: json });
  if (res.status !== 200) throw { code: (json && json.error && json.error.code) || "HARNESS_SETUP_FAILED", message: `${method} ${path}: HTTP ${res.status}` };
  return json.data;
}

function buildSettings(CometChat) {
  return new CometChat.AppSettingsBuilder()
    .setRegion("eu")
    .autoEstablishSocketConnection(SOCKET)
    .overrideClientHost(H)
    .overrideAdminHost(H)
    .build();
}

/** A fresh SDK instance (own vm context), initialised and logged in as `uid`. */
async function instance(name, uid) {
  cur.instance = name;
  const sdk = loadSdk(name, new MemoryStorage(), { webSocket: SOCKET ? globalThis.WebSocket : undefined });
  addListener(sdk.CometChat, name);
  await step(`${name}.init`, () => sdk.CometChat.init(APP_ID, buildSettings(sdk.CometChat)));
  await step(`${name}.login`, () => sdk.CometChat.login(uid, AUTH_KEY));
  return sdk.CometChat;
}

/** `fetchNext()` until a page comes back empty (or fails), one step per page: `name.p1`, `name.p2`, ... */
async function pages(name, request) {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const rec = await step(`${name}.p${page}`, () => request.fetchNext());
    if (!rec.ok || !Array.isArray(rec.result) || rec.result.length === 0) return;
  }
}

const users = (CC, limit = 2) => new CC.UsersRequestBuilder().setLimit(limit);
const blocked = (CC, limit = 2) => new CC.BlockedUsersRequestBuilder().setLimit(limit);

async function main() {
  compileSdk();
  cur.step = "setup";
  await rest("POST", "/roles", { role: ROLE, name: "Moderator" }).catch(() => null);
  for (const [uid, name, role, tags] of PEOPLE) {
    const body = { uid, name, role };
    if (tags.length) body.tags = tags;
    await rest("POST", "/users", body).catch(() => null);
  }
  await rest("POST", `/users/${U.me}/friends`, { accepted: [U.alice, U.erin] }).catch(() => null);
  await rest("POST", `/users/${U.dave}/blockedusers`, { blockedUids: [U.me] }).catch(() => null);

  const B = await instance("B", U.bob);  // bob online too: the default order puts online users first
  const A = await instance("A", U.me);

  await step("getUser", () => A.getUser(U.alice));
  await pages("list.limit", users(A).setSearchKeyword(P).build());
  await pages("list.uids", users(A).setUIDs([U.alice, U.carol]).build());
  await pages("list.online", users(A).setSearchKeyword(P).setStatus(A.USER_STATUS.ONLINE).build());
  await pages("list.offline", users(A).setSearchKeyword(P).setStatus(A.USER_STATUS.OFFLINE).build());
  await pages("list.roles", users(A).setRoles([ROLE]).build());
  await pages("list.tags", users(A).setSearchKeyword(P).setTags(["red"]).withTags(true).build());
  await pages("list.searchIn_name", users(A).setSearchKeyword(`Zed ${P}`).searchIn(["name"]).build());
  await pages("list.searchIn_uid", users(A).setSearchKeyword(`Zed ${P}`).searchIn(["uid"]).build());
  await pages("list.friends", users(A).friendsOnly(true).build());
  await pages("list.sort_name_asc", users(A).setSearchKeyword(P).sortBy("name").sortByOrder("asc").build());
  await pages("list.sort_name_desc", users(A).setSearchKeyword(P).sortBy("name").sortByOrder("desc").build());
  await pages("list.default_order", users(A).setSearchKeyword(P).build());

  await step("blockUsers", () => A.blockUsers([U.bob, U.carol]));
  await step("getUser.blockedByMe", () => A.getUser(U.bob));
  await step("getUser.hasBlockedMe", () => A.getUser(U.dave));
  cur.instance = "B";
  await step("B.getUser.hasBlockedMe", () => B.getUser(U.me));
  cur.instance = "A";
  await pages("blocked.both", blocked(A).build());
  await pages("blocked.blockedByMe", blocked(A).blockedByMe().build());
  await pages("blocked.hasBlockedMe", blocked(A).hasBlockedMe().build());
  await pages("list.hideBlocked", users(A).setSearchKeyword(P).hideBlockedUsers(true).build());
  await step("unblockUsers", () => A.unblockUsers([U.bob, U.carol]));
  await step("getUser.unblocked", () => A.getUser(U.bob));
  await pages("blocked.blockedByMe_after", blocked(A).blockedByMe().build());

  await step("updateUser", () => { const u = new A.User(U.alice); u.setName(`Zed ${P} (updated)`); return A.updateUser(u, AUTH_KEY); });
  await step("updateCurrentUserDetails", () => { const u = new A.User(U.me); u.setName(`Me ${P} (updated)`); return A.updateCurrentUserDetails(u); });
  await step("getUser.after_update", () => A.getUser(U.alice));
}

run(main);
