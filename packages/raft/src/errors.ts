/** Base class of every error the raft package throws. */
export class RaftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The node is not the leader; `leaderHint` names the leader it knows of, if any. */
export class NotLeaderError extends RaftError {
  readonly leaderHint: string | null;
  constructor(leaderHint: string | null) {
    super('ERR_NOT_LEADER', leaderHint === null ? 'not the leader; no leader is known' : `not the leader; try ${leaderHint}`);
    this.leaderHint = leaderHint;
  }
}

export type ProposalDroppedReason =
  | 'uncommitted-bytes-limit'
  | 'leadership-transfer'
  | 'conf-change-pending'
  | 'no-entry-of-current-term-committed'
  | 'not-a-voter'
  | 'entry-too-large'
  | 'read-queue-full'
  | 'pending-proposals-limit';

/** The leader refused a proposal; nothing of it reached the log. */
export class ProposalDroppedError extends RaftError {
  readonly reason: ProposalDroppedReason;
  constructor(reason: ProposalDroppedReason, detail: string) {
    super('ERR_PROPOSAL_DROPPED', `proposal dropped (${reason}): ${detail}`);
    this.reason = reason;
  }
}

/** A configuration value is out of its range; `field` names it. */
export class ConfigError extends RaftError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', `config.${field}: ${message}`, options);
    this.field = field;
  }
}

/** A membership change that makes no sense for the current membership. */
export class InvalidConfChangeError extends RaftError {
  constructor(message: string) {
    super('ERR_INVALID_CONF_CHANGE', message);
  }
}

/** A leadership transfer could not start. */
export class TransferError extends RaftError {
  constructor(message: string) {
    super('ERR_TRANSFER', message);
  }
}

/** The node is not running (not started yet, stopped, or failed); `cause` holds the failure when there was one. */
export class NodeStoppedError extends RaftError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NODE_STOPPED', message, options);
  }
}

/**
 * A proposal was appended but another leader's entry took its index: it was
 * never committed and never will be. Safe to retry.
 */
export class ProposalLostError extends RaftError {
  readonly index: number;
  constructor(index: number, proposedTerm: number, committedTerm: number) {
    super('ERR_PROPOSAL_LOST', `the entry at ${index} proposed in term ${proposedTerm} was replaced by one of term ${committedTerm}`);
    this.index = index;
  }
}

/**
 * The node could not learn in time (or before it stopped) whether a proposal
 * committed: it may or may not be in the log. A retry may duplicate it.
 */
export class ProposalOutcomeUnknownError extends RaftError {
  readonly index: number;
  constructor(index: number, why: string) {
    super('ERR_PROPOSAL_OUTCOME_UNKNOWN', `the outcome of the proposal at ${index} is unknown: ${why}`);
    this.index = index;
  }
}

/** An invariant of the protocol or of the driver contract was broken: a bug, never bad input. */
export class AssertionError extends RaftError {
  constructor(message: string) {
    super('ERR_ASSERTION', message);
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
