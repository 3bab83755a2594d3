/**
 * Extras on top of TestLan for media tests: a second, independent LAN (its own bridge in
 * the same switch namespace, `eth1` in every node), IPv6 addresses, and running a daemon
 * inside a node's namespace.
 */
import type { StartOptions } from "./nodes.ts";
import type { TestLan } from "./netns.ts";

async function ip(args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) {
    throw new Error(`ip ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Node K's address on the second LAN. */
export function ip2(k: number): string {
  return `10.97.0.${10 + k}`;
}

/** Node K's IPv6 address on the first LAN. */
export function ip6(k: number): string {
  return `fd00:98::${k}`;
}

/**
 * Adds a second LAN: bridge `br1` in the switch namespace, node K's `eth1` (ip2(k)/24)
 * plugged into switch port `qK`. Deleted with the namespaces by `lan.down()`.
 */
export async function addSecondLan(lan: TestLan, n: number): Promise<void> {
  await ip([
    "-n",
    lan.sw,
    "link",
    "add",
    "br1",
    "type",
    "bridge",
    "stp_state",
    "0",
    "forward_delay",
    "0",
  ]);
  await ip(["-n", lan.sw, "link", "set", "br1", "up"]);
  for (let k = 1; k <= n; k++) {
    const ns = lan.ns(k);
    await ip([
      "link",
      "add",
      "name",
      "eth1",
      "netns",
      ns,
      "type",
      "veth",
      "peer",
      "name",
      `q${k}`,
      "netns",
      lan.sw,
    ]);
    await ip(["-n", lan.sw, "link", "set", `q${k}`, "master", "br1"]);
    await ip(["-n", lan.sw, "link", "set", `q${k}`, "up"]);
    await ip(["-n", ns, "addr", "add", `${ip2(k)}/24`, "brd", "+", "dev", "eth1"]);
    await ip(["-n", ns, "link", "set", "eth1", "up"]);
  }
}

/** Takes node K's port on the second LAN down or up. */
export async function port2(lan: TestLan, k: number, up: boolean): Promise<void> {
  await ip(["-n", lan.sw, "link", "set", `q${k}`, up ? "up" : "down"]);
}

/** Gives node K's eth0 the address ip6(k)/64 (no duplicate address detection delay). */
export async function addIPv6(lan: TestLan, k: number): Promise<void> {
  await ip(["-n", lan.ns(k), "addr", "add", `${ip6(k)}/64`, "dev", "eth0", "nodad"]);
}

/** StartOptions that run the daemon inside node K's network namespace. */
export function inNamespace(lan: TestLan, k: number): StartOptions {
  return { wrap: (cmd, args) => ["ip", ["netns", "exec", lan.ns(k), cmd, ...args]] };
}
