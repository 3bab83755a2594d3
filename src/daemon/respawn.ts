/**
 * Starts the `respawn USER PATH [ARGS]` children (and those `pacemaker respawn` implies) as
 * their user, restarts them when they exit (with the back-off of respawn_policy.ts), and
 * stops them on shutdown: SIGTERM, then SIGKILL after a grace period. Every child's exit
 * status is awaited, so none is left a zombie.
 *
 * Limitation: Deno sets uid and gid but not supplementary groups; a child that needs them
 * (haclient) gets the user's primary group only.
 */
import type { Config, RespawnEntry } from "../config/types.ts";
import type { Logger } from "../logd/mod.ts";
import { nextRespawn, type RespawnState } from "./respawn_policy.ts";

export interface UserDb {
  /** user name → [uid, primary gid] */
  users: Map<string, [number, number]>;
}

/** Reads /etc/passwd into name → [uid, gid]. */
export function loadUsers(passwd = "/etc/passwd"): UserDb {
  const users = new Map<string, [number, number]>();
  let text = "";
  try {
    text = Deno.readTextFileSync(passwd);
  } catch {
    // no passwd: only numeric users work
  }
  for (const line of text.split("\n")) {
    const p = line.split(":");
    if (p.length >= 4 && !users.has(p[0])) users.set(p[0], [Number(p[2]), Number(p[3])]);
  }
  return { users };
}

/** Daemons that `pacemaker respawn` (crm respawn) starts, as Heartbeat 3.0.6 does. */
const PACEMAKER_CHILDREN: [string, string, string][] = [
  ["hacluster", "heartbeat", "ccm"],
  ["hacluster", "crm", "cib"],
  ["root", "crm", "stonithd"],
  ["root", "crm", "lrmd"],
  ["hacluster", "crm", "attrd"],
  ["hacluster", "crm", "pengine"],
  ["hacluster", "crm", "crmd"],
];

/** The respawn list: explicit lines plus what `pacemaker respawn` implies. */
export function respawnEntries(config: Config): RespawnEntry[] {
  const out = [...config.respawn];
  if (config.pacemaker.mode === "respawn" || config.pacemaker.mode === "on") {
    const crmDirs = config.pacemaker.daemonDir
      ? [config.pacemaker.daemonDir]
      : ["/usr/libexec/pacemaker", "/usr/libexec/heartbeat"];
    for (const [user, where, name] of PACEMAKER_CHILDREN) {
      const dirs = where === "heartbeat" ? ["/usr/libexec/heartbeat"] : crmDirs;
      const path = dirs.map((d) => `${d}/${name}`).find(exists) ?? `${dirs[0]}/${name}`;
      if (out.some((e) => e.path === path)) continue;
      out.push({
        user,
        path,
        args: [],
        command: path,
        failfast: false,
        source: config.sources.get("pacemaker") ?? { file: config.file },
      });
    }
  }
  return out;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

interface Child {
  entry: RespawnEntry;
  proc?: Deno.ChildProcess;
  startedAt: number;
  state: RespawnState;
  timer?: ReturnType<typeof setTimeout>;
  restarts: number;
}

export interface ChildReport {
  command: string;
  user: string;
  pid: number | null;
  restarts: number;
}

export class Respawner {
  readonly #children: Child[];
  readonly #log: Logger;
  readonly #users: UserDb;
  readonly #env: Record<string, string>;
  #stopping = false;

  constructor(
    entries: RespawnEntry[],
    log: Logger,
    env: Record<string, string>,
    users = loadUsers(),
  ) {
    this.#children = entries.map((entry) => ({
      entry,
      startedAt: 0,
      state: { quickDeaths: 0 },
      restarts: 0,
    }));
    this.#log = log;
    this.#users = users;
    this.#env = env;
  }

  start(): void {
    for (const c of this.#children) this.#spawn(c);
  }

  report(): ChildReport[] {
    return this.#children.map((c) => ({
      command: c.entry.command,
      user: c.entry.user,
      pid: c.proc?.pid ?? null,
      restarts: c.restarts,
    }));
  }

  /** SIGTERM every child, SIGKILL after `graceMs`; resolves when all have been reaped. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    const waits: Promise<unknown>[] = [];
    for (const c of this.#children) {
      clearTimeout(c.timer);
      const p = c.proc;
      if (!p) continue;
      try {
        p.kill("SIGTERM");
      } catch {
        // already exited
      }
      const killer = setTimeout(() => {
        try {
          p.kill("SIGKILL");
          this.#log.warn(`respawn: ${c.entry.command} ignored SIGTERM for ${graceMs} ms; killed`);
        } catch {
          // exited
        }
      }, graceMs);
      waits.push(p.status.finally(() => clearTimeout(killer)));
    }
    await Promise.all(waits);
  }

  #identity(user: string): { uid: number; gid: number } | string {
    if (/^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
    const u = this.#users.users.get(user);
    if (!u) return `user ${user} does not exist (add it, or change the respawn line)`;
    return { uid: u[0], gid: u[1] };
  }

  #spawn(c: Child): void {
    if (this.#stopping) return;
    const { entry } = c;
    const id = this.#identity(entry.user);
    if (typeof id === "string") {
      this.#log.error(`respawn: cannot start ${entry.command}: ${id}`);
      return;
    }
    const asRoot = Deno.uid() === 0;
    try {
      c.proc = new Deno.Command(entry.path, {
        args: entry.args,
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
        env: this.#env,
        ...(asRoot ? { uid: id.uid, gid: id.gid } : {}),
      }).spawn();
    } catch (e) {
      this.#log.error(
        `respawn: cannot start ${entry.command} as ${entry.user}: ${(e as Error).message}`,
      );
      this.#schedule(c, 0);
      return;
    }
    c.startedAt = performance.now();
    this.#log.info(`respawn: started ${entry.command} as ${entry.user} (pid ${c.proc.pid})`);
    const proc = c.proc;
    proc.status.then((st) => {
      if (c.proc === proc) c.proc = undefined;
      if (this.#stopping) return;
      const ran = performance.now() - c.startedAt;
      const how = st.signal ? `signal ${st.signal}` : `exit code ${st.code}`;
      this.#log.warn(
        `respawn: ${entry.command} (pid ${proc.pid}) exited with ${how} after ${
          Math.round(ran)
        } ms`,
      );
      this.#schedule(c, ran);
    });
  }

  #schedule(c: Child, ranMs: number): void {
    const { delayMs, state } = nextRespawn(c.state, ranMs);
    c.state = state;
    if (delayMs > 0) {
      this.#log.warn(`respawn: ${c.entry.command} dies too fast; restarting in ${delayMs} ms`);
    }
    c.timer = setTimeout(() => {
      c.restarts++;
      this.#spawn(c);
    }, delayMs);
  }
}
