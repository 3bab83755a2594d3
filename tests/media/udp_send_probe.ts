/**
 * Run inside a network namespace whose loopback has a slow qdisc (udp_send_eagain_test.ts):
 * floods N datagrams through a UdpSendSocket with a tiny send buffer and a SendQueue, and
 * prints one JSON line: how many arrived, whether in order, how many had to wait (EAGAIN).
 *
 *   deno run -A --unstable-net udp_send_probe.ts N SIZE
 */
import { UdpSendSocket } from "../../src/media/udp_socket.ts";
import { SendQueue } from "../../src/media/udp_send_queue.ts";
import { sockaddrIn } from "../../src/media/sockaddr.ts";

const n = Number(Deno.args[0] ?? 300);
const size = Number(Deno.args[1] ?? 1000);
const rx = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
const port = (rx.addr as Deno.NetAddr).port;
const sock = UdpSendSocket.open({ family: 4, bindAddress: "127.0.0.1", sendBufferBytes: 2048 });
if (typeof sock === "string") throw new Error(sock);
const errors: string[] = [];
let closed = false;
const q = new SendQueue(
  (b, to) => sock.sendTo(b, to.addr),
  (_to, t) => errors.push(t),
  () => {
    closed = true;
    sock.close();
  },
  { closeGraceMs: 10_000 },
);
const to = { addr: sockaddrIn("127.0.0.1", port)!, text: `127.0.0.1:${port}` };
const got: number[] = [];
const receiving = (async () => {
  const buf = new Uint8Array(65536);
  while (got.length < n) {
    const [d] = await rx.receive(buf);
    got.push(new DataView(d.buffer, d.byteOffset).getUint32(0));
  }
})();
for (let i = 0; i < n; i++) {
  const d = new Uint8Array(size);
  new DataView(d.buffer).setUint32(0, i);
  q.send(d, to);
}
const waitedAtOnce = q.waiting;
q.close();
await Promise.race([receiving, new Promise((r) => setTimeout(r, 15_000))]);
const inOrder = got.every((v, i) => v === i);
console.log(
  JSON.stringify({
    received: got.length,
    inOrder,
    deferred: q.deferred,
    waitedAtOnce,
    closed,
    errors,
  }),
);
rx.close();
Deno.exit(0);
