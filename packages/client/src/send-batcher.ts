import type { Message } from '@raftmq/protocol';

/** Messages one automatic batch gathers at most (RocketMQ 5's autoBatch; one request, one sequence, one entry). */
export const autoBatchMessagesMax = 128;
/** Body bytes one automatic batch gathers at most; a message this large or larger goes alone. */
export const autoBatchBytesMax = 256 * 1024;

interface Waiting<Result> {
  readonly message: Message;
  readonly resolve: (stored: { readonly result: Result; readonly position: number }) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the sends a producer's callers issue in one turn of the event loop,
 * per topic, into batch requests: one request, one sequence (so a retry of
 * the batch is deduplicated whole) and one stored entry for many sends, which
 * each still get their own message id and queue offset. Nothing waits for
 * company: a turn's sends leave at the end of the turn, so a lone send pays
 * no added latency.
 */
export class SendBatcher<Result> {
  private readonly waiting = new Map<string, Waiting<Result>[]>();
  private flushScheduled = false;

  constructor(private readonly sendBatch: (topic: string, messages: readonly Message[]) => Promise<Result>) {}

  /** Resolves with the result of the batch `message` went in, and its place in that batch. */
  add(topic: string, message: Message): Promise<{ readonly result: Result; readonly position: number }> {
    return new Promise((resolve, reject) => {
      let list = this.waiting.get(topic);
      if (list === undefined) {
        list = [];
        this.waiting.set(topic, list);
      }
      list.push({ message, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [topic, list] of this.waiting) {
      let batch: Waiting<Result>[] = [];
      let bytes = 0;
      for (const each of list) {
        const size = each.message.body.byteLength;
        if (batch.length > 0 && (batch.length === autoBatchMessagesMax || bytes + size > autoBatchBytesMax)) {
          this.send(topic, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(each);
        bytes += size;
      }
      if (batch.length > 0) this.send(topic, batch);
    }
    this.waiting.clear();
  }

  private send(topic: string, batch: Waiting<Result>[]): void {
    this.sendBatch(
      topic,
      batch.map((each) => each.message),
    ).then(
      (result) => batch.forEach((each, position) => each.resolve({ result, position })),
      (error: unknown) => {
        for (const each of batch) each.reject(error);
      },
    );
  }
}
