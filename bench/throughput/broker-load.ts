import type { Producer } from '@raftmq/client';
import { freeBasePort } from '../shared/ports.js';
import { BROKER_PORT_OFFSETS, BrokerSetup, RAFTMQ_END_TO_END_TOPIC, RAFTMQ_TOPIC } from '../messaging/raftmq.js';
import type { BrokerFlush } from '../messaging/raftmq.js';
import { producersFor } from './options.js';
import type { ThroughputBenchConfig } from './options.js';
import type { FlushMode } from './types.js';

/** Routes found, leader known, connections open before any clock starts: the first send is retried this long. */
const FIRST_SEND_TIMEOUT_MS = 30_000;
const FIRST_SEND_PAUSE_MS = 100;

/** Retries one send until it is acknowledged. */
export async function firstSend(send: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + FIRST_SEND_TIMEOUT_MS;
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_SEND_PAUSE_MS));
    }
  }
}

/** The produce → consume pass of one size has a topic of its own: its consumer starts with nothing behind it. */
export function endToEndTopic(sizeBytes: number): string {
  return `${RAFTMQ_END_TO_END_TOPIC}-${sizeBytes}`;
}

/**
 * A RaftMQ broker group of one flush mode under load, as users run it: a
 * NameServer, three broker replicas, the topics, and Producers from
 * @raftmq/client (autoBatch), one per `sendsPerProducer` senders.
 */
export class BrokerLoad {
  readonly setup = new BrokerSetup();
  private readonly producers: Producer[] = [];

  constructor(private readonly config: ThroughputBenchConfig) {}

  async start(directory: string, flush: FlushMode, timeoutMs: number): Promise<void> {
    const mode: BrokerFlush = flush === 'sync' ? { mode: 'sync' } : { mode: 'async', intervalMs: this.config.asyncFlushIntervalMs };
    await this.setup.start(directory, await freeBasePort(BROKER_PORT_OFFSETS), timeoutMs, mode);
    await this.setup.createTopic(this.config.queues, timeoutMs, RAFTMQ_TOPIC);
    if (flush === 'sync') for (const size of this.config.sizes) await this.setup.createTopic(this.config.queues, timeoutMs, endToEndTopic(size));
    const needed = producersFor(Math.max(...this.config.inflights), this.config.sendsPerProducer);
    for (let count = 0; count < needed; count++) this.producers.push(this.setup.producer());
    const probe = Buffer.alloc(Math.min(...this.config.sizes));
    for (const producer of this.producers) await firstSend(async () => void (await producer.send({ topic: RAFTMQ_TOPIC, body: probe })));
  }

  /** Sender `n` of `inflight` sends `body` through producer n mod the producers in use. */
  sender(inflight: number, body: Uint8Array, topic = RAFTMQ_TOPIC): (sender: number) => Promise<void> {
    const inUse = this.producers.slice(0, producersFor(inflight, this.config.sendsPerProducer));
    if (inUse.length === 0) throw new RangeError('no producer: the group was not started');
    return async (sender) => void (await (inUse[sender % inUse.length] as Producer).send({ topic, body }));
  }

  pids(): Promise<Record<string, number>> {
    return this.setup.pids();
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((producer) => Promise.resolve(producer.shutdown()).catch(() => undefined)));
    this.producers.length = 0;
    await this.setup.stop().catch(() => undefined);
  }
}
