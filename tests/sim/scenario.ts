/**
 * Scenarios: one per seed, fully determined by (seed, node count).
 *
 * Loss budget for the strict "no false death" check (default timings: keepalive 1 s,
 * deadtime 5 s). A false death needs every copy of every message from a node to be lost
 * for a whole deadtime. Even with jitter and reordering up to 1 s, a 5 s window holds at
 * least 4 heartbeats, each sent on L links, so P(false death per window) ≤ p^(4L) for a
 * per-copy loss p. A run of 40 s with 8 nodes has about 40 × 8 × 7 ≈ 2 240 sender×receiver
 * windows; for 300 seeds that is < 10^6. With L = 2 and p ≤ 0.1 the expected number of
 * false deaths over the whole CI run is ≤ 10^6 × 10^-8 = 0.01 — so the strict check
 * applies when loss ≤ 10 % on 2 links (≤ 1 % on a single link). Above that, deaths are
 * only checked to be justified (the declarer really heard nothing for a deadtime).
 */
import type { LinkFaults } from "./network.ts";
import type { Rng } from "./prng.ts";

export type ScenarioKind = "lossy" | "heavy" | "partition" | "restart";

export const SCENARIOS: readonly ScenarioKind[] = ["lossy", "heavy", "partition", "restart"];

/** Per-copy loss under which the strict no-false-death check holds (2 links). */
export const STRICT_LOSS_BUDGET_2_LINKS = 0.1;

export interface Scenario {
  kind: ScenarioKind;
  links: string[];
  faults: Map<string, LinkFaults>;
  durationMs: number;
  strictNoFalseDeath: boolean;
  /** Every client message must be delivered (no crash, no partition). */
  complete: boolean;
}

function faults(rng: Rng, maxLoss: number, minLoss = 0): LinkFaults {
  return {
    loss: rng.real(minLoss, maxLoss),
    dup: rng.real(0, 0.05),
    reorder: rng.real(0, 0.1),
    reorderMs: rng.real(0, 300),
    delayMs: rng.real(0.1, 5),
    jitterMs: rng.real(0, 20),
  };
}

/** The scenario for `seed`. */
export function scenarioFor(seed: number, rng: Rng): Scenario {
  const kind = SCENARIOS[seed % SCENARIOS.length];
  const links = ["eth0", "eth1"];
  const maxLoss = kind === "heavy" ? 0.3 : kind === "lossy" ? STRICT_LOSS_BUDGET_2_LINKS : 0.05;
  const minLoss = kind === "heavy" ? 0.15 : 0;
  return {
    kind,
    links,
    faults: new Map(links.map((l) => [l, faults(rng, maxLoss, minLoss)])),
    durationMs: 40_000,
    strictNoFalseDeath: kind === "lossy" || kind === "restart",
    complete: kind === "heavy",
  };
}
