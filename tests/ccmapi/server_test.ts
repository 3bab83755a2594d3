/** The CCM client socket server with raw socket clients reading its frames. */
import assert from "node:assert/strict";
import { CcmClientServer } from "../../src/ccmapi/server.ts";
import { type CcmMessage, decodeCcmMessage } from "../../src/ccmapi/structs.ts";
import { FrameDecoder } from "../../src/api/framing.ts";
import type { MembershipView } from "../../src/api/membership.ts";

/** A raw client: collects decoded messages. */
class RawClient {
  readonly msgs: CcmMessage[] = [];
  closed = false;
  readonly #conn: Deno.UnixConn;
  constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#read();
  }
  static async connect(path: string): Promise<RawClient> {
    return new RawClient(await Deno.connect({ transport: "unix", path }));
  }
  async #read(): Promise<void> {
    const dec = new FrameDecoder();
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        dec.push(buf.subarray(0, n));
        for (let it = dec.next(); it !== undefined; it = dec.next()) {
          if (!it.ok) throw new Error(it.error.detail);
          const m = decodeCcmMessage(it.payload);
          if (!m.ok) throw new Error(m.error.detail);
          this.msgs.push(m.msg);
        }
      }
    } catch {
      // closed
    }
    this.closed = true;
  }
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // closed
    }
  }
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const view = (instance: number, members: string[], quorum = true): MembershipView => ({
  id: `${instance}.x.1.1`,
  instance,
  leader: members[0],
  members,
  quorum,
});

async function withServer(
  fn: (s: CcmClientServer, path: string) => Promise<void>,
  maxQueueFrames?: number,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hb-ccm-" });
  const path = `${dir}/ccm`;
  const r = CcmClientServer.listen(path, ["n3", "n1", "n2"], "n2", { maxQueueFrames });
  if (!r.ok) throw new Error(r.error.detail);
  try {
    await fn(r.server, path);
  } finally {
    await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ccm server: nothing before a view; then node list + membership, to every client", async () => {
  await withServer(async (s, path) => {
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o777);
    const a = await RawClient.connect(path);
    await until(() => s.stats().connected === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(a.msgs, []);
    assert.equal(s.viewChanged(view(4, ["n1", "n2", "n3"])), 1);
    await until(() => a.msgs.length === 2);
    assert.deepEqual(a.msgs, [
      { ev: "llm", list: { nodes: ["n1", "n2", "n3"], mynode: 1 } },
      {
        ev: "membership",
        info: {
          trans: 4,
          quorum: true,
          members: [{ index: 0, bornon: 4 }, { index: 1, bornon: 4 }, { index: 2, bornon: 4 }],
        },
      },
    ]);
    // A client connecting later gets the current membership at once (client_add).
    const b = await RawClient.connect(path);
    await until(() => b.msgs.length === 2);
    assert.deepEqual(b.msgs, a.msgs);
    // n3 lost, no quorum... still delivered (libccmclient decides what to report).
    assert.equal(s.viewChanged(view(6, ["n2"], false)), 2);
    await until(() => a.msgs.length === 4 && b.msgs.length === 4);
    assert.deepEqual(a.msgs[3], {
      ev: "membership",
      info: { trans: 6, quorum: false, members: [{ index: 1, bornon: 4 }] },
    });
    a.close();
    b.close();
    await until(() => s.stats().connected === 0);
    assert.equal(s.stats().membershipsSent, 4);
  });
});

Deno.test("ccm server: a client that does not read is disconnected, others keep up", async () => {
  await withServer(async (s, path) => {
    const stuck = await Deno.connect({ transport: "unix", path });
    const good = await RawClient.connect(path);
    await until(() => s.stats().connected === 2);
    let last = 0;
    for (let i = 1; i <= 3000 && s.stats().overflowDisconnects === 0; i++) {
      s.viewChanged(view(i, i % 2 ? ["n1", "n2"] : ["n2"]));
      last = i;
      if (i % 2 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(s.stats().overflowDisconnects, 1, "the stuck client was never disconnected");
    await until(() => s.stats().connected === 1);
    await until(() => good.msgs.length === 2 * last);
    const final = good.msgs[good.msgs.length - 1];
    assert.ok(final.ev === "membership" && final.info.trans === last);
    good.close();
    stuck.close();
  }, 8);
});

Deno.test("ccm server: refuses a local node outside the list and a non-socket path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hb-ccm-" });
  try {
    const r = CcmClientServer.listen(`${dir}/ccm`, ["a", "b"], "c");
    assert.ok(!r.ok && /local node "c" is not among the nodes a b/.test(r.error.detail));
    Deno.writeTextFileSync(`${dir}/file`, "x");
    const f = CcmClientServer.listen(`${dir}/file`, ["a"], "a");
    assert.ok(!f.ok && /is not a socket/.test(f.error.detail));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
