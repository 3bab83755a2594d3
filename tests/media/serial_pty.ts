/**
 * A null-modem cable made of two ptys, for tests and the benchmark: bytes written to one
 * slave come out of the other, relayed by this process between the two masters. Closing
 * the pair "unplugs" the cable (both slaves hang up and their /dev/pts entries vanish);
 * optional symlinks give the ends stable names across re-plugs. Every relayed byte can be
 * tapped, to see exactly what each side wrote.
 */
import { libc, openPty, readNonBlocking, writeNonBlocking } from "../../src/ffi/libc.ts";
import { setupLine } from "../../src/media/termios.ts";

export interface PtyPairOptions {
  /** Symlink paths made to point at the A and B slaves. */
  links?: [string, string];
  /** Called with the bytes slave A (from "A") or slave B (from "B") wrote. */
  tap?: (from: "A" | "B", bytes: Uint8Array) => void;
  pollMs?: number;
  /**
   * Carry bytes no faster than a real line at this speed (10 bits per byte: 8N1), so a
   * message takes as long to cross as on a cable. Unset: as fast as the ptys go.
   */
  baud?: number;
}

export class PtyPair {
  readonly a: string;
  readonly b: string;
  readonly #ma: number;
  readonly #mb: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #tap?: (from: "A" | "B", bytes: Uint8Array) => void;
  readonly #buf = new Uint8Array(16 * 1024);
  #closed = false;
  #heldAtoB: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #heldBtoA: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  /** Bytes relayed A→B and B→A. */
  readonly relayed = { AtoB: 0, BtoA: 0 };
  readonly #bytesPerMs: number;
  /** Bytes each direction may still send now (line pacing). */
  readonly #credit = { A: 0, B: 0 };
  #lastPump = performance.now();

  constructor(opts: PtyPairOptions = {}) {
    const pa = openPty();
    if (typeof pa === "string") throw new Error(pa);
    const pb = openPty();
    if (typeof pb === "string") {
      libc().close(pa.master);
      throw new Error(pb);
    }
    this.#ma = pa.master;
    this.#mb = pb.master;
    // The masters carry bytes as they are (no echo, no CR/LF mapping on the way back).
    setupLine(this.#ma, 115200);
    setupLine(this.#mb, 115200);
    this.a = pa.slave;
    this.b = pb.slave;
    this.#tap = opts.tap;
    this.#bytesPerMs = opts.baud === undefined ? Infinity : opts.baud / 10 / 1000;
    if (opts.links) {
      for (const [i, target] of [this.a, this.b].entries()) {
        const link = opts.links[i];
        try {
          Deno.removeSync(link);
        } catch {
          // not there
        }
        Deno.symlinkSync(target, link);
      }
    }
    this.#timer = setInterval(() => this.#pump(), opts.pollMs ?? 2);
  }

  #pump(): void {
    const now = performance.now();
    const earned = (now - this.#lastPump) * this.#bytesPerMs;
    this.#lastPump = now;
    // A UART's FIFO lets a little burst through; idle time does not bank more than that.
    const cap = Math.max(64, this.#bytesPerMs * 10);
    for (const s of ["A", "B"] as const) this.#credit[s] = Math.min(this.#credit[s] + earned, cap);
    this.#move(this.#ma, this.#mb, "A");
    this.#move(this.#mb, this.#ma, "B");
  }

  #move(from: number, to: number, side: "A" | "B"): void {
    // Flow control: a far end that is full stops the relay in that direction (nothing lost).
    const held = side === "A" ? this.#heldAtoB : this.#heldBtoA;
    if (held.length > 0) {
      const rest = this.#write(to, held);
      if (side === "A") this.#heldAtoB = rest;
      else this.#heldBtoA = rest;
      if (rest.length > 0) return;
    }
    for (let i = 0; i < 64; i++) {
      const room = this.#bytesPerMs === Infinity
        ? this.#buf.length
        : Math.min(this.#buf.length, Math.floor(this.#credit[side]));
      if (room <= 0) return;
      // EIO here only means that slave is not open (yet or any more): nothing to relay.
      const r = readNonBlocking(from, this.#buf.subarray(0, room));
      if (!r.ok) return;
      if (this.#bytesPerMs !== Infinity) this.#credit[side] -= r.n;
      const chunk = this.#buf.slice(0, r.n);
      this.#tap?.(side, chunk);
      if (side === "A") this.relayed.AtoB += r.n;
      else this.relayed.BtoA += r.n;
      const rest = this.#write(to, chunk);
      if (rest.length > 0) {
        if (side === "A") this.#heldAtoB = rest;
        else this.#heldBtoA = rest;
        return;
      }
    }
  }

  /** Writes what `to` takes now; returns the rest. A closed far end swallows everything. */
  #write(to: number, bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
    let off = 0;
    while (off < bytes.length) {
      const w = writeNonBlocking(to, bytes.subarray(off));
      if (!w.ok) return w.again ? bytes.slice(off) : new Uint8Array(0);
      off += w.n;
    }
    return new Uint8Array(0);
  }

  /** Unplugs the cable: both slaves hang up. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    libc().close(this.#ma);
    libc().close(this.#mb);
  }
}

/** Collects tapped bytes per side. */
export class Tap {
  readonly A: Uint8Array[] = [];
  readonly B: Uint8Array[] = [];
  readonly fn = (from: "A" | "B", bytes: Uint8Array): void => {
    this[from].push(bytes);
  };

  text(side: "A" | "B"): string {
    return new TextDecoder("latin1").decode(concat(this[side]));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * As a program: `deno run -A tests/media/serial_pty.ts LINK_A LINK_B` makes a pair with those
 * symlinks, prints "ready", and relays until killed (a cable in another process, so tests
 * can flood it without sharing their own event loop).
 */
if (import.meta.main) {
  const [la, lb] = Deno.args;
  if (!la || !lb) {
    console.error("usage: serial_pty.ts LINK_A LINK_B");
    Deno.exit(2);
  }
  new PtyPair({ links: [la, lb] });
  console.log("ready");
}
