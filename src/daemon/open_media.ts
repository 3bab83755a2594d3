/** Opens every configured medium, grouped by kind, for the daemon. */
import type { Config, Medium } from "../config/types.ts";
import type { MediaGroup, MediaHandlers } from "../media/types.ts";
import { UdpMedia, type UdpMediumSpec } from "../media/udp.ts";
import { SerialMedia } from "../media/serial.ts";

function isUdp(m: Medium): m is Medium & UdpMediumSpec {
  return m.kind !== "serial";
}

/**
 * Opens all media; if one kind fails, the ones already open are closed and the error
 * (naming the medium) is thrown: a node must not run without a configured medium.
 */
export async function openMedia(config: Config, handlers: MediaHandlers): Promise<MediaGroup[]> {
  const groups: MediaGroup[] = [];
  try {
    const udp = config.media.filter(isUdp);
    if (udp.length > 0) groups.push(await UdpMedia.open(udp, handlers));
    // SERIAL MEDIA: one group for every `serial` line (src/media/serial.ts).
    const serial = config.media.filter((m) => m.kind === "serial");
    if (serial.length > 0) groups.push(SerialMedia.open(serial, handlers));
  } catch (e) {
    for (const g of groups) g.close();
    throw e;
  }
  return groups;
}
