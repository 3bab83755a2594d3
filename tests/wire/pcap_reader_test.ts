import assert from "node:assert/strict";
import { readPcap } from "../helpers/pcap.ts";

/** Builds a pcap file around one IPv4/UDP packet behind `linkHeader`. */
function pcap(little: boolean, link: number, linkHeader: number[], payload: number[]): Uint8Array {
  const udp = [0x12, 0x34, 0x02, 0xb6, 0, 8 + payload.length, 0, 0, ...payload];
  const totalLen = 20 + udp.length;
  const ip = [
    0x45,
    0,
    totalLen >> 8,
    totalLen & 0xff,
    0,
    0,
    0x40,
    0,
    64,
    17,
    0,
    0,
    127,
    0,
    0,
    1,
    127,
    0,
    0,
    2,
  ];
  const frame = [...linkHeader, ...ip, ...udp];
  const buf = new Uint8Array(24 + 16 + frame.length);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, 0xa1b2c3d4, little);
  dv.setUint16(4, 2, little);
  dv.setUint16(6, 4, little);
  dv.setUint32(16, 65535, little);
  dv.setUint32(20, link, little);
  dv.setUint32(24, 1000, little);
  dv.setUint32(28, 500000, little);
  dv.setUint32(32, frame.length, little);
  dv.setUint32(36, frame.length, little);
  buf.set(frame, 40);
  return buf;
}

const ETH = [...new Array(12).fill(0), 0x08, 0x00];
const SLL = [...new Array(14).fill(0), 0x08, 0x00];
const SLL2 = [0x08, 0x00, ...new Array(18).fill(0)];

for (const little of [true, false]) {
  for (
    const [name, link, hdr] of [["ethernet", 1, ETH], ["sll", 113, SLL], [
      "sll2",
      276,
      SLL2,
    ]] as const
  ) {
    Deno.test(`pcap: ${name}, ${little ? "little" : "big"}-endian file`, () => {
      const pk = readPcap(pcap(little, link, [...hdr], [0x23, 0x23, 0x23, 0x0a]));
      assert.equal(pk.length, 1);
      assert.deepEqual(pk[0], {
        ts: 1000.5,
        src: "127.0.0.1",
        sport: 0x1234,
        dst: "127.0.0.2",
        dport: 694,
        payload: new Uint8Array([0x23, 0x23, 0x23, 0x0a]),
      });
    });
  }
}

Deno.test("pcap: the capture fixtures read as UDP to/from port 694", () => {
  const pk = readPcap(
    Deno.readFileSync(new URL("../fixtures/captures/ucast-sha1.pcap", import.meta.url)),
  );
  assert.equal(pk[0].src, "10.99.0.11");
  assert.equal(pk[0].dst, "10.99.0.12");
  assert.equal(pk[0].dport, 694);
  assert.equal(pk[0].payload.length, 307);
});
