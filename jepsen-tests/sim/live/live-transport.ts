import { MessageType, type Message } from '@raftmq/raft';
import { linkKey, type Network } from '../network.js';
import type { SimNode } from '../sim-node.js';
import { tickUs } from '../simulation.js';

/** How long a sender takes to notice a refused connection or a delivered snapshot. */
const transportFeedbackUs = 1_000;

export interface TransportHost {
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  node(id: string): SimNode | undefined;
}

/**
 * Carries messages between the nodes over the simulated network, and gives
 * senders the feedback a real transport gives: a refused connection (the
 * peer is down or cut off) and the fate of a snapshot, without which the
 * leader would wait forever on a snapshot that never arrived.
 */
export class LiveTransport {
  private readonly lastUnreachableReportUs = new Map<number, number>();

  constructor(
    private readonly host: TransportHost,
    private readonly network: Network,
  ) {}

  send(from: SimNode, messages: readonly Message[]): void {
    for (const message of messages) {
      const target = this.host.node(message.to);
      if (target === undefined) continue;
      if (this.network.isBlocked(from.number, target.number) || target.nodeState === 'down') {
        this.connectionRefused(from, target, message);
        continue;
      }
      const delays = this.network.plan(from.number, target.number);
      if (delays.length === 0 && message.type === MessageType.Snapshot) this.reportSnapshot(from, message, false);
      for (const delayUs of delays) this.host.after(delayUs, () => this.deliver(from, target, message));
    }
  }

  /** The sender notices it cannot reach the target; at most once a tick per link, as a reconnect loop would. */
  private connectionRefused(from: SimNode, target: SimNode, message: Message): void {
    if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message, false);
    const key = linkKey(from.number, target.number);
    const lastUs = this.lastUnreachableReportUs.get(key);
    const nowUs = this.host.nowUs();
    if (lastUs !== undefined && nowUs - lastUs < tickUs) return;
    this.lastUnreachableReportUs.set(key, nowUs);
    this.host.after(transportFeedbackUs, () => from.reportUnreachable(message.to));
  }

  private deliver(from: SimNode, target: SimNode, message: Message): void {
    this.network.arrived(from.number, target.number);
    // The link may have been cut, or the target killed, while the message was on its way.
    if (this.network.isBlocked(from.number, target.number) || !target.isUp) {
      if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message, false);
      return;
    }
    target.receive(message);
    if (message.type === MessageType.Snapshot) this.reportSnapshot(from, message, true);
  }

  private reportSnapshot(from: SimNode, message: Message, delivered: boolean): void {
    this.host.after(transportFeedbackUs, () => from.reportSnapshot(message.to, delivered));
  }
}
