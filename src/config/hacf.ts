/**
 * ha.cf → Config. Reads the file the way Heartbeat 3.0.6 does (one directive per line,
 * `#` starts a comment anywhere, directives applied in order) but reports every problem
 * with its file:line instead of stopping at the first or ignoring it.
 */
import type { Config, Source } from "./types.ts";
import type { ParseResult } from "./errors.ts";
import { Draft, type ParseOptions } from "./builder.ts";
import { DIRECTIVES, suggest } from "./directives.ts";
import {
  isIPv4,
  isIPv6,
  isMcast4,
  isMcast6,
  parseAbsPath,
  parseIface,
  parseIntIn,
  parseIPv4,
  parsePort,
  type ValueResult,
} from "./values.ts";

export type { ParseOptions } from "./builder.ts";

/** One directive line, split. */
interface Line {
  src: Source;
  directive: string;
  /** Everything after the directive, comment removed, trimmed. */
  rest: string;
  /** `rest` split on blanks and commas (Heartbeat's DELIMS). */
  values: string[];
  /** `rest` split on blanks only (media and whole-line directives). */
  words: string[];
}

/**
 * Parses ha.cf text. `file` is used in messages only.
 *
 * @example
 * const r = parseHaCf("node a b\nucast eth0 192.0.2.2\n", "ha.cf", { localNode: "a" });
 * if (r.ok) console.log(r.value.timings.deadtimeMs); // 30000
 */
export function parseHaCf(
  text: string,
  file: string,
  opts: ParseOptions = {},
): ParseResult<Config> {
  const d = new Draft(file);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = splitLine(lines[i], { file, line: i + 1 });
    if (line) applyLine(d, line);
  }
  return d.finish(opts);
}

function splitLine(raw: string, src: Source): Line | undefined {
  const hash = raw.indexOf("#");
  const body = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\r$/, "").trim();
  if (body === "") return undefined;
  const m = /^(\S+)\s*(.*)$/.exec(body)!;
  const rest = m[2].trim();
  return {
    src,
    directive: m[1],
    rest,
    values: rest === "" ? [] : rest.split(/[\s,]+/).filter((v) => v !== ""),
    words: rest === "" ? [] : rest.split(/\s+/),
  };
}

function applyLine(d: Draft, l: Line): void {
  let name = l.directive;
  if (name === "udp") {
    d.warn("bad-value", l.src, "udp", "the old name 'udp' means 'bcast'; write bcast");
    name = "bcast";
  }
  const info = DIRECTIVES[name];
  if (!info) {
    const near = suggest(name, Object.keys(DIRECTIVES));
    const hint = near ? `; did you mean "${near}"?` : "; see ha.cf(5) for the list";
    d.error("unknown-directive", l.src, name, `unknown directive${hint}`, l.rest || undefined);
    return;
  }
  if (l.rest === "") {
    // Heartbeat silently ignores a directive without a value; a typo should not pass unseen.
    d.error("missing-value", l.src, name, `needs a value: ${info.syntax}`);
    return;
  }
  switch (info.shape) {
    case "scalar":
      if (l.values.length !== 1) {
        d.error(
          "too-many-values",
          l.src,
          name,
          `takes one value, got ${l.values.length} ("${l.rest}"): ${info.syntax}`,
          l.rest,
        );
        return;
      }
      d.setScalar(name, l.values[0], l.src);
      return;
    case "list":
      return applyList(d, name, l);
    case "medium":
      return applyMedium(d, name, l);
    case "line":
      return applyWholeLine(d, name, l);
  }
}

function applyList(d: Draft, name: string, l: Line): void {
  for (const v of l.values) {
    if (name === "node") d.addNode(v, l.src);
    else if (name === "hbaping") d.config.legacy.hbaping.push(v);
    else if (name === "env") {
      const eq = v.indexOf("=");
      if (eq <= 0) {
        d.error("bad-value", l.src, "env", `"${v}" is not NAME=VALUE`, v);
        continue;
      }
      d.config.process.env.set(`HA_${v.slice(0, eq)}`, v.slice(eq + 1));
    }
  }
}

/** Reports a bad field of a medium line and tells whether it was good. */
function check<T>(
  d: Draft,
  l: Line,
  name: string,
  r: ValueResult<T>,
  what: string,
): r is { ok: true; value: T } {
  if (!r.ok) {
    d.error(
      "bad-value",
      l.src,
      name,
      `${what}: ${r.reason}; syntax: ${DIRECTIVES[name].syntax}`,
      l.rest,
    );
  }
  return r.ok;
}

function applyMedium(d: Draft, name: string, l: Line): void {
  d.mediaSeen = true;
  const w = l.words;
  const syntax = DIRECTIVES[name].syntax;
  const want = (n: number, exact: boolean) => {
    if (exact ? w.length === n : w.length >= n) return true;
    d.error(
      w.length < n ? "missing-value" : "too-many-values",
      l.src,
      name,
      `expects ${exact ? "" : "at least "}${n} fields, got ${w.length}: ${syntax}`,
      l.rest,
    );
    return false;
  };
  switch (name) {
    case "bcast":
      for (const v of l.values) {
        const iface = parseIface(v);
        if (check(d, l, name, iface, "interface")) {
          d.addMedium({ kind: "bcast", iface: iface.value, port: d.udpport, source: l.src });
        }
      }
      return;
    case "serial":
      for (const v of l.values) {
        const dev = parseAbsPath(v);
        if (check(d, l, name, dev, "device")) {
          d.addMedium({ kind: "serial", device: dev.value, baud: d.baud, source: l.src });
        }
      }
      return;
    case "ucast":
    case "ucast6": {
      if (!want(2, false)) return;
      const iface = parseIface(w[0]);
      if (!check(d, l, name, iface, "interface")) return;
      for (const peerText of w.slice(1)) {
        if (name === "ucast") {
          const peer = parseIPv4(peerText, "peer address");
          if (check(d, l, name, peer, "peer")) {
            d.addMedium({
              kind: "ucast",
              iface: iface.value,
              peer: peer.value,
              port: d.udpport,
              source: l.src,
            });
          }
        } else {
          const [addr, scope] = peerText.split("%", 2);
          if (!isIPv6(addr)) {
            d.error(
              "bad-value",
              l.src,
              name,
              `peer: "${peerText}" is not an IPv6 address; use e.g. 2001:db8::2 or fe80::2%${iface.value}`,
              peerText,
            );
          } else if (scope !== undefined && scope !== iface.value) {
            d.error(
              "bad-value",
              l.src,
              name,
              `peer: scope "%${scope}" differs from the interface ${iface.value}; they must match`,
              peerText,
            );
          } else {
            d.addMedium({
              kind: "ucast6",
              iface: iface.value,
              peer: addr.toLowerCase(),
              ...(scope ? { scope } : {}),
              port: d.udpport,
              source: l.src,
            });
          }
        }
      }
      return;
    }
    case "mcast":
    case "mcast6": {
      if (!want(5, true)) return;
      const v6 = name === "mcast6";
      const iface = parseIface(w[0]);
      const groupOk = v6 ? isMcast6(w[1]) : isMcast4(w[1]);
      const port = parsePort(w[2]);
      const ttl = v6 ? parseIntIn(w[3], 0, 4, "a hop count") : parseIntIn(w[3], 1, 255, "a TTL");
      const loop = parseIntIn(w[4], 0, 1, "a loop flag");
      let good = check(d, l, name, iface, "interface");
      if (!groupOk) {
        const range = v6 ? "ff00::/8, e.g. ff12::1:2:3:4" : "224.0.0.0/4, e.g. 239.0.0.1";
        d.error(
          "bad-value",
          l.src,
          name,
          `group: "${w[1]}" is not a multicast address; use one in ${range}`,
          w[1],
        );
        good = false;
      }
      good = check(d, l, name, port, "port") && good;
      good = check(d, l, name, ttl, v6 ? "hops" : "ttl") && good;
      good = check(d, l, name, loop, "loop") && good;
      if (!good || !iface.ok || !port.ok || !ttl.ok || !loop.ok) return;
      if (v6) {
        d.addMedium({
          kind: "mcast6",
          iface: iface.value,
          group: w[1].toLowerCase(),
          port: port.value,
          hops: ttl.value,
          loop: loop.value === 1,
          source: l.src,
        });
      } else {
        d.addMedium({
          kind: "mcast",
          iface: iface.value,
          group: w[1],
          port: port.value,
          ttl: ttl.value,
          loop: loop.value === 1,
          source: l.src,
        });
      }
      return;
    }
  }
}

function applyWholeLine(d: Draft, name: string, l: Line): void {
  const w = l.words;
  switch (name) {
    case "ping":
      for (const a of l.values) {
        if (isIPv4(a) || isIPv6(a)) d.addPing({ address: a, source: l.src });
        else {d.error(
            "bad-value",
            l.src,
            name,
            `"${a}" is not an IP address; use e.g. 192.0.2.1`,
            a,
          );}
      }
      return;
    case "ping6":
      for (const a of l.values) {
        if (isIPv6(a)) d.addPing({ address: a.toLowerCase(), source: l.src });
        else {d.error(
            "bad-value",
            l.src,
            name,
            `"${a}" is not an IPv6 address; use e.g. 2001:db8::1`,
            a,
          );}
      }
      return;
    case "ping_group": {
      if (l.values.length < 2) {
        d.error(
          "missing-value",
          l.src,
          name,
          `needs a group name and at least one address: ${DIRECTIVES[name].syntax}`,
          l.rest,
        );
        return;
      }
      const [group, ...addrs] = l.values;
      const badAddr = addrs.filter((a) => !isIPv4(a) && !isIPv6(a));
      for (const a of badAddr) {
        d.error("bad-value", l.src, name, `"${a}" is not an IP address; use e.g. 192.0.2.1`, a);
      }
      if (badAddr.length === 0) d.addPingGroup({ name: group, addresses: addrs, source: l.src });
      return;
    }
    case "respawn":
    case "failfast": {
      if (w.length < 2) {
        d.error(
          "missing-value",
          l.src,
          name,
          `needs a user and a program: ${DIRECTIVES[name].syntax}`,
          l.rest,
        );
        return;
      }
      const path = parseAbsPath(w[1]);
      if (!check(d, l, name, path, "program")) return;
      const command = l.rest.slice(l.rest.indexOf(w[1]));
      d.addRespawn({
        user: w[0],
        path: path.value,
        args: w.slice(2),
        command,
        failfast: name === "failfast",
        source: l.src,
      });
      return;
    }
    case "apiauth":
      return applyApiAuth(d, l);
    case "stonith":
    case "stonith_host":
      d.config.legacy.stonith.push({ directive: name, value: l.rest, source: l.src });
      return;
  }
}

function applyApiAuth(d: Draft, l: Line): void {
  const [group, ...specs] = l.words;
  const lists: { uid?: string[]; gid?: string[] } = {};
  let good = true;
  for (const s of specs) {
    const m = /^(uid|gid)=(.*)$/.exec(s);
    if (!m) {
      d.error(
        "bad-value",
        l.src,
        "apiauth",
        `"${s}" is neither uid=LIST nor gid=LIST; syntax: ${DIRECTIVES.apiauth.syntax}`,
        s,
      );
      good = false;
      continue;
    }
    const kind = m[1] as "uid" | "gid";
    const items = m[2].split(",");
    if (lists[kind]) {
      d.error(
        "duplicate",
        l.src,
        "apiauth",
        `two ${kind}= lists for group "${group}"; join them with commas`,
        s,
      );
      good = false;
    } else if (items.some((x) => x === "")) {
      d.error(
        "bad-value",
        l.src,
        "apiauth",
        `"${s}" has an empty name; list names separated by single commas`,
        s,
      );
      good = false;
    } else lists[kind] = items;
  }
  if (specs.length === 0) {
    d.error(
      "missing-value",
      l.src,
      "apiauth",
      `group "${group}" needs uid=... and/or gid=...: ${DIRECTIVES.apiauth.syntax}`,
      l.rest,
    );
    return;
  }
  if (good) {
    d.addApiAuth({
      group,
      uids: lists.uid ?? [],
      gids: lists.gid ?? [],
      builtin: false,
      source: l.src,
    }, l.src);
  }
}
