/**
 * heartbeat.toml → Config: our own, clearer form of ha.cf. Scalars go through the very
 * same parsers as ha.cf directives, so values and messages agree; unknown keys are errors.
 *
 * ```toml
 * nodes = ["node1", "node2"]
 * udpport = 694                # port for media that give none
 * [timing]
 * keepalive = "500ms"          # or 2, or "2" (seconds), as in ha.cf
 * deadtime = 10
 * [[media]]
 * kind = "ucast"               # ucast bcast mcast ucast6 mcast6 serial
 * iface = "eth0"
 * peer = "192.0.2.12"
 * [[respawn]]
 * user = "hacluster"
 * path = "/usr/lib/heartbeat/ccm"
 * [[apiauth]]
 * group = "ccm"
 * uid = ["hacluster"]
 * [logging]
 * logfacility = "local0"
 * [auth]                       # either file = "authkeys" or send + [[auth.keys]]
 * file = "authkeys"
 * ```
 */
import { parse, TomlError } from "smol-toml";
import type { AuthKey, AuthKeys, AuthMethod } from "./auth_types.ts";
import type { Config, Medium, Source } from "./types.ts";
import type { ParseResult } from "./errors.ts";
import { Draft, type ParseOptions } from "./builder.ts";
import { suggest } from "./directives.ts";
import {
  isIPv4,
  isIPv6,
  isMcast4,
  isMcast6,
  parseAbsPath,
  parseBaud,
  parseIface,
  parseIntIn,
  parsePort,
  type ValueResult,
} from "./values.ts";

/** A parsed heartbeat.toml: the Config plus where its keys come from. */
export interface TomlDocument {
  config: Config;
  /** `[auth] file = ...` as written (relative paths are relative to the TOML file). */
  authkeysPath?: string;
  /** Keys embedded with `[auth] send = N` and `[[auth.keys]]`. */
  authkeys?: AuthKeys;
}

type Table = Record<string, unknown>;

/** Section → (TOML key → ha.cf directive) for scalar settings, applied in this order. */
const SCALAR_SECTIONS: [string | null, Record<string, string>][] = [
  [null, { autojoin: "autojoin", udpport: "udpport", baud: "baud", cluster: "cluster" }],
  ["timing", {
    keepalive: "keepalive",
    deadtime: "deadtime",
    warntime: "warntime",
    initdead: "initdead",
    deadping: "deadping",
  }],
  ["logging", {
    logfile: "logfile",
    debugfile: "debugfile",
    logfacility: "logfacility",
    use_logd: "use_logd",
    debug: "debug",
    conn_logd_time: "conn_logd_time",
    syslogmsgfmt: "syslogmsgfmt",
    log_badpack: "log_badpack",
  }],
  ["compression", {
    method: "compression",
    threshold_kb: "compression_threshold",
    traditional: "traditional_compression",
  }],
  ["protocol", {
    msgfmt: "msgfmt",
    hopfudge: "hopfudge",
    hbgenmethod: "hbgenmethod",
    uuidfrom: "uuidfrom",
    max_rexmit_delay: "max_rexmit_delay",
  }],
  ["process", {
    realtime: "realtime",
    rtprio: "rtprio",
    coredumps: "coredumps",
    coreroot: "coreroot",
    watchdog: "watchdog",
    memreserve_kb: "memreserve",
  }],
  // daemon_dir and crmd_spawns_pengine must precede mode, as in ha.cf.
  ["pacemaker", {
    daemon_dir: "crm_daemon_dir",
    crmd_spawns_pengine: "crmd_spawns_pengine",
    mode: "pacemaker",
    record_config_changes: "record_config_changes",
    record_pengine_inputs: "record_pengine_inputs",
    enable_config_writes: "enable_config_writes",
  }],
  ["legacy", { auto_failback: "auto_failback", quorum_server: "quorum_server" }],
];

/** Extra (non-scalar) keys each section allows. */
const EXTRA_KEYS: Record<string, string[]> = {
  "": [
    "nodes",
    "media",
    "ping",
    "ping_group",
    "respawn",
    "apiauth",
    "auth",
    ...SCALAR_SECTIONS.slice(1).map(([s]) => s!),
  ],
  process: ["env"],
  legacy: ["hbaping", "stonith", "stonith_host"],
};

/**
 * Parses heartbeat.toml text; `file` is used in messages only.
 *
 * @example
 * const r = parseTomlConfig('nodes=["a"]\n[[media]]\nkind="bcast"\niface="eth0"\n', "hb.toml", { localNode: "a" });
 */
export function parseTomlConfig(
  text: string,
  file: string,
  opts: ParseOptions = {},
): ParseResult<TomlDocument> {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      return {
        ok: false,
        errors: [{
          code: "syntax",
          file,
          line: e.line,
          column: e.column,
          directive: "",
          message: `TOML syntax: ${reason}`,
        }],
        warnings: [],
      };
    }
    throw e;
  }
  const w = new Walker(file);
  const result = w.run(doc);
  const r = w.d.finish(opts);
  if (!r.ok) return r;
  return { ok: true, value: { config: r.value, ...result }, warnings: r.warnings };
}

class Walker {
  readonly d: Draft;
  constructor(readonly file: string) {
    this.d = new Draft(file);
  }

  src(key: string): Source {
    return { file: this.file, key };
  }

  err(
    key: string,
    message: string,
    value?: unknown,
    code: "bad-value" | "unknown-key" | "missing-value" = "bad-value",
  ): void {
    this.d.error(code, this.src(key), key, message, value === undefined ? undefined : show(value));
  }

  /** Checks `v` is a table and has only `allowed` keys. */
  table(v: unknown, key: string, allowed: string[]): Table | undefined {
    if (!isTable(v)) {
      this.err(key, `must be a table (\`[${key}]\`), got ${typeName(v)}`, v);
      return undefined;
    }
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) {
        const near = suggest(k, allowed);
        const path = key ? `${key}.${k}` : k;
        this.err(
          path,
          `unknown key${
            near ? `; did you mean "${near}"?` : `; allowed here: ${allowed.join(", ")}`
          }`,
          undefined,
          "unknown-key",
        );
      }
    }
    return v;
  }

  run(doc: Table): Omit<TomlDocument, "config"> {
    const sectionKeys = (s: string | null) => {
      const scalars = Object.keys(SCALAR_SECTIONS.find(([n]) => n === s)![1]);
      return [...scalars, ...(EXTRA_KEYS[s ?? ""] ?? [])];
    };
    this.table(doc, "", sectionKeys(null));
    for (const [section, map] of SCALAR_SECTIONS) {
      const t = section === null
        ? doc
        : doc[section] === undefined
        ? undefined
        : this.table(doc[section], section, sectionKeys(section));
      if (!t) continue;
      for (const [k, directive] of Object.entries(map)) {
        if (t[k] === undefined) continue;
        const path = section ? `${section}.${k}` : k;
        const text = scalarText(t[k]);
        if (text === undefined) {
          this.err(path, `must be a string, number or boolean, got ${typeName(t[k])}`, t[k]);
        } else this.d.setScalar(directive, text, this.src(path), path);
      }
    }
    if (isTable(doc.process) && doc.process.env !== undefined) this.env(doc.process.env);
    if (isTable(doc.legacy)) this.legacy(doc.legacy);
    if (doc.nodes !== undefined) {
      for (const [i, n] of this.strings(doc.nodes, "nodes")) {
        this.d.addNode(n, this.src(`nodes[${i}]`));
      }
    }
    this.d.mediaSeen = doc.media !== undefined;
    this.each(doc.media, "media", (t, key) => this.medium(t, key));
    if (doc.ping !== undefined) {
      for (const [i, a] of this.strings(doc.ping, "ping")) {
        if (isIPv4(a) || isIPv6(a)) this.d.addPing({ address: a, source: this.src(`ping[${i}]`) });
        else this.err(`ping[${i}]`, `"${a}" is not an IP address; use e.g. 192.0.2.1`, a);
      }
    }
    this.each(doc.ping_group, "ping_group", (t, key) => {
      if (!this.table(t, key, ["name", "addresses"])) return;
      const name = this.str(t.name, `${key}.name`);
      const addrs = [...this.strings(t.addresses, `${key}.addresses`)];
      if (addrs.length === 0) {
        this.err(`${key}.addresses`, "needs at least one address", t.addresses, "missing-value");
      }
      let good = name !== undefined && addrs.length > 0;
      for (const [i, a] of addrs) {
        if (!isIPv4(a) && !isIPv6(a)) {
          this.err(`${key}.addresses[${i}]`, `"${a}" is not an IP address; use e.g. 192.0.2.1`, a);
          good = false;
        }
      }
      if (good) {
        this.d.addPingGroup({
          name: name!,
          addresses: addrs.map(([, a]) => a),
          source: this.src(key),
        });
      }
    });
    this.each(doc.respawn, "respawn", (t, key) => {
      if (!this.table(t, key, ["user", "path", "args", "failfast"])) return;
      const user = this.str(t.user, `${key}.user`);
      const path = this.value(t.path, `${key}.path`, parseAbsPath);
      const args = t.args === undefined
        ? []
        : [...this.strings(t.args, `${key}.args`)].map(([, a]) => a);
      const failfast = t.failfast === undefined ? false : this.bool(t.failfast, `${key}.failfast`);
      if (user === undefined || path === undefined || failfast === undefined) return;
      this.d.addRespawn({
        user,
        path,
        args,
        command: [path, ...args].join(" "),
        failfast,
        source: this.src(key),
      });
    });
    this.each(doc.apiauth, "apiauth", (t, key) => {
      if (!this.table(t, key, ["group", "uid", "gid"])) return;
      const group = this.str(t.group, `${key}.group`);
      const uids = t.uid === undefined
        ? []
        : [...this.strings(t.uid, `${key}.uid`)].map(([, a]) => a);
      const gids = t.gid === undefined
        ? []
        : [...this.strings(t.gid, `${key}.gid`)].map(([, a]) => a);
      if (uids.length === 0 && gids.length === 0) {
        this.err(key, "needs a non-empty uid or gid list", undefined, "missing-value");
        return;
      }
      if (group !== undefined) {
        this.d.addApiAuth(
          { group, uids, gids, builtin: false, source: this.src(key) },
          this.src(`${key}.group`),
        );
      }
    });
    return doc.auth === undefined ? {} : this.auth(doc.auth);
  }

  env(v: unknown): void {
    if (!isTable(v)) {
      return this.err("process.env", `must be a table of NAME = "value", got ${typeName(v)}`, v);
    }
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== "string") {
        this.err(`process.env.${k}`, `must be a string, got ${typeName(val)}`, val);
      } else this.d.config.process.env.set(`HA_${k}`, val);
    }
  }

  legacy(t: Table): void {
    if (t.hbaping !== undefined) {
      for (const [, s] of this.strings(t.hbaping, "legacy.hbaping")) {
        this.d.config.legacy.hbaping.push(s);
      }
    }
    for (const directive of ["stonith", "stonith_host"] as const) {
      if (t[directive] === undefined) continue;
      for (const [i, s] of this.strings(t[directive], `legacy.${directive}`)) {
        this.d.config.legacy.stonith.push({
          directive,
          value: s,
          source: this.src(`legacy.${directive}[${i}]`),
        });
      }
    }
  }

  medium(t: unknown, key: string): void {
    const common = ["kind"];
    if (!isTable(t)) return void this.table(t, key, common);
    const kind = t.kind;
    const fields: Record<string, string[]> = {
      ucast: ["iface", "peer", "port"],
      bcast: ["iface", "port"],
      mcast: ["iface", "group", "port", "ttl", "loop"],
      ucast6: ["iface", "peer", "port"],
      mcast6: ["iface", "group", "port", "hops", "loop"],
      serial: ["device", "baud"],
    };
    if (typeof kind !== "string" || !(kind in fields)) {
      const near = typeof kind === "string" ? suggest(kind, Object.keys(fields)) : undefined;
      this.err(
        `${key}.kind`,
        `${kind === undefined ? "missing" : `"${show(kind)}" is not a medium kind`}; use one of ${
          Object.keys(fields).join(", ")
        }${near ? ` (did you mean "${near}"?)` : ""}`,
        kind,
        kind === undefined ? "missing-value" : "bad-value",
      );
      return;
    }
    if (!this.table(t, key, [...common, ...fields[kind]])) return;
    const source = this.src(key);
    const iface = () => this.value(t.iface, `${key}.iface`, parseIface);
    const port = (dflt?: number) =>
      t.port === undefined && dflt !== undefined
        ? dflt
        : this.value(t.port, `${key}.port`, parsePort);
    const loop = () => t.loop === undefined ? false : this.bool(t.loop, `${key}.loop`);
    let m: Medium | undefined;
    switch (kind) {
      case "ucast": {
        const [i, peer, p] = [
          iface(),
          this.value(
            t.peer,
            `${key}.peer`,
            (s) => check(isIPv4(s), s, "an IPv4 address like 192.0.2.1"),
          ),
          port(this.d.udpport),
        ];
        if (i && peer && p) m = { kind, iface: i, peer, port: p, source };
        break;
      }
      case "bcast": {
        const [i, p] = [iface(), port(this.d.udpport)];
        if (i && p) m = { kind, iface: i, port: p, source };
        break;
      }
      case "ucast6": {
        const [i, peer, p] = [
          iface(),
          this.value(
            t.peer,
            `${key}.peer`,
            (s) =>
              check(isIPv6(s.split("%")[0]), s, "an IPv6 address like 2001:db8::2 or fe80::2%eth0"),
          ),
          port(this.d.udpport),
        ];
        if (!i || !peer || !p) break;
        const [addr, scope] = peer.split("%", 2);
        if (scope !== undefined && scope !== i) {
          this.err(
            `${key}.peer`,
            `scope "%${scope}" differs from the interface ${i}; they must match`,
            peer,
          );
          break;
        }
        m = {
          kind,
          iface: i,
          peer: addr.toLowerCase(),
          ...(scope ? { scope } : {}),
          port: p,
          source,
        };
        break;
      }
      case "mcast": {
        const group = this.value(
          t.group,
          `${key}.group`,
          (s) => check(isMcast4(s), s, "a multicast address in 224.0.0.0/4, e.g. 239.0.0.1"),
        );
        const ttl = t.ttl === undefined
          ? 1
          : this.value(t.ttl, `${key}.ttl`, (s) => parseIntIn(s, 1, 255, "a TTL"));
        const [i, p, l] = [iface(), port(), loop()];
        if (i && group && p && ttl !== undefined && l !== undefined) {
          m = { kind, iface: i, group, port: p, ttl, loop: l, source };
        }
        break;
      }
      case "mcast6": {
        const group = this.value(
          t.group,
          `${key}.group`,
          (s) => check(isMcast6(s), s, "a multicast address in ff00::/8, e.g. ff12::1:2:3:4"),
        );
        const hops = t.hops === undefined
          ? 1
          : this.value(t.hops, `${key}.hops`, (s) => parseIntIn(s, 0, 4, "a hop count"));
        const [i, p, l] = [iface(), port(), loop()];
        if (i && group && p && hops !== undefined && l !== undefined) {
          m = { kind, iface: i, group: group.toLowerCase(), port: p, hops, loop: l, source };
        }
        break;
      }
      case "serial": {
        const device = this.value(t.device, `${key}.device`, parseAbsPath);
        const baud = t.baud === undefined
          ? this.d.baud
          : this.value(t.baud, `${key}.baud`, parseBaud);
        if (device && baud) m = { kind, device, baud, source };
        break;
      }
    }
    if (m) this.d.addMedium(m);
  }

  auth(v: unknown): Omit<TomlDocument, "config"> {
    const t = this.table(v, "auth", ["file", "send", "keys"]);
    if (!t) return {};
    if (t.file !== undefined) {
      if (t.send !== undefined || t.keys !== undefined) {
        this.err("auth", "give either file or send + keys, not both");
      }
      const path = this.str(t.file, "auth.file");
      return path === undefined ? {} : { authkeysPath: path };
    }
    const send = this.value(t.send, "auth.send", (s) => parseIntIn(s, 1, 15, "a key index"));
    const keys = new Map<number, AuthKey>();
    this.each(t.keys, "auth.keys", (k, key) => {
      if (!this.table(k, key, ["index", "method", "secret"])) return;
      const index = this.value(k.index, `${key}.index`, (s) => parseIntIn(s, 1, 15, "a key index"));
      const method = this.value(
        k.method,
        `${key}.method`,
        (s) =>
          check(["crc", "md5", "sha1", "sha256"].includes(s), s, "one of crc, md5, sha1, sha256"),
      );
      const secret = k.secret === undefined ? "" : this.str(k.secret, `${key}.secret`);
      if (index === undefined || method === undefined || secret === undefined) return;
      if (keys.has(index)) {
        return this.err(`${key}.index`, `index ${index} is defined twice`, index);
      }
      if (method === "crc" && secret !== "") {
        return this.err(`${key}.secret`, "crc takes no secret; remove it or use sha256", secret);
      }
      if (method !== "crc" && secret === "") {
        return this.err(
          `${key}.secret`,
          `${method} needs a non-empty secret (\`heartbeat keygen\` makes one)`,
          undefined,
          "missing-value",
        );
      }
      if (method === "crc") {
        this.d.warn(
          "security",
          this.src(`${key}.method`),
          `${key}.method`,
          "crc gives no security: anyone on the network can forge messages; use sha256",
        );
      }
      keys.set(index, {
        index,
        method: method as AuthMethod,
        secret: new TextEncoder().encode(secret),
      });
    });
    if (send === undefined) return {};
    const sendKey = keys.get(send);
    if (!sendKey) {
      this.err("auth.send", `names key ${send}, which [[auth.keys]] does not define`, send);
      return {};
    }
    return { authkeys: { send: sendKey, keys } };
  }

  // --- typed accessors: each reports its own error and returns undefined on failure ---

  value<T>(v: unknown, key: string, parser: (s: string) => ValueResult<T>): T | undefined {
    if (v === undefined) {
      this.err(key, "is required", undefined, "missing-value");
      return undefined;
    }
    const text = scalarText(v);
    if (text === undefined) {
      this.err(key, `must be a string or number, got ${typeName(v)}`, v);
      return undefined;
    }
    const r = parser(text);
    if (!r.ok) this.err(key, r.reason, v);
    return r.ok ? r.value : undefined;
  }

  str(v: unknown, key: string): string | undefined {
    if (typeof v === "string" && v !== "") return v;
    this.err(
      key,
      v === undefined ? "is required" : `must be a non-empty string, got ${typeName(v)}`,
      v,
      v === undefined ? "missing-value" : "bad-value",
    );
    return undefined;
  }

  bool(v: unknown, key: string): boolean | undefined {
    if (typeof v === "boolean") return v;
    this.err(key, `must be true or false, got ${typeName(v)}`, v);
    return undefined;
  }

  *strings(v: unknown, key: string): Generator<[number, string]> {
    if (!Array.isArray(v)) {
      this.err(key, `must be an array of strings, got ${typeName(v)}`, v);
      return;
    }
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] === "string" && v[i] !== "") yield [i, v[i]];
      else this.err(`${key}[${i}]`, `must be a non-empty string, got ${typeName(v[i])}`, v[i]);
    }
  }

  each(v: unknown, key: string, f: (t: Table, key: string) => void): void {
    if (v === undefined) return;
    if (!Array.isArray(v)) {
      return this.err(key, `must be an array of tables (\`[[${key}]]\`), got ${typeName(v)}`, v);
    }
    v.forEach((t, i) => {
      if (isTable(t)) f(t, `${key}[${i}]`);
      else this.err(`${key}[${i}]`, `must be a table, got ${typeName(t)}`, t);
    });
  }
}

function check(good: boolean, s: string, what: string): ValueResult<string> {
  return good ? { ok: true, value: s } : { ok: false, reason: `"${s}" is not ${what}` };
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    !(v instanceof Date);
}

/** TOML scalar → ha.cf value text (booleans as Heartbeat writes them: on/off). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "on" : "off";
  return undefined;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  if (v === undefined) return "nothing";
  if (typeof v === "object") return "a date";
  return `${typeof v === "bigint" ? "an integer" : `a ${typeof v}`} (${show(v)})`;
}

function show(v: unknown): string {
  const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
