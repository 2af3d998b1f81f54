export type {
  Entry,
  FlushMode,
  HardState,
  LogReader,
  LogStore,
  Membership,
  RecoveredState,
  Snapshot,
  SnapshotMeta,
} from './types.js';
export {
  CompactedError,
  InvalidArgumentError,
  LogContinuityError,
  LogStoreError,
  StoreClosedError,
  UnavailableError,
} from './errors.js';
export { MemoryLog } from './memory-log.js';
export type { MemoryLogOptions } from './memory-log.js';
