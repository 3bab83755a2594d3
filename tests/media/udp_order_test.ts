/**
 * Datagrams sent back-to-back leave in the order they were sent. Real Heartbeat's sequence
 * tracking cannot take reordering (a node's first seqs arrived 3, 2, 1 in the mixed lab and
 * real peers then kept missing one), so UdpMedia sends in order on each socket, through its
 * own FFI send sockets (synchronous sendto) and through Deno sockets (one await at a time).
 */
import assert from "node:assert/strict";
import { UdpMedia } from "../../src/media/udp.ts";

const PORT = 20000 + ((Deno.pid * 3 + 7) % 20000);

for (const ffi of [true, false]) {
  const path = ffi ? "FFI send socket" : "Deno socket";
  Deno.test(`udp: a burst of sends arrives in send order (${path})`, async () => {
    const port = PORT + (ffi ? 0 : 1);
    const got: number[] = [];
    const rx = await UdpMedia.open([
      { kind: "ucast", iface: "127.0.0.5", peer: "127.0.0.4", port },
    ], {
      onPacket: (_l, b) => got.push(Number(new TextDecoder().decode(b))),
      onError: () => {},
    });
    const tx = await UdpMedia.open(
      [
        { kind: "ucast", iface: "127.0.0.4", peer: "127.0.0.5", port },
      ],
      { onPacket: () => {}, onError: () => {} },
      Deno.networkInterfaces(),
      { ffi },
    );
    try {
      assert.equal(tx.sendsThroughFfi, ffi);
      const n = 200;
      for (let i = 0; i < n; i++) tx.send(new TextEncoder().encode(String(i)));
      const end = Date.now() + 3000;
      while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.equal(got.length, n, `received ${got.length} of ${n}`);
      assert.deepEqual(got, [...Array(n).keys()], "datagrams were reordered");
    } finally {
      tx.close();
      rx.close();
    }
  });
}
