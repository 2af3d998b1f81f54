export { RaftCore } from './core.js';
export type { RaftCoreOptions } from './core.js';
export { configSchema, parseConfig } from './config.js';
export type { Config, ConfigInput } from './config.js';
export { MessageType, messageTypeName } from './messages.js';
export type {
  AppendMessage,
  AppendResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  ReadIndexMessage,
  ReadIndexResponseMessage,
  SnapshotMessage,
  TimeoutNowMessage,
  VoteMessage,
  VoteResponseMessage,
} from './messages.js';
export { EntryType, Role } from './types.js';
export type {
  ConfChange,
  PeerProgress,
  ProgressState,
  ProposalResult,
  Random,
  Ready,
  ReadState,
  SoftState,
  Status,
} from './types.js';
export { encodeConfChange, decodeConfChange } from './conf-change.js';
export { AssertionError, ConfigError, InvalidConfChangeError, NotLeaderError, ProposalDroppedError, RaftError, TransferError } from './errors.js';
export type { ProposalDroppedReason } from './errors.js';
