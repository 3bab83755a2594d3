/**
 * `heartbeat propagate`: Heartbeat's ha_propagate. Copies the configuration and authkeys to
 * every other node named in it, over the system's ssh/scp (BatchMode: never a password
 * prompt). Node names go to ssh as they are, so ssh_config and DNS resolve them.
 * Exit status: 0 every node updated, 1 a node failed (named), 2 usage or configuration error.
 */
import { parseArgs } from "node:util";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { register } from "./dispatch.ts";
import { loadConfig } from "../config/load.ts";
import { formatIssue } from "../config/errors.ts";
import { DEFAULT_CONFIG } from "../daemon/paths.ts";
import {
  type NodePlan,
  planNode,
  type PropagateFile,
  shellQuote,
  splitWords,
  type TransportOptions,
} from "../ops/propagate_plan.ts";

const USAGE = `usage: heartbeat propagate [-c FILE] [--authkeys FILE] [--node NAME] [--dry-run]
                           [--ssh CMD] [--user U] [--strict-host-key-checking MODE]
                           [--connect-timeout S] [--remote-dir DIR]

Copies the configuration file and authkeys to every node the configuration names except
this one, over ssh/scp in batch mode (set up key-based root logins first). Each file is
copied under a temporary name and renamed into place; authkeys arrives mode 0600, the
configuration keeps its mode. Then run \`heartbeat reload\` (or restart) on each node.

  -c, --config FILE        ha.cf or heartbeat.toml (default ${DEFAULT_CONFIG})
  --authkeys FILE          authkeys (default: beside the configuration)
  --node NAME              this node's name, which is skipped (default: the host name)
  --dry-run                print the commands for each node; run nothing
  --ssh CMD                ssh command and options, e.g. "ssh -F ~/.ssh/cluster_config"
                           (default $HEARTBEAT_SSH, else "ssh"); scp gets the same -F -i -o -J
  --user U                 log in as U (default: ssh's choice; usually root is needed)
  --strict-host-key-checking MODE
                           yes, accept-new or no (default: as the ssh configuration says)
  --connect-timeout S      give up connecting after S seconds (default 10)
  --remote-dir DIR         put both files in DIR on the nodes (default: the same paths
                           as here)`;

/** What happened on one node. */
interface NodeResult {
  node: string;
  ok: boolean;
  detail: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9_.,+@%=\/-]*$/;
const NODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** The longest a node may take for both commands, beyond ssh's own connect timeout. */
const NODE_DEADLINE_MS = 120_000;

async function runStep(argv: string[]): Promise<{ ok: true } | { ok: false; error: string }> {
  let out;
  try {
    out = await new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(NODE_DEADLINE_MS),
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { ok: false, error: `${argv[0]} not found (install openssh-client)` };
    }
    return { ok: false, error: `${argv[0]}: ${e instanceof Error ? e.message : e}` };
  }
  if (out.code === 0) return { ok: true };
  // scp ends with a generic "Connection closed"; the line before it (from ssh) says why.
  const lines = new TextDecoder().decode(out.stderr).split(/\r?\n/).map((l) => l.trim())
    .filter((l) => l !== "" && !/^(\S*scp: )?(Connection closed|lost connection)\.?$/.test(l));
  const why = lines.at(-1) ?? `exit status ${out.code}${out.signal ? ` (${out.signal})` : ""}`;
  return { ok: false, error: `${basename(argv[0])}: ${why}` };
}

async function runNode(plan: NodePlan, names: string): Promise<NodeResult> {
  const copy = await runStep(plan.copy);
  if (!copy.ok) return { node: plan.node, ok: false, detail: `copy failed: ${copy.error}` };
  const install = await runStep(plan.install);
  if (!install.ok) {
    return { node: plan.node, ok: false, detail: `install failed: ${install.error}` };
  }
  return { node: plan.node, ok: true, detail: `updated ${names}` };
}

/** Runs `fn` over `items`, at most `limit` at a time, results in input order. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: "string", short: "c", default: DEFAULT_CONFIG },
        authkeys: { type: "string" },
        node: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        ssh: { type: "string" },
        user: { type: "string" },
        "strict-host-key-checking": { type: "string" },
        "connect-timeout": { type: "string", default: "10" },
        "remote-dir": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`heartbeat propagate: ${e instanceof Error ? e.message : e}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (msg: string) => {
    console.error(`heartbeat propagate: ${msg}`);
    return 2;
  };
  const sshWords = splitWords(values.ssh ?? Deno.env.get("HEARTBEAT_SSH") ?? "ssh");
  if (!sshWords.ok) return fail(`--ssh: ${sshWords.error}`);
  const hkc = values["strict-host-key-checking"];
  if (hkc !== undefined && !["yes", "no", "accept-new", "ask", "off"].includes(hkc)) {
    return fail(`--strict-host-key-checking ${hkc}: use yes, accept-new or no`);
  }
  const timeout = values["connect-timeout"];
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1) {
    return fail(`--connect-timeout ${timeout}: use a whole number of seconds, 1 or more`);
  }
  if (values.user !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(values.user)) {
    return fail(`--user ${values.user}: not a user name`);
  }
  const remoteDir = values["remote-dir"];
  if (remoteDir !== undefined && !SAFE_PATH.test(remoteDir)) {
    return fail(`--remote-dir ${remoteDir}: use an absolute path of plain characters`);
  }

  // Never spread a configuration this node would refuse: load it exactly as `start` does.
  const configPath = resolve(values.config);
  const loaded = await loadConfig(configPath, {
    localNode: values.node,
    ...(values.authkeys === undefined ? {} : { authkeys: resolve(values.authkeys) }),
  });
  if (!loaded.ok) {
    for (const e of loaded.errors) console.error(formatIssue(e));
    return fail(
      `${configPath} does not load (above); fix it before copying it to other nodes` +
        (values.node === undefined
          ? " (if this host is not a cluster node, name one with --node)"
          : ""),
    );
  }
  const { config, authkeysPath } = loaded.value;
  const local = config.localNode;
  const targets = config.nodes.filter((n) => n !== local);
  if (targets.length === 0) {
    console.log(
      `heartbeat propagate: ${configPath} names no node other than ${local}; nothing to do`,
    );
    return 0;
  }
  const badNode = targets.find((n) => !NODE_NAME.test(n));
  if (badNode) return fail(`node name ${badNode} cannot be passed to ssh safely`);

  const sources = [configPath, ...(authkeysPath === configPath ? [] : [authkeysPath])];
  const files: PropagateFile[] = [];
  for (const src of sources) {
    const remote = remoteDir === undefined ? src : join(remoteDir, basename(src));
    if (!SAFE_PATH.test(remote) || !isAbsolute(remote)) {
      return fail(`${src}: path has characters we do not pass to scp; use --remote-dir`);
    }
    const mode = ((await Deno.stat(src)).mode ?? 0o644) & 0o7777;
    // authkeys, and a TOML file embedding keys, always arrive private.
    files.push({ local: src, remote, mode: src === authkeysPath ? 0o600 : mode });
  }
  if (remoteDir === undefined && new Set(files.map((f) => dirname(f.remote))).size > 1) {
    return fail(
      `${files.map((f) => f.local).join(" and ")} are in different directories; ` +
        `use --remote-dir to put both in one directory on the nodes`,
    );
  }
  // Temporaries are created beside the targets and renamed over them: one directory.
  const tag = randomBytes(4).toString("hex");
  const transport: TransportOptions = {
    ssh: sshWords.value,
    user: values.user,
    hostKeyChecking: hkc,
    connectTimeoutS: Number(timeout),
  };
  const names = files.map((f) => `${f.remote} (${f.mode.toString(8).padStart(4, "0")})`).join(
    ", ",
  );
  console.log(
    `heartbeat propagate: ${files.map((f) => basename(f.local)).join(" and ")} from ${
      dirname(configPath)
    } to ${targets.length} node(s): ${targets.join(", ")} (this node: ${local})`,
  );

  const dir = remoteDir ?? dirname(files[0].remote);
  const stagedAs = (stage: string) =>
    files.map((f) => {
      const tmpName = `.${basename(f.remote)}.hbts-propagate-${tag}`;
      return { file: f, staged: join(stage, tmpName), tmpName };
    });
  if (values["dry-run"]) {
    const staged = stagedAs("STAGE");
    for (const n of targets) {
      const p = planNode(n, staged, dir, transport);
      console.log(
        `${n}: would copy ${files.map((f) => `${f.local} -> ${n}:${f.remote}`).join(", ")}`,
      );
      console.log(`  ${p.copy.map(shellQuote).join(" ")}`);
      console.log(`  ${p.install.map(shellQuote).join(" ")}`);
    }
    console.log(`dry run: nothing copied (STAGE is a private temporary copy of the files)`);
    return 0;
  }

  // Staged copies carry the temporary names (and modes) the files get on the nodes.
  const stage = await Deno.makeTempDir({ prefix: "hbts-propagate-" });
  try {
    const staged = stagedAs(stage);
    for (const s of staged) {
      await Deno.copyFile(s.file.local, s.staged);
      await Deno.chmod(s.staged, s.file.mode);
    }
    const plans = targets.map((n) => planNode(n, staged, dir, transport));
    const results = await pool(plans, 8, (p) => runNode(p, names));
    const width = Math.max(...results.map((r) => r.node.length));
    for (const r of results) {
      console.log(`${r.node.padEnd(width)}  ${r.ok ? "ok" : "FAILED"}  ${r.detail}`);
    }
    const failed = results.filter((r) => !r.ok).map((r) => r.node);
    if (failed.length > 0) {
      console.error(
        `heartbeat propagate: ${failed.length} of ${results.length} node(s) not updated: ${
          failed.join(", ")
        }; the cluster's configurations now differ until they are`,
      );
      return 1;
    }
    console.log(`all ${results.length} node(s) updated`);
    return 0;
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}

register("propagate", {
  summary: "copy ha.cf and authkeys to the other nodes over ssh (ha_propagate)",
  run,
});
