import { Producer, SimpleConsumer } from '@raftmq/client';

/** Sends in flight at once while producing: below the client's own bound. */
const producerConcurrency = 16;
/** How long `consume` waits, by default, for messages that have not arrived yet before giving up. */
export const consumeIdleTimeoutMsDefault = 10_000;

export interface ProduceOptions {
  readonly nameServers: readonly string[];
  readonly topic: string;
  readonly count: number;
  readonly sizeBytes: number;
}

/** `raftmq produce`: sends `count` messages of `sizeBytes`, 16 at a time; resolves once every one is acknowledged. */
export async function produce(options: ProduceOptions, print: (line: string) => void): Promise<void> {
  const producer = new Producer({ nameServers: [...options.nameServers] });
  producer.start();
  const startedAt = performance.now();
  let next = 0;
  let lastOffsetLine = '';
  try {
    await Promise.all(
      Array.from({ length: Math.min(producerConcurrency, options.count) }, async () => {
        while (next < options.count) {
          const number = next++;
          const body = Buffer.alloc(options.sizeBytes, 0x61 + (number % 26));
          const result = await producer.send({ topic: options.topic, body, keys: [`message-${number}`] });
          lastOffsetLine = `${result.messageQueue.brokerName} queue ${result.messageQueue.queueId} offset ${result.queueOffset}`;
        }
      }),
    );
  } finally {
    producer.shutdown();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  print(`sent ${options.count} messages of ${options.sizeBytes} bytes to ${options.topic} in ${seconds.toFixed(2)} s (${Math.round(options.count / seconds)}/s); last: ${lastOffsetLine}`);
}

export interface ConsumeOptions {
  readonly nameServers: readonly string[];
  readonly topic: string;
  readonly group: string;
  readonly count: number;
  readonly idleTimeoutMs: number;
}

/** `raftmq consume`: receives and acknowledges `count` messages; fails if none arrive for `idleTimeoutMs`. */
export async function consume(options: ConsumeOptions, print: (line: string) => void): Promise<void> {
  const consumer = new SimpleConsumer({ nameServers: [...options.nameServers], consumerGroup: options.group, topic: options.topic });
  await consumer.start();
  let received = 0;
  try {
    while (received < options.count) {
      const messages = await consumer.receive(Math.min(256, options.count - received), options.idleTimeoutMs);
      if (messages.length === 0) throw new Error(`no message for ${options.idleTimeoutMs} ms after ${received} of ${options.count}`);
      for (const message of messages) {
        await consumer.ack(message);
        received++;
        if (received <= 3 || received === options.count) print(`${message.msgId}  queue ${message.queueId} offset ${message.queueOffset}  ${message.body.byteLength} bytes`);
        if (received === 4 && options.count > 4) print('…');
        if (received === options.count) break;
      }
    }
  } finally {
    await consumer.shutdown();
  }
  print(`received ${received} messages from ${options.topic} as group ${options.group}`);
}
