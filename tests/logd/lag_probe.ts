/**
 * Timer lag of this process's event loop, split into what this process caused and what
 * the machine caused. A 10 ms interval timer measures how late each tick fires; the main
 * thread's run-queue wait from /proc (schedstat's run_delay) is the part spent waiting for
 * a CPU held by other processes, which the code under test cannot cause or prevent.
 */

// The thread running JavaScript (not always the process's main thread, e.g. under deno test).
const SCHEDSTAT = "/proc/thread-self/schedstat";

function runDelayMs(): number | undefined {
  try {
    return Number(Deno.readTextFileSync(SCHEDSTAT).split(" ")[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Worst lags seen so far (ms). `own` excludes run-queue waits; equals `raw` without /proc. */
export interface Lag {
  readonly raw: number;
  readonly own: number;
  readonly ticks: number;
}

/** Starts a `periodMs` interval timer measuring lag; `stop()` ends it. */
export function startLagProbe(periodMs = 10): { read(): Lag; stop(): Lag } {
  let raw = 0;
  let own = 0;
  let ticks = 0;
  let last = performance.now();
  let lastDelay = runDelayMs();
  const timer = setInterval(() => {
    const now = performance.now();
    const delay = runDelayMs();
    const lag = now - last - periodMs;
    const waited = delay !== undefined && lastDelay !== undefined ? delay - lastDelay : 0;
    raw = Math.max(raw, lag);
    own = Math.max(own, lag - waited);
    last = now;
    lastDelay = delay;
    ticks++;
  }, periodMs);
  const read = () => ({ raw, own, ticks });
  return {
    read,
    stop() {
      clearInterval(timer);
      return read();
    },
  };
}
