/**
 * "Born on" instances for CCM clients: the instance at which each member joined the
 * membership it is in. libccmclient sorts members by it (oldest first) and compares it to
 * tell a node that left and came back from one that stayed, so a node keeps its value for
 * as long as it stays in consecutive views and gets the new instance when it (re)joins.
 */

/** Tracks join instances across consecutive views. */
export class BornTracker {
  #born = new Map<string, number>();

  /** Members of a view (in the given order) with their join instance; forgets those gone. */
  next(instance: number, members: readonly string[]): { name: string; bornon: number }[] {
    const born = new Map<string, number>();
    for (const name of members) born.set(name, this.#born.get(name) ?? instance);
    this.#born = born;
    return members.map((name) => ({ name, bornon: born.get(name)! }));
  }
}
