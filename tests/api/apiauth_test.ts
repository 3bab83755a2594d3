import assert from "node:assert/strict";
import { authorize, buildAuthTable, parseIdFile } from "../../src/api/apiauth.ts";
import { BUILTIN_APIAUTH } from "../../src/config/mod.ts";

const PASSWD =
  "root:x:0:0:root:/root:/bin/bash\n# comment\nhacluster:x:106:105::/var/lib/heartbeat:/usr/sbin/nologin\nbroken line\n";
const GROUP = "root:x:0:\nhaclient:x:105:\n";
const db = { users: parseIdFile(PASSWD), groups: parseIdFile(GROUP) };
const builtins = BUILTIN_APIAUTH.map((b) => ({ ...b, builtin: true }));

Deno.test("apiauth: passwd/group parsing skips comments and broken lines", () => {
  assert.deepEqual([...db.users], [["root", 0], ["hacluster", 106]]);
  assert.deepEqual(db.groups.get("haclient"), 105);
});

Deno.test("apiauth: casual clients use anon (root or gid haclient, like cl_status)", () => {
  const t = buildAuthTable(builtins, db);
  assert.deepEqual(t.unresolved, []);
  assert.equal(authorize(t, undefined, 0, 105).ok, true); // root, setgid haclient
  assert.equal(authorize(t, undefined, 1000, 105).ok, true); // any user via setgid cl_status
  const no = authorize(t, undefined, 1000, 1000);
  assert.equal(no.ok, false);
  if (!no.ok) assert.equal(no.reason, "client failed authorization");
});

Deno.test("apiauth: named client checked against its own entry (real api_test refusal)", () => {
  const t = buildAuthTable(builtins, db);
  // Real 3.0.6 refused api_test as "ping" with uid 0 gid 0 and accepted gid 105.
  assert.equal(authorize(t, "ping", 0, 0).ok, false);
  assert.equal(authorize(t, "ping", 0, 105).ok, true);
  assert.equal(authorize(t, "ccm", 106, 106).ok, true);
  assert.equal(authorize(t, "ccm", 0, 0).ok, false);
});

Deno.test("apiauth: unknown named client without a default entry is refused with advice", () => {
  const t = buildAuthTable(builtins, db);
  const r = authorize(t, "myapp", 0, 0);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.reason, "no default client auth");
    assert.match(r.detail, /apiauth myapp/);
  }
  const withDefault = buildAuthTable([...builtins, {
    group: "default",
    uids: ["root"],
    gids: [],
    builtin: false,
  }], db);
  assert.equal(authorize(withDefault, "myapp", 0, 0).ok, true);
});

Deno.test("apiauth: explicit line overrides the built-in one; numeric ids and unknown names", () => {
  const t = buildAuthTable([
    ...builtins,
    { group: "ccm", uids: ["4242", "nobody-here"], gids: ["haclient"], builtin: false },
  ], db);
  assert.equal(authorize(t, "ccm", 4242, 1).ok, true);
  assert.equal(authorize(t, "ccm", 106, 1).ok, false); // hacluster no longer listed
  assert.equal(authorize(t, "ccm", 1, 105).ok, true);
  assert.deepEqual(t.unresolved, ['apiauth ccm: user "nobody-here" is not on this system']);
});
