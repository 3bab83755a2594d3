/**
 * Loads a configuration file (ha.cf text or heartbeat.toml, chosen by extension) and its
 * authkeys, reporting problems of both files together.
 */
import { dirname, isAbsolute, join } from "node:path";
import type { AuthKeys } from "./auth_types.ts";
import type { Config } from "./types.ts";
import type { ConfigError, ConfigWarning, ParseResult } from "./errors.ts";
import type { ParseOptions } from "./builder.ts";
import { parseHaCf } from "./hacf.ts";
import { parseTomlConfig } from "./toml.ts";
import { loadAuthkeys, readError } from "./authkeys.ts";

/** Options of `loadConfig`. */
export interface LoadOptions extends ParseOptions {
  /**
   * The authkeys file: a path, `false` to skip keys, or absent for the default —
   * heartbeat.toml's `[auth]` (file or embedded keys), else `authkeys` beside the config.
   */
  authkeys?: string | false;
}

/** A configuration with its keys. */
export interface LoadedConfig {
  config: Config;
  authkeys: AuthKeys;
  /** Where the keys were read from (the TOML file itself for embedded keys). */
  authkeysPath: string;
}

/** What `loadConfig(path, { authkeys: false })` gives: the configuration alone. */
export interface LoadedConfigOnly {
  config: Config;
  authkeys?: undefined;
  authkeysPath?: undefined;
}

/** True when `path` names a TOML configuration (by extension). */
export function isTomlPath(path: string): boolean {
  return path.toLowerCase().endsWith(".toml");
}

/**
 * Reads and parses `path` and its authkeys.
 *
 * @example
 * const r = await loadConfig("/etc/ha.d/ha.cf", { localNode: "node1" });
 * if (!r.ok) for (const e of r.errors) console.error(formatIssue(e));
 */
export function loadConfig(
  path: string,
  opts: LoadOptions & { authkeys: false },
): Promise<ParseResult<LoadedConfigOnly>>;
export function loadConfig(
  path: string,
  opts?: LoadOptions & { authkeys?: string },
): Promise<ParseResult<LoadedConfig>>;
export async function loadConfig(
  path: string,
  opts: LoadOptions = {},
): Promise<ParseResult<LoadedConfig | LoadedConfigOnly>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return { ok: false, errors: [readError(path, e)], warnings: [] };
  }
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  let config: Config | undefined;
  let authkeys: AuthKeys | undefined;
  let authkeysPath: string | undefined = opts.authkeys === false ? undefined : opts.authkeys;

  if (isTomlPath(path)) {
    const r = parseTomlConfig(text, path, opts);
    warnings.push(...r.warnings);
    if (r.ok) {
      config = r.value.config;
      if (authkeysPath === undefined && opts.authkeys !== false) {
        if (r.value.authkeys) {
          authkeys = r.value.authkeys;
          authkeysPath = path;
          const perm = await secretFileMode(path);
          if (perm) errors.push(perm);
        } else if (r.value.authkeysPath) {
          const p = r.value.authkeysPath;
          authkeysPath = isAbsolute(p) ? p : join(dirname(path), p);
        }
      }
    } else errors.push(...r.errors);
  } else {
    const r = parseHaCf(text, path, opts);
    warnings.push(...r.warnings);
    if (r.ok) config = r.value;
    else errors.push(...r.errors);
  }

  if (opts.authkeys !== false && !authkeys) {
    authkeysPath ??= join(dirname(path), "authkeys");
    const k = await loadAuthkeys(authkeysPath);
    warnings.push(...k.warnings);
    if (k.ok) authkeys = k.value;
    else errors.push(...k.errors);
  }
  if (errors.length > 0 || !config) return { ok: false, errors, warnings };
  if (opts.authkeys === false) return { ok: true, value: { config }, warnings };
  return {
    ok: true,
    value: { config, authkeys: authkeys!, authkeysPath: authkeysPath! },
    warnings,
  };
}

/** A TOML file embedding secrets must be as private as authkeys. */
async function secretFileMode(path: string): Promise<ConfigError | undefined> {
  const mode = ((await Deno.stat(path)).mode ?? 0) & 0o777;
  if (!(mode & 0o077)) return undefined;
  const octal = mode.toString(8).padStart(4, "0");
  return {
    code: "permissions",
    file: path,
    directive: "auth",
    value: octal,
    message:
      `embeds auth keys but has mode ${octal}, open to group or others; fix: chmod 600 ${path}`,
  };
}
