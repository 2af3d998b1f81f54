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
  | 'read-queue-full';

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

/** An invariant of the protocol or of the driver contract was broken: a bug, never bad input. */
export class AssertionError extends RaftError {
  constructor(message: string) {
    super('ERR_ASSERTION', message);
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
