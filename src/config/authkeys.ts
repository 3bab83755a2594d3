/**
 * authkeys → AuthKeys. Format (Heartbeat 3.0.6 `parse_authfile`): `auth N` picks the key
 * used for sending; lines `N METHOD [SECRET]` define keys; `#` lines are comments.
 *
 * The secret is the first blank-separated word after the method, exactly as Heartbeat
 * reads it (`sscanf("%d%s%s")`): a file shared with real Heartbeat nodes must yield the
 * same key bytes on ours. Anything after that word is ignored, with a warning.
 */
import type { AuthKey, AuthKeys, AuthMethod } from "./auth_types.ts";
import { type ConfigError, IssueList, type ParseResult } from "./errors.ts";

const METHODS: readonly AuthMethod[] = ["crc", "md5", "sha1", "sha256"];
/** Heartbeat's MAXAUTH is 16; index 0 is never written, so we accept 1..15. */
const MAX_INDEX = 15;

/** Parses authkeys text; `file` is used in messages only. */
export function parseAuthkeys(text: string, file: string): ParseResult<AuthKeys> {
  const issues = new IssueList();
  const keys = new Map<number, AuthKey>();
  const keyLines = new Map<number, number>();
  let send: { index: number; line: number } | undefined;
  const err = (line: number, directive: string, message: string, value?: string) =>
    issues.error({ code: "auth", file, line, directive, message, value });

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const body = lines[i].replace(/\r$/, "").trim();
    if (body === "" || body.startsWith("#")) continue;
    const words = body.split(/\s+/);
    if (words[0] === "auth") {
      if (words.length !== 2 || !/^\d+$/.test(words[1])) {
        err(
          lineNo,
          "auth",
          `"${body}" is not \`auth N\`; name the sending key's index, e.g. \`auth 1\``,
          body,
        );
      } else if (send) {
        err(lineNo, "auth", `a second auth line (first at line ${send.line}); keep one`, words[1]);
      } else {
        send = { index: Number(words[1]), line: lineNo };
      }
      continue;
    }
    if (!/^\d+$/.test(words[0])) {
      err(
        lineNo,
        words[0],
        `not an authkeys line; use \`auth N\` or \`N METHOD SECRET\` (methods: ${
          METHODS.join(", ")
        })`,
        body,
      );
      continue;
    }
    const index = Number(words[0]);
    const where = `key ${words[0]}`;
    if (index < 1 || index > MAX_INDEX) {
      err(lineNo, where, `index ${words[0]} is out of range; use 1 to ${MAX_INDEX}`, words[0]);
      continue;
    }
    if (keyLines.has(index)) {
      err(
        lineNo,
        where,
        `index ${index} is defined twice (first at line ${
          keyLines.get(index)
        }); give each key its own index`,
        words[0],
      );
      continue;
    }
    keyLines.set(index, lineNo);
    const method = words[1];
    if (method === undefined) {
      err(
        lineNo,
        where,
        `no method; use \`${index} METHOD SECRET\` with METHOD one of ${METHODS.join(", ")}`,
      );
      continue;
    }
    if (!METHODS.includes(method as AuthMethod)) {
      const lower = method.toLowerCase();
      const hint = METHODS.includes(lower as AuthMethod) ? `; write "${lower}"` : "";
      err(
        lineNo,
        where,
        `unknown method "${method}"; use one of ${METHODS.join(", ")}${hint}`,
        method,
      );
      continue;
    }
    const secret = words[2] ?? "";
    if (method === "crc") {
      if (secret !== "") {
        err(
          lineNo,
          where,
          `crc takes no secret (Heartbeat refuses one); remove "${secret}" or use sha1/sha256`,
          secret,
        );
        continue;
      }
      issues.warn({
        code: "security",
        file,
        line: lineNo,
        directive: where,
        message:
          "crc gives no security: anyone on the network can forge messages; use sha256 (or sha1 with real Heartbeat nodes)",
        value: "crc",
      });
    } else if (secret === "") {
      err(
        lineNo,
        where,
        `${method} needs a secret: \`${index} ${method} SECRET\` (\`heartbeat keygen\` makes one)`,
      );
      continue;
    }
    if (words.length > 3) {
      issues.warn({
        code: "auth",
        file,
        line: lineNo,
        directive: where,
        message: `only the first word of the secret is used (as by Heartbeat); "${
          words.slice(3).join(" ")
        }" is ignored`,
        value: words.slice(3).join(" "),
      });
    }
    keys.set(index, {
      index,
      method: method as AuthMethod,
      secret: new TextEncoder().encode(secret),
    });
  }

  if (!send) {
    issues.error({
      code: "auth",
      file,
      directive: "auth",
      message: `no \`auth N\` line; add one naming the key to send with${
        keys.size ? `, e.g. \`auth ${[...keys.keys()][0]}\`` : ""
      }`,
    });
  } else if (
    !keys.has(send.index) && !issues.errors.some((e) => e.line === keyLines.get(send!.index))
  ) {
    const listed = keys.size ? `listed: ${[...keys.keys()].join(", ")}` : "no keys are listed";
    err(
      send.line,
      "auth",
      `names key ${send.index}, which is not defined (${listed}); add \`${send.index} sha256 SECRET\` or change the index`,
      String(send.index),
    );
  }
  if (issues.errors.length > 0 || !send) {
    return {
      ok: false,
      errors: issues.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
      warnings: issues.warnings,
    };
  }
  return { ok: true, value: { send: keys.get(send.index)!, keys }, warnings: issues.warnings };
}

/**
 * Reads and parses an authkeys file, refusing it (as Heartbeat does) when group or
 * others have any permission on it.
 */
export async function loadAuthkeys(path: string): Promise<ParseResult<AuthKeys>> {
  let text: string;
  try {
    const st = await Deno.stat(path);
    const mode = (st.mode ?? 0) & 0o777;
    if (mode & 0o077) {
      const octal = mode.toString(8).padStart(4, "0");
      return {
        ok: false,
        errors: [{
          code: "permissions",
          file: path,
          directive: "",
          value: octal,
          message:
            `mode ${octal} lets group or others access the keys (Heartbeat refuses it too); fix: chmod 600 ${path}`,
        }],
        warnings: [],
      };
    }
    text = await Deno.readTextFile(path);
  } catch (e) {
    return { ok: false, errors: [readError(path, e)], warnings: [] };
  }
  return parseAuthkeys(text, path);
}

/** A read-failed issue for a file that could not be opened or read. */
export function readError(path: string, e: unknown): ConfigError {
  const issue = (message: string): ConfigError => ({
    code: "read-failed",
    file: path,
    directive: "",
    message,
  });
  if (e instanceof Deno.errors.NotFound) return issue("file not found; check the path");
  if (e instanceof Deno.errors.PermissionDenied) {
    return issue("permission denied; run as root or check the file's owner");
  }
  if (e instanceof Deno.errors.IsADirectory) return issue("is a directory, not a file");
  return issue(`cannot read: ${e instanceof Error ? e.message : String(e)}`);
}
