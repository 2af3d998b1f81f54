import type { Entry } from '@raftmq/commitlog';
import { BrokerState } from '@raftmq/broker';
import { nextDigest, type ReplicaMachine } from '../state-machine.js';
import type { BrokerUnsafeSwitches } from './broker-unsafe.js';
import { brokerRetentionUs } from './retention.js';
import { appendedSince, deliverCommandOf, queueEnds, type Delivery } from './deliveries.js';
import { ForgetfulSchedule } from './forgetful-schedule.js';

/** Bytes of the digest in front of the broker state in a snapshot. */
const digestBytes = 4;

/**
 * The broker's own state machine (packages/broker BrokerState), as it runs
 * in a broker process, plus the rolling digest of applied entries that the
 * Raft-level state-machine-safety check compares across replicas.
 */
export class BrokerMachine implements ReplicaMachine {
  readonly state = new BrokerState();
  digest = 0;
  /** What the last applied entry delivered, when it was a deliver command; taken by the workload. */
  private delivery: Delivery | undefined;
  /** The log's first index when the queues last dropped what the log no longer holds. */
  private droppedBefore = 0;
  private readonly forgetful: ForgetfulSchedule | undefined;

  constructor(private readonly unsafe: BrokerUnsafeSwitches = {}) {
    this.forgetful = unsafe.redeliverSinceSnapshot === true ? new ForgetfulSchedule() : undefined;
  }

  get appliedIndex(): number {
    return this.state.appliedIndex;
  }

  apply(entry: Entry): string | undefined {
    // Nothing scheduled, nothing to deliver: most entries skip the second decode.
    const command = this.state.scheduledCount > 0 || this.forgetful !== undefined ? deliverCommandOf(entry) : undefined;
    if (command === undefined) {
      this.delivery = undefined;
      this.state.apply([entry]);
    } else {
      this.forgetful?.rollBack(this.state);
      const ends = queueEnds(this.state);
      this.state.apply([entry]);
      this.delivery = { command, messages: appendedSince(this.state, ends) };
    }
    this.digest = nextDigest(this.digest, entry);
    return undefined;
  }

  /** What the entry just applied delivered, once. */
  takeDelivery(): Delivery | undefined {
    const delivery = this.delivery;
    this.delivery = undefined;
    return delivery;
  }

  encodeSnapshot(): Uint8Array {
    const state = this.state.snapshot();
    this.forgetful?.remember(state);
    const data = new Uint8Array(digestBytes + state.byteLength);
    new DataView(data.buffer).setUint32(0, this.digest);
    data.set(state, digestBytes);
    return data;
  }

  restore(data: Uint8Array): void {
    this.digest = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
    const state = data.subarray(digestBytes);
    // BrokerState reads the data only; the meta is the store's business.
    this.state.restore({ meta: { index: 0, term: 0, membership: { voters: [], learners: [] } }, data: state });
    this.forgetful?.remember(state);
    this.droppedBefore = 0;
    this.delivery = undefined;
  }

  /**
   * As BrokerReplica bounds compaction: never past the oldest entry holding a
   * send not yet delivered, nor one delivered within the retention time.
   */
  compactableThrough(nowUs: number): number {
    if (this.unsafe.compactionIgnoresScheduled === true) return Infinity;
    const oldestScheduled = this.state.oldestScheduledLogIndex() ?? Infinity;
    const oldestDelivered = this.unsafe.compactionIgnoresDeliveries === true ? Infinity : (this.state.oldestDeliveredLogIndexSince((nowUs - brokerRetentionUs) / 1000) ?? Infinity);
    return Math.min(oldestScheduled, oldestDelivered) - 1;
  }

  /** As the broker does before every read: its queues forget messages in log entries compacted away. */
  syncCompaction(firstLogIndex: number): void {
    if (firstLogIndex <= this.droppedBefore) return;
    this.droppedBefore = firstLogIndex;
    this.state.dropBefore(firstLogIndex);
  }
}

/** A broker state machine for each start of a broker process, with the run's planted bugs. */
export function brokerMachineFactory(unsafe: BrokerUnsafeSwitches): () => ReplicaMachine {
  return () => new BrokerMachine(unsafe);
}

/** The broker machine of a node of a broker run. */
export function brokerMachineOf(machine: ReplicaMachine): BrokerMachine {
  if (!(machine instanceof BrokerMachine)) throw new TypeError('the node does not run the broker state machine');
  return machine;
}
