/**
 * Run without --allow-ffi (udp_no_ffi_test.ts): UDP media must still work, sending through
 * Deno's sockets. Prints {"ffi":false,"got":"..."}.
 *
 *   deno run --allow-net --allow-read --allow-sys --unstable-net udp_no_ffi_probe.ts PORT
 */
import { UdpMedia } from "../../src/media/udp.ts";

const port = Number(Deno.args[0]);
let got = "";
const rx = await UdpMedia.open([{ kind: "ucast", iface: "127.0.0.12", peer: "127.0.0.11", port }], {
  onPacket: (_l, b) => got = new TextDecoder().decode(b),
  onError: () => {},
});
const tx = await UdpMedia.open([{ kind: "ucast", iface: "127.0.0.11", peer: "127.0.0.12", port }], {
  onPacket: () => {},
  onError: () => {},
});
tx.send(new TextEncoder().encode("no ffi"));
for (let i = 0; i < 100 && got === ""; i++) await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify({ ffi: tx.sendsThroughFfi, got }));
tx.close();
rx.close();
