import type { SimpleConsumer } from '@raftmq/client';
import type { MessageView, SimpleConsumer as OfficialSimpleConsumer } from 'rocketmq-client-nodejs';
import { errorText } from '../shared/environment.js';
import { WindowedLatency, holdEveryQueue } from '../throughput/end-to-end.js';
import type { EndToEndProbe } from '../throughput/end-to-end.js';
import type { CaseResult, EndToEndResult } from '../throughput/types.js';
import { bornStampOf } from './born-stamp.js';

const SDK_RECEIVE_BATCH = 256;
const SDK_RECEIVE_WAIT_MS = 200;
/** The official client asks for this many per ReceiveMessage; several receives run at once so one long poll never starves the rest. */
const OFFICIAL_RECEIVE_BATCH = 32;
const OFFICIAL_RECEIVE_LOOPS = 4;
/** Long enough that nothing received in a pass comes back before its ack lands. */
export const OFFICIAL_INVISIBLE_DURATION_MS = 60_000;
const RETRY_PAUSE_MS = 100;

/**
 * Receives throughout a pass and acks what it got without waiting for the
 * ack, so the latency recorded is the receipt's. Acks on both paths: the
 * proxy holds at most 10,000 unacked messages per group, and the SDK's
 * consumer commits the same offsets the proxy's does on its behalf.
 */
abstract class AckingProbe implements EndToEndProbe {
  readonly system = 'RaftMQ';
  protected readonly latency = new WindowedLatency();
  protected running = true;
  private loops: Promise<void>[] = [];
  private readonly acks = new Set<Promise<void>>();
  protected problem: string | null = null;
  ackFailures = 0;

  abstract start(timeoutMs: number): Promise<void>;
  protected abstract receiveOnce(): Promise<number>;
  protected abstract shutdown(): Promise<void>;

  protected startLoops(count: number): void {
    this.loops = Array.from({ length: count }, () => this.run());
  }

  /** Records each message's latency and acks it in the background; returns how many were received. */
  protected took<Received extends { readonly body: Uint8Array }>(messages: readonly Received[], ack: (message: Received) => Promise<void>): number {
    const receivedMs = Date.now();
    for (const message of messages) {
      const born = bornStampOf(message.body);
      if (Number.isFinite(born)) this.latency.record(born, receivedMs);
      this.ackLater(ack(message));
    }
    return messages.length;
  }

  private ackLater(ack: Promise<void>): void {
    const tracked = ack.catch(() => void this.ackFailures++).finally(() => this.acks.delete(tracked));
    this.acks.add(tracked);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.receiveOnce();
      } catch (error) {
        if (!this.running) return;
        this.problem ??= errorText(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }

  window(fromMs: number, untilMs: number): void {
    this.latency.window(fromMs, untilMs);
  }

  async stop(drainMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.acks);
    await this.shutdown();
  }

  result(sends: CaseResult | null): EndToEndResult {
    return this.latency.result(this.system, sends, this.problem);
  }
}

/** Our SimpleConsumer, straight to the brokers, holding every queue of the pass's topic before the first send. */
export class SdkEndToEndProbe extends AckingProbe {
  constructor(
    private readonly consumer: SimpleConsumer,
    private readonly queues: number,
  ) {
    super();
  }

  async start(timeoutMs: number): Promise<void> {
    await holdEveryQueue(this.consumer, this.queues, timeoutMs);
    this.startLoops(1);
  }

  protected async receiveOnce(): Promise<number> {
    return this.took(await this.consumer.receive(SDK_RECEIVE_BATCH, SDK_RECEIVE_WAIT_MS), (message) => this.consumer.ack(message));
  }

  protected async shutdown(): Promise<void> {
    await this.consumer.shutdown();
  }
}

/** The official SimpleConsumer through the proxy; its first receive makes the proxy read the topic for the group. */
export class OfficialEndToEndProbe extends AckingProbe {
  constructor(private readonly consumer: OfficialSimpleConsumer) {
    super();
  }

  async start(): Promise<void> {
    await this.consumer.startup();
    // Before any send: the proxy starts its consumer of the group on the first ReceiveMessage.
    await this.receiveOnce();
    this.startLoops(OFFICIAL_RECEIVE_LOOPS);
  }

  protected async receiveOnce(): Promise<number> {
    const messages: MessageView[] = await this.consumer.receive(OFFICIAL_RECEIVE_BATCH, OFFICIAL_INVISIBLE_DURATION_MS);
    return this.took(messages, (message) => this.consumer.ack(message));
  }

  protected async shutdown(): Promise<void> {
    await this.consumer.shutdown();
  }
}
