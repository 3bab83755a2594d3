import assert from "node:assert/strict";
import { planNode, shellQuote, splitWords } from "../../src/ops/propagate_plan.ts";

Deno.test("propagate plan: words split like a shell does for simple quoting", () => {
  assert.deepEqual(splitWords(`ssh -F '/a b/cfg' -o "User=x y" a\\ b`), {
    ok: true,
    value: ["ssh", "-F", "/a b/cfg", "-o", "User=x y", "a b"],
  });
  assert.equal(splitWords("  ").ok, false);
  assert.equal(splitWords(`ssh "open`).ok, false);
});

Deno.test("propagate plan: shell quoting survives a round trip through sh", async () => {
  for (const w of ["plain", "with space", "it's", "$HOME", "a;b", ""]) {
    const out = await new Deno.Command("sh", { args: ["-c", `printf %s ${shellQuote(w)}`] })
      .output();
    assert.equal(new TextDecoder().decode(out.stdout), w);
  }
});

Deno.test("propagate plan: ssh options are translated for scp", () => {
  const p = planNode(
    "n2",
    [{
      file: { local: "/etc/ha.d/authkeys", remote: "/etc/ha.d/authkeys", mode: 0o600 },
      staged: "/tmp/s/.authkeys.t",
      tmpName: ".authkeys.t",
    }],
    "/etc/ha.d",
    {
      ssh: ["/opt/myssh", "-p", "2200", "-l", "admin", "-F", "cfg", "-A", "-C"],
      connectTimeoutS: 4,
      hostKeyChecking: "accept-new",
    },
  );
  assert.deepEqual(p.copy, [
    "scp",
    "-p",
    "-S",
    "/opt/myssh",
    "-P",
    "2200",
    "-o",
    "User=admin",
    "-F",
    "cfg",
    "-C",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=4",
    "-o",
    "StrictHostKeyChecking=accept-new",
    "--",
    "/tmp/s/.authkeys.t",
    "n2:/etc/ha.d/",
  ]);
  assert.deepEqual(p.install.slice(0, 11), [
    "/opt/myssh",
    "-p",
    "2200",
    "-l",
    "admin",
    "-F",
    "cfg",
    "-A",
    "-C",
    "-o",
    "BatchMode=yes",
  ]);
  assert.equal(p.install.at(-2), "n2");
  assert.match(p.install.at(-1)!, /set -e; chmod 0600 \/etc\/ha\.d\/\.authkeys\.t; mv -f /);
});
