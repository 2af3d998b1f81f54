import { Decoder, Encoder } from '@msgpack/msgpack';
import type { BrokerState } from '@raftmq/broker';

/** A scheduled send as BrokerState's snapshot holds it; only its place in the log identifies it here. */
interface SnapshotSend {
  readonly logIndex: number;
  readonly firstPosition: number;
}

interface SnapshotValue {
  scheduled?: SnapshotSend[];
}

function placeOf(send: SnapshotSend): string {
  return `${send.logIndex}:${send.firstPosition}`;
}

/**
 * The negative control of replicated delivery progress: a replica whose
 * schedule rolls back, before each deliver, to what it was at the replica's
 * last snapshot, as RocketMQ's delivery progress rolls back to its last
 * flushed delayOffset.json on failover (rocketmq#1934). Sends delivered
 * since are scheduled again, and the deliver delivers them a second time.
 * It edits BrokerState's own snapshot, so the state stays the broker's.
 */
export class ForgetfulSchedule {
  private scheduledAtSnapshot: SnapshotSend[] = [];

  /** The state was snapshotted or restored from `data`: the progress the replica will roll back to. */
  remember(data: Uint8Array): void {
    this.scheduledAtSnapshot = (new Decoder().decode(data) as SnapshotValue).scheduled ?? [];
  }

  /** Schedules again every send scheduled at the last snapshot and delivered since. */
  rollBack(state: BrokerState): void {
    const value = new Decoder().decode(state.snapshot()) as SnapshotValue;
    const current = value.scheduled ?? [];
    const scheduledNow = new Set(current.map(placeOf));
    const forgotten = this.scheduledAtSnapshot.filter((send) => !scheduledNow.has(placeOf(send)));
    if (forgotten.length === 0) return;
    value.scheduled = [...current, ...forgotten];
    state.restore({ meta: { index: 0, term: 0, membership: { voters: [], learners: [] } }, data: new Encoder().encode(value) });
  }
}
