/**
 * The leader's choice of members: a maximal clique of mutually-hearing nodes that contains
 * the leader, computed deterministically (same inputs, same members on every node).
 */

/** Who hears whom: `hears(a)` is the set of nodes `a` reports it hears (including itself). */
export type HearsFn = (node: string) => ReadonlySet<string>;

/** Whether a and b hear each other. */
export function mutual(hears: HearsFn, a: string, b: string): boolean {
  return hears(a).has(b) && hears(b).has(a);
}

/**
 * A maximal clique containing `leader` among `candidates` (leader first, then by number of
 * mutual neighbours among the candidates, descending, then by name): greedy, O(n²).
 * Returns the members sorted by name.
 */
export function leaderClique(leader: string, candidates: string[], hears: HearsFn): string[] {
  const others = candidates.filter((c) => c !== leader && mutual(hears, leader, c));
  const degree = new Map<string, number>();
  for (const a of others) {
    let d = 0;
    for (const b of others) if (a !== b && mutual(hears, a, b)) d++;
    degree.set(a, d);
  }
  others.sort((a, b) => degree.get(b)! - degree.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  const clique = [leader];
  for (const c of others) {
    if (clique.every((m) => mutual(hears, m, c))) clique.push(c);
  }
  return clique.sort(byName);
}

/** Plain code-unit order: identical on every node regardless of locale. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
