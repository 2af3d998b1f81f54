export { BrokerState, producerSessionsMaxDefault } from './state/broker-state.js';
export type { DuplicateOutcome, TopicConfig } from './state/broker-state.js';
export { ConsumeQueue } from './state/consume-queue.js';
export type { MessagePosition } from './state/consume-queue.js';
export { decodeCommand, encodeCommand } from './state/log-command.js';
export type { LogCommand, OffsetCommand, SendCommand, TopicCommand } from './state/log-command.js';
export type { SendOutcome } from './state/producer-sessions.js';
export { BrokerError, UnreadableEntryError } from './errors.js';
