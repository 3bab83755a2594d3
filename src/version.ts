/** The product version, reported by `heartbeat version` and the API signon reply. */
export const VERSION = "0.1.0";
