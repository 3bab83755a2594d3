/** Seeded random messages for property tests and the fuzzer. */

import { type Field, Message } from "../../src/wire/message.ts";

export { mulberry32 } from "../sim/prng.ts";

export type Rng = () => number;

export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export interface GenOptions {
  /** Restrict bytes so the classic text form can carry them (see classic.ts). */
  readonly classic: boolean;
  /** Deepest nesting to generate (top message is 0). */
  readonly maxDepth: number;
}

const NAME_CHARS = "abcdefghijklmnopqrstuvwxyz_ABCXYZ0123456789-.";

function randName(rng: Rng, o: GenOptions): string {
  let s = "";
  const n = randInt(rng, 1, 12);
  for (let i = 0; i < n; i++) {
    if (!o.classic && rng() < 0.05) {
      let c = randInt(rng, 0, 255);
      if (c === 0x3d) c = 0x41; // '=' ends a name
      s += String.fromCharCode(c);
    } else s += NAME_CHARS[randInt(rng, 0, NAME_CHARS.length - 1)];
  }
  return s;
}

/** Random byte string; in classic mode without the SPECIAL_SYMS bytes (20..29), optionally no '\n'. */
function randBytes(rng: Rng, o: GenOptions, allowNewline: boolean): string {
  const n = rng() < 0.1 ? randInt(rng, 0, 600) : randInt(rng, 0, 24);
  let s = "";
  for (let i = 0; i < n; i++) {
    let c = rng() < 0.5 ? randInt(rng, 32, 126) : randInt(rng, 0, 255);
    if (o.classic && ((c >= 20 && c <= 29) || (!allowNewline && c === 10))) c = 0x2a;
    s += String.fromCharCode(c);
  }
  return s;
}

function randBinary(rng: Rng): Uint8Array {
  const b = new Uint8Array(rng() < 0.1 ? randInt(rng, 0, 600) : randInt(rng, 0, 24));
  for (let i = 0; i < b.length; i++) b[i] = randInt(rng, 0, 255);
  return b;
}

/** A random message using every field type, nested up to `o.maxDepth`. */
export function randomMessage(rng: Rng, o: GenOptions, depth = 0): Message {
  const fields: Field[] = [];
  const n = randInt(rng, 0, depth === 0 ? 14 : 5);
  for (let i = 0; i < n; i++) {
    const name = randName(rng, o);
    const k = randInt(rng, 0, 9);
    const nest = depth < o.maxDepth;
    if (k <= 3) fields.push({ name, type: 0, value: randBytes(rng, o, true) });
    else if (k === 4) fields.push({ name, type: 1, value: randBinary(rng) });
    else if (k === 5 && nest) {
      fields.push({ name, type: 2, value: randomMessage(rng, o, depth + 1) });
    } else if (k === 6) {
      const items: string[] = [];
      const m = randInt(rng, 0, 5);
      for (let j = 0; j < m; j++) items.push(randBytes(rng, o, false));
      fields.push({ name, type: 3, value: items });
    } else if (k === 7) fields.push({ name, type: 4, value: randBinary(rng) });
    else if (k === 8 && nest) {
      fields.push({ name, type: 5, value: randomMessage(rng, o, depth + 1) });
    } else fields.push({ name, type: 0, value: randBytes(rng, o, true) });
  }
  return new Message(fields);
}
