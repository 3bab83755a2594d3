/**
 * A separate process that floods a logd socket: `deno run -A logd_flood_client.ts PATH
 * ENTITY COUNT`. Sends COUNT cluster-glue log messages ("ENTITY line N") as fast as the
 * socket takes them, in 64 KiB writes, then prints `sent COUNT` and exits. Being another
 * process, its work does not show up in the logd's timer lag.
 */

import { framePayload } from "../../src/api/framing.ts";
import { encodeLogdMsg } from "../../src/logd/mod.ts";
import { writeAll } from "../../src/logd/sinks/write_all.ts";

const [path, entity, countText] = Deno.args;
const count = Number(countText);
const conn = await Deno.connect({ transport: "unix", path });
let chunk: Uint8Array[] = [];
let size = 0;
const now = Math.floor(Date.now() / 1000);
for (let i = 0; i < count; i++) {
  const f = framePayload(encodeLogdMsg({
    facility: 24,
    priority: 6,
    usePriStr: true,
    pid: Deno.pid,
    entity,
    timestamp: now,
    text: `${entity} line ${i}`,
  }));
  chunk.push(f);
  size += f.length;
  if (size >= 65536 || i === count - 1) {
    const buf = new Uint8Array(size);
    let off = 0;
    for (const c of chunk) {
      buf.set(c, off);
      off += c.length;
    }
    await writeAll(conn, buf);
    chunk = [];
    size = 0;
  }
}
conn.close();
console.log(`sent ${count}`);
