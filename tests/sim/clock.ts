/**
 * Virtual time: one monotonic clock shared by the whole simulated cluster, and per-node
 * wall clocks that can jump (NTP steps, an admin setting the date). The core must only
 * ever rely on the monotonic one.
 */
export const WALL_EPOCH_SEC = 1_800_000_000;

export class VirtualClock {
  /** Monotonic milliseconds since the simulation started. */
  now = 0;
  private readonly wallOffsetSec = new Map<string, number>();

  advanceTo(t: number): void {
    if (t < this.now) throw new Error(`bug: time going backwards ${t} < ${this.now}`);
    this.now = t;
  }

  /** Steps `node`'s wall clock by `deltaSec` (positive or negative). */
  jumpWall(node: string, deltaSec: number): void {
    this.wallOffsetSec.set(node, (this.wallOffsetSec.get(node) ?? 0) + deltaSec);
  }

  wallSec(node: string): number {
    return WALL_EPOCH_SEC + this.now / 1000 + (this.wallOffsetSec.get(node) ?? 0);
  }
}
