// User management with CometChat's official JS SDK 4.2.0, its socket on, against a local emulator
// served over TLS: getUser, the users request with each filter over several pages, updateUser,
// updateCurrentUserDetails, blocking and both blocked lists, hideBlockedUsers; and what the socket
// drives: the ConnectionListener, presence heard by the other instances (ALL_USERS and FRIENDS
// subscriptions), getOnlineUserCount, the SDK's ping, logout closing the socket. Prints ONE JSON
// document (see harness.mjs); the Python tests assert, and replay the same calls with cometchat-nb
// (tests/conformance/test_sdk_users.py, test_sdk_socket.py).
//
// Run with TLS=1, NODE_EXTRA_CA_CERTS naming the emulator's certificate and `node
// --experimental-websocket` (Node 20; from 22 on without). Only the client and admin hosts are
// overridden: the socket and the online count go where the login settings say.
// Env: those of harness.mjs, and optional PING_WAIT_MS (default 20000).
// Users are named after UID (the run's prefix P): P-me (instance A, presence of its friends),
// P-alice ... P-erin; instance B logs in as P-bob (presence of all users), instance C as P-erin
// (a friend of P-me; no presence). Setup goes through the REST API key (the harness's own fetch).

import {
  APP_ID, AUTH_KEY, BASE, H, MemoryStorage, REST_API_KEY, UID as P, addListener, addSocketListeners,
  compileSdk, cur, env, frames, loadSdk, out, realFetch, run, step, until,
} from "./harness.mjs";

const PING_WAIT_MS = Number(env.PING_WAIT_MS || 20000);
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
Object.assign(out, { setup: [], users: U, role: ROLE });

/** One REST call of the setup (API key), recorded in `out.setup`; throws on an error answer. */
async function rest(method, path, body) {
  const res = await realFetch(`${BASE}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { appId: APP_ID, apiKey: REST_API_KEY, "Content-Type": "application/json", Accept: "application/json" },
  });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { json = text; }
  out.setup.push({ method, path, body: body ?? null, status: res.status, response: json });
  if (res.status !== 200) throw { code: (json && json.error && json.error.code) || "HARNESS_SETUP_FAILED", message: `${method} ${path}: HTTP ${res.status}` };
  return json.data;
}

/** A fresh SDK instance (own vm context, socket on), initialised with `subscribe` applied to its
 * settings builder, logged in as `uid`, and connected: its socket's auth answered. */
async function instance(name, uid, subscribe) {
  cur.instance = name;
  const { CometChat } = loadSdk(name, new MemoryStorage(), { socket: true });
  addListener(CometChat, name);
  addSocketListeners(CometChat, name);
  const settings = subscribe(new CometChat.AppSettingsBuilder().setRegion("eu").overrideClientHost(H).overrideAdminHost(H));
  await step(`${name}.init`, () => CometChat.init(APP_ID, settings.build()));
  await step(`${name}.login`, () => CometChat.login(uid, AUTH_KEY));
  await step(`${name}.connected`, async () => {
    await until(() => frames(name, "received").find((r) => r.frame && r.frame.type === "auth" && r.frame.body && r.frame.body.code === "200"));
    return CometChat.getConnectionStatus();
  });
  return CometChat;
}

/** Run `fn` as instance `name`'s step. */
async function as(name, stepName, fn, options) {
  cur.instance = name;
  return step(stepName, fn, options);
}

/** `name` heard `uid` come online ("onUserOnline") or go offline ("onUserOffline"). */
const heard = (name, event, uid) => as(name, `${name}.heard.${event}.${uid.slice(P.length + 1)}`,
  () => until(() => out.events.find((e) => e.instance === name && e.event === event && e.uid === uid)));

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

  // A hears only of its friends (alice, erin), so not of bob; online users are listed first.
  const A = await instance("A", U.me, (b) => b.subscribePresenceForFriends());
  const B = await instance("B", U.bob, (b) => b.subscribePresenceForAllUsers());
  await as("A", "A.getOnlineUserCount", () => A.getOnlineUserCount());
  await as("B", "B.getOnlineUserCount", () => B.getOnlineUserCount());
  await as("B", "B.getUser.online", () => B.getUser(U.me));
  cur.instance = "A";

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
  await as("B", "B.getUser.hasBlockedMe", () => B.getUser(U.me));
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

  // erin (a friend of me) comes online: both A and B hear it; A heard nothing before (not bob).
  const C = await instance("C", U.erin, (b) => b);
  await heard("B", "onUserOnline", U.erin);
  await heard("A", "onUserOnline", U.erin);
  // The SDK pings 15 s after its auth answer; the emulator must pong within 3 s.
  await as("A", "A.ping_pong", async () => {
    const ping = await until(() => frames("A", "sent").find((r) => r.frame && r.frame.action === "ping"), PING_WAIT_MS);
    const pong = await until(() => frames("A", "received").find((r) => r.frame && r.frame.action === "pong"), 4000);
    return { ping: ping.frame, pong: pong.frame, ping_seq: ping.seq, pong_seq: pong.seq };
  }, { timeout: PING_WAIT_MS + 5000 });
  await as("C", "C.logout", () => C.logout());
  await heard("A", "onUserOffline", U.erin);
  await heard("B", "onUserOffline", U.erin);
  await as("A", "A.logout", () => A.logout());
  await as("A", "A.socket_closed", () => until(() => out.sockets.find((s) => s.instance === "A" && s.close)).then((s) => s.close));
  await heard("B", "onUserOffline", U.me);
  await as("B", "B.getUser.offline", () => B.getUser(U.me));
  await as("B", "B.getOnlineUserCount.after", () => B.getOnlineUserCount());
  await as("B", "B.logout", () => B.logout());
  await until(() => out.sockets.every((s) => s.close)).catch(() => null);  // let the last closes land
}

run(main);
