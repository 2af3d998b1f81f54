import { FrameKind, MalformedFrameError, OutgoingFrames, decodeFrames, frameBytesMax, frameIdMax, type Frame } from '@raftmq/protocol';
import WebSocket from 'ws';
import { LedgerError } from './errors.js';

/** The request never left: connecting failed, or the connection was gone before the send. Safe to retry anywhere. */
export class NotSentError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NOT_SENT', message, options);
  }
}

/** The request left but no answer came (the connection closed, or the time ran out). */
export class NoAnswerError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NO_ANSWER', message, options);
  }
}

/** Requests in flight on one connection at once; more wait for the caller to retry. */
const inFlightRequestsMax = 65_536;

/** ws leaves an all-zero key unapplied: client frames are not masked in JavaScript (our server, no intermediary to confuse). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One client connection to one replica: requests go out as frames and are answered by id. */
export class FrameConnection {
  private socket: WebSocket | null = null;
  private outgoing: OutgoingFrames | null = null;
  private opening: Promise<WebSocket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly address: string,
    private readonly connectTimeoutMs: number,
  ) {}

  async request(code: number, headers: Record<string, unknown>, body: Uint8Array | null, timeoutMs: number): Promise<Frame> {
    const socket = await this.open();
    if (socket.readyState !== WebSocket.OPEN) throw new NotSentError(`the connection to ${this.address} is closing`);
    if (this.pending.size >= inFlightRequestsMax) throw new NotSentError(`${this.pending.size} requests already in flight to ${this.address}`);
    const id = this.nextId;
    this.nextId = this.nextId === frameIdMax ? 1 : this.nextId + 1;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NoAnswerError(`no answer from ${this.address} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      (this.outgoing as OutgoingFrames).push({ id, kind: FrameKind.Request, code, headers, body });
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.terminate();
    this.socket = null;
    this.failPending(new NoAnswerError('the client closed'));
  }

  private open(): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new NotSentError('the connection is closed'));
    if (this.socket !== null && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.opening !== null) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.address, { perMessageDeflate: false, maxPayload: frameBytesMax, generateMask: zeroMask, handshakeTimeout: this.connectTimeoutMs });
      socket.binaryType = 'nodebuffer';
      const fail = (error: Error) => {
        this.opening = null;
        socket.terminate();
        reject(new NotSentError(`cannot connect to ${this.address}: ${error.message}`, { cause: error }));
      };
      socket.once('error', fail);
      socket.once('open', () => {
        socket.off('error', fail);
        this.opening = null;
        this.socket = socket;
        const outgoing = new OutgoingFrames((bytes) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
        });
        this.outgoing = outgoing;
        socket.on('error', () => socket.terminate());
        socket.on('close', () => {
          outgoing.clear();
          if (this.socket === socket) this.socket = null;
          this.failPending(new NoAnswerError(`the connection to ${this.address} closed`));
        });
        socket.on('message', (data) => this.receive(data as Buffer));
        resolve(socket);
      });
    });
    return this.opening;
  }

  private receive(data: Buffer): void {
    let frames: Frame[];
    try {
      frames = decodeFrames(data);
    } catch (error) {
      // A server that sends garbage cannot be trusted with the rest of this connection.
      this.socket?.terminate();
      this.failPending(new NoAnswerError(`${this.address} sent a malformed frame`, { cause: error instanceof MalformedFrameError ? error : undefined }));
      return;
    }
    for (const frame of frames) {
      const pending = this.pending.get(frame.id);
      if (frame.kind !== FrameKind.Response || pending === undefined) continue;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  private failPending(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}
