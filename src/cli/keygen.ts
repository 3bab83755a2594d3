/**
 * `heartbeat keygen [--method sha256|sha1|md5] [--output PATH] [--force] [--index N]`:
 * writes an authkeys file with a fresh random secret, created mode 0600 from the start.
 * Exit status: 0 written, 1 refused or failed, 2 usage error.
 */
import { parseCommandArgs } from "./args.ts";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { register } from "./dispatch.ts";

const USAGE =
  `usage: heartbeat keygen [--method sha256|sha1|md5] [--output PATH] [--force] [--index N]

Writes an authkeys file (default /etc/ha.d/authkeys, mode 0600) holding one key with a
fresh 256-bit random secret. Copy the same file to every node.

  --method M    sha256 (default; heartbeat-ts only), sha1 or md5 (work with real Heartbeat)
  --output PATH where to write (default /etc/ha.d/authkeys)
  --force       replace an existing file
  --index N     key index, 1..15 (default 1)`;

const METHODS = ["sha256", "sha1", "md5"];

/** The authkeys text for one key (the secret is hex: one word, as Heartbeat reads it). */
export function authkeysText(method: string, index: number, secretHex: string, when: Date): string {
  return [
    `# authkeys written by heartbeat keygen on ${when.toISOString()}.`,
    "# Keep it mode 0600 and identical on every node of the cluster.",
    `auth ${index}`,
    `${index} ${method} ${secretHex}`,
    "",
  ].join("\n");
}

async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs("keygen", USAGE, {
    args,
    options: {
      method: { type: "string", default: "sha256" },
      output: { type: "string", short: "o", default: "/etc/ha.d/authkeys" },
      force: { type: "boolean", default: false },
      index: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (!METHODS.includes(values.method)) {
    console.error(
      `heartbeat keygen: --method ${values.method} is not accepted; use ${
        METHODS.join(", ")
      } (crc gives no security)`,
    );
    return 2;
  }
  if (!/^\d+$/.test(values.index) || Number(values.index) < 1 || Number(values.index) > 15) {
    console.error(`heartbeat keygen: --index ${values.index} is not accepted; use 1 to 15`);
    return 2;
  }
  const out = values.output;
  const text = authkeysText(
    values.method,
    Number(values.index),
    randomBytes(32).toString("hex"),
    new Date(),
  );
  // Write a private temporary file beside the target, then move it into place: the key is
  // never readable by others, not even for a moment, and a crash leaves no half-written file.
  const tmp = join(
    dirname(out),
    `.${basename(out)}.keygen-${Deno.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      await Deno.chmod(tmp, 0o600); // umask can only have narrowed it; make it exactly 0600
      await f.write(new TextEncoder().encode(text));
      await f.sync();
    } finally {
      f.close();
    }
    if (values.force) {
      await Deno.rename(tmp, out);
    } else {
      // link() refuses an existing target atomically, unlike a check-then-write.
      await Deno.link(tmp, out);
      await Deno.remove(tmp);
    }
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    if (e instanceof Deno.errors.AlreadyExists) {
      console.error(
        `heartbeat keygen: ${out} already exists; not replaced (use --force to overwrite it — every node then needs the new file)`,
      );
    } else if (e instanceof Deno.errors.NotFound) {
      console.error(
        `heartbeat keygen: cannot write ${out}: directory ${dirname(out)} does not exist`,
      );
    } else if (e instanceof Deno.errors.PermissionDenied) {
      console.error(`heartbeat keygen: cannot write ${out}: permission denied (run as root?)`);
    } else {
      console.error(`heartbeat keygen: cannot write ${out}: ${e instanceof Error ? e.message : e}`);
    }
    return 1;
  }
  console.log(
    `wrote ${out}: ${values.method} key ${values.index}, mode 0600; copy it to every node`,
  );
  return 0;
}

register("keygen", { summary: "write an authkeys file with a fresh random key", run });
