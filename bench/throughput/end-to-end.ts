import { createHistogram } from 'node:perf_hooks';
import type { SimpleConsumer } from '@raftmq/client';
import { DeliverPolicy } from 'nats';
import type { ConsumerMessages, JetStreamClient } from 'nats';
import { NATS_STREAM } from '../nats/cluster.js';
import { errorText } from '../shared/environment.js';
import { BORN_STAMP_BYTES } from './options.js';
import type { CaseResult, EndToEndResult, ThroughputSystem } from './types.js';

const RECEIVE_BATCH = 256;
const RECEIVE_WAIT_MS = 200;
const RETRY_PAUSE_MS = 100;
/** Anything later than an hour is a message lost, not a latency. */
const HIGHEST_TRACKABLE_MS = 3_600_000;

/** receive − born, in whole ms of Date.now(), for messages born inside the measured window (set once the warm-up ends). */
export class WindowedLatency {
  private readonly histogram = createHistogram({ lowest: 1, highest: HIGHEST_TRACKABLE_MS, figures: 3 });
  private fromMs = Number.POSITIVE_INFINITY;
  private untilMs = Number.POSITIVE_INFINITY;
  received = 0;

  window(fromMs: number, untilMs: number): void {
    this.fromMs = fromMs;
    this.untilMs = untilMs;
  }

  record(bornMs: number, receivedMs: number): void {
    this.received++;
    if (bornMs >= this.fromMs && bornMs <= this.untilMs) this.histogram.record(Math.min(HIGHEST_TRACKABLE_MS, Math.max(1, receivedMs - bornMs)));
  }

  result(system: ThroughputSystem, sends: CaseResult | null, problem: string | null): EndToEndResult {
    const count = this.histogram.count;
    return {
      system,
      sizeBytes: sends?.sizeBytes ?? Number.NaN,
      inflight: sends?.inflight ?? Number.NaN,
      sends,
      messages: count,
      p50Ms: count === 0 ? Number.NaN : this.histogram.percentile(50),
      p99Ms: count === 0 ? Number.NaN : this.histogram.percentile(99),
      maxMs: count === 0 ? Number.NaN : this.histogram.max,
      problem: problem ?? (count === 0 ? 'no message received' : null),
    };
  }
}

/** A consumer receiving throughout a produce → consume pass. */
/** Starts `consumer` and waits until it holds all `queues` of its topic, so that nothing sent from then on is missed. */
export async function holdEveryQueue(consumer: SimpleConsumer, queues: number, timeoutMs: number): Promise<void> {
  await consumer.start();
  const deadline = performance.now() + timeoutMs;
  while (consumer.messageQueues().length < queues) {
    if (performance.now() > deadline) throw new Error(`the consumer holds ${consumer.messageQueues().length} of ${queues} queues`);
    await consumer.receive(1, RETRY_PAUSE_MS);
  }
}

export interface EndToEndProbe {
  readonly system: ThroughputSystem;
  /** Resolves once the consumer is ready to receive whatever is sent next. */
  start(timeoutMs: number): Promise<void>;
  window(fromMs: number, untilMs: number): void;
  /** Keeps receiving for `drainMs` (what was born in the window arrives), then stops. */
  stop(drainMs: number): Promise<void>;
  result(sends: CaseResult | null): EndToEndResult;
}

/** RaftMQ: a SimpleConsumer of its own group holding every queue of the pass's topic. It does not ack: offset commits would add Raft entries to the group under measure. */
export class RaftmqEndToEndProbe implements EndToEndProbe {
  readonly system = 'RaftMQ';
  private readonly latency = new WindowedLatency();
  private running = true;
  private loop: Promise<void> | undefined;
  private problem: string | null = null;

  constructor(
    private readonly consumer: SimpleConsumer,
    private readonly queues: number,
  ) {}

  async start(timeoutMs: number): Promise<void> {
    await holdEveryQueue(this.consumer, this.queues, timeoutMs);
    this.loop = this.run();
  }

  window(fromMs: number, untilMs: number): void {
    this.latency.window(fromMs, untilMs);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.consumer.receive(RECEIVE_BATCH, RECEIVE_WAIT_MS);
        const now = Date.now();
        for (const message of messages) this.latency.record(message.bornTimestamp, now);
      } catch (error) {
        this.problem ??= errorText(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }

  async stop(drainMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    this.running = false;
    await this.loop;
    await this.consumer.shutdown();
  }

  result(sends: CaseResult | null): EndToEndResult {
    return this.latency.result(this.system, sends, this.problem);
  }
}

/** NATS JetStream: an ordered pull consumer of the stream delivering only what is published after it starts; the birth time rides in the body. */
export class NatsEndToEndProbe implements EndToEndProbe {
  readonly system = 'NATS JetStream';
  private readonly latency = new WindowedLatency();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private problem: string | null = null;

  constructor(private readonly jetstream: JetStreamClient) {}

  async start(): Promise<void> {
    const consumer = await this.jetstream.consumers.get(NATS_STREAM, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume();
    this.messages = messages;
    this.loop = (async () => {
      try {
        for await (const message of messages) {
          const now = Date.now();
          const data = message.data;
          if (data.byteLength >= BORN_STAMP_BYTES) this.latency.record(Buffer.from(data.buffer, data.byteOffset, data.byteLength).readDoubleLE(0), now);
        }
      } catch (error) {
        this.problem ??= errorText(error);
      }
    })();
  }

  window(fromMs: number, untilMs: number): void {
    this.latency.window(fromMs, untilMs);
  }

  async stop(drainMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    await this.messages?.close().catch(() => undefined);
    await this.loop;
  }

  result(sends: CaseResult | null): EndToEndResult {
    return this.latency.result(this.system, sends, this.problem);
  }
}
