import { encodeFrames, frameBytesMax, type Frame } from './frame.js';

/** Frames of one turn are sent together up to this size; a larger backlog goes out in several messages. */
const messageBytesTarget = 1024 * 1024;

/**
 * Collects the frames a connection sends during one turn of the event loop
 * and hands them to `send` as one message (several when they are many), so
 * 64 answers cost one write, not 64.
 */
export class OutgoingFrames {
  private queue: Frame[] = [];
  private queuedBytes = 0;
  private scheduled = false;

  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  push(frame: Frame): void {
    this.queue.push(frame);
    this.queuedBytes += frame.body?.byteLength ?? 0;
    if (this.queuedBytes >= messageBytesTarget) {
      this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const frames = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const bytes = encodeFrames(frames);
    if (bytes.byteLength <= frameBytesMax || frames.length === 1) {
      this.send(bytes);
      return;
    }
    for (const frame of frames) this.send(encodeFrames([frame]));
  }

  /** Drops what is queued (the connection is gone). */
  clear(): void {
    this.queue = [];
    this.queuedBytes = 0;
  }
}
