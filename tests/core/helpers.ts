/** Shared builders for the core unit tests: real NodeCores with a seeded environment. */
import { Message } from "../../src/wire/message.ts";
import { NodeCore } from "../../src/core/node.ts";
import type { CoreAction, CoreConfig, CoreEnv } from "../../src/core/types.ts";

export { mulberry32 } from "../sim/prng.ts";
import { mulberry32 } from "../sim/prng.ts";

export function uuidOf(name: string): Uint8Array {
  const u = new Uint8Array(16);
  for (let i = 0; i < 16; i++) u[i] = (name.charCodeAt(i % name.length) + i * 7) & 0xff;
  return u;
}

export interface TestEnv extends CoreEnv {
  wallOffsetSec: number;
}

export function testEnv(seed = 1, random?: () => number): TestEnv {
  const env: TestEnv = {
    wallOffsetSec: 0,
    random: random ?? mulberry32(seed),
    wallClockSec: () => 1_800_000_000 + env.wallOffsetSec,
    loadAvg: () => "0.00 0.00 0.00 1/100 42",
  };
  return env;
}

export function config(self: string, over: Partial<CoreConfig> = {}): CoreConfig {
  return {
    self,
    selfUuid: uuidOf(self),
    generation: 100,
    nodes: ["node1", "node2"],
    links: ["eth0"],
    keepaliveMs: 1000,
    warntimeMs: 3000,
    deadtimeMs: 5000,
    initdeadMs: 10000,
    maxRexmitDelayMs: 250,
    hopfudge: 1,
    ...over,
  };
}

export function makeCore(self: string, over: Partial<CoreConfig> = {}, env = testEnv()): NodeCore {
  return new NodeCore(config(self, over), env);
}

export function transmitted(actions: CoreAction[]): Message[] {
  return actions.flatMap((a) => a.kind === "transmit" ? [a.msg] : []);
}

export function ofKind<K extends CoreAction["kind"]>(
  actions: CoreAction[],
  kind: K,
): Extract<CoreAction, { kind: K }>[] {
  return actions.filter((a) => a.kind === kind) as Extract<CoreAction, { kind: K }>[];
}

/** A message as peer `src` of generation `gen` would send it, fields in wire order. */
export function peerMsg(
  src: string,
  gen: number,
  seq: number | null,
  body: Record<string, string>,
): Message {
  const m = Message.of(body);
  m.set("src", src);
  m.setBinary("srcuuid", uuidOf(src));
  if (seq !== null) m.set("seq", seq.toString(16));
  m.set("hg", gen.toString(16));
  m.set("ts", "6b064bcb");
  if (seq !== null) m.set("ld", "0.00 0.00 0.00 1/1 1");
  m.set("ttl", "3");
  return m;
}

export function status(src: string, gen: number, seq: number, st = "active", dt = 5000): Message {
  return peerMsg(src, gen, seq, { t: "status", st, dt: dt.toString(16), protocol: "1" });
}

/** Steps ticks at each deadline up to and including `until`; returns all actions. */
export function runUntil(core: NodeCore, until: number): CoreAction[] {
  const out: CoreAction[] = [];
  for (let i = 0; i < 100000; i++) {
    const d = core.nextDeadline();
    if (d > until) break;
    out.push(...core.step({ kind: "tick" }, d));
  }
  return out;
}
