/**
 * A private test LAN of network namespaces (like shared/interop/hbnet.sh, with names unique
 * to this test process so tests can run side by side): a switch namespace with a bridge and
 * N node namespaces, node K at 10.98.0.(10+K)/24 on its `eth0`. The root namespace gets no
 * address or route into it. `down()` kills what is left inside (by PID) and deletes it all.
 */

let counter = 0;

async function sh(cmd: string, args: string[], check = true): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (check && out.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

/** Why namespace tests cannot run here, or null when they can. */
export async function netnsUnavailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "namespace tests need root";
  try {
    await sh("ip", ["-V"]);
  } catch {
    return "namespace tests need iproute2 (`ip`)";
  }
  const name = `hbtsprobe${Deno.pid}${Math.random().toString(16).slice(2, 8)}`;
  try {
    await sh("ip", ["netns", "add", name]);
    await sh("ip", ["netns", "del", name]);
  } catch (e) {
    return `cannot create network namespaces here: ${(e as Error).message}`;
  }
  return null;
}

export class TestLan {
  readonly sw: string;
  readonly nodes: string[] = [];
  readonly prefix: string;

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.sw = `${prefix}sw`;
  }

  /** node K's address (1-based). */
  ip(k: number): string {
    return `10.98.0.${10 + k}`;
  }

  ns(k: number): string {
    return this.nodes[k - 1];
  }

  static async up(n: number): Promise<TestLan> {
    // `deno test --parallel` runs test files as workers of one process: the pid alone does not
    // tell them apart, so add a random tag.
    const tag = crypto.getRandomValues(new Uint8Array(3)).reduce(
      (s, b) => s + b.toString(16).padStart(2, "0"),
      "",
    );
    const lan = new TestLan(`hbts${Deno.pid}${tag}x${counter++}`);
    try {
      await sh("ip", ["netns", "add", lan.sw]);
      await sh("ip", ["-n", lan.sw, "link", "set", "lo", "up"]);
      await sh("ip", [
        "-n",
        lan.sw,
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
      ]);
      await sh("ip", ["-n", lan.sw, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0"]);
      await sh("ip", ["-n", lan.sw, "link", "set", "br0", "up"]);
      for (let k = 1; k <= n; k++) {
        const ns = `${lan.prefix}n${k}`;
        await sh("ip", ["netns", "add", ns]);
        lan.nodes.push(ns);
        await sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
        await sh("ip", [
          "link",
          "add",
          "name",
          "eth0",
          "netns",
          ns,
          "type",
          "veth",
          "peer",
          "name",
          `p${k}`,
          "netns",
          lan.sw,
        ]);
        await sh("ip", ["-n", lan.sw, "link", "set", `p${k}`, "master", "br0"]);
        await sh("ip", ["-n", lan.sw, "link", "set", `p${k}`, "up"]);
        await sh("ip", ["-n", ns, "addr", "add", `${lan.ip(k)}/24`, "brd", "+", "dev", "eth0"]);
        await sh("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      }
    } catch (e) {
      await lan.down();
      throw e;
    }
    return lan;
  }

  /** A command that runs `cmd args` inside node K's network namespace. */
  command(k: number, cmd: string, args: string[], opts: Deno.CommandOptions = {}): Deno.Command {
    return new Deno.Command("ip", { ...opts, args: ["netns", "exec", this.ns(k), cmd, ...args] });
  }

  /** Runs `ip` inside node K's namespace (e.g. to take its link down). */
  async ipIn(k: number, args: string[]): Promise<void> {
    await sh("ip", ["-n", this.ns(k), ...args]);
  }

  /** Takes node K's switch port down/up (a cable pull seen by nobody's socket). */
  async port(k: number, up: boolean): Promise<void> {
    await sh("ip", ["-n", this.sw, "link", "set", `p${k}`, up ? "up" : "down"]);
  }

  async down(): Promise<void> {
    for (const ns of [...this.nodes, this.sw]) {
      const pids = (await sh("ip", ["netns", "pids", ns], false)).split(/\s+/).filter(Boolean);
      for (const p of pids) {
        try {
          Deno.kill(Number(p), "SIGKILL");
        } catch {
          // gone
        }
      }
      await sh("ip", ["netns", "del", ns], false);
    }
  }
}
