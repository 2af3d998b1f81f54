import { afterEach } from 'vitest';
import { Producer, SimpleConsumer, type SimpleConsumerOptions } from '../src/index.js';
import { Cluster } from './harness.js';

/** What a test started, stopped after it, newest first: a file that imports this module gets the hook. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function afterTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** An in-process broker group with `topic`, its leader registered with the NameServer. */
export async function startedCluster(topic: string, queues: number): Promise<Cluster> {
  const started = await Cluster.start();
  afterTest(() => started.stop());
  await started.createTopic(topic, queues);
  await started.registerLeader();
  return started;
}

export function startedProducer(nameServers: string[], options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer {
  const made = new Producer({ nameServers, sendTimeoutMs: 10_000, retryTimesWhenSendFailed: 3, ...options });
  made.start();
  afterTest(() => made.shutdown());
  return made;
}

export async function startedConsumer(nameServers: string[], consumerGroup: string, topic: string, options: Partial<SimpleConsumerOptions> = {}): Promise<SimpleConsumer> {
  const made = new SimpleConsumer({ nameServers, consumerGroup, topic, ...options });
  afterTest(() => made.shutdown());
  await made.start();
  return made;
}
