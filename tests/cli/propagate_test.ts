/**
 * `heartbeat propagate` against real OpenSSH: sshd (Debian openssh-server, started by the
 * test itself, never the system service) in the namespaces of a private TestLan, with a
 * test-only host key and client key in a temp dir; node names map to addresses through a
 * temp ssh_config passed with `--ssh "ssh -F cfg"`.
 */
import assert from "node:assert/strict";
import { MAIN, runMain } from "../helpers/run.ts";
import { netnsUnavailable, TestLan } from "../helpers/netns.ts";

const SSHD = "/usr/sbin/sshd";
const SFTP_SERVER = "/usr/lib/openssh/sftp-server";
const dec = new TextDecoder();

async function sh(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
}

async function writeConfig(dir: string, nodes: string[]): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const cfg = `${dir}/ha.cf`;
  await Deno.writeTextFile(cfg, `# test cluster\nbcast eth0\nnode ${nodes.join(" ")}\n`);
  await Deno.chmod(cfg, 0o640);
  await Deno.writeTextFile(
    `${dir}/authkeys`,
    `auth 1\n1 sha1 ${crypto.randomUUID().replaceAll("-", "")}\n`,
  );
  await Deno.chmod(`${dir}/authkeys`, 0o600);
  return cfg;
}

Deno.test("propagate --dry-run: names every other node and copies nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cfg = await writeConfig(`${dir}/etc`, ["alpha", "beta", "gamma"]);
    const r = await runMain([
      "propagate",
      "-c",
      cfg,
      "--node",
      "beta",
      "--dry-run",
      "--ssh",
      "ssh -F /nonexistent/cfg -i key",
      "--user",
      "root",
      "--strict-host-key-checking",
      "yes",
      "--remote-dir",
      `${dir}/remote`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^alpha: would copy .*ha\.cf -> alpha:.*\/remote\/ha\.cf/m);
    assert.match(r.stdout, /^gamma: would copy /m);
    assert.doesNotMatch(r.stdout, /^beta:/m, "this node is skipped");
    assert.match(r.stdout, /scp -p -F \/nonexistent\/cfg -i key -o BatchMode=yes/);
    assert.match(r.stdout, /-o StrictHostKeyChecking=yes -o User=root -- STAGE\//);
    assert.match(r.stdout, /chmod 0600 [^;]*\.authkeys\.hbts-propagate-/);
    assert.match(r.stdout, /chmod 0640 [^;]*\.ha\.cf\.hbts-propagate-/);
    await assert.rejects(Deno.stat(`${dir}/remote`), "dry run created nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("propagate: a configuration that does not load is not spread (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cfg = await writeConfig(`${dir}/etc`, ["alpha", "beta"]);
    await Deno.writeTextFile(cfg, "bcast eth0\nnode alpha beta\nkeepalive soon\n");
    const r = await runMain(["propagate", "-c", cfg, "--node", "alpha", "--dry-run"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /keepalive/);
    assert.match(r.stderr, /does not load .*fix it before copying/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("propagate: bad options are usage errors", async () => {
  const r = await runMain(["propagate", "--strict-host-key-checking", "maybe"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /yes, accept-new or no/);
  const q = await runMain(["propagate", "--ssh", "ssh -o 'unterminated"]);
  assert.equal(q.code, 2);
  assert.match(q.stderr, /unterminated ' quote/);
});

const skip = await netnsUnavailable() ??
  (await Deno.stat(SSHD).then(
    () => null,
    () => `${SSHD} missing (apt-get install openssh-server)`,
  ));

/** Starts sshd in node K's namespace; resolves once it listens. */
async function startSshd(lan: TestLan, k: number, config: string): Promise<Deno.ChildProcess> {
  const child = lan.command(k, SSHD, ["-D", "-e", "-f", config], {
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 10_000;
  while (!/Server listening on/.test(seen)) {
    if (Date.now() > deadline) throw new Error(`sshd on node ${k} did not start: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`sshd on node ${k} exited: ${seen}`);
    seen += value;
  }
  // Keep draining so sshd never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return child;
}

Deno.test({
  name: "propagate: real sshd — one node updated, an unreachable and a refusing node named",
  ignore: skip !== null,
  sanitizeResources: false,
  async fn() {
    // sshd insists on its privilege separation directory (the service would create it).
    await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const t = await Deno.makeTempDir({ prefix: "hbts-prop-" });
    const lan = await TestLan.up(4);
    const sshds: Deno.ChildProcess[] = [];
    try {
      await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${t}/hostkey`]);
      await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", `${t}/clientkey`]);
      await Deno.copyFile(`${t}/clientkey.pub`, `${t}/authorized_keys`);
      await Deno.writeTextFile(`${t}/no_keys`, "");
      const hostPub = (await Deno.readTextFile(`${t}/hostkey.pub`)).trim();
      for (const [k, keys] of [[2, "authorized_keys"], [4, "no_keys"]] as const) {
        await Deno.writeTextFile(
          `${t}/sshd_${k}`,
          [
            "Port 2222",
            `ListenAddress ${lan.ip(k)}`,
            `HostKey ${t}/hostkey`,
            "PidFile none",
            `AuthorizedKeysFile ${t}/${keys}`,
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            `Subsystem sftp ${SFTP_SERVER}`,
            "",
          ].join("\n"),
        );
        sshds.push(await startSshd(lan, k, `${t}/sshd_${k}`));
      }
      await Deno.writeTextFile(
        `${t}/known_hosts`,
        `[${lan.ip(2)}]:2222 ${hostPub}\n[${lan.ip(4)}]:2222 ${hostPub}\n`,
      );
      const sshConfig = `${t}/ssh_config`;
      await Deno.writeTextFile(
        sshConfig,
        [2, 3, 4].map((k) => `Host node${k}\n  HostName ${lan.ip(k)}\n`).join("") +
          [
            "Host *",
            "  Port 2222",
            "  User root",
            `  IdentityFile ${t}/clientkey`,
            "  IdentitiesOnly yes",
            `  UserKnownHostsFile ${t}/known_hosts`,
            "  GlobalKnownHostsFile /dev/null",
            "  StrictHostKeyChecking yes",
            "",
          ].join("\n"),
      );

      const propagate = async (cfg: string, remote: string) => {
        const out = await lan.command(1, Deno.execPath(), [
          "run",
          "-A",
          "--unstable-net",
          MAIN,
          "propagate",
          "-c",
          cfg,
          "--node",
          "node1",
          "--ssh",
          `ssh -F ${sshConfig}`,
          "--remote-dir",
          remote,
          "--connect-timeout",
          "2",
        ], { stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } }).output();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };

      // node3 is unreachable: its switch port is down, so nothing answers for its address.
      await lan.port(3, false);
      // An old, too-open authkeys on the node is replaced by a private one.
      const remote = `${t}/remote`;
      await Deno.mkdir(remote);
      await Deno.writeTextFile(`${remote}/authkeys`, "auth 1\n1 crc\n");
      await Deno.chmod(`${remote}/authkeys`, 0o644);

      const cfg = await writeConfig(`${t}/local`, ["node1", "node2", "node3", "node4"]);
      const r = await propagate(cfg, remote);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^node2\s+ok\s+updated /m);
      assert.match(r.stdout, /^node3\s+FAILED\s+copy failed: scp: .*(No route to host|timed out)/m);
      assert.match(r.stdout, /^node4\s+FAILED\s+copy failed: scp: .*Permission denied/m);
      assert.doesNotMatch(r.stdout, /^node1/m);
      assert.match(r.stderr, /2 of 3 node\(s\) not updated: node3, node4/);
      assert.equal(
        await Deno.readTextFile(`${remote}/ha.cf`),
        await Deno.readTextFile(cfg),
      );
      assert.equal(
        await Deno.readTextFile(`${remote}/authkeys`),
        await Deno.readTextFile(`${t}/local/authkeys`),
      );
      assert.equal((await Deno.stat(`${remote}/authkeys`)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(`${remote}/ha.cf`)).mode! & 0o777, 0o640);
      const left = [];
      for await (const e of Deno.readDir(remote)) left.push(e.name);
      assert.deepEqual(left.sort(), ["authkeys", "ha.cf"], "no temporaries left behind");

      // Every node reachable: exit 0.
      const cfg2 = await writeConfig(`${t}/local2`, ["node1", "node2"]);
      const r2 = await propagate(cfg2, `${t}/remote`);
      assert.equal(r2.code, 0, `${r2.stdout}\n${r2.stderr}`);
      assert.match(r2.stdout, /^node2\s+ok/m);
      assert.match(r2.stdout, /all 1 node\(s\) updated/);
      assert.equal(
        await Deno.readTextFile(`${remote}/authkeys`),
        await Deno.readTextFile(`${t}/local2/authkeys`),
      );
    } finally {
      for (const c of sshds) {
        try {
          c.kill("SIGTERM");
        } catch { /* gone */ }
        await c.status;
      }
      await lan.down();
      await Deno.remove(t, { recursive: true });
    }
  },
});
