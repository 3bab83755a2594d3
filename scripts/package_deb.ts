/**
 * Builds heartbeat-ts_VERSION_ARCH.deb with dpkg-deb: the compiled binary as
 * /usr/sbin/heartbeat, the systemd unit, heartbeat(8) generated from the CLI's help texts,
 * and the example configurations under /usr/share/doc/heartbeat-ts/examples.
 *
 *   deno run -A scripts/package_deb.ts [--binary dist/heartbeat] [--out dist]
 *                                      [--arch ARCH] [--allow-missing-binary]
 *
 * The binary comes from `deno task compile`, which needs the denort runtime; where that
 * cannot be had the binary is missing and this script says so and exits 1, unless
 * --allow-missing-binary builds a package without it (named *.NO-BINARY.deb), for
 * inspecting everything else. Exit: 0 built, 1 failed, 2 usage error.
 */
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { basename, dirname, join, relative } from "node:path";
import { VERSION } from "../src/version.ts";
import { collectHelp, renderManPage } from "../src/ops/manpage.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PACKAGE = "heartbeat-ts";

const USAGE = `usage: deno run -A scripts/package_deb.ts [--binary FILE] [--out DIR] [--arch ARCH]
                                            [--allow-missing-binary]
  --binary FILE            the compiled heartbeat (default dist/heartbeat, from deno task compile)
  --out DIR                where the .deb goes (default dist)
  --arch ARCH              Debian architecture (default: dpkg --print-architecture)
  --allow-missing-binary   without a binary, build a *.NO-BINARY.deb for inspection`;

function die(msg: string, code = 1): never {
  console.error(`package_deb: ${msg}`);
  Deno.exit(code);
}

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { code: o.code, out: (dec.decode(o.stdout) + dec.decode(o.stderr)).trim() };
  } catch (e) {
    return { code: 127, out: `${cmd}: ${e instanceof Error ? e.message : e}` };
  }
}

let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      binary: { type: "string", default: join(ROOT, "dist/heartbeat") },
      out: { type: "string", default: join(ROOT, "dist") },
      arch: { type: "string" },
      "allow-missing-binary": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }));
} catch (e) {
  die(`${e instanceof Error ? e.message : e}\n\n${USAGE}`, 2);
}
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if ((await run("dpkg-deb", ["--version"])).code !== 0) {
  die("dpkg-deb not found (apt-get install dpkg)");
}

let arch = values.arch;
if (arch === undefined) {
  const a = await run("dpkg", ["--print-architecture"]);
  arch = a.code === 0 ? a.out : "amd64";
}
if (!/^[a-z0-9-]+$/.test(arch)) die(`--arch ${arch}: not a Debian architecture name`, 2);

// The binary: present, executable, and reporting the version we package.
let binary: string | null = values.binary;
try {
  const st = await Deno.stat(binary);
  if (!st.isFile || ((st.mode ?? 0) & 0o111) === 0) {
    die(`${binary} is not an executable file`);
  }
  const v = await run(binary, ["version"]);
  if (v.code !== 0 || !v.out.includes(VERSION)) {
    die(
      `${binary} version says "${v.out}", not heartbeat-ts ${VERSION}; ` +
        `rebuild it with deno task compile`,
    );
  }
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  const why = `${binary} does not exist: deno task compile has not built it (here it ` +
    `cannot: it needs the denort runtime from dl.deno.land, or DENORT_BIN)`;
  if (!values["allow-missing-binary"]) {
    die(
      `${why}; not building a package without the daemon (--allow-missing-binary builds ` +
        `one for inspection)`,
    );
  }
  console.error(`package_deb: WARNING: ${why}; building a package WITHOUT /usr/sbin/heartbeat`);
  binary = null;
}

const stage = await Deno.makeTempDir({ prefix: "hbts-deb-" });
try {
  const put = async (rel: string, data: Uint8Array | string, mode: number) => {
    const p = join(stage, rel);
    await Deno.mkdir(dirname(p), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(p, data);
    else await Deno.writeFile(p, data);
    await Deno.chmod(p, mode);
  };
  if (binary) await put("usr/sbin/heartbeat", await Deno.readFile(binary), 0o755);
  await put(
    "lib/systemd/system/heartbeat.service",
    await Deno.readTextFile(join(ROOT, "examples/heartbeat.service")),
    0o644,
  );

  const help = await collectHelp();
  if (!help.ok) die(`cannot build the man page: ${help.error}`);
  const man = new TextEncoder().encode(renderManPage(help.value, new Date()));
  await put("usr/share/man/man8/heartbeat.8.gz", gzipSync(man, { level: 9 }), 0o644);

  // Example configurations: every file under examples/ except the unit (installed above).
  const docs = `usr/share/doc/${PACKAGE}`;
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && e.name !== "heartbeat.service") {
        const rel = relative(join(ROOT, "examples"), p);
        await put(`${docs}/examples/${rel}`, await Deno.readFile(p), 0o644);
      }
    }
  };
  await walk(join(ROOT, "examples"));
  await Deno.mkdir(join(stage, "etc/ha.d"), { recursive: true });

  // Directories 0755 whatever the umask was.
  const fixDirs = async (dir: string): Promise<void> => {
    await Deno.chmod(dir, 0o755);
    for await (const e of Deno.readDir(dir)) if (e.isDirectory) await fixDirs(join(dir, e.name));
  };
  await fixDirs(stage);

  let bytes = 0;
  const size = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await size(p);
      else bytes += (await Deno.stat(p)).size;
    }
  };
  await size(stage);

  const control = [
    `Package: ${PACKAGE}`,
    `Version: ${VERSION}`,
    `Architecture: ${arch}`,
    `Maintainer: heartbeat-ts developers <heartbeat-ts@localhost.invalid>`,
    `Installed-Size: ${Math.ceil(bytes / 1024)}`,
    "Depends: libc6",
    "Recommends: openssh-client",
    "Conflicts: heartbeat",
    "Section: admin",
    "Priority: optional",
    "Description: Linux-HA Heartbeat 3 cluster messaging layer, in TypeScript",
    " heartbeat-ts reads Heartbeat 3's ha.cf and authkeys, speaks its wire protocol",
    " and client API, and runs mixed with Heartbeat 3.0.6 nodes. One binary,",
    " /usr/sbin/heartbeat, started by systemd (heartbeat.service, Type=notify).",
    " The service is not enabled on install: write /etc/ha.d/ha.cf and authkeys",
    " (heartbeat keygen), then systemctl enable --now heartbeat.",
    ...(binary ? [] : [" .", " THIS BUILD HAS NO /usr/sbin/heartbeat: for inspection only."]),
    "",
  ].join("\n");
  await put("DEBIAN/control", control, 0o644);
  // Only tell systemd about the unit; starting a cluster node is the administrator's call.
  const reload = [
    "#!/bin/sh",
    "set -e",
    "if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi",
    "",
  ].join("\n");
  await put("DEBIAN/postinst", reload, 0o755);
  await put("DEBIAN/postrm", reload, 0o755);

  await Deno.mkdir(values.out, { recursive: true });
  const name = `${PACKAGE}_${VERSION}_${arch}${binary ? "" : ".NO-BINARY"}.deb`;
  const out = join(values.out, name);
  const b = await run("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage, out]);
  if (b.code !== 0) die(`dpkg-deb --build failed: ${b.out}`);
  console.log(
    `built ${out} (${basename(binary ?? "no binary")}, ${Math.ceil(bytes / 1024)} KiB installed)`,
  );
} finally {
  await Deno.remove(stage, { recursive: true });
}
