/** The pure protocol core: import from here. */
export { NodeCore } from "./node.ts";
export type {
  CoreAction,
  CoreConfig,
  CoreCounters,
  CoreEnv,
  CoreEvent,
  CoreSnapshot,
  DropReason,
  LinkStatus,
  NodeSnapshot,
  NodeStatus,
} from "./types.ts";
