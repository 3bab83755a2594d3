import assert from "node:assert/strict";
import { collectHelp, renderManPage } from "../../src/ops/manpage.ts";
import { runMain } from "../helpers/run.ts";

async function groffWarnings(source: string): Promise<string> {
  const child = new Deno.Command("groff", {
    args: ["-man", "-Tutf8", "-ww", "-z"],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(source));
  await w.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stderr);
}

const hasGroff = (() => {
  try {
    return new Deno.Command("groff", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

Deno.test("manpage: built from the real CLI's help, every command with its usage", async () => {
  const help = await collectHelp();
  if (!help.ok) throw new Error(help.error);
  const names = help.value.commands.map((c) => c.name);
  for (const n of ["start", "status", "propagate", "keygen", "manpage"]) {
    assert.ok(names.includes(n), `${n} missing from ${names.join(",")}`);
  }
  const propagate = help.value.commands.find((c) => c.name === "propagate")!;
  assert.match(propagate.help ?? "", /^usage: heartbeat propagate/);
  // `version` prints no usage text: listed with its summary only.
  assert.equal(help.value.commands.find((c) => c.name === "version")?.help, null);
  assert.match(help.value.version, /^\d+\.\d+\.\d+/);

  const page = renderManPage(help.value, new Date("2026-01-02T00:00:00Z"));
  assert.match(page, /^\.TH HEARTBEAT 8 "2026-01-02" "heartbeat\\-ts \d/m);
  assert.match(page, /^\.SS propagate$/m);
  assert.match(page, /\\\-\\\-dry\\\-run/, "option dashes are escaped");
  if (hasGroff) assert.equal(await groffWarnings(page), "", "groff -ww has no warnings");
});

Deno.test("manpage: help lines that look like roff requests are escaped", () => {
  const page = renderManPage({
    version: "1.2.3",
    commands: [{ name: "x", summary: "does x", help: "usage: x\n.TH not a request\n'quote\na\\b" }],
  }, new Date(0));
  assert.match(page, /^\\&\.TH not a request$/m);
  assert.match(page, /^\\&'quote$/m);
  assert.match(page, /^a\\eb$/m);
  assert.doesNotMatch(page, /^\.TH not/m);
});

Deno.test("heartbeat manpage --output writes the page; help lists the command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runMain(["manpage", "--output", `${dir}/heartbeat.8`]);
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(`${dir}/heartbeat.8`);
    assert.match(text, /^\.SH COMMANDS$/m);
    assert.match(text, /usage: heartbeat start/);
    const bad = await runMain(["manpage", "--output", `${dir}/no/such/dir/x.8`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot write/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
