import type { Entry, HardState } from '@raftmq/commitlog';
import { Role } from '@raftmq/raft';
import { hashBytes } from './trace.js';

export type InvariantName =
  | 'election-safety'
  | 'leader-append-only'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'linearizable-read'
  | 'durability'
  | 'acknowledged-values'
  | 'broker-acknowledged-sends'
  | 'broker-duplicate-message'
  | 'broker-offset-conflict'
  | 'broker-consumed-twice'
  | 'broker-queue-order'
  | 'broker-route'
  | 'broker-scheduled-early'
  | 'broker-scheduled-lost'
  | 'broker-message-skipped'
  | 'liveness'
  | 'core-error'
  | 'driver-contract'
  | 'budget';

export interface Violation {
  readonly invariant: InvariantName;
  readonly message: string;
  readonly timeUs: number;
}

/** The part of a replica's log the checks read: its store, synced or not. */
export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  term(index: number): number | undefined;
}

/** Terms stay below this in one run, so (index, term) packs into one safe integer. */
const termsMax = 2 ** 21;

interface EntryFact {
  readonly payloadHash: number;
  readonly type: number;
  /** The term of the entry before it in the log that holds it; -1 when the writer could not tell. */
  prevTerm: number;
}

interface Leadership {
  readonly term: number;
  /** The core's last index when last observed, which must never go down while it leads. */
  lastIndex: number;
  /** The commit index already accounted for; advances past it are commit decisions of this term. */
  commit: number;
  /**
   * Whether a Ready taken during this leadership was written: the first such
   * Ready may still carry a truncation the node made as a follower; any later
   * one that truncates is the leader rewriting its own log.
   */
  flushed: boolean;
}

/**
 * The first violation of a run and the simulated time violations are
 * stamped with. A run of several replica groups gives each group a checker
 * of its own (terms and log indexes are per group) and all of them this one
 * verdict, so the first violation anywhere stops the run.
 */
export class Verdict {
  violation: Violation | null = null;
  timeUs = 0;
}

/**
 * The Raft safety properties (Figure 3 of the Raft paper), checked
 * incrementally as the simulation reports what each replica does, so each
 * check costs about as much as the event it checks. The first violation is
 * kept and the simulation stops.
 */
export class InvariantChecker {
  constructor(private readonly verdict = new Verdict()) {}

  get violation(): Violation | null {
    return this.verdict.violation;
  }

  set violation(violation: Violation | null) {
    this.verdict.violation = violation;
  }

  /** The simulated time that violations are stamped with; the simulation keeps it current. */
  get timeUs(): number {
    return this.verdict.timeUs;
  }

  set timeUs(timeUs: number) {
    this.verdict.timeUs = timeUs;
  }

  private readonly leaderByTerm = new Map<number, string>();
  private readonly leadershipByNode = new Map<string, Leadership>();
  private readonly entryFacts = new Map<number, EntryFact>();
  /** By log index: the term of the entry known to be committed there. */
  private readonly committedEntryTerm: number[] = [];
  /** By the term of the leader that decided it: the highest index that leader committed. */
  private readonly committedIndexByDecidingTerm = new Map<number, number>();
  /** By log index: the digest of the applied history through that entry, from the first replica to apply it. */
  private readonly appliedDigest: number[] = [];
  private readonly appliedTerm: number[] = [];
  /** By log index: when any replica first wrote an entry there, whatever its term (retention counts from then, sim-node.ts). */
  private readonly firstWrittenAtUs: number[] = [];

  /** How many terms had a leader: elections won. */
  get leaderTermCount(): number {
    return this.leaderByTerm.size;
  }

  get failed(): boolean {
    return this.violation !== null;
  }

  /** When any replica first wrote an entry at `index`; undefined when none has. */
  firstWrittenUs(index: number): number | undefined {
    return this.firstWrittenAtUs[index];
  }

  /** The node that led `term`, as observed, if any did. */
  leaderOfTerm(term: number): string | undefined {
    return this.leaderByTerm.get(term);
  }

  violate(invariant: InvariantName, message: string): void {
    if (this.violation === null) this.violation = { invariant, message, timeUs: this.timeUs };
  }

  /**
   * After every input a replica handled: election safety, a leader's log
   * never shrinking, and the commit decisions leaders make.
   */
  observeNode(nodeId: string, role: Role, term: number, lastIndex: number, commitIndex: number, log: LogView): void {
    if (role !== Role.Leader) {
      if (this.leadershipByNode.size > 0) this.leadershipByNode.delete(nodeId);
      return;
    }
    const leaderOfTerm = this.leaderByTerm.get(term);
    if (leaderOfTerm === undefined) this.leaderByTerm.set(term, nodeId);
    else if (leaderOfTerm !== nodeId) {
      this.violate('election-safety', `${leaderOfTerm} and ${nodeId} are both leaders of term ${term}`);
      return;
    }
    const leadership = this.leadershipByNode.get(nodeId);
    if (leadership === undefined || leadership.term !== term) {
      this.leadershipByNode.set(nodeId, { term, lastIndex, commit: commitIndex, flushed: false });
      return;
    }
    if (lastIndex < leadership.lastIndex) {
      this.violate('leader-append-only', `leader ${nodeId} of term ${term}: its log went from last index ${leadership.lastIndex} down to ${lastIndex}`);
      return;
    }
    leadership.lastIndex = lastIndex;
    if (commitIndex > leadership.commit) {
      this.recordCommitDecision(nodeId, term, leadership.commit + 1, commitIndex, log);
      leadership.commit = commitIndex;
    }
  }

  /** A leader of `term` decided that [fromIndex, toIndex] are committed; its log tells their terms. */
  private recordCommitDecision(nodeId: string, term: number, fromIndex: number, toIndex: number, log: LogView): void {
    let highestKnown = 0;
    for (let index = fromIndex; index <= toIndex; index++) {
      const entryTerm = log.term(index);
      if (entryTerm === undefined) continue;
      const known = this.committedEntryTerm[index];
      if (known === undefined) this.committedEntryTerm[index] = entryTerm;
      else if (known !== entryTerm) {
        this.violate('state-machine-safety', `leader ${nodeId} of term ${term} committed index ${index} with term ${entryTerm}, but an entry of term ${known} was committed there before`);
        return;
      }
      highestKnown = index;
    }
    if (highestKnown > (this.committedIndexByDecidingTerm.get(term) ?? 0)) this.committedIndexByDecidingTerm.set(term, highestKnown);
  }

  /**
   * A Ready was written to a replica's store: log matching for every entry
   * written, and no leader truncating its own log.
   *
   * @param leaderTerm the replica's term when it took the Ready, if it was leader then; otherwise null
   * @param truncated whether the write replaced a suffix of the stored log
   * @param prevTerm the stored term of the entry just before the first one written (-1 when unknown)
   */
  observeWrite(nodeId: string, leaderTerm: number | null, entries: readonly Entry[], truncated: boolean, prevTerm: number): void {
    if (leaderTerm !== null) {
      const leadership = this.leadershipByNode.get(nodeId);
      if (leadership !== undefined && leadership.term === leaderTerm) {
        if (truncated && leadership.flushed) {
          this.violate('leader-append-only', `leader ${nodeId} of term ${leaderTerm} overwrote its own log from index ${entries[0]?.index ?? '?'}`);
          return;
        }
        leadership.flushed = true;
      }
    }
    let previousTerm = prevTerm;
    for (const entry of entries) {
      this.firstWrittenAtUs[entry.index] ??= this.timeUs;
      if (entry.term >= termsMax) {
        this.violate('budget', `term ${entry.term} is beyond what the checker tracks (${termsMax})`);
        return;
      }
      const key = entry.index * termsMax + entry.term;
      const payloadHash = hashBytes(entry.data);
      const fact = this.entryFacts.get(key);
      if (fact === undefined) {
        this.entryFacts.set(key, { payloadHash, type: entry.type, prevTerm: previousTerm });
      } else if (fact.payloadHash !== payloadHash || fact.type !== entry.type) {
        this.violate('log-matching', `${nodeId} holds an entry (index ${entry.index}, term ${entry.term}) whose content differs from another replica's entry with the same index and term`);
        return;
      } else if (fact.prevTerm !== previousTerm && fact.prevTerm !== -1 && previousTerm !== -1) {
        this.violate('log-matching', `${nodeId} holds entry (index ${entry.index}, term ${entry.term}) after an entry of term ${previousTerm}; another replica holds it after term ${fact.prevTerm}`);
        return;
      } else if (fact.prevTerm === -1) {
        fact.prevTerm = previousTerm;
      }
      previousTerm = entry.term;
    }
  }

  /**
   * A leader's log just after a Ready was written (the store then holds all
   * the core handed out): it must hold every entry committed in earlier terms.
   */
  observeLeaderLog(nodeId: string, term: number, coreLastIndex: number, log: LogView): void {
    let committedIndex = 0;
    let decidingTerm = 0;
    for (const [commitTerm, index] of this.committedIndexByDecidingTerm) {
      if (commitTerm < term && index > committedIndex) {
        committedIndex = index;
        decidingTerm = commitTerm;
      }
    }
    if (committedIndex === 0) return;
    if (coreLastIndex < committedIndex) {
      this.violate('leader-completeness', `leader ${nodeId} of term ${term} ends at index ${coreLastIndex}, but index ${committedIndex} was committed in term ${decidingTerm}`);
      return;
    }
    const committedTerm = this.committedEntryTerm[committedIndex];
    if (committedTerm === undefined) return;
    if (committedIndex < log.firstIndex() - 1 || committedIndex > log.lastIndex()) return;
    const heldTerm = log.term(committedIndex);
    if (heldTerm !== undefined && heldTerm !== committedTerm) {
      this.violate('leader-completeness', `leader ${nodeId} of term ${term} holds term ${heldTerm} at index ${committedIndex}, where an entry of term ${committedTerm} was committed in term ${decidingTerm}`);
    }
  }

  /** A replica applied `entry`; `digestAfter` is its state digest afterwards. */
  observeApply(nodeId: string, expectedIndex: number, entry: Entry, digestAfter: number): void {
    const index = entry.index;
    if (index !== expectedIndex) {
      this.violate('state-machine-safety', `${nodeId} was handed entry ${index} to apply, but the next one to apply is ${expectedIndex}`);
      return;
    }
    const knownDigest = this.appliedDigest[index];
    if (knownDigest === undefined) {
      this.appliedDigest[index] = digestAfter;
      this.appliedTerm[index] = entry.term;
    } else if (knownDigest !== digestAfter) {
      const knownTerm = this.appliedTerm[index];
      this.violate(
        'state-machine-safety',
        knownTerm === entry.term
          ? `${nodeId} applied index ${index} on top of a history that differs from another replica's`
          : `${nodeId} applied an entry of term ${entry.term} at index ${index}; another replica applied one of term ${String(knownTerm)}`,
      );
      return;
    }
    const committedTerm = this.committedEntryTerm[index];
    if (committedTerm === undefined) this.committedEntryTerm[index] = entry.term;
    else if (committedTerm !== entry.term) {
      this.violate('state-machine-safety', `${nodeId} applied an entry of term ${entry.term} at index ${index}, where a leader committed one of term ${committedTerm}`);
    }
  }

  /** A replica replaced its state with a snapshot through `index` whose digest is `digest`. */
  observeSnapshotRestore(nodeId: string, index: number, digest: number): void {
    const knownDigest = this.appliedDigest[index];
    if (knownDigest !== undefined && knownDigest !== digest) {
      this.violate('state-machine-safety', `${nodeId} installed a snapshot through index ${index} whose state differs from what other replicas applied`);
    }
  }

  /**
   * A replica sends a granted vote; `durable` is its hard state on disk at
   * that moment. The vote must be on disk, or the replica must have moved to
   * a later term (which it can never leave to vote again in this one).
   */
  observeVoteGrant(nodeId: string, candidate: string, term: number, durable: HardState): void {
    if (durable.term > term || (durable.term === term && durable.vote === candidate)) return;
    this.violate('durability', `${nodeId} granted its vote in term ${term} to ${candidate}, but its disk holds term ${durable.term} and vote ${String(durable.vote)}`);
  }

  /** A replica acknowledges its log up to `index`; `durableLastIndex` is the last index on its disk at that moment. */
  observeAppendAcknowledgement(nodeId: string, leader: string, index: number, durableLastIndex: number): void {
    if (index <= durableLastIndex) return;
    this.violate('durability', `${nodeId} acknowledged index ${index} to ${leader}, but its disk ends at ${durableLastIndex}`);
  }

  /**
   * A linearizable read was answered with the state through `readIndex`; it
   * began when the highest acknowledged write sat at `requiredIndex`.
   */
  observeRead(nodeId: string, requestId: number, requiredIndex: number, readIndex: number): void {
    if (readIndex < requiredIndex) {
      this.violate('linearizable-read', `read ${requestId} on ${nodeId} saw the state through index ${readIndex}, missing a write acknowledged at index ${requiredIndex} before the read began`);
    }
  }
}

/** What one live replica ended with. */
export interface FinalReplica {
  readonly id: string;
  readonly values: readonly string[];
}

/**
 * The end-of-run check: every acknowledged value is applied on every live
 * replica, exactly once, and all replicas hold their values in one order
 * (each replica's list is a prefix of the longest).
 */
export function checkAcknowledgedValues(replicas: readonly FinalReplica[], acknowledged: readonly string[]): string | null {
  let longest: FinalReplica | undefined;
  for (const replica of replicas) {
    const seen = new Set<string>();
    for (const value of replica.values) {
      if (seen.has(value)) return `${replica.id} applied value ${value} twice`;
      seen.add(value);
    }
    for (const value of acknowledged) {
      if (!seen.has(value)) return `acknowledged value ${value} is missing on ${replica.id}`;
    }
    if (longest === undefined || replica.values.length > longest.values.length) longest = replica;
  }
  if (longest === undefined) return null;
  for (const replica of replicas) {
    for (let position = 0; position < replica.values.length; position++) {
      if (replica.values[position] !== longest.values[position]) {
        return `${replica.id} and ${longest.id} disagree at position ${position}: ${String(replica.values[position])} against ${String(longest.values[position])}`;
      }
    }
  }
  return null;
}
