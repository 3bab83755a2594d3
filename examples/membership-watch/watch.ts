/**
 * Prints the local heartbeat-ts daemon's membership view, then every change, until Ctrl-C.
 *
 *   ./scripts/deno run -A examples/membership-watch/watch.ts [/run/heartbeat/register]
 *
 * Signs on as a casual client (no apiauth entry needed). Against real Heartbeat it exits
 * with the reason: membership views are a heartbeat-ts extension of the API.
 */
import { ApiClient, type MembershipEvent } from "../../src/api/mod.ts";

const path = Deno.args[0] ?? "/run/heartbeat/register";
const c = await ApiClient.connect({ path });
if (!c.ok) {
  console.error(`membership-watch: ${c.error.detail}`);
  Deno.exit(1);
}
const client = c.value;

function show(e: MembershipEvent): void {
  const v = e.view;
  console.log(
    `${new Date().toISOString()} ${e.node}: view ${v.instance} [${v.members.join(" ")}] ` +
      `leader ${v.leader}, ${v.quorum ? "quorum" : "NO quorum"} (${e.reason ?? "?"})`,
  );
}

const sub = await client.onMembership(show);
if (!sub.ok) {
  console.error(`membership-watch: ${sub.error.detail}`);
  client.close();
  Deno.exit(1);
}
Deno.addSignalListener("SIGINT", async () => {
  await client.signoff();
  Deno.exit(0);
});
// The callback runs from the client's read loop; wait here until the daemon goes away.
while (!client.closed) await new Promise((r) => setTimeout(r, 500));
console.error("membership-watch: the daemon closed the connection");
Deno.exit(1);
