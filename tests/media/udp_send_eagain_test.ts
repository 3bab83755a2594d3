/**
 * The FFI send path on a real socket whose buffer fills: a namespace whose loopback is
 * throttled by a token-bucket qdisc, a send buffer of a few datagrams. sendto(2) then says
 * EAGAIN, datagrams wait in the SendQueue and must all arrive, in order. Needs root and tc.
 */
import assert from "node:assert/strict";
import { netnsUnavailable } from "../helpers/netns.ts";

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (o.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${o.code}): ${dec.decode(o.stderr)}`);
  }
  return dec.decode(o.stdout);
}

Deno.test("udp send: EAGAIN on a full socket buffer queues, all datagrams arrive in order", async () => {
  const why = await netnsUnavailable();
  if (why) assert.fail(`${why}: run this test as root on Linux with iproute2`);
  const ns = `hbtsq${Deno.pid}${Math.random().toString(16).slice(2, 6)}`;
  await run("ip", ["netns", "add", ns]);
  try {
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    // ~1.25 MB/s: 300 datagrams of 1000 bytes take ~0.25 s, far longer than sending them.
    await run("ip", [
      "netns",
      "exec",
      ns,
      "tc",
      "qdisc",
      "add",
      "dev",
      "lo",
      "root",
      "tbf",
      "rate",
      "10mbit",
      "burst",
      "4kb",
      "latency",
      "2s",
    ]);
    const probe = new URL("./udp_send_probe.ts", import.meta.url).pathname;
    const out = await run("ip", [
      "netns",
      "exec",
      ns,
      Deno.execPath(),
      "run",
      "-A",
      "--unstable-net",
      probe,
      "300",
      "1000",
    ]);
    const r = JSON.parse(out.trim().split("\n").pop()!);
    assert.equal(r.received, 300, `received ${r.received} of 300 (errors: ${r.errors})`);
    assert.ok(r.inOrder, "datagrams arrived out of order");
    assert.ok(r.deferred > 100, `only ${r.deferred} datagrams waited: the buffer never filled`);
    assert.ok(r.waitedAtOnce > 100, `queue held ${r.waitedAtOnce} right after the burst`);
    assert.ok(r.closed, "close() did not finish after the queue drained");
    assert.deepEqual(r.errors, []);
  } finally {
    await run("ip", ["netns", "del", ns]);
  }
});
