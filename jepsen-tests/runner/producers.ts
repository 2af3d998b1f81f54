import { Producer } from '@raftmq/client';
import type { Recorder } from './recorder.js';
import { errorText, sendErrorType } from './send-outcome.js';
import { topic } from './cluster.js';

/** Each worker has one send in flight; together they stay under the client's producerInFlightSendsMax (32). */
const workersMax = 16;
/** Sends a worker keeps up with per second at a few milliseconds each, with room for slow ones. */
const sendsPerWorkerPerSecond = 40;
/** The whole of one send, retries included: longer than a failover, so most sends ride one out. */
const sendTimeoutMs = 5_000;
const sendRetries = 8;
/** A worker that fell this far behind its schedule (a failover) skips the missed slots instead of bursting. */
const catchUpLimitMs = 1_000;

/**
 * Workers sending unique bodies `v-<n>` at `rate` per second in total, on a
 * shared schedule, each with one send in flight (bounded in-flight).
 */
export class ProducerWorkers {
  readonly producer: Producer;
  private nextValue = 0;
  private nextSlot = 0;
  private scheduleStartMs = 0;
  private stopping = false;
  private running: Promise<void>[] = [];
  private readonly intervalMs: number;
  private readonly workers: number;

  /** Half the workers send through it when there are two: the other Producer stays with a master until it answers. */
  private readonly waitingProducer: Producer | null;

  /**
   * `mixedClients` (the ignore-term control): half the workers send through a
   * Producer with `followMasterMoves: false`, as RocketMQ's own clients
   * behave, whose sends held by an isolated master wait there for its
   * answer; the other half follow the new master, so its log holds sends at
   * the indexes the old master's replaced entries had.
   */
  constructor(nameServers: readonly string[], private readonly recorder: Recorder, rate: number, mixedClients = false) {
    this.producer = new Producer({ nameServers, sendTimeoutMs, retryTimesWhenSendFailed: sendRetries });
    this.waitingProducer = mixedClients ? new Producer({ nameServers, sendTimeoutMs, retryTimesWhenSendFailed: sendRetries, followMasterMoves: false }) : null;
    this.intervalMs = 1_000 / rate;
    this.workers = Math.min(workersMax, Math.max(1, Math.ceil(rate / sendsPerWorkerPerSecond)));
  }

  start(): void {
    this.producer.start();
    this.waitingProducer?.start();
    this.scheduleStartMs = performance.now();
    this.running = Array.from({ length: this.workers }, (_, index) => this.work(`producer-${index + 1}`, index % 2 === 1 && this.waitingProducer !== null ? this.waitingProducer : this.producer));
  }

  /** Stops issuing sends and waits for those in flight (each bounded by sendTimeoutMs). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  /** One recorded send outside the schedule (to `queueId` when given); its value when acknowledged, else undefined. */
  async sendOnce(process: string, queueId?: number, producer: Producer = this.producer): Promise<string | undefined> {
    const value = `v-${this.nextValue++}`;
    this.recorder.record({ type: 'invoke', f: 'send', process, value });
    try {
      const result = await producer.send({ topic, body: value }, queueId === undefined ? {} : { queueId });
      this.recorder.record({ type: 'ok', f: 'send', process, value, queueId: result.messageQueue.queueId, queueOffset: result.queueOffset, msgId: result.msgId });
      return value;
    } catch (error) {
      this.recorder.record({ type: sendErrorType(error), f: 'send', process, value, error: errorText(error) });
      return undefined;
    }
  }

  shutdown(): void {
    this.producer.shutdown();
    this.waitingProducer?.shutdown();
  }

  private async work(process: string, producer: Producer): Promise<void> {
    while (!this.stopping) {
      let dueMs = this.scheduleStartMs + this.nextSlot * this.intervalMs;
      const nowMs = performance.now();
      if (nowMs - dueMs > catchUpLimitMs) {
        this.nextSlot = Math.ceil((nowMs - this.scheduleStartMs) / this.intervalMs);
        dueMs = this.scheduleStartMs + this.nextSlot * this.intervalMs;
      }
      this.nextSlot++;
      if (dueMs > nowMs) await new Promise((resolve) => setTimeout(resolve, dueMs - nowMs));
      if (this.stopping) return;
      await this.sendOnce(process, undefined, producer);
    }
  }
}
