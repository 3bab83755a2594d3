import { deepEqual } from "node:assert/strict";

const MOD = new URL("../../src/logd/mod.ts", import.meta.url).href;

// In a child process: signals go to a whole process, and test modules may share one.
const CHILD = `
  import { bindDebugSignals, Logger } from ${JSON.stringify(MOD)};
  const log = new Logger({ entity: "hb", sinks: [], host: "h", pid: 1 });
  const unbind = bindDebugSignals(log);
  const enc = new TextEncoder();
  let last = log.debugLevel;
  await Deno.stdout.write(enc.encode("ready\\n"));
  const deadline = Date.now() + 5000;
  let changes = 0;
  while (changes < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2));
    if (log.debugLevel !== last) {
      last = log.debugLevel;
      changes++;
      await Deno.stdout.write(enc.encode(last + "\\n"));
    }
  }
  unbind();
`;

Deno.test("SIGUSR1 raises and SIGUSR2 lowers the debug level", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", CHILD],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const next = async (): Promise<string> => {
    while (!buf.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) return "eof";
      buf += value;
    }
    const i = buf.indexOf("\n");
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    return line;
  };
  const seen = [await next()];
  for (const sig of ["SIGUSR1", "SIGUSR1", "SIGUSR2"] as const) {
    child.kill(sig);
    seen.push(await next());
  }
  await lines.cancel();
  await child.status;
  deepEqual(seen, ["ready", "1", "2", "1"]);
});
