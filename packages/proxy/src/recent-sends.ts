/**
 * The sends of the last `memoryMs`, by topic and the client's message id.
 * The official clients retry a send whose answer did not come within their
 * request timeout, with the same message id; while the first is still in
 * flight, or once it succeeded, the retry gets its outcome instead of
 * storing the message again. A failed send is forgotten at once, so its
 * retry is a new send.
 */
export class RecentSends<T> {
  private readonly sends = new Map<string, { readonly outcome: Promise<T>; readonly atMs: number }>();

  constructor(
    private readonly entriesMax: number,
    private readonly memoryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The outcome of the send of `messageId` to `topic`: the remembered one, or `send()`'s. */
  run(topic: string, messageId: string, send: () => Promise<T>): Promise<T> {
    const key = `${topic}\u0000${messageId}`;
    const now = this.now();
    const known = this.sends.get(key);
    if (known !== undefined && now - known.atMs <= this.memoryMs) return known.outcome;
    this.forgetOld(now);
    const outcome = send();
    const entry = { outcome, atMs: now };
    // Deleted first so that it moves to the end: the map's order stays its age order.
    this.sends.delete(key);
    this.sends.set(key, entry);
    outcome.catch(() => {
      if (this.sends.get(key) === entry) this.sends.delete(key);
    });
    return outcome;
  }

  get size(): number {
    return this.sends.size;
  }

  /** Insertion order is age order: the oldest go first, and the oldest beyond entriesMax. */
  private forgetOld(now: number): void {
    for (const [key, entry] of this.sends) {
      if (now - entry.atMs <= this.memoryMs && this.sends.size < this.entriesMax) break;
      this.sends.delete(key);
    }
  }
}
