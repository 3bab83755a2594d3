import assert from "node:assert/strict";
import { type EndReason, Session } from "../../src/api/session.ts";
import { FrameDecoder, framePayload } from "../../src/api/framing.ts";

const LIMITS = {
  maxFrame: 65536,
  maxQueueBytes: 1 << 20,
  maxQueueFrames: 2000,
  stallTimeoutMs: 5000,
};

/**
 * A session over a real unix socket pair whose server side counts its write calls (a thin
 * wrapper around the real connection), and the client end.
 */
async function pair(): Promise<{
  session: Session;
  client: Deno.Conn;
  writes: () => number;
  done: () => Promise<void>;
}> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ transport: "unix", path }),
  ]);
  listener.close();
  let writes = 0;
  const counted = new Proxy(server, {
    get(target, prop) {
      if (prop === "write") {
        return (b: Uint8Array) => {
          writes++;
          return target.write(b);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const ended: EndReason[] = [];
  const session = new Session(counted, LIMITS, { payload() {}, ended: (r) => ended.push(r) });
  return {
    session,
    client,
    writes: () => writes,
    done: async () => {
      session.end({ kind: "closed", reason: "test over" });
      client.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Reads `n` frames from `conn`; returns their payloads as text. */
async function readFrames(conn: Deno.Conn, n: number): Promise<string[]> {
  const dec = new FrameDecoder();
  const out: string[] = [];
  const buf = new Uint8Array(65536);
  while (out.length < n) {
    const got = await conn.read(buf);
    if (got === null) break;
    dec.push(buf.subarray(0, got));
    for (let item = dec.next(); item !== undefined; item = dec.next()) {
      assert.ok(item.ok);
      out.push(new TextDecoder().decode(item.payload));
    }
  }
  return out;
}

const frame = (s: string) => framePayload(new TextEncoder().encode(s));

Deno.test("session: frames queued while writes are held leave in one write, in order", async () => {
  const p = await pair();
  p.session.hold(true);
  const want = Array.from({ length: 50 }, (_, i) => `message ${i}`);
  for (const w of want) assert.ok(p.session.send(frame(w)));
  await Promise.resolve();
  assert.equal(p.writes(), 0, "nothing is written while held");
  p.session.hold(false);
  assert.deepEqual(await readFrames(p.client, want.length), want);
  assert.equal(p.writes(), 1);
  assert.equal(p.session.framesOut, want.length);
  await p.done();
});

Deno.test("session: a long held burst is written anyway, nothing lost or reordered", async () => {
  const p = await pair();
  p.session.hold(true);
  const want = Array.from({ length: 300 }, (_, i) => `burst ${i}`);
  for (const w of want) p.session.send(frame(w));
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(p.writes() >= 1, "a held queue does not grow without bound");
  p.session.hold(false);
  assert.deepEqual(await readFrames(p.client, want.length), want);
  await p.done();
});

Deno.test("session: a hold nobody lets go of still writes its frames within milliseconds", async () => {
  const p = await pair();
  p.session.hold(true);
  const t0 = performance.now();
  p.session.send(frame("kept"));
  assert.deepEqual(await readFrames(p.client, 1), ["kept"]);
  assert.ok(performance.now() - t0 < 100, `took ${performance.now() - t0} ms`);
  p.session.hold(false);
  await p.done();
});

Deno.test("session: not held, a lone frame is written at once", async () => {
  const p = await pair();
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    p.session.send(frame(`ping ${i}`));
    assert.deepEqual(await readFrames(p.client, 1), [`ping ${i}`]);
    assert.ok(performance.now() - t0 < 50, `frame ${i} took ${performance.now() - t0} ms`);
  }
  assert.equal(p.writes(), 5);
  await p.done();
});

Deno.test("session: frames queued while a write is under way follow it, nothing is lost", async () => {
  const p = await pair();
  const big = "x".repeat(200_000);
  p.session.send(frame(big));
  await new Promise((r) => setTimeout(r, 0));
  // The big write may be in progress: these queue behind it.
  for (let i = 0; i < 20; i++) p.session.send(frame(`after ${i}`));
  const got = await readFrames(p.client, 21);
  assert.equal(got[0].length, big.length);
  assert.deepEqual(got.slice(1), Array.from({ length: 20 }, (_, i) => `after ${i}`));
  await p.done();
});

Deno.test("session: ending while writes are held writes nothing", async () => {
  const p = await pair();
  p.session.hold(true);
  p.session.send(frame("never"));
  p.session.end({ kind: "closed", reason: "bye" });
  p.session.hold(false);
  assert.equal(p.session.queuedBytes, 0);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(p.writes(), 0);
  await p.done();
});
