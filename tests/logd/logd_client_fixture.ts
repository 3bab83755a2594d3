/**
 * A process logging through LogdClientSink (as the daemon does with `use_logd yes`):
 * `deno run -A logd_client_fixture.ts SOCKET`. Logs four records (info, warn, debug as
 * entity ccm, error), flushes, prints the sink's stats as JSON and exits.
 */

import { LogdClientSink, Logger } from "../../src/logd/mod.ts";

const sink = new LogdClientSink({ path: Deno.args[0], fallback: [], entity: "heartbeat" });
const log = new Logger({ entity: "heartbeat", sinks: [sink], debugLevel: 1 });
log.info("hello real ha_logd");
log.warn("a warning");
log.debug(1, "a debug line", "ccm");
log.error("an error");
await log.flush();
console.log(JSON.stringify(sink.stats()));
await log.close();
