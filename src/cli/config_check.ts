/**
 * `heartbeat config check [FILE] [--authkeys PATH] [--json] [--node NAME]`: parse the
 * configuration and its keys, then print the effective settings or every error.
 * Exit status: 0 ok, 1 configuration errors, 2 usage error.
 */
import { parseArgs } from "node:util";
import { register } from "./dispatch.ts";
import { type ConfigIssue, formatIssue } from "../config/errors.ts";
import { loadConfig, type LoadedConfig } from "../config/load.ts";
import { authSummary, configToJson } from "../config/json.ts";
import { currentHost, hostWarnings } from "../config/hostcheck.ts";
import type { Medium, Source } from "../config/types.ts";

const USAGE = `usage: heartbeat config check [FILE] [--authkeys PATH] [--json] [--node NAME]
                              [--no-host-checks]

Checks FILE (default /etc/ha.d/ha.cf; *.toml is read as heartbeat.toml) and its
authkeys (default: beside FILE), then prints the effective configuration or every
error as file:line: directive: message.

  --authkeys PATH   authkeys file to check instead of the default
  --json            print {ok, config|errors, warnings, auth} as JSON
  --node NAME       the local node name (default: this host's name)
  --no-host-checks  skip the checks against this host (interfaces, respawn programs
                    and users, devices), e.g. when checking another node's file`;

async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    console.log(USAGE);
    return 0;
  }
  if (sub !== "check") {
    console.error(
      sub === undefined ? USAGE : `heartbeat config: unknown subcommand '${sub}'\n\n${USAGE}`,
    );
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        authkeys: { type: "string" },
        "no-host-checks": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        node: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    console.error(`heartbeat config check: ${e instanceof Error ? e.message : e}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(
      `heartbeat config check: one FILE at most, got ${positionals.length}\n\n${USAGE}`,
    );
    return 2;
  }
  const file = positionals[0] ?? "/etc/ha.d/ha.cf";
  const r = await loadConfig(file, { localNode: values.node, authkeys: values.authkeys });
  if (r.ok && !values["no-host-checks"]) {
    r.warnings.push(...await hostWarnings(r.value.config, await currentHost()));
  }
  if (values.json) {
    const doc = r.ok
      ? {
        ok: true,
        config: configToJson(r.value.config),
        auth: r.value.authkeys
          ? { file: r.value.authkeysPath, ...authSummary(r.value.authkeys) }
          : undefined,
        warnings: r.warnings,
      }
      : { ok: false, errors: r.errors, warnings: r.warnings };
    console.log(JSON.stringify(doc, null, 2));
    return r.ok ? 0 : 1;
  }
  if (!r.ok) {
    for (const e of r.errors) console.error(formatIssue(e));
    for (const w of r.warnings) console.error(`warning: ${formatIssue(w)}`);
    const n = r.errors.length;
    console.error(`${n} error${n === 1 ? "" : "s"}; configuration not usable`);
    return 1;
  }
  console.log(describe(file, r.value, r.warnings));
  return 0;
}

/** The human-readable report of an accepted configuration (never shows secrets). */
export function describe(file: string, loaded: LoadedConfig, warnings: ConfigIssue[]): string {
  const c = loaded.config;
  const out: string[] = [`${file}: configuration OK`];
  const line = (label: string, value: string) => out.push(`${label.padEnd(13)}${value}`);
  line("nodes:", `${c.nodes.join(", ")} (this node: ${c.localNode})`);
  line("autojoin:", c.autojoin);
  out.push("timings:");
  const timings: [string, number][] = [
    ["keepalive", c.timings.keepaliveMs],
    ["deadtime", c.timings.deadtimeMs],
    ["warntime", c.timings.warntimeMs],
    ["initdead", c.timings.initdeadMs],
    ["deadping", c.timings.deadpingMs],
  ];
  for (const [name, ms] of timings) {
    const raw = c.raw.get(name);
    out.push(
      `  ${name.padEnd(10)}${`${ms} ms`.padStart(10)}  ${
        raw === undefined ? "(default)" : `(written "${raw}")`
      }`,
    );
  }
  out.push(`media:${c.media.length === 0 ? " none" : ""}`);
  for (const m of c.media) out.push(`  ${mediumText(m).padEnd(48)}${at(m.source)}`);
  for (const p of c.ping) out.push(`  ping ${p.address}`.padEnd(50) + at(p.source));
  for (const g of c.pingGroups) {
    out.push(`  ping_group ${g.name}: ${g.addresses.join(", ")}`.padEnd(50) + at(g.source));
  }
  if (loaded.authkeys) {
    const a = authSummary(loaded.authkeys);
    const others = a.keys.filter((k) => k.index !== a.send).map((k) => `${k.index} ${k.method}`);
    line(
      "auth:",
      `${a.method}, sending with key ${a.send}${
        others.length ? `; also accepts ${others.join(", ")}` : ""
      } (${loaded.authkeysPath})`,
    );
  } else line("auth:", "not checked");
  out.push(`respawn:${c.respawn.length === 0 ? " none" : ""}`);
  for (const r of c.respawn) {
    out.push(`  ${r.failfast ? "failfast " : ""}${r.user} ${r.command}`.padEnd(50) + at(r.source));
  }
  out.push("apiauth:");
  for (const a of c.apiauth) {
    const lists = [
      a.uids.length ? `uid=${a.uids.join(",")}` : "",
      a.gids.length ? `gid=${a.gids.join(",")}` : "",
    ];
    out.push(
      `  ${a.group} ${lists.filter(Boolean).join(" ")}`.padEnd(50) +
        (a.builtin ? "(built-in)" : at(a.source)),
    );
  }
  const l = c.logging;
  line(
    "logging:",
    [
      `logfile ${l.logfile ?? "-"}`,
      `debugfile ${l.debugfile ?? "-"}`,
      `facility ${l.logfacility ?? "-"}`,
      `use_logd ${l.useLogd ? "on" : "off"}`,
      `debug ${l.debug}`,
    ].join(", "),
  );
  line("udpport:", String(c.udpport));
  line("msgfmt:", c.msgfmt);
  line("compression:", `${c.compression.method} above ${c.compression.thresholdKB} KB`);
  line("realtime:", c.process.realtime ? `on (priority ${c.process.rtprio})` : "off");
  if (c.pacemaker.mode !== "off") line("pacemaker:", c.pacemaker.mode);
  if (c.process.watchdog) line("watchdog:", c.process.watchdog);
  out.push(`warnings:${warnings.length === 0 ? " none" : ""}`);
  for (const w of warnings) out.push(`  ${formatIssue(w)}`);
  return out.join("\n");
}

function mediumText(m: Medium): string {
  switch (m.kind) {
    case "ucast":
    case "ucast6":
      return `${m.kind} ${m.iface} -> ${m.peer}${
        m.kind === "ucast6" && m.scope ? `%${m.scope}` : ""
      } port ${m.port}`;
    case "bcast":
      return `bcast ${m.iface} port ${m.port}`;
    case "mcast":
      return `mcast ${m.iface} ${m.group}:${m.port} ttl ${m.ttl} loop ${m.loop ? 1 : 0}`;
    case "mcast6":
      return `mcast6 ${m.iface} [${m.group}]:${m.port} hops ${m.hops} loop ${m.loop ? 1 : 0}`;
    case "serial":
      return `serial ${m.device} ${m.baud} baud`;
  }
}

function at(src: Source | undefined): string {
  if (!src) return "";
  return src.key !== undefined
    ? `(${src.key})`
    : src.line !== undefined
    ? `(line ${src.line})`
    : "";
}

register("config", { summary: "check a configuration: heartbeat config check [FILE]", run });
