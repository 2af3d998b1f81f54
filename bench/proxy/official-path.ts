import { createRequire } from 'node:module';
import { Producer, SimpleConsumer, type ILogger } from 'rocketmq-client-nodejs';
import { firstSend } from '../throughput/broker-load.js';
import { stampedBody } from './born-stamp.js';

/** The official client logs here rather than into ~/logs; a failed send still reaches the bench as its rejection. */
const silentLogger: ILogger = { info() {}, warn() {}, error() {}, debug() {} };
/** As long as the SDK path's sendTimeoutMs: a send slower than this is a failure on either path. */
const REQUEST_TIMEOUT_MS = 10_000;
/** The consumer's long poll: short, so a pass's consumer stops soon after its sends. */
const CONSUMER_AWAIT_DURATION_MS = 1_000;

/** rocketmq-client-nodejs's version, from its package.json; null when it cannot be read. */
export function officialClientVersion(): string | null {
  try {
    const manifest = createRequire(import.meta.url)('rocketmq-client-nodejs/package.json') as { readonly version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : null;
  } catch {
    return null;
  }
}

/**
 * The official RocketMQ 5 Node.js client through the proxy, unchanged. One
 * Producer keeps any number of sends in flight: each send is a unary gRPC
 * call multiplexed over one HTTP/2 connection, with no limit of its own.
 */
export class OfficialPath {
  private producer: Producer | undefined;

  constructor(private readonly endpoints: string) {}

  /** `topic` is routed before startup resolves; any other is routed at its first send. */
  async start(topic: string, body: Uint8Array): Promise<void> {
    const producer = new Producer({ endpoints: this.endpoints, namespace: '', topics: [topic], logger: silentLogger, requestTimeout: REQUEST_TIMEOUT_MS });
    this.producer = producer;
    await producer.startup();
    await firstSend(async () => void (await producer.send({ topic, body: stampedBody(body) })));
  }

  sender(body: Uint8Array, topic: string): () => Promise<void> {
    const producer = this.producer;
    if (producer === undefined) throw new RangeError('no producer: the official path was not started');
    return async () => void (await producer.send({ topic, body: stampedBody(body) }));
  }

  /** A SimpleConsumer of `group` subscribed to every tag of `topic`; its probe starts and shuts it down. */
  consumer(group: string, topic: string): SimpleConsumer {
    return new SimpleConsumer({
      endpoints: this.endpoints,
      namespace: '',
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      awaitDuration: CONSUMER_AWAIT_DURATION_MS,
      logger: silentLogger,
      requestTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  async stop(): Promise<void> {
    await this.producer?.shutdown().catch(() => undefined);
    this.producer = undefined;
  }
}
