import type { Entry, LogStore } from '@raftmq/commitlog';
import { decodeMessageBatch, type Message } from '@raftmq/protocol';
import { decodeCommand, type SendPart } from './state/log-command.js';

/** One message as a pull returns it, before its queue offset and id are added. */
export interface StoredMessageParts {
  readonly message: Message;
  readonly bornTimestampMs: number;
  readonly storeTimestampMs: number;
}

/**
 * A log entry holding sends, as pulls read it: a message is found by its
 * place in the entry, and only the send holding it is decoded (an entry of
 * coalesced sends holds messages of many queues; a pull wants one queue's).
 */
export class StoredEntry {
  private readonly decoded: (Message[] | undefined)[];

  private constructor(
    readonly logIndex: number,
    private readonly parts: readonly SendPart[],
    /** Each part's first position in the entry. */
    private readonly starts: readonly number[],
    private readonly storeTimestampMs: number,
  ) {
    this.decoded = new Array<Message[] | undefined>(parts.length);
  }

  static async read(store: LogStore, logIndex: number): Promise<StoredEntry> {
    const [entry] = await store.entries(logIndex, logIndex + 1);
    if (entry === undefined || entry.index !== logIndex) throw new Error(`the store has no entry ${logIndex} for a message the consume queue holds`);
    return StoredEntry.of(entry);
  }

  /** The sends `entry` holds; throws when it holds none. */
  static of(entry: Entry): StoredEntry {
    const logIndex = entry.index;
    const command = decodeCommand(entry.data);
    if (typeof command === 'string') throw new Error(`entry ${logIndex} holds no send: ${command}`);
    // A committed transaction's half is read from the entry that stored it, like a lone send.
    if (command.kind === 'send' || command.kind === 'prepare') return new StoredEntry(logIndex, [command], [0], command.storeTimestampMs);
    if (command.kind !== 'sends') throw new Error(`entry ${logIndex} holds no send: ${command.kind}`);
    const starts: number[] = [];
    let position = 0;
    for (const part of command.parts) {
      starts.push(position);
      position += part.messageCount;
    }
    return new StoredEntry(logIndex, command.parts, starts, command.storeTimestampMs);
  }

  /** When the leader stored the entry (its clock). */
  get storedAtMs(): number {
    return this.storeTimestampMs;
  }

  /** Messages the entry holds. */
  get messageCount(): number {
    const last = this.parts.length - 1;
    return (this.starts[last] as number) + (this.parts[last] as SendPart).messageCount;
  }

  /** The send holding the message at `position`. */
  sendAt(position: number): SendPart {
    return this.parts[this.partAt(position)] as SendPart;
  }

  /** The message at `position` in this entry. */
  at(position: number): StoredMessageParts {
    const part = this.partAt(position);
    let messages = this.decoded[part];
    const send = this.parts[part] as SendPart;
    if (messages === undefined) {
      // Checked when it was sent; the store checks its own records since.
      messages = decodeMessageBatch(send.batch);
      this.decoded[part] = messages;
    }
    const message = messages[position - (this.starts[part] as number)];
    if (message === undefined) throw new Error(`entry ${this.logIndex} holds no message at ${position}`);
    return { message, bornTimestampMs: send.bornTimestampMs ?? this.storeTimestampMs, storeTimestampMs: this.storeTimestampMs };
  }

  /** The part holding `position`: the last whose start is at or before it. */
  private partAt(position: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.starts[middle] as number) <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
