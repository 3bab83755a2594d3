/**
 * The few libc calls the operations modules need that Deno has no API for: an unbound
 * AF_UNIX datagram socket (sd_notify) and the scheduler (realtime). Opened on first use, so
 * processes that never call them need no `--allow-ffi`.
 */

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  sched_setscheduler: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  sched_getscheduler: { parameters: ["i32"], result: "i32" },
  sched_getparam: { parameters: ["i32", "buffer"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/** The opened library's symbols. */
export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** libc's symbols, or a sentence saying why they cannot be had (no FFI permission, no libc). */
export function libc(): { ok: true; value: Libc } | { ok: false; error: string } {
  if (!lib) {
    try {
      lib = Deno.dlopen("libc.so.6", SYMBOLS);
    } catch (e) {
      return {
        ok: false,
        error: `cannot load libc.so.6 through FFI (${
          e instanceof Error ? e.message : e
        }); run with --allow-ffi (or -A)`,
      };
    }
  }
  return { ok: true, value: lib.symbols };
}

/** The calling thread's errno, read right after a failed call. */
export function errno(c: Libc): number {
  const p = c.__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** Names of the errno values we explain to users. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  11: "EAGAIN",
  13: "EACCES",
  22: "EINVAL",
  91: "EPROTOTYPE",
  111: "ECONNREFUSED",
};

/** `EPERM (1)` style name of an errno value. */
export function errnoName(n: number): string {
  return `${ERRNO_NAMES[n] ?? "errno"} (${n})`;
}
