import assert from "node:assert/strict";
import { type Expiry, Liveness } from "../../src/core/liveness.ts";
import { Rng } from "../sim/prng.ts";

/**
 * A plain model of the rules in liveness.ts (no cached bound): what must expire when. The
 * cached bound must never change what expire() reports, nor let nextDeadline() pass a
 * real deadline.
 */
class Model {
  peers = new Map<string, {
    last: number | null;
    state: "never" | "alive" | "dead";
    dt: number;
    warned: boolean;
    links: Map<string, { last: number | null; up: "init" | "up" | "dead" }>;
  }>();
  initdeadAt = Infinity;
  constructor(peers: string[], links: string[], dt: number, readonly wt: number) {
    for (const p of peers) {
      this.peers.set(p, {
        last: null,
        state: "never",
        dt,
        warned: false,
        links: new Map(links.map((l) => [l, { last: null, up: "init" }])),
      });
    }
  }
  heard(node: string, link: string, now: number) {
    const p = this.peers.get(node)!;
    const l = p.links.get(link) ?? { last: null, up: "init" as const };
    p.links.set(link, l);
    Object.assign(p, { last: now, state: "alive", warned: false });
    Object.assign(l, { last: now, up: "up" });
  }
  /** Deadlines at or before `now`, as expire() should report them. */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [n, p] of this.peers) {
      if (p.state === "alive") {
        if (now >= p.last! + p.dt) {
          p.state = "dead";
          out.push(`node_dead ${n}`);
        } else if (!p.warned && this.wt < p.dt && now >= p.last! + this.wt) {
          p.warned = true;
          out.push(`warn ${n}`);
        }
      } else if (p.state === "never" && now >= this.initdeadAt) {
        p.state = "dead";
        out.push(`node_dead ${n}`);
      }
      for (const [ln, l] of p.links) {
        const due = l.up === "up" ? l.last! + p.dt : l.up === "init" ? this.initdeadAt : Infinity;
        if (now >= due) {
          l.up = "dead";
          out.push(`link_dead ${n} ${ln}`);
        }
      }
    }
    return out;
  }
  earliest(): number {
    let t = Infinity;
    for (const p of this.peers.values()) {
      if (p.state === "alive") {
        t = Math.min(t, p.last! + p.dt);
        if (!p.warned && this.wt < p.dt) t = Math.min(t, p.last! + this.wt);
      } else if (p.state === "never") t = Math.min(t, this.initdeadAt);
      for (const l of p.links.values()) {
        if (l.up === "up") t = Math.min(t, l.last! + p.dt);
        else if (l.up === "init") t = Math.min(t, this.initdeadAt);
      }
    }
    return t;
  }
}

const show = (e: Expiry) =>
  e.kind === "link_dead" ? `link_dead ${e.node} ${e.link}` : `${e.kind} ${e.node}`;

Deno.test("liveness: cached deadline bound reports exactly what a full scan would (2,000 random runs)", () => {
  for (let seed = 1; seed <= 2_000; seed++) {
    const rng = Rng.seeded(seed);
    const peers = ["a", "b", "c", "d"].slice(0, rng.int(1, 4));
    const links = ["eth0", "eth1"].slice(0, rng.int(1, 2));
    const dt = rng.int(200, 2_000);
    const wt = rng.int(100, 2_500);
    const live = new Liveness(peers, links, dt, wt);
    const model = new Model(peers, links, dt, wt);
    let now = rng.int(0, 1_000);
    const initdead = rng.int(dt, 3 * dt);
    live.start(now, initdead);
    model.initdeadAt = now + initdead;
    for (let i = 0; i < 150; i++) {
      now += rng.chance(0.2) ? rng.int(0, 3_000) : rng.int(0, 150);
      const r = rng.next();
      const node = rng.pick(peers);
      if (r < 0.5) {
        const link = rng.chance(0.05) ? "eth9" : rng.pick(links);
        live.heard(node, link, now);
        model.heard(node, link, now);
      } else if (r < 0.55) {
        live.markDead(node);
        if (model.peers.get(node)) model.peers.get(node)!.state = "dead";
      } else if (r < 0.6) {
        const ms = rng.int(100, 3_000);
        live.setDeadtime(node, ms);
        model.peers.get(node)!.dt = ms;
      }
      const where = `seed ${seed} step ${i} at ${now}`;
      assert.ok(live.nextDeadline() <= model.earliest(), `${where}: bound passed a deadline`);
      if (rng.chance(0.7)) {
        // Waking at the bound scans: at most one early wake-up, then the bound is exact.
        const scans = now >= live.nextDeadline();
        assert.deepEqual(live.expire(now).map(show), model.expire(now), where);
        if (scans) {
          assert.equal(live.nextDeadline(), model.earliest(), `${where}: exact after a scan`);
        }
      }
    }
  }
});

Deno.test("liveness: a peer heard again after death brings the deadline forward", () => {
  const live = new Liveness(["b"], ["eth0"], 1_000, 500);
  live.start(0, 2_000);
  live.heard("b", "eth0", 10);
  assert.equal(live.nextDeadline(), 510);
  assert.deepEqual(live.expire(1_010).map(show), ["node_dead b", "link_dead b eth0"]);
  assert.equal(live.nextDeadline(), Infinity);
  live.heard("b", "eth0", 5_000);
  assert.equal(live.nextDeadline(), 5_500);
  assert.deepEqual(live.expire(5_499), []);
  assert.deepEqual(live.expire(5_500).map(show), ["warn b"]);
});
