import { SimpleConsumer, type ReceivedMessage } from '@raftmq/client';
import type { Recorder } from './recorder.js';
import { topic } from './cluster.js';

export const consumerGroup = 'jepsen';
const receiveBatch = 32;
const receiveWaitMs = 500;
/** After a failed receive, before the next: the group may have no master for a moment. */
const receiveErrorBackoffMs = 200;

/** One SimpleConsumer session (process `consumer-1`) receiving and acking until stopped. */
export class ConsumerWorker {
  private readonly consumer: SimpleConsumer;
  private stopping = false;
  private running: Promise<void> | null = null;
  readonly seen = new Set<string>();
  receiveErrors = 0;

  constructor(nameServers: readonly string[], private readonly recorder: Recorder, private readonly process = 'consumer-1') {
    this.consumer = new SimpleConsumer({ nameServers, consumerGroup, topic });
  }

  async start(): Promise<void> {
    await this.consumer.start();
    this.running = this.work();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.consumer.shutdown();
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      let messages: ReceivedMessage[];
      try {
        messages = await this.consumer.receive(receiveBatch, receiveWaitMs);
      } catch {
        this.receiveErrors++;
        await new Promise((resolve) => setTimeout(resolve, receiveErrorBackoffMs));
        continue;
      }
      for (const message of messages) {
        const value = Buffer.from(message.body).toString('utf8');
        this.seen.add(value);
        this.recorder.record({ type: 'ok', f: 'receive', process: this.process, value, queueId: message.queueId, queueOffset: message.queueOffset, msgId: message.msgId });
      }
      // An ack that fails only means the message may come again: at-least-once, which the checkers allow.
      await Promise.all(messages.map((message) => this.consumer.ack(message).catch(() => undefined)));
    }
  }
}
