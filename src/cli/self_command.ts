/**
 * How to start another `heartbeat` process: the compiled binary is its own executable;
 * from source it is `deno run ... main.ts`. Either way the child runs the same entry point.
 */
export function selfCommand(args: string[]): { cmd: string; args: string[] } {
  const exe = Deno.execPath();
  const base = exe.slice(exe.lastIndexOf("/") + 1);
  if (base === "deno" || base === "deno.exe") {
    const main = new URL("../../main.ts", import.meta.url);
    // Deno.mainModule is the script actually run (a test file under `deno test`); the entry
    // point is always main.ts beside src/.
    return { cmd: exe, args: ["run", "-A", "--unstable-net", main.href, ...args] };
  }
  return { cmd: exe, args };
}
