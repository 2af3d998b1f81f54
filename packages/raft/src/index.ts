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
export { RaftNode } from './node/raft-node.js';
export type { NodeLogger, NodeStatus, ProposeOptions, RaftNodeOptions } from './node/raft-node.js';
export type { StateMachine } from './node/state-machine.js';
export { nodeSettingsSchema, parseNodeSettings } from './node/node-options.js';
export { planSnapshotKeeping, snapshotCheckpointsMax } from './node/snapshot-keeping.js';
export type { SnapshotKeepingPlan } from './node/snapshot-keeping.js';
export type { NodeSettings, NodeSettingsInput } from './node/node-options.js';
export { bootstrapEntries, bootstrapStore } from './bootstrap.js';
export type { Transport, TransportHandlers, TransportLogger } from './transport/transport.js';
export { MemoryNetwork, MemoryTransport } from './transport/memory-transport.js';
export { NodeStoppedError, ProposalLostError, ProposalOutcomeUnknownError } from './errors.js';
export { WsTransport } from './transport/ws-transport.js';
export type { ListenAddress } from './transport/ws-transport.js';
export { parsePeerUrl, parseTransportOptions } from './transport/transport-options.js';
export type { WsTransportOptions, WsTransportOptionsInput } from './transport/transport-options.js';
export type { TransportStats } from './transport/transport-stats.js';
export type { LinkFaults, LinkFaultsInput } from './transport/link-faults.js';
