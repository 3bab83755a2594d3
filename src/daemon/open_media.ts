/** Opens every configured medium, grouped by kind, for the daemon. */
import type { Config, Medium } from "../config/types.ts";
import type { MediaGroup, MediaHandlers } from "../media/types.ts";
import { UdpMedia, type UdpMediumSpec } from "../media/udp.ts";

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
    // SERIAL MEDIA: opened here (src/media/serial.ts) once that medium lands.
  } catch (e) {
    for (const g of groups) g.close();
    throw e;
  }
  return groups;
}
