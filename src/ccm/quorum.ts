/**
 * Quorum as Heartbeat's default plugins give it: `majority` (more than half of the
 * configured nodes) and `twonodes` (a 2-node cluster keeps quorum with one node).
 */

/** Whether `members` nodes hold quorum in a cluster of `configured` nodes. */
export function hasQuorum(members: number, configured: number): boolean {
  if (configured === 2) return members >= 1;
  return members * 2 > configured;
}
