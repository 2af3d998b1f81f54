import type { Message } from '../messages.js';

/**
 * What a RaftNode needs from the network. Delivery is best effort: Raft
 * retransmits, so a transport may drop (a full buffer, a peer that is down)
 * but must never reorder the messages of one connection, never deliver a
 * message to the wrong node, and never let a malformed or unauthenticated
 * frame reach the core.
 */
export interface Transport {
  /** Starts listening and connecting; inbound messages go to `handlers` from then on. */
  start(handlers: TransportHandlers): Promise<void>;
  /** Queues the messages for their peers; never throws, never waits. */
  send(messages: readonly Message[]): void;
  /** Closes every connection and the listener; nothing is delivered after it resolves. */
  stop(): Promise<void>;
}

export interface TransportHandlers {
  /** A message addressed to this node, from the authenticated peer it names as `from`, checked against its schema. */
  deliver(message: Message): void;
  /** A message for `peer` was dropped because it cannot be reached now: the core should probe it rather than stream to it. */
  unreachable(peer: string): void;
  /** A Snapshot message to `peer` was written to its connection (true) or lost (false). */
  snapshotSent(peer: string, success: boolean): void;
}

/** The logging a transport does, met by pino's logger and by a test's recorder. */
export interface TransportLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}
