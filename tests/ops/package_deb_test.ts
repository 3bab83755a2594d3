/**
 * scripts/package_deb.ts builds a real .deb with dpkg-deb. `deno compile` cannot run here
 * (no denort), so the package gets a TEST STAND-IN executable: a labelled shell script
 * that answers `version` like heartbeat does. It checks the packaging, not the daemon.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { VERSION } from "../../src/version.ts";

const SCRIPT = new URL("../../scripts/package_deb.ts", import.meta.url).pathname;
const dec = new TextDecoder();

const hasDpkgDeb = (() => {
  try {
    return new Deno.Command("dpkg-deb", { args: ["--version"], stdout: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

async function packageDeb(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function dpkgDeb(args: string[]): Promise<string> {
  const out = await new Deno.Command("dpkg-deb", { args, stdout: "piped", stderr: "piped" })
    .output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

async function standIn(dir: string, version: string): Promise<string> {
  const path = `${dir}/heartbeat-STAND-IN`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
# TEST STAND-IN for the compiled heartbeat binary (deno compile cannot run here).
# It only answers "version" so package_deb.ts accepts it. It is NOT heartbeat.
[ "$1" = version ] && echo "heartbeat-ts ${version}" && exit 0
echo "test stand-in: not heartbeat" >&2; exit 1
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test({
  name: "package_deb: builds a .deb holding binary, unit, man page and examples",
  ignore: !hasDpkgDeb,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const bin = await standIn(dir, VERSION);
      const r = await packageDeb(["--binary", bin, "--out", `${dir}/out`, "--arch", "amd64"]);
      assert.equal(r.code, 0, r.stderr);
      const deb = `${dir}/out/heartbeat-ts_${VERSION}_amd64.deb`;
      assert.match(r.stdout, new RegExp(`built ${deb.replace(/[.]/g, "\\.")}`));

      const info = await dpkgDeb(["--info", deb]);
      assert.match(info, /^ Package: heartbeat-ts$/m);
      assert.match(info, new RegExp(`^ Version: ${VERSION.replace(/\./g, "\\.")}$`, "m"));
      assert.match(info, /^ Architecture: amd64$/m);
      assert.match(info, /^ Installed-Size: \d+$/m);
      assert.match(info, /^ Description: Linux-HA Heartbeat 3/m);
      assert.doesNotMatch(info, /NO \/usr\/sbin\/heartbeat/);
      const fields = await dpkgDeb(["--field", deb, "Package", "Version"]);
      assert.equal(fields, `Package: heartbeat-ts\nVersion: ${VERSION}\n`);

      const contents = await dpkgDeb(["--contents", deb]);
      const entry = (path: string) =>
        contents.split("\n").find((l) => l.endsWith(` ./${path}`)) ?? "";
      assert.match(entry("usr/sbin/heartbeat"), /^-rwxr-xr-x root\/root/);
      assert.match(entry("lib/systemd/system/heartbeat.service"), /^-rw-r--r-- root\/root/);
      assert.match(entry("usr/share/man/man8/heartbeat.8.gz"), /^-rw-r--r-- root\/root/);
      for (const ex of ["ucast-2node/ha.cf", "mcast-3node/authkeys", "README.md"]) {
        assert.match(entry(`usr/share/doc/heartbeat-ts/examples/${ex}`), /^-rw-r--r--/, ex);
      }
      assert.equal(entry("usr/share/doc/heartbeat-ts/examples/heartbeat.service"), "");

      // Unpacked: the binary is the one given, the man page documents the commands.
      await dpkgDeb(["-x", deb, `${dir}/root`]);
      assert.deepEqual(
        await Deno.readFile(`${dir}/root/usr/sbin/heartbeat`),
        await Deno.readFile(bin),
      );
      const man = dec.decode(
        gunzipSync(await Deno.readFile(`${dir}/root/usr/share/man/man8/heartbeat.8.gz`)),
      );
      assert.match(man, /^\.TH HEARTBEAT 8 /m);
      assert.match(man, /^\.SS propagate$/m);
      assert.match(man, /usage: heartbeat start/);
      const unit = await Deno.readTextFile(`${dir}/root/lib/systemd/system/heartbeat.service`);
      assert.match(unit, /^Type=notify$/m);
      assert.match(unit, /^ExecStart=\/usr\/sbin\/heartbeat start/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "package_deb: a missing binary fails clearly; --allow-missing-binary marks the package",
  ignore: !hasDpkgDeb,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const r = await packageDeb(["--binary", `${dir}/nope`, "--out", `${dir}/out`]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /nope does not exist: deno task compile has not built it/);
      assert.match(r.stderr, /--allow-missing-binary/);
      await assert.rejects(Deno.stat(`${dir}/out`), "nothing built");

      const a = await packageDeb([
        "--binary",
        `${dir}/nope`,
        "--out",
        `${dir}/out`,
        "--arch",
        "arm64",
        "--allow-missing-binary",
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stderr, /WARNING: .*WITHOUT \/usr\/sbin\/heartbeat/);
      const deb = `${dir}/out/heartbeat-ts_${VERSION}_arm64.NO-BINARY.deb`;
      const contents = await dpkgDeb(["--contents", deb]);
      assert.doesNotMatch(contents, /usr\/sbin\/heartbeat/);
      assert.match(contents, /heartbeat\.8\.gz/);
      assert.match(await dpkgDeb(["--info", deb]), /NO \/usr\/sbin\/heartbeat: for inspection/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "package_deb: a binary of another version is refused",
  ignore: !hasDpkgDeb,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bin = await standIn(dir, "9.9.9-other");
    const r = await packageDeb(["--binary", bin, "--out", `${dir}/out`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /version says "heartbeat-ts 9\.9\.9-other", not heartbeat-ts/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
