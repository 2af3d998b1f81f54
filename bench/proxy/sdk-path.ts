import type { Producer } from '@raftmq/client';
import type { BrokerSetup } from '../messaging/raftmq.js';
import { firstSend } from '../throughput/broker-load.js';
import { producersFor } from '../throughput/options.js';
import { stampedBody } from './born-stamp.js';

/**
 * RaftMQ's own SDK as users run it: Producers with autoBatch straight to
 * the brokers, one per `sendsPerProducer` senders (producerInFlightSendsMax).
 */
export class SdkPath {
  private readonly producers: Producer[] = [];

  constructor(
    private readonly brokers: BrokerSetup,
    private readonly sendsPerProducer: number,
  ) {}

  /** Routes found and connections open before any clock starts: each Producer's first send is retried until it lands. */
  async start(maxInflight: number, topic: string, body: Uint8Array): Promise<void> {
    for (let count = 0; count < producersFor(maxInflight, this.sendsPerProducer); count++) this.producers.push(this.brokers.producer());
    for (const producer of this.producers) await firstSend(async () => void (await producer.send({ topic, body: stampedBody(body) })));
  }

  /** Sender n of `inflight` sends through producer n mod the producers in use; each send answers with its durability. */
  sender(inflight: number, body: Uint8Array, topic: string): (sender: number) => Promise<string> {
    const inUse = this.producers.slice(0, producersFor(inflight, this.sendsPerProducer));
    if (inUse.length === 0) throw new RangeError('no producer: the SDK path was not started');
    return async (sender) => (await (inUse[sender % inUse.length] as Producer).send({ topic, body: stampedBody(body) })).durability;
  }

  async stop(): Promise<void> {
    await Promise.all(this.producers.map((producer) => Promise.resolve(producer.shutdown()).catch(() => undefined)));
    this.producers.length = 0;
  }
}
