import type { Producer } from '@raftmq/client';
import { BLOCK_STEP, freeBasePort } from '../shared/ports.js';
import { BROKER_PORT_OFFSETS, BrokerSetup, RAFTMQ_END_TO_END_TOPIC, RAFTMQ_TOPIC } from '../messaging/raftmq.js';
import type { BrokerFlush } from '../messaging/raftmq.js';
import { producersFor } from './options.js';
import type { ThroughputBenchConfig } from './options.js';
import type { FlushMode, RaftmqMode } from './types.js';

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

/** A free block of ports per group, each past the one before: a group's ports are not taken before it starts. */
async function basePortsFor(groups: number): Promise<number[]> {
  const bases: number[] = [];
  for (let group = 0; group < groups; group++) {
    const previous = bases[bases.length - 1];
    bases.push(previous === undefined ? await freeBasePort(BROKER_PORT_OFFSETS) : await freeBasePort(BROKER_PORT_OFFSETS, previous + BLOCK_STEP));
  }
  return bases;
}

/**
 * A RaftMQ cluster of one flush mode under load, as users run it: a
 * NameServer, `mode.groups` broker groups of three replicas acknowledging as
 * `mode.acknowledgement` says, the topics on every group (so their queues
 * spread over the groups and the Producers spread the sends), and Producers
 * from @raftmq/client (autoBatch), one per `sendsPerProducer` senders.
 */
export class BrokerLoad {
  readonly setup = new BrokerSetup();
  private readonly producers: Producer[] = [];

  constructor(private readonly config: ThroughputBenchConfig) {}

  async start(directory: string, flush: FlushMode, timeoutMs: number, mode: RaftmqMode = { groups: 1, acknowledgement: 'quorum' }): Promise<void> {
    const flushing: BrokerFlush = flush === 'sync' ? { mode: 'sync' } : { mode: 'async', intervalMs: this.config.asyncFlushIntervalMs };
    await this.setup.start(directory, await basePortsFor(mode.groups), timeoutMs, flushing, { acknowledgement: mode.acknowledgement });
    await this.setup.createTopic(this.config.queues, timeoutMs, RAFTMQ_TOPIC);
    if (flush === 'sync') for (const size of this.config.sizes) await this.setup.createTopic(this.config.queues, timeoutMs, endToEndTopic(size));
    const needed = producersFor(Math.max(...this.config.inflights), this.config.sendsPerProducer);
    for (let count = 0; count < needed; count++) this.producers.push(this.setup.producer());
    const probe = Buffer.alloc(Math.min(...this.config.sizes));
    for (const producer of this.producers) await firstSend(async () => void (await producer.send({ topic: RAFTMQ_TOPIC, body: probe })));
  }

  /** Sender `n` of `inflight` sends `body` through producer n mod the producers in use; each send answers with its durability. */
  sender(inflight: number, body: Uint8Array, topic = RAFTMQ_TOPIC): (sender: number) => Promise<string> {
    const inUse = this.producers.slice(0, producersFor(inflight, this.config.sendsPerProducer));
    if (inUse.length === 0) throw new RangeError('no producer: the group was not started');
    return async (sender) => (await (inUse[sender % inUse.length] as Producer).send({ topic, body })).durability;
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
