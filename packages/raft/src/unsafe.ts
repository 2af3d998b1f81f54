/**
 * Deliberate protocol bugs, used only by the negative-control tests to prove
 * that the simulator's checkers can fail. Never set in production.
 */
export interface UnsafeSwitches {
  /** Followers acknowledge appends, and the leader counts itself, before the entries are persisted. */
  readonly acknowledgeBeforePersist?: boolean;
  /** The leader commits an entry of an earlier term by counting replicas (Raft §5.4.2, Figure 8). */
  readonly commitEarlierTermByCount?: boolean;
  /** The vote is left out of the hard state handed to the driver to persist. */
  readonly forgetVote?: boolean;
  /** A follower behind the log is sent the newest snapshot, not the one the log starts after: it lacks the entries between. */
  readonly shipNewestSnapshot?: boolean;
  /**
   * The driver settles a proposal as committed once an entry at its index is
   * applied, whatever that entry's term: a deposed leader's replaced entries
   * are acknowledged as written (an application ignoring the leader term).
   */
  readonly ignoreProposalTerm?: boolean;
}
