import WebSocket from 'ws';
import { NoAnswerError, NotSentError } from './errors.js';
import { FrameKind, decodeFrames, frameBytesMax, frameIdMax, type Frame } from './frame.js';
import { OutgoingFrames } from './outgoing-frames.js';

/** Requests in flight on one connection at once; more are refused until answers come back. */
const inFlightRequestsMax = 65_536;

/** ws leaves an all-zero key unapplied, so client frames are not masked in JavaScript (see ANCHORS.md). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface FrameConnectionHandlers {
  /** A Push frame arrived; throwing condemns the connection (the server sent what the client cannot use). */
  readonly push?: (frame: Frame) => void;
  /** The connection that was open closed, whoever closed it. */
  readonly closed?: () => void;
}

/**
 * One client connection to one server (a replica, a broker, a NameServer):
 * requests go out as frames, batched per turn, and are
 * answered by id; Push frames go to `handlers.push`. Reopens on the next
 * request after it closed, unless closed for good with close().
 */
export class FrameConnection {
  private socket: WebSocket | null = null;
  private outgoing: OutgoingFrames | null = null;
  private opening: Promise<WebSocket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedForGood = false;

  constructor(
    readonly address: string,
    private readonly connectTimeoutMs: number,
    private readonly handlers: FrameConnectionHandlers = {},
  ) {}

  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  async request(code: number, headers: Record<string, unknown>, timeoutMs: number, body: Uint8Array | null = null): Promise<Frame> {
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

  /** Closes the connection for good: pending requests fail, no request reopens it. */
  close(): void {
    this.closedForGood = true;
    this.socket?.terminate();
    this.socket = null;
    this.failPending(new NoAnswerError('the client closed'));
  }

  private open(): Promise<WebSocket> {
    if (this.closedForGood) return Promise.reject(new NotSentError('the connection is closed'));
    if (this.socket !== null && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.opening !== null) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.address, { perMessageDeflate: false, maxPayload: frameBytesMax, generateMask: zeroMask, handshakeTimeout: this.connectTimeoutMs });
      socket.binaryType = 'nodebuffer';
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        this.opening = null;
        socket.terminate();
        reject(new NotSentError(`cannot connect to ${this.address}: ${error.message}`, { cause: error }));
      };
      socket.once('error', fail);
      // A server that accepts and closes at once (over its connection limit) never opens.
      socket.once('close', () => fail(new Error('closed before it opened')));
      socket.once('open', () => {
        settled = true;
        socket.off('error', fail);
        socket.removeAllListeners('close');
        this.opening = null;
        if (this.closedForGood) {
          socket.terminate();
          reject(new NotSentError('the connection is closed'));
          return;
        }
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
          this.handlers.closed?.();
        });
        socket.on('message', (data) => this.receive(socket, data as Buffer));
        resolve(socket);
      });
    });
    return this.opening;
  }

  private receive(socket: WebSocket, data: Buffer): void {
    let frames: Frame[];
    try {
      frames = decodeFrames(data);
    } catch (error) {
      // A server that sends garbage cannot be trusted with the rest of this connection.
      socket.terminate();
      this.failPending(new NoAnswerError(`${this.address} sent a malformed frame`, { cause: error }));
      return;
    }
    for (const frame of frames) {
      if (frame.kind === FrameKind.Push) {
        try {
          this.handlers.push?.(frame);
        } catch (error) {
          socket.terminate();
          this.failPending(new NoAnswerError(`${this.address} pushed a frame that could not be used: ${String(error)}`, { cause: error }));
          return;
        }
        continue;
      }
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
