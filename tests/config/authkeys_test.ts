import assert from "node:assert/strict";
import { loadAuthkeys, parseAuthkeys } from "../../src/config/authkeys.ts";
import { formatIssue } from "../../src/config/errors.ts";

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function errors(text: string): string[] {
  const r = parseAuthkeys(text, "authkeys");
  if (r.ok) assert.fail("expected errors");
  return r.errors.map(formatIssue);
}

Deno.test("authkeys: several keys, comments, the send key, secrets as Heartbeat reads them", () => {
  const r = parseAuthkeys(
    "# keys\n\nauth 2\r\n1 sha1 first-secret\n  2 sha256 s3cr#t   \n3 md5 abc trailing words\n4 crc\n",
    "authkeys",
  );
  if (!r.ok) assert.fail(r.errors.map(formatIssue).join("\n"));
  const k = r.value;
  assert.equal(k.send.index, 2);
  assert.equal(k.send.method, "sha256");
  assert.equal(dec(k.send.secret), "s3cr#t");
  assert.deepEqual([...k.keys.keys()], [1, 2, 3, 4]);
  assert.equal(dec(k.keys.get(1)!.secret), "first-secret");
  assert.equal(dec(k.keys.get(3)!.secret), "abc", "only the first word, as sscanf %s in Heartbeat");
  assert.equal(k.keys.get(4)!.secret.length, 0);
  assert.deepEqual(r.warnings.map(formatIssue), [
    'authkeys:6: key 3: only the first word of the secret is used (as by Heartbeat); "trailing words" is ignored',
    "authkeys:7: key 4: crc gives no security: anyone on the network can forge messages; use sha256 (or sha1 with real Heartbeat nodes)",
  ]);
});

Deno.test("authkeys errors: index, duplicates, methods, secrets, auth line", () => {
  assert.deepEqual(
    errors(
      "auth 1\n0 sha1 x\n16 sha1 x\n1 sha1 a\n1 md5 b\n2 SHA1 x\n3 blowfish x\n4 md5\n5 crc secret\n6\nhello\n",
    ),
    [
      "authkeys:2: key 0: index 0 is out of range; use 1 to 15",
      "authkeys:3: key 16: index 16 is out of range; use 1 to 15",
      "authkeys:5: key 1: index 1 is defined twice (first at line 4); give each key its own index",
      'authkeys:6: key 2: unknown method "SHA1"; use one of crc, md5, sha1, sha256; write "sha1"',
      'authkeys:7: key 3: unknown method "blowfish"; use one of crc, md5, sha1, sha256',
      "authkeys:8: key 4: md5 needs a secret: `4 md5 SECRET` (`heartbeat keygen` makes one)",
      'authkeys:9: key 5: crc takes no secret (Heartbeat refuses one); remove "secret" or use sha1/sha256',
      "authkeys:10: key 6: no method; use `6 METHOD SECRET` with METHOD one of crc, md5, sha1, sha256",
      "authkeys:11: hello: not an authkeys line; use `auth N` or `N METHOD SECRET` (methods: crc, md5, sha1, sha256)",
    ],
  );
  assert.deepEqual(errors("1 sha1 x\n"), [
    "authkeys: auth: no `auth N` line; add one naming the key to send with, e.g. `auth 1`",
  ]);
  assert.deepEqual(errors("auth 3\n1 sha1 x\n"), [
    "authkeys:1: auth: names key 3, which is not defined (listed: 1); add `3 sha256 SECRET` or change the index",
  ]);
  assert.deepEqual(errors("auth one\nauth 1\n1 sha1 x\n"), [
    'authkeys:1: auth: "auth one" is not `auth N`; name the sending key\'s index, e.g. `auth 1`',
  ]);
  assert.deepEqual(errors("auth 1\nauth 1\n1 sha1 x\n"), [
    "authkeys:2: auth: a second auth line (first at line 1); keep one",
  ]);
});

async function withKeyFile(mode: number, f: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/authkeys`;
    await Deno.writeTextFile(path, "auth 1\n1 sha1 secret\n");
    await Deno.chmod(path, mode);
    await f(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadAuthkeys refuses group/other permissions with the fix", async () => {
  for (const mode of [0o644, 0o640, 0o604, 0o620]) {
    await withKeyFile(mode, async (path) => {
      const r = await loadAuthkeys(path);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const octal = mode.toString(8).padStart(4, "0");
      assert.deepEqual(r.errors.map(formatIssue), [
        `${path}: mode ${octal} lets group or others access the keys (Heartbeat refuses it too); fix: chmod 600 ${path}`,
      ]);
    });
  }
});

Deno.test("loadAuthkeys accepts 0600 and 0400", async () => {
  for (const mode of [0o600, 0o400]) {
    await withKeyFile(mode, async (path) => {
      const r = await loadAuthkeys(path);
      if (!r.ok) assert.fail(r.errors.map(formatIssue).join("\n"));
      assert.equal(dec(r.value.send.secret), "secret");
    });
  }
});

Deno.test("loadAuthkeys: missing file is a clear error", async () => {
  const r = await loadAuthkeys("/nonexistent/authkeys");
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(r.errors.map(formatIssue), [
      "/nonexistent/authkeys: file not found; check the path",
    ]);
  }
});
