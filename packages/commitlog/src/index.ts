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
export { snapshotsKeptMax } from './types.js';
export {
  CompactedError,
  InvalidArgumentError,
  LogContinuityError,
  LogStoreError,
  StoreClosedError,
  UnavailableError,
} from './errors.js';
export {
  CorruptionError,
  DirectoryLockedError,
  EntryTooLargeError,
  SnapshotTooLargeError,
  StoreFailedError,
  TruncateCommittedError,
  WriteQueueFullError,
} from './errors.js';
export { MemoryLog } from './memory-log.js';
export type { MemoryLogOptions } from './memory-log.js';
export { LevelLog } from './level-log.js';
export type { LevelLogOptions } from './level-log.js';
export { SegmentLog } from './segment-log/segment-log.js';
export type { SegmentInfo, SegmentLogMemory, SegmentLogOptions } from './segment-log/segment-log.js';
export {
  entrySizeBytesMaxDefault,
  entrySizeBytesMaxLimit,
  segmentSizeBytesDefault,
  segmentSizeBytesMax,
  snapshotSizeBytesMaxDefault,
  unwrittenBytesMaxDefault,
  writeBatchSizeBytesDefault,
} from './segment-log/limits.js';
export { retentionCompactionIndex } from './segment-log/retention.js';
export type { FileDescriptor, FileStat, FileSystem, OpenMode } from './file-system/file-system.js';
export { NodeFileSystem } from './file-system/node-file-system.js';
export { FaultyFs, FaultyFsError } from './file-system/faulty-fs.js';
export { VolatileWriteFs, syncDelayMsMax, volatileBytesMax } from './file-system/volatile-write-fs.js';
export type { CrashMode, CrashOptions, CrashReport, FaultyFsOptions, FlippedBit } from './file-system/faulty-fs.js';
