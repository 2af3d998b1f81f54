import { RequestRejectedError } from './errors.js';
import type { ProxyContext } from './context.js';
import type { InvisibleMessagesOptions } from './invisible-messages.js';
import { PopConsumer, type PopFilter } from './pop-consumer.js';

/** (consumer group, topic) pairs the proxy consumes for at once; beyond it, idle ones are closed, else the request is refused. */
export const popConsumersMax = 1_000;
/** A pop consumer holding nothing and unused this long may be closed to make room. */
export const popConsumerIdleMs = 300_000;

export interface PopConsumersOptions {
  readonly popConsumersMax?: number;
  readonly invisible?: InvisibleMessagesOptions;
}

/** The proxy's pop consumers, one per (consumer group, topic), started on first use. */
export class PopConsumers {
  private readonly consumers = new Map<string, Promise<PopConsumer>>();
  private readonly started = new Map<string, PopConsumer>();
  private readonly limit: number;
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly context: ProxyContext,
    private readonly options: PopConsumersOptions = {},
  ) {
    this.limit = options.popConsumersMax ?? popConsumersMax;
    this.unsubscribe = context.clients.onClientGone((clientId) => {
      for (const consumer of this.started.values()) consumer.messages.holderGone(clientId);
    });
  }

  /** The pop consumer of (group, topic), started with `filter` when it is new. */
  async get(consumerGroup: string, topic: string, filter: PopFilter): Promise<PopConsumer> {
    if (this.stopped) throw new RequestRejectedError('INTERNAL_ERROR', 'the proxy is stopping');
    const key = `${consumerGroup}\u0000${topic}`;
    const existing = this.started.get(key);
    if (existing !== undefined && sameFilter(existing.filter, filter)) return existing;
    if (existing !== undefined) {
      // RocketMQ asks every member of a group to subscribe alike; a new expression is taken once the old one's messages are settled.
      if (existing.messages.size > 0) throw new RequestRejectedError('ILLEGAL_FILTER_EXPRESSION', `group ${consumerGroup} consumes ${topic} with ${existing.filter.expressionType} "${existing.filter.expression}" and still holds messages of it`);
      this.started.delete(key);
      this.consumers.delete(key);
      await existing.shutdown();
    }
    const starting = this.consumers.get(key);
    if (starting !== undefined) return starting;
    if (this.consumers.size >= this.limit) await this.closeIdle();
    if (this.consumers.size >= this.limit) throw new RequestRejectedError('TOO_MANY_REQUESTS', `the proxy consumes for at most ${this.limit} (consumer group, topic) pairs at once`);
    const context = this.context;
    const consumer = new PopConsumer({
      nameServers: context.nameServers,
      consumerGroup,
      topic,
      filter,
      clientId: context.consumerClientId(),
      producer: context.producer,
      logger: context.logger,
      policy: () => ({ maxDeliveryAttempts: context.clients.consumerGroupSettings(consumerGroup).maxDeliveryAttempts, holderAlive: (clientId) => context.clients.get(clientId) !== undefined }),
      ...(this.options.invisible === undefined ? {} : { invisible: this.options.invisible }),
    });
    const ready = consumer.start().then(
      () => {
        this.started.set(key, consumer);
        return consumer;
      },
      async (error: unknown) => {
        this.consumers.delete(key);
        await consumer.shutdown().catch(() => undefined);
        throw error;
      },
    );
    this.consumers.set(key, ready);
    return ready;
  }

  /** The pop consumer of (group, topic) when it runs: acks and changes go only to one that handed the message out. */
  find(consumerGroup: string, topic: string): PopConsumer | undefined {
    return this.started.get(`${consumerGroup}\u0000${topic}`);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    const consumers = await Promise.all([...this.consumers.values()].map((ready) => ready.catch(() => undefined)));
    this.consumers.clear();
    this.started.clear();
    await Promise.all(consumers.map((consumer) => consumer?.shutdown()));
  }

  private async closeIdle(): Promise<void> {
    const cutoff = Date.now() - popConsumerIdleMs;
    const closing: Promise<void>[] = [];
    for (const [key, consumer] of this.started) {
      if (!consumer.idleSince(cutoff)) continue;
      this.started.delete(key);
      this.consumers.delete(key);
      closing.push(consumer.shutdown());
    }
    await Promise.all(closing);
  }
}

function sameFilter(left: PopFilter, right: PopFilter): boolean {
  return left.expressionType === right.expressionType && left.expression === right.expression;
}
