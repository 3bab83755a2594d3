import assert from "node:assert/strict";
import { PeerCredProbe } from "../../src/api/peercred.ts";

Deno.test("peercred: Deno.Conn has no rid in Deno 2, so FFI is the only way", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hb-pc-" });
  const path = `${dir}/s`;
  const l = Deno.listen({ transport: "unix", path });
  const c = await Deno.connect({ transport: "unix", path });
  const s = await l.accept();
  try {
    assert.equal((s as unknown as { rid?: number }).rid, undefined);
  } finally {
    s.close();
    c.close();
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peercred: claims exactly the new connection and reads the kernel's ids", async () => {
  const probe = PeerCredProbe.open();
  assert.ok(probe, "FFI on libc must be available when tests run with -A");
  const dir = await Deno.makeTempDir({ prefix: "hb-pc-" });
  const path = `${dir}/s`;
  const l = Deno.listen({ transport: "unix", path });
  const conns: Deno.Conn[] = [];
  try {
    conns.push(await Deno.connect({ transport: "unix", path }));
    conns.push(await l.accept());
    const a = probe.claim(path);
    assert.deepEqual([a?.pid, a?.uid, a?.gid], [Deno.pid, Deno.uid(), Deno.gid()]);
    // Nothing new accepted: nothing to claim (the listener itself never counts).
    assert.equal(probe.claim(path), undefined);
    conns.push(await Deno.connect({ transport: "unix", path }));
    conns.push(await l.accept());
    const b = probe.claim(path);
    assert.ok(b !== undefined && b.inode !== a!.inode);
    // Another path is never confused with ours.
    assert.equal(probe.claim(`${dir}/other`), undefined);
    // Two unclaimed connections at once are ambiguous: no guess.
    probe.release(a!.inode);
    probe.release(b.inode);
    assert.equal(probe.claim(path), undefined);
  } finally {
    for (const c of conns) c.close();
    l.close();
    probe.close();
    await Deno.remove(dir, { recursive: true });
  }
});
