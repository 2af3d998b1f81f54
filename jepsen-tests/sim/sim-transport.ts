import { MessageType, type Message } from '@raftmq/raft';
import { linkKey, nodeNumbersMax, type Network } from './network.js';
import type { SelectiveLoss } from './selective-loss.js';
import type { SimNode } from './sim-node.js';
import type { SimulationStats } from './stats.js';
import type { TraceHash } from './trace.js';

/** How long a sender takes to notice a refused connection or a delivered snapshot. */
const transportFeedbackUs = 1_000;
/** A refused connection is reported to the core at most once per link in this long. */
const unreachableReportIntervalUs = 10_000;

export interface TransportWorld {
  readonly nodes: ReadonlyMap<string, SimNode>;
  readonly network: Network;
  readonly selectiveLoss: SelectiveLoss;
  readonly trace: TraceHash;
  readonly stats: SimulationStats;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
}

/**
 * Carries messages between simulated nodes: the network decides each one's
 * fate, and the sender's transport gives the core the feedback a real one
 * would (a peer unreachable, a snapshot sent or not). Every delivery is
 * folded into the trace hash.
 */
export class SimTransport {
  private readonly lastUnreachableReportUs = new Map<number, number>();

  constructor(private readonly world: TransportWorld) {}

  send(from: SimNode, messages: readonly Message[]): void {
    const { nodes, network, stats } = this.world;
    for (const message of messages) {
      stats.messagesSent++;
      const target = nodes.get(message.to);
      if (target === undefined || target.nodeState === 'stopped') {
        stats.messagesDropped++;
        continue;
      }
      if (network.isBlocked(from.number, target.number) || target.nodeState === 'down') {
        stats.messagesDropped++;
        this.connectionRefused(from, target, message);
        continue;
      }
      const delays = this.world.selectiveLoss.drops(message) ? [] : network.plan(from.number, target.number);
      if (delays.length === 0) {
        stats.messagesDropped++;
        if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message.to, false);
        continue;
      }
      for (const delayUs of delays) this.world.after(delayUs, () => this.deliver(from, target, message));
    }
  }

  private reportSnapshot(from: SimNode, to: string, success: boolean): void {
    this.world.after(transportFeedbackUs, () => from.reportSnapshot(to, success));
  }

  /** The sender's transport notices it cannot reach the target. */
  private connectionRefused(from: SimNode, target: SimNode, message: Message): void {
    if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message.to, false);
    const key = linkKey(from.number, target.number);
    const nowUs = this.world.nowUs();
    const lastUs = this.lastUnreachableReportUs.get(key);
    if (lastUs !== undefined && nowUs - lastUs < unreachableReportIntervalUs) return;
    this.lastUnreachableReportUs.set(key, nowUs);
    this.world.after(transportFeedbackUs, () => from.reportUnreachable(message.to));
  }

  private deliver(from: SimNode, target: SimNode, message: Message): void {
    const { network, stats } = this.world;
    network.arrived(from.number, target.number);
    this.traceDelivery(from, target, message);
    const delivered = !network.isBlocked(from.number, target.number) && target.isUp && this.world.nodes.get(target.id) === target;
    if (!delivered) {
      stats.messagesDropped++;
      if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message.to, false);
      return;
    }
    stats.messagesDelivered++;
    target.receive(message);
    if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message.to, true);
  }

  private traceDelivery(from: SimNode, target: SimNode, message: Message): void {
    const trace = this.world.trace;
    trace.event(message.type, this.world.nowUs());
    trace.mix(from.number * nodeNumbersMax + target.number);
    trace.mix(message.term);
    switch (message.type) {
      case MessageType.Append:
        trace.mix(message.prevIndex);
        trace.mix(message.entries.length);
        trace.mix(message.commit);
        break;
      case MessageType.AppendResponse:
        trace.mix(message.reject ? -message.index : message.index);
        break;
      case MessageType.Heartbeat:
        trace.mix(message.commit);
        break;
      case MessageType.Vote:
      case MessageType.PreVote:
        trace.mix(message.lastIndex);
        break;
      case MessageType.VoteResponse:
      case MessageType.PreVoteResponse:
        trace.mix(message.reject ? 1 : 0);
        break;
      case MessageType.Snapshot:
        trace.mix(message.snapshot.meta.index);
        break;
      case MessageType.ReadIndex:
      case MessageType.ReadIndexResponse:
        trace.mix(message.requestId);
        break;
      default:
        break;
    }
  }
}
