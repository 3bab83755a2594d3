/**
 * `apiauth` checks (hb_api.c api_check_client_authorization): which uid/gid may sign on to the
 * API as a given client name.
 *
 * A casual client (no name, or its pid as the name) is checked against the `anon` entry; a
 * named client against the entry of its name, else `default`; no entry means refusal. The
 * identity passes when its uid is in the entry's uid list or its gid is in the gid list
 * (cluster-glue ipcsocket.c socket_verify_auth). Names are resolved through /etc/passwd and
 * /etc/group once, when the table is built; unknown names are reported, not fatal.
 */

import type { ApiAuth } from "../config/types.ts";

/** A user/group database: name → numeric id. */
export interface IdDb {
  readonly users: ReadonlyMap<string, number>;
  readonly groups: ReadonlyMap<string, number>;
}

/** Parses passwd- or group-format text (`name:x:id:...`) into name → id. Bad lines are skipped. */
export function parseIdFile(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(":");
    if (parts.length < 3) continue;
    const id = Number(parts[2]);
    if (parts[0] !== "" && Number.isInteger(id) && id >= 0 && !out.has(parts[0])) {
      out.set(parts[0], id);
    }
  }
  return out;
}

/** Reads /etc/passwd and /etc/group (missing or unreadable files give empty maps). */
export function loadIdDb(passwd = "/etc/passwd", group = "/etc/group"): IdDb {
  const read = (p: string) => {
    try {
      return Deno.readTextFileSync(p);
    } catch {
      return "";
    }
  };
  return { users: parseIdFile(read(passwd)), groups: parseIdFile(read(group)) };
}

/** One resolved entry. */
export interface AuthEntry {
  readonly uids: ReadonlySet<number>;
  readonly gids: ReadonlySet<number>;
}

/** The resolved table plus the names that could not be resolved (for one warning each). */
export interface AuthTable {
  readonly entries: ReadonlyMap<string, AuthEntry>;
  readonly unresolved: readonly string[];
}

function resolveIds(
  names: readonly string[],
  db: ReadonlyMap<string, number>,
  what: string,
  group: string,
  unresolved: string[],
): Set<number> {
  const out = new Set<number>();
  for (const n of names) {
    if (/^[0-9]+$/.test(n)) out.add(Number(n));
    else if (db.has(n)) out.add(db.get(n)!);
    else unresolved.push(`apiauth ${group}: ${what} "${n}" is not on this system`);
  }
  return out;
}

/** Resolves config `apiauth` entries (explicit lines override built-ins of the same group). */
export function buildAuthTable(entries: readonly ApiAuth[], db: IdDb): AuthTable {
  const unresolved: string[] = [];
  const map = new Map<string, AuthEntry>();
  const ordered = [...entries].sort((a, b) => Number(b.builtin) - Number(a.builtin));
  for (const e of ordered) {
    map.set(e.group, {
      uids: resolveIds(e.uids, db.users, "user", e.group, unresolved),
      gids: resolveIds(e.gids, db.groups, "group", e.group, unresolved),
    });
  }
  return { entries: map, unresolved };
}

/** Outcome of an authorization check; `reason` is the text Heartbeat puts in `info=`. */
export type AuthDecision =
  | { readonly ok: true; readonly entry: string }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

/**
 * Decides whether `uid`/`gid` may sign on as `clientId` (`undefined` for casual clients).
 */
export function authorize(
  table: AuthTable,
  clientId: string | undefined,
  uid: number,
  gid: number,
): AuthDecision {
  const key = clientId === undefined ? "anon" : table.entries.has(clientId) ? clientId : "default";
  const e = table.entries.get(key);
  if (e === undefined) {
    return {
      ok: false,
      reason: clientId === undefined ? "no anon client auth" : "no default client auth",
      detail: `no apiauth entry for "${clientId ?? "anon"}" and none for "${key}"; ` +
        `add "apiauth ${clientId ?? "anon"} uid=... gid=..." to ha.cf`,
    };
  }
  if (e.uids.has(uid) || e.gids.has(gid)) return { ok: true, entry: key };
  return {
    ok: false,
    reason: "client failed authorization",
    detail: `uid ${uid} gid ${gid} is not in apiauth ${key} ` +
      `(uids ${[...e.uids].join(",") || "-"}, gids ${[...e.gids].join(",") || "-"})`,
  };
}
