/**
 * ha.cf's `realtime on|off` and `rtprio N`: put the daemon's heartbeat thread under a
 * real-time scheduling policy so a busy machine cannot starve it past deadtime. Heartbeat
 * uses SCHED_RR at `rtprio` and also locks its memory with mlockall(); we cannot do the
 * latter (mlockall makes V8's next GC abort the process), so the result says so as a note.
 *
 * sched_setscheduler(0, ...) applies to the calling thread only. Deno runs JavaScript on the
 * process's main thread, so the event loop (timers, sockets, heartbeats) gets the policy;
 * V8's helper threads and Deno's I/O worker pool keep normal scheduling.
 * Refusals (no CAP_SYS_NICE, RLIMIT_RTPRIO too low, a container's limits) are a status, never
 * a reason to stop: Heartbeat also runs on without real-time priority.
 */
import { errno, errnoName, tryLibc } from "../ffi/libc.ts";

/** The policies we can ask for (Heartbeat uses round-robin). */
export type RealtimePolicy = "SCHED_RR" | "SCHED_FIFO";

const POLICY_NUMBER: Record<RealtimePolicy, number> = { SCHED_FIFO: 1, SCHED_RR: 2 };
const POLICY_NAME: Record<number, string> = {
  0: "SCHED_OTHER",
  1: "SCHED_FIFO",
  2: "SCHED_RR",
  3: "SCHED_BATCH",
  5: "SCHED_IDLE",
  6: "SCHED_DEADLINE",
};
const RLIMIT_RTPRIO = 14;
const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** What `realtime` and `rtprio` ask for. */
export interface RealtimeRequest {
  /** `realtime on`. */
  enabled: boolean;
  /** `rtprio`, 1..99. */
  priority: number;
  /** Defaults to SCHED_RR, as Heartbeat. */
  policy?: RealtimePolicy;
}

/** What happened: whether the policy is in force, and a status line for the log/status. */
export interface RealtimeResult {
  applied: boolean;
  /** The policy the thread runs under afterwards (e.g. `SCHED_RR`, `SCHED_OTHER`). */
  policy: string;
  /** Its priority afterwards (0 under SCHED_OTHER). */
  priority: number;
  /** One sentence for the log and `heartbeat status`. */
  status: string;
  /** Further facts, e.g. that memory locking is not available. */
  notes: string[];
}

/** Heartbeat's mlockall() has no Deno equivalent; said every time realtime is on. */
export const MEMORY_LOCK_NOTE =
  "memory locking not available under Deno (mlockall crashes V8's garbage collector); " +
  "the daemon's memory may be paged out under memory pressure";

/** The soft and hard RLIMIT_RTPRIO, "unlimited" as Infinity; null when unreadable. */
function rtprioLimit(): { soft: number; hard: number } | null {
  const c = tryLibc();
  if (!c.ok) return null;
  const buf = new BigUint64Array(2);
  if (c.value.getrlimit(RLIMIT_RTPRIO, new Uint8Array(buf.buffer)) !== 0) return null;
  const n = (v: bigint) => (v === RLIM_INFINITY ? Infinity : Number(v));
  return { soft: n(buf[0]), hard: n(buf[1]) };
}

/** The calling thread's current policy and priority. */
export function currentScheduling(): { policy: string; priority: number } | null {
  const c = tryLibc();
  if (!c.ok) return null;
  const p = c.value.sched_getscheduler(0);
  const param = new Int32Array(1);
  if (p < 0 || c.value.sched_getparam(0, new Uint8Array(param.buffer)) !== 0) return null;
  return { policy: POLICY_NAME[p & 0xff] ?? `policy ${p}`, priority: param[0] };
}

/** Applies `realtime`/`rtprio` to the calling (event-loop) thread and says what happened. */
export function applyRealtime(req: RealtimeRequest): RealtimeResult {
  const policy = req.policy ?? "SCHED_RR";
  const now = currentScheduling() ?? { policy: "unknown", priority: 0 };
  if (!req.enabled) {
    return {
      applied: false,
      ...now,
      status: `realtime off: running under ${now.policy}`,
      notes: [],
    };
  }
  const notes = [MEMORY_LOCK_NOTE];
  if (!Number.isInteger(req.priority) || req.priority < 1 || req.priority > 99) {
    return {
      applied: false,
      ...now,
      status: `realtime not applied: rtprio ${req.priority} is outside 1..99`,
      notes,
    };
  }
  const c = tryLibc();
  if (!c.ok) {
    return { applied: false, ...now, status: `realtime not applied: ${c.error}`, notes };
  }
  const param = new Int32Array([req.priority]);
  const rc = c.value.sched_setscheduler(0, POLICY_NUMBER[policy], new Uint8Array(param.buffer));
  if (rc !== 0) {
    const err = errno();
    let why = errnoName(err);
    if (err === 1) {
      const lim = rtprioLimit();
      why += lim === null
        ? ": not permitted (needs CAP_SYS_NICE or a high enough RLIMIT_RTPRIO)"
        : lim.soft < req.priority
        ? `: not permitted; RLIMIT_RTPRIO is ${lim.soft} (below rtprio ${req.priority}) and ` +
          `the process lacks CAP_SYS_NICE (run as root, or set LimitRTPRIO=${req.priority} in ` +
          `the systemd unit)`
        : ": not permitted despite RLIMIT_RTPRIO; a container or cgroup (cpu.rt_runtime_us) " +
          "may forbid real-time scheduling";
    } else if (err === 22) {
      why += `: the kernel refused ${policy} priority ${req.priority}`;
    }
    return {
      applied: false,
      ...now,
      status: `realtime not applied (${policy} priority ${req.priority}): ${why}`,
      notes,
    };
  }
  const after = currentScheduling() ?? { policy, priority: req.priority };
  return {
    applied: true,
    ...after,
    status: `realtime on: event-loop thread runs under ${after.policy} priority ${after.priority}`,
    notes,
  };
}
