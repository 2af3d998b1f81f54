import { RequestRejectedError } from './errors.js';
import type { ProxyContext } from './context.js';
import { GroupRetries } from './group-retries.js';
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

/** The proxy's pop consumers, one per (consumer group, topic), started on first use; and each group's retry topic reader. */
export class PopConsumers {
  private readonly consumers = new Map<string, Promise<PopConsumer>>();
  private readonly started = new Map<string, PopConsumer>();
  /** By consumer group, for the groups that are not FIFO. */
  private readonly retries = new Map<string, GroupRetries>();
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
    const retries = context.clients.consumerGroupSettings(consumerGroup).fifo ? undefined : this.retriesOf(consumerGroup);
    const consumer = new PopConsumer({
      nameServers: context.nameServers,
      consumerGroup,
      topic,
      filter,
      clientId: context.consumerClientId(),
      producer: context.producer,
      logger: context.logger,
      policy: () => {
        const settings = context.clients.consumerGroupSettings(consumerGroup);
        return { maxDeliveryAttempts: settings.maxDeliveryAttempts, retryThroughTopic: !settings.fifo, holderAlive: (clientId) => context.clients.get(clientId) !== undefined };
      },
      ...(this.options.invisible === undefined ? {} : { invisible: this.options.invisible }),
      ...(retries === undefined ? {} : { retries }),
    });
    const ready = consumer.start().then(
      () => {
        // What the retry topic held for this topic before it ran reaches it with the group's next read of the retry topic.
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
    const retries = [...this.retries.values()];
    this.retries.clear();
    await Promise.all(retries.map((each) => each.shutdown()));
  }

  /** The retry topic reader of a group that is not FIFO, made on first use. */
  private retriesOf(consumerGroup: string): GroupRetries {
    let retries = this.retries.get(consumerGroup);
    if (retries === undefined) {
      retries = new GroupRetries({
        nameServers: this.context.nameServers,
        consumerGroup,
        clientId: this.context.consumerClientId(),
        producer: this.context.producer,
        logger: this.context.logger,
        popConsumerOf: (topic) => this.find(consumerGroup, topic),
      });
      this.retries.set(consumerGroup, retries);
    }
    return retries;
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
    // A group whose pop consumers are all gone has its retry reader closed too (the next receive makes a new one).
    const groupsRunning = new Set([...this.consumers.keys()].map((key) => key.split('\u0000')[0]));
    for (const [group, retries] of this.retries) {
      if (groupsRunning.has(group) || !retries.idle) continue;
      this.retries.delete(group);
      await retries.shutdown();
    }
  }
}

function sameFilter(left: PopFilter, right: PopFilter): boolean {
  return left.expressionType === right.expressionType && left.expression === right.expression;
}
