import { deepEqual, equal } from "node:assert/strict";
import { parseLogLine } from "../../src/logd/mod.ts";

const MOD = new URL("../../src/logd/mod.ts", import.meta.url).href;

Deno.test("StderrSink writes parseable lines to stderr (foreground runs)", async () => {
  const script = `
    import { Logger, StderrSink } from ${JSON.stringify(MOD)};
    const log = new Logger({ entity: "heartbeat", sinks: [new StderrSink()], host: "n1", pid: 3,
      now: () => 0 });
    log.info("up");
    log.error("bad\\tthing");
    await log.close();
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  equal(out.stdout.length, 0);
  const lines = new TextDecoder().decode(out.stderr).trimEnd().split("\n");
  deepEqual(lines, [
    "1970-01-01T00:00:00.000Z n1 heartbeat[3]: info: up",
    "1970-01-01T00:00:00.000Z n1 heartbeat[3]: ERROR: bad\\tthing",
  ]);
  deepEqual(lines.map((l) => parseLogLine(l)?.text), ["up", "bad\tthing"]);
});
