/** Default membership round timing, derived from the heartbeat timing. */
import type { MembershipConfig } from "./types.ts";

/**
 * Minimum gap between two reports of one node. A single change (a death) is reported at
 * once; a burst of changes and requests (a cluster starting) costs one report per gap.
 */
export const REPORT_GAP_MS = 20;

/**
 * Round timeout and resync period for a heartbeat keepalive (README.md, "Bound"): a round
 * gets two keepalives (a lost proposal or ack is retransmitted after the next heartbeat
 * reveals the gap), a node out of step re-announces itself every five.
 */
export function membershipTimings(keepaliveMs: number): Pick<
  MembershipConfig,
  "roundTimeoutMs" | "resyncMs" | "reportGapMs"
> {
  return {
    roundTimeoutMs: Math.max(200, 2 * keepaliveMs),
    resyncMs: Math.max(500, 5 * keepaliveMs),
    reportGapMs: REPORT_GAP_MS,
  };
}
