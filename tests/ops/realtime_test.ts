/**
 * realtime runs in a child process each time: the test runner itself must never become a
 * real-time task on a shared machine.
 */
import assert from "node:assert/strict";
import type { RealtimeResult } from "../../src/ops/realtime.ts";

const MODULE = new URL("../../src/ops/realtime.ts", import.meta.url).href;

interface ChildReport {
  result: RealtimeResult;
  /** The main thread's policy and rt priority as the kernel shows them in /proc. */
  kernelPolicy: number;
  kernelPriority: number;
}

async function runChild(request: string, wrap: string[] = []): Promise<ChildReport> {
  const code = `
    import { applyRealtime } from ${JSON.stringify(MODULE)};
    const result = applyRealtime(${request});
    const f = Deno.readTextFileSync("/proc/self/task/" + Deno.pid + "/stat").split(") ")[1].split(" ");
    console.log(JSON.stringify({ result, kernelPriority: Number(f[37]), kernelPolicy: Number(f[38]) }));
  `;
  const argv = [...wrap, Deno.execPath(), "eval", "--no-check", code];
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `child failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("realtime off: nothing changes and the status says so", async () => {
  const r = await runChild(`{ enabled: false, priority: 50 }`);
  assert.equal(r.result.applied, false);
  assert.equal(r.result.policy, "SCHED_OTHER");
  assert.match(r.result.status, /^realtime off/);
  assert.equal(r.kernelPolicy, 0);
});

Deno.test("realtime on: either SCHED_RR in force (as /proc shows) or a clear refusal", async () => {
  const r = await runChild(`{ enabled: true, priority: 7 }`);
  assert.ok(r.result.notes.some((n) => /memory locking not available under Deno/.test(n)));
  if (r.result.applied) {
    assert.equal(r.result.policy, "SCHED_RR");
    assert.equal(r.result.priority, 7);
    assert.equal(r.kernelPolicy, 2, "kernel shows SCHED_RR on the event-loop thread");
    assert.equal(r.kernelPriority, 7);
    assert.match(r.result.status, /SCHED_RR priority 7/);
  } else {
    assert.match(r.result.status, /realtime not applied .*EPERM/);
    assert.equal(r.kernelPolicy, 0);
  }
});

Deno.test("realtime on, SCHED_FIFO: the policy asked for is the one in force", async () => {
  const r = await runChild(`{ enabled: true, priority: 3, policy: "SCHED_FIFO" }`);
  if (r.result.applied) {
    assert.equal(r.result.policy, "SCHED_FIFO");
    assert.equal(r.kernelPolicy, 1);
  } else {
    assert.match(r.result.status, /EPERM/);
  }
});

Deno.test("realtime: rtprio outside 1..99 is refused without touching the scheduler", async () => {
  const r = await runChild(`{ enabled: true, priority: 0 }`);
  assert.equal(r.result.applied, false);
  assert.match(r.result.status, /rtprio 0 is outside 1\.\.99/);
  assert.equal(r.kernelPolicy, 0);
});

const canDropNice = Deno.uid() === 0 &&
  ["prlimit", "setpriv"].every((t) => {
    try {
      return new Deno.Command(t, { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      return false;
    }
  });

Deno.test({
  name: "realtime: without CAP_SYS_NICE and RLIMIT_RTPRIO 0 the refusal names the limit",
  ignore: !canDropNice,
  async fn() {
    const r = await runChild(`{ enabled: true, priority: 10 }`, [
      "prlimit",
      "--rtprio=0",
      "setpriv",
      "--inh-caps=-sys_nice",
      "--bounding-set=-sys_nice",
    ]);
    assert.equal(r.result.applied, false);
    assert.equal(r.kernelPolicy, 0);
    assert.match(r.result.status, /EPERM \(1\): not permitted; RLIMIT_RTPRIO is 0/);
    assert.match(r.result.status, /LimitRTPRIO=10/);
  },
});
