import { crc32c } from '@node-rs/crc32';
import type { Entry, Snapshot } from '@raftmq/commitlog';
import { EntryType, type StateMachine } from '@raftmq/raft';

const snapshotBytes = 24;

/**
 * The ledger's state: how far it has applied, how many application entries
 * it holds, and a CRC32C chain over every applied entry's index, term, type
 * and data. Two replicas with the same chain value at the same index applied
 * the same history, compacted parts included (the chain travels in
 * snapshots): the audit that the replicas' logs are identical.
 */
export class LedgerStateMachine implements StateMachine {
  appliedIndex = 0;
  applicationEntries = 0;
  digest = 0;
  private readonly header = Buffer.alloc(17);

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      this.header.writeDoubleBE(entry.index, 0);
      this.header.writeDoubleBE(entry.term, 8);
      this.header.writeUInt8(entry.type, 16);
      this.digest = crc32c(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), crc32c(this.header, this.digest));
      this.appliedIndex = entry.index;
      if (entry.type === EntryType.Normal && entry.data.byteLength > 0) this.applicationEntries++;
    }
  }

  snapshot(): Uint8Array {
    const bytes = Buffer.alloc(snapshotBytes);
    bytes.writeDoubleBE(this.appliedIndex, 0);
    bytes.writeDoubleBE(this.applicationEntries, 8);
    bytes.writeUInt32BE(this.digest >>> 0, 16);
    return bytes;
  }

  restore(snapshot: Snapshot): void {
    const bytes = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength);
    if (bytes.byteLength !== snapshotBytes) throw new Error(`a ledger snapshot is ${snapshotBytes} bytes, not ${bytes.byteLength}`);
    this.appliedIndex = bytes.readDoubleBE(0);
    this.applicationEntries = bytes.readDoubleBE(8);
    this.digest = bytes.readUInt32BE(16);
  }
}
