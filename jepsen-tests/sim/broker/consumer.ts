import { NotLeaderError } from '@raftmq/raft';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf } from './broker-machine.js';
import type { QueueAddress } from './broker-checker.js';
import { backoffDelayUsMax, backoffDelayUsMin, leaderTarget, redirectDelayUsMax, type BrokerClientHost, type BrokerGroupAccess } from './client-host.js';
import { HistoryEvent } from './history.js';
import { proposeOffsetCommit, pull, type PullAnswer } from './replica-requests.js';

export interface ConsumerOptions {
  /** The consumer group. */
  readonly group: string;
  /** The broker group whose queue this consumer owns. */
  readonly brokerGroup: BrokerGroupAccess;
  readonly queueId: number;
  readonly pullMessagesMax: number;
  /** Of the processed batches, those after which the consumer crashes before committing, in thousandths. */
  readonly crashPermille: number;
  readonly restartDelayUsMax: number;
  /** Of the crashes, those after which the consumer stays down long, past retention, in thousandths. */
  readonly longOutagePermille: number;
  /** A long outage lasts between these. */
  readonly longOutageUsMin: number;
  readonly longOutageUsMax: number;
}

/** What the consumer waits for from the node it asked, by request id (ReadIndex). */
export interface OffsetQueryWaiter {
  readonly nodeId: string;
  served(node: SimNode): void;
  aborted(): void;
}

/**
 * One consumer of a group, owning one queue of one broker group (clustering
 * with a fixed assignment). A session starts by reading the group's committed offset
 * linearizably (ReadIndex on the leader, answered once applied), pulls from
 * any replica, processes each batch in offset order, then commits the next
 * offset through the log without waiting. Now and then it crashes between
 * processing and committing: the next session resumes from the committed
 * offset, and re-processes what the crash did not commit (legitimate
 * at-least-once redelivery, counted, not a violation).
 */
export class SimConsumer {
  private session = 0;
  /** The offset to pull next; undefined while the session has not read its start offset. */
  private nextOffset: number | undefined;
  /** Where the previous session began (the negative control resumes there). */
  private sessionStartOffset = 0;
  private believedLeader: string | null = null;
  private pending = 0;
  private readonly queue: QueueAddress;

  constructor(
    private readonly host: BrokerClientHost,
    private readonly options: ConsumerOptions,
    private readonly registerQuery: (requestId: number, waiter: OffsetQueryWaiter) => void,
    private readonly nextRequestId: () => number,
  ) {
    this.queue = { brokerName: options.brokerGroup.brokerName, topic: host.topic, queueId: options.queueId };
  }

  start(delayUs: number): void {
    this.host.after(delayUs, () => this.startSession());
  }

  private get label(): string {
    return `${this.options.group}/${this.options.brokerGroup.brokerName}:${this.options.queueId}`;
  }

  private startSession(): void {
    if (this.host.stopped) return;
    this.session++;
    this.nextOffset = undefined;
    this.host.history.counts.sessions++;
    this.queryOffset(this.session);
  }

  /** Asks the leader for the committed offset through ReadIndex, retrying until a session start is known. */
  private queryOffset(session: number): void {
    if (session !== this.session || this.host.stopped) return;
    const host = this.host;
    const operation = ++this.pending;
    host.after(host.requestTimeoutUs, () => {
      if (operation === this.pending && this.nextOffset === undefined) this.retryQuery(session, null);
    });
    const targetId = leaderTarget(host, this.options.brokerGroup, this.believedLeader);
    const node = targetId === null ? undefined : host.node(targetId);
    if (node === undefined) {
      this.retryQuery(session, null);
      return;
    }
    const requestId = this.nextRequestId();
    const reached = node.request((core) => {
      this.registerQuery(requestId, {
        nodeId: node.id,
        served: (servingNode) => {
          if (session !== this.session || this.nextOffset !== undefined) return;
          const committed = brokerMachineOf(servingNode.machine).state.consumerOffset(this.options.group, host.topic, this.options.queueId);
          this.begin(session, committed ?? 0);
        },
        aborted: () => this.retryQuery(session, null),
      });
      const refusal = node.readIndex(core, requestId);
      if (refusal !== undefined) this.retryQuery(session, refusal instanceof NotLeaderError ? refusal.leaderHint : null);
    });
    if (!reached) this.retryQuery(session, null);
  }

  private retryQuery(session: number, leaderHint: string | null): void {
    if (session !== this.session || this.nextOffset !== undefined) return;
    this.pending++;
    this.believedLeader = leaderHint;
    const random = this.host.random;
    const delayUs = leaderHint !== null ? random.nextInt(100, redirectDelayUsMax) : random.nextInt(backoffDelayUsMin, backoffDelayUsMax);
    this.host.after(delayUs, () => this.queryOffset(session));
  }

  private begin(session: number, committed: number): void {
    const host = this.host;
    const offset = host.unsafe.consumerIgnoresCommittedOffset === true ? this.sessionStartOffset : committed;
    this.sessionStartOffset = offset;
    this.nextOffset = offset;
    host.history.record(HistoryEvent.SessionStarted, host.nowUs(), this.label, session, offset);
    host.brokerChecker.sessionStarted(this.options.group, this.queue, session, offset);
    this.pullNext(session);
  }

  /** Pulls from the leader or, as often, from a follower: any replica serves up to what it applied. */
  private pullNext(session: number): void {
    const offset = this.nextOffset;
    if (session !== this.session || offset === undefined || this.host.stopped) return;
    const host = this.host;
    const brokerGroup = this.options.brokerGroup;
    const ids = brokerGroup.nodeIds();
    const targetId = host.random.chance(500) || ids.length === 0 ? leaderTarget(host, brokerGroup, this.believedLeader) : host.random.pick(ids);
    const node = targetId === null ? undefined : host.node(targetId);
    // A paused replica would hold the pull until it resumes; the client times out and asks another.
    if (node === undefined || node.nodeState !== 'running') {
      this.believedLeader = null;
      this.pullLater(session);
      return;
    }
    const reached = node.request(() => {
      if (session !== this.session || this.nextOffset !== offset) return;
      const answer = pull(node, { topic: host.topic, queueId: this.options.queueId, offset, maxMessages: this.options.pullMessagesMax }, host.unsafe);
      this.pulled(node, session, offset, answer);
    });
    if (!reached) this.pullLater(session);
  }

  /**
   * What SimpleConsumer.pull does with an answer: every answer's
   * nextBeginOffset is followed forwards only (Math.max with the offset
   * asked), and messages below the offset asked are dropped; a move forwards
   * skips what retention dropped.
   */
  private pulled(node: SimNode, session: number, offset: number, answer: PullAnswer): void {
    const host = this.host;
    const group = this.options.group;
    switch (answer.kind) {
      case 'found':
        break;
      case 'offsetMoved': {
        const next = Math.max(offset, answer.nextOffset);
        if (next === offset) {
          this.pullLater(session);
          return;
        }
        this.skip(session, offset, next, node);
        this.nextOffset = next;
        this.pullNext(session);
        return;
      }
      case 'notFound':
        // Nothing new on this replica yet: the live pull would have waited (long polling, not simulated), so wait here.
        this.nextOffset = Math.max(offset, answer.nextOffset);
        this.pullLater(session);
        return;
      case 'unreadable':
        host.checker.violate('broker-offset-conflict', answer.reason);
        return;
      case 'topicNotExist':
        this.pullLater(session);
        return;
    }
    let expected = offset;
    for (const message of answer.messages) {
      if (message.offset < offset) continue;
      // Passed over by the replica: a delivered message whose entry left the log.
      if (message.offset > expected) this.skip(session, expected, message.offset, node);
      expected = message.offset + 1;
      host.history.consumed(this.options.brokerGroup.index);
      host.history.record(HistoryEvent.Consumed, host.nowUs(), this.label, session, message.offset, message.identity);
      host.brokerChecker.observeConsumed(group, this.queue, session, message.offset, message.identity, `pulled by ${this.label} from ${node.id}`);
    }
    const next = Math.max(offset, answer.nextOffset);
    if (next > expected) this.skip(session, expected, next, node);
    this.nextOffset = next;
    if (host.random.chance(this.options.crashPermille)) {
      this.crash();
      return;
    }
    this.commit(session, next);
    host.after(host.random.nextInt(100, redirectDelayUsMax), () => this.pullNext(session));
  }

  /** The consumer moves past offsets whose messages the replica no longer holds. */
  private skip(session: number, from: number, to: number, node: SimNode): void {
    const host = this.host;
    host.history.counts.offsetsSkipped += to - from;
    host.history.record(HistoryEvent.Skipped, host.nowUs(), this.label, session, from, to);
    host.brokerChecker.offsetsSkipped(this.options.group, this.queue, session, from, to, `${this.label} pulling from ${node.id}`);
  }

  /** Commits through the log, without waiting: the acknowledgement only tells the checker what must survive. */
  private commit(session: number, offset: number): void {
    const host = this.host;
    const targetId = leaderTarget(host, this.options.brokerGroup, this.believedLeader);
    const node = targetId === null ? undefined : host.node(targetId);
    if (node === undefined) return;
    const { group, queueId } = this.options;
    node.request((core) => {
      const answer = proposeOffsetCommit(node, core, group, host.topic, queueId, offset);
      if (answer.kind === 'notLeader') {
        this.believedLeader = answer.leaderHint;
        return;
      }
      if (answer.kind !== 'proposed') return;
      host.proposals.track(node.id, answer.index, answer.term, (fate) => {
        if (fate.kind !== 'applied' || session !== this.session) return;
        host.history.counts.commitsAcknowledged++;
        host.history.record(HistoryEvent.CommitAcknowledged, host.nowUs(), this.label, session, offset);
        host.brokerChecker.commitAcknowledged(group, this.queue, offset);
      });
    });
  }

  /** The consumer process dies after processing, before committing; it restarts later. */
  private crash(): void {
    const host = this.host;
    host.history.counts.consumerCrashes++;
    host.history.record(HistoryEvent.ConsumerCrashed, host.nowUs(), this.label, this.session);
    this.session++;
    this.nextOffset = undefined;
    // Now and then down for longer than retention: back, it finds the log compacted under its committed offset and skips.
    const { longOutageUsMin, longOutageUsMax, restartDelayUsMax } = this.options;
    const downUs = host.random.chance(this.options.longOutagePermille) ? host.random.nextInt(longOutageUsMin, longOutageUsMax) : host.random.nextInt(0, restartDelayUsMax);
    host.after(downUs, () => this.startSession());
  }

  private pullLater(session: number): void {
    const random = this.host.random;
    this.host.after(random.nextInt(backoffDelayUsMin, backoffDelayUsMax), () => this.pullNext(session));
  }
}
