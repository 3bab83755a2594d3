/** Config → plain JSON (Maps become objects), for `config check --json` and tooling. */
import type { AuthKeys } from "./auth_types.ts";
import type { Config } from "./types.ts";

/** A JSON-safe copy of `config`. */
export function configToJson(config: Config): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(config, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v)),
  );
}

/** Keys without their secrets: method and index only (secrets are never printed). */
export function authSummary(
  keys: AuthKeys,
): { send: number; method: string; keys: { index: number; method: string }[] } {
  return {
    send: keys.send.index,
    method: keys.send.method,
    keys: [...keys.keys.values()].map((k) => ({ index: k.index, method: k.method })),
  };
}
