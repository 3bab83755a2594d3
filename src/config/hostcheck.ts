/**
 * Checks of a parsed configuration against this host: things real Heartbeat refuses at
 * start (a missing interface, a respawn program that is not executable, an unknown
 * respawn user). They are warnings here because the file may be checked on another host.
 */
import type { Config, Source } from "./types.ts";
import type { ConfigWarning } from "./errors.ts";

/** What the checks look at; tests pass their own. */
export interface HostFacts {
  interfaces: Set<string>;
  users: Set<string>;
  /** Mode bits of a path, or undefined when it does not exist. */
  mode(path: string): Promise<number | undefined>;
}

/** Facts of the running host (interfaces, /etc/passwd users, file modes). */
export async function currentHost(): Promise<HostFacts> {
  const interfaces = new Set(Deno.networkInterfaces().map((i) => i.name));
  let users = new Set<string>();
  try {
    const passwd = await Deno.readTextFile("/etc/passwd");
    users = new Set(passwd.split("\n").map((l) => l.split(":")[0]).filter((u) => u !== ""));
  } catch {
    // No readable passwd: user checks are skipped (an empty set would flag every user).
  }
  return {
    interfaces,
    users,
    mode: async (path) => {
      try {
        return (await Deno.stat(path)).mode ?? 0;
      } catch {
        return undefined;
      }
    },
  };
}

/** Warnings for settings this host cannot honour. */
export async function hostWarnings(config: Config, host: HostFacts): Promise<ConfigWarning[]> {
  const out: ConfigWarning[] = [];
  const warn = (src: Source | undefined, directive: string, value: string, message: string) =>
    out.push({
      code: "host",
      file: src?.file ?? config.file,
      ...(src?.line !== undefined ? { line: src.line } : {}),
      directive: src?.key ?? directive,
      value,
      message,
    });
  const seen = new Set<string>();
  for (const m of config.media) {
    if (m.kind === "serial") {
      if (await host.mode(m.device) === undefined) {
        warn(m.source, "serial", m.device, `device ${m.device} does not exist on this host`);
      }
    } else if (!host.interfaces.has(m.iface) && !seen.has(m.iface)) {
      seen.add(m.iface);
      warn(
        m.source,
        m.kind,
        m.iface,
        `interface ${m.iface} does not exist on this host; Heartbeat refuses to start with it`,
      );
    }
  }
  for (const r of config.respawn) {
    const directive = r.failfast ? "failfast" : "respawn";
    const mode = await host.mode(r.path);
    if (mode === undefined) {
      warn(
        r.source,
        directive,
        r.path,
        `${r.path} does not exist on this host; Heartbeat refuses a respawn program it cannot run`,
      );
    } else if ((mode & 0o111) === 0) {
      warn(r.source, directive, r.path, `${r.path} is not executable; chmod +x it`);
    }
    if (host.users.size > 0 && !host.users.has(r.user)) {
      warn(
        r.source,
        directive,
        r.user,
        `user ${r.user} does not exist on this host; Heartbeat refuses it`,
      );
    }
  }
  const wd = config.process.watchdog;
  if (wd && await host.mode(wd) === undefined) {
    warn(
      config.sources.get("watchdog"),
      "watchdog",
      wd,
      `watchdog device ${wd} does not exist on this host (load the softdog module?)`,
    );
  }
  return out;
}
