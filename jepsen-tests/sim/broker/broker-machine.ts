import type { Entry } from '@raftmq/commitlog';
import { BrokerState } from '@raftmq/broker';
import { nextDigest, type ReplicaMachine } from '../state-machine.js';

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
  /** The log's first index when the queues last dropped what the log no longer holds. */
  private droppedBefore = 0;

  get appliedIndex(): number {
    return this.state.appliedIndex;
  }

  apply(entry: Entry): string | undefined {
    this.state.apply([entry]);
    this.digest = nextDigest(this.digest, entry);
    return undefined;
  }

  encodeSnapshot(): Uint8Array {
    const state = this.state.snapshot();
    const data = new Uint8Array(digestBytes + state.byteLength);
    new DataView(data.buffer).setUint32(0, this.digest);
    data.set(state, digestBytes);
    return data;
  }

  restore(data: Uint8Array): void {
    this.digest = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
    // BrokerState reads the data only; the meta is the store's business.
    this.state.restore({ meta: { index: 0, term: 0, membership: { voters: [], learners: [] } }, data: data.subarray(digestBytes) });
    this.droppedBefore = 0;
  }

  /** As the broker does before every read: its queues forget messages in log entries compacted away. */
  syncCompaction(firstLogIndex: number): void {
    if (firstLogIndex <= this.droppedBefore) return;
    this.droppedBefore = firstLogIndex;
    this.state.dropBefore(firstLogIndex);
  }
}

export function createBrokerMachine(): ReplicaMachine {
  return new BrokerMachine();
}

/** The broker machine of a node of a broker run. */
export function brokerMachineOf(machine: ReplicaMachine): BrokerMachine {
  if (!(machine instanceof BrokerMachine)) throw new TypeError('the node does not run the broker state machine');
  return machine;
}
