/**
 * An in-test daemon side for the API server: a fixed two-node cluster state, the same one
 * the real Heartbeat 3.0.6 lab cluster had when the reference outputs in cl_status_test.ts
 * were recorded (node1 + node2 active, ucast eth0 lines for both nodes, keepalive 500ms,
 * deadtime 3, warntime 2, initdead 4).
 */

import type { ApiBackend, ApiLink, ApiNode } from "../../src/api/backend.ts";
import type { MembershipView } from "../../src/api/membership.ts";
import type { Message } from "../../src/wire/message.ts";
import { ApiClient } from "../../src/api/client.ts";

export class FixtureCluster implements ApiBackend {
  readonly sent: Message[] = [];
  local = "node1";
  nodeTable: ApiNode[] = [
    { name: "node1", type: "normal", status: "active" },
    { name: "node2", type: "normal", status: "active" },
  ];
  // Both ucast lines name eth0; the one towards the node itself is dead (measured).
  linkTable: Record<string, ApiLink[]> = {
    node1: [{ name: "eth0", status: "up" }, { name: "eth0", status: "dead" }],
    node2: [{ name: "eth0", status: "up" }, { name: "eth0", status: "dead" }],
  };
  params: Record<string, string> = {
    keepalive: "500ms",
    warntime: "2",
    deadtime: "3",
    initdead: "4",
    udpport: "694",
    auto_failback: "legacy",
  };
  /** The membership view `membership()` reports (none until a test sets one). */
  view: MembershipView | undefined;
  /** Called for every message the server hands to the cluster. */
  onSend: ((m: Message) => void) | undefined;

  localNode(): string {
    return this.local;
  }
  nodes(): readonly ApiNode[] {
    return this.nodeTable;
  }
  links(node: string): readonly ApiLink[] | undefined {
    return this.linkTable[node];
  }
  parameter(name: string): string | undefined {
    return this.params[name];
  }
  timings() {
    return { deadtimeMs: 3000, keepaliveMs: 500 };
  }
  logFacility(): number {
    return 0;
  }
  version(): string {
    return "3.0.6 (heartbeat-ts test)";
  }
  resources(): string | undefined {
    return "none";
  }
  membership(): MembershipView | undefined {
    return this.view;
  }
  sendToCluster(msg: Message): void {
    this.sent.push(msg);
    this.onSend?.(msg);
  }
}

/** A fresh temp directory for one server socket. */
export async function tempSocketDir(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "hb-api-" });
  return { dir, path: `${dir}/register` };
}

/** Our TS client, signed on at `path` (as `clientId` when given); throws on failure. */
export async function connect(path: string, clientId?: string): Promise<ApiClient> {
  const c = await ApiClient.connect({ path, clientId, timeoutMs: 2000 });
  if (!c.ok) throw new Error(c.error.detail);
  return c.value;
}

/** Waits (polling every 5 ms) until `cond()` holds; throws after `ms`. */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
