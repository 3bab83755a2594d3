/**
 * The node's persistent state: uuid and generation, in Heartbeat's own file formats so a
 * node can switch between real Heartbeat and heartbeat-ts without peers seeing a new node
 * or a replayed generation.
 *
 * - `hb_uuid`: 16 raw bytes.
 * - `hb_generation`: the number in decimal, right-aligned in 15 columns, then `\n` (16 bytes).
 *
 * Generation rules (Heartbeat's IncrGeneration): read, add 1, write back with fsync before
 * any packet is sent. A missing file starts from the current time in seconds, so a node whose
 * disk was wiped still moves forward; an unreadable or corrupt file is an error, not a reset,
 * because a silently lower generation makes peers drop us as a replay.
 */

export interface NodeIdentity {
  uuid: Uint8Array;
  generation: number;
}

export class StateDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateDirError";
  }
}

const GEN_WIDTH = 15;

/** Formats a generation record exactly as Heartbeat writes it. */
export function formatGeneration(gen: number): string {
  return String(gen).padStart(GEN_WIDTH, " ") + "\n";
}

/** Parses a generation record; undefined when it is not one. */
export function parseGeneration(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,15}$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Loads (or creates) the uuid and bumps the generation. `nowSec` is the wall clock used only
 * when no generation file exists yet.
 */
export function openStateDir(dir: string, nowSec: number): NodeIdentity {
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
  } catch (e) {
    throw new StateDirError(
      `cannot create state directory ${dir}: ${(e as Error).message}; ` +
        `create it or pass --state-dir`,
    );
  }
  const uuid = loadOrCreateUuid(`${dir}/hb_uuid`);
  const generation = bumpGeneration(`${dir}/hb_generation`, nowSec);
  return { uuid, generation };
}

function loadOrCreateUuid(path: string): Uint8Array {
  try {
    const b = Deno.readFileSync(path);
    if (b.length !== 16) {
      throw new StateDirError(
        `${path}: expected 16 bytes of uuid, found ${b.length}; remove it to get a new uuid ` +
          `(peers will then see a new node)`,
      );
    }
    return b;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      if (e instanceof StateDirError) throw e;
      throw new StateDirError(`cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const uuid = new Uint8Array(16);
  crypto.getRandomValues(uuid);
  // RFC 4122 version 4 layout, as libuuid's uuid_generate gives.
  uuid[6] = (uuid[6] & 0x0f) | 0x40;
  uuid[8] = (uuid[8] & 0x3f) | 0x80;
  writeDurably(path, uuid);
  return uuid;
}

function bumpGeneration(path: string, nowSec: number): number {
  let base: number;
  try {
    const text = Deno.readTextFileSync(path);
    const g = parseGeneration(text);
    if (g === undefined) {
      throw new StateDirError(
        `${path}: not a generation record (${JSON.stringify(text.slice(0, 20))}); ` +
          `write a number at least as high as the last one peers saw, or remove the file`,
      );
    }
    base = g;
  } catch (e) {
    if (e instanceof StateDirError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new StateDirError(`cannot read ${path}: ${(e as Error).message}`);
    }
    base = Math.floor(nowSec);
  }
  const gen = base + 1;
  writeDurably(path, new TextEncoder().encode(formatGeneration(gen)));
  return gen;
}

/** Writes via a temp file + fsync + rename + directory fsync, so a crash leaves old or new. */
function writeDurably(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  try {
    const f = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
    try {
      let off = 0;
      while (off < data.length) off += f.writeSync(data.subarray(off));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } catch {
      // Some filesystems refuse fsync on directories; the file itself is synced.
    } finally {
      d.close();
    }
  } catch (e) {
    throw new StateDirError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
