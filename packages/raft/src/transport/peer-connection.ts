import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { assert } from '../errors.js';
import { MessageType } from '../messages.js';
import type { Message } from '../messages.js';
import type { TransportHandlers } from './transport.js';
import { CloseCode } from './close-codes.js';
import { batchIntoFrames } from './frame-batcher.js';
import type { OutboundFrame } from './frame-batcher.js';
import { inspectFrame } from './inbound-frame.js';
import { reconnectDelayMs } from './reconnect-backoff.js';
import { authenticateOutbound } from './socket-authentication.js';
import type { HandshakeFailure } from './socket-authentication.js';
import { dialOptions } from './socket-options.js';
import { bytesOf, closeSocket } from './sockets.js';
import type { WsTransportOptions } from './transport-options.js';
import type { TransportCounters } from './transport-stats.js';
import type { WarnLimiter } from './warn-limiter.js';

/** What a PeerConnection needs from the transport that owns it. */
export interface PeerContext {
  readonly options: WsTransportOptions;
  readonly counters: TransportCounters;
  readonly warnings: WarnLimiter;
  /** Null once the transport is stopping: from then on nothing is delivered. */
  handlers(): TransportHandlers | null;
  reportUnreachable(peerId: string): void;
  reportSnapshot(peerId: string, success: boolean): void;
  /** Whether a fault-injection test drops what this peer sends us now: one Set lookup per frame. */
  dropsFrom(peerId: string): boolean;
  random(): number;
}

type DropReason = 'unreachable' | 'queue-full' | 'backpressure' | 'too-large';

/** Snapshot messages in one frame, reported once: when the socket took the frame, or when it closed first. */
interface SnapshotsInFlight {
  readonly socket: WebSocket;
  readonly count: number;
  settled: boolean;
}

/**
 * The link to one peer: at most one authenticated WebSocket, used in both
 * directions. The node whose id sorts lower dials and redials with backoff;
 * the other waits to be dialled. Outbound messages are coalesced per turn of
 * the event loop and dropped (never buffered without bound) when the link is
 * down or its socket buffer is full.
 */
export class PeerConnection {
  readonly peerId: string;
  readonly dials: boolean;
  private url: string;
  private socket: WebSocket | null = null;
  private remoteAddress = '';
  private dialSocket: WebSocket | null = null;
  private queue: Message[] = [];
  private flushImmediate: NodeJS.Immediate | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Dials since the link was last authenticated; drives the backoff. */
  private failedDials = 0;
  private everDialled = false;
  /** Whether "unreachable" was logged for the current outage, so a long one logs once. */
  private outageLogged = false;
  private readonly snapshotsInFlight = new Set<SnapshotsInFlight>();
  private heardSinceCheck = false;
  private bufferedBytesAtCheck = 0;
  private closed = false;

  constructor(
    peerId: string,
    url: string,
    private readonly context: PeerContext,
  ) {
    assert(peerId !== context.options.selfId, 'a node is not its own peer');
    this.peerId = peerId;
    this.url = url;
    this.dials = context.options.selfId < peerId;
  }

  /** Begins dialling if this node owns the link. */
  start(): void {
    if (this.dials && !this.closed && this.dialSocket === null && this.socket === null && this.reconnectTimer === null) this.dial();
  }

  isConnected(): boolean {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Queues a message for this turn's frame; drops it at once when the link is down or the queue is full. */
  enqueue(message: Message): void {
    assert(message.to === this.peerId, 'message routed to the wrong peer');
    if (this.closed || !this.isConnected()) {
      this.drop([message], 'unreachable');
      return;
    }
    if (this.queue.length >= this.context.options.peerQueueMessagesMax) {
      this.drop([message], 'queue-full');
      return;
    }
    this.queue.push(message);
    this.flushImmediate ??= setImmediate(() => this.flush());
  }

  /** A new address for the peer: a dialler drops its link and dials the new one. */
  setUrl(url: string): void {
    if (url === this.url) return;
    this.url = url;
    if (!this.dials || this.closed) return;
    if (this.dialSocket !== null) void closeSocket(this.dialSocket, CloseCode.PeerRemoved, 'peer address changed');
    if (this.socket !== null) void closeSocket(this.socket, CloseCode.PeerRemoved, 'peer address changed');
  }

  /** Takes over an authenticated socket (dialled or accepted); a newer connection from the same peer replaces an older one. */
  adopt(socket: WebSocket, remoteAddress: string): void {
    if (this.closed) {
      void closeSocket(socket, CloseCode.GoingAway, 'peer removed or node stopping');
      return;
    }
    const previous = this.socket;
    if (previous !== null) {
      this.detach(previous, CloseCode.Superseded, 'replaced by a newer connection');
      void closeSocket(previous, CloseCode.Superseded, 'replaced by a newer connection');
    }
    const counters = this.context.counters;
    counters.handshakesCompleted += 1;
    counters.connectionsOpen += 1;
    this.socket = socket;
    this.remoteAddress = remoteAddress;
    this.failedDials = 0;
    this.outageLogged = false;
    this.heardSinceCheck = true;
    this.bufferedBytesAtCheck = 0;
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(socket, data, isBinary));
    socket.on('pong', () => {
      if (this.socket === socket) this.heardSinceCheck = true;
    });
    socket.on('error', (error: Error) => this.onSocketError(socket, error));
    socket.on('close', (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      this.detach(socket, code, reason.toString('utf8'));
      if (this.dials) this.scheduleReconnect();
    });
    this.context.options.logger.info({ peer: this.peerId, remoteAddress, dialled: this.dials }, 'peer connected');
  }

  /**
   * Cuts a link that showed no sign of life for a whole interval: no frame, no
   * pong, and no progress draining our socket buffer (a large snapshot in
   * front of our ping delays the pong, but the buffer still shrinks).
   */
  checkLiveness(): void {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return;
    const bufferedBytes = socket.bufferedAmount;
    const draining = bufferedBytes < this.bufferedBytesAtCheck;
    if (!this.heardSinceCheck && !draining) {
      this.context.counters.connectionsUnresponsive += 1;
      this.context.warnings.warn('peer-unresponsive', { peer: this.peerId, remoteAddress: this.remoteAddress }, 'cut an unresponsive peer connection');
      socket.terminate();
      return;
    }
    this.heardSinceCheck = false;
    this.bufferedBytesAtCheck = bufferedBytes;
    socket.ping();
  }

  /** Ends the link for good (peer removed or transport stopping); resolves once its sockets are closed. */
  close(code: number, reason: string): Promise<void> {
    this.closed = true;
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate);
    this.flushImmediate = null;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const queued = this.queue;
    this.queue = [];
    if (queued.length > 0) this.drop(queued, 'unreachable');
    const closing: Promise<void>[] = [];
    if (this.dialSocket !== null) closing.push(closeSocket(this.dialSocket, code, reason));
    if (this.socket !== null) closing.push(closeSocket(this.socket, code, reason));
    return Promise.all(closing).then(() => undefined);
  }

  private dial(): void {
    assert(this.dials && !this.closed && this.dialSocket === null && this.socket === null, 'dial on a link that is not idle');
    const { options, counters } = this.context;
    if (this.everDialled) counters.reconnects += 1;
    this.everDialled = true;
    this.reconnectTimer = null;
    const socket = new WebSocket(this.url, dialOptions(options));
    this.dialSocket = socket;
    // Failures also arrive as 'close', which the handshake reports; without a listener ws would throw.
    socket.on('error', () => {});
    socket.on('upgrade', (response) => response.socket.setNoDelay(true));
    authenticateOutbound(
      socket,
      { selfId: options.selfId, peerId: this.peerId, secret: options.secret, timeoutMs: options.handshakeTimeoutMs },
      {
        onAuthenticated: () => {
          this.dialSocket = null;
          this.adopt(socket, this.url);
        },
        onFailed: (failure) => {
          // Close listeners registered before ours may still see this socket as the one being dialled.
          if (this.dialSocket === socket) this.dialSocket = null;
          this.onDialFailed(failure);
          this.scheduleReconnect();
        },
      },
    );
  }

  private onDialFailed(failure: HandshakeFailure): void {
    if (this.closed) return;
    const { counters, warnings, options } = this.context;
    const fields = { peer: this.peerId, url: this.url, code: failure.code, reason: failure.reason };
    if (failure.by === 'local') {
      counters.handshakesRefused += 1;
      warnings.warn('handshake-refused', fields, 'refused the peer this node dialled');
    } else if (failure.by === 'remote') {
      counters.handshakesFailed += 1;
      warnings.warn('handshake-refused-by-peer', fields, 'the peer refused our handshake');
    } else if (failure.opened) {
      counters.handshakesFailed += 1;
      warnings.warn('handshake-cut', fields, 'connection ended during the handshake');
    } else if (!this.outageLogged) {
      // A peer that is down fails every dial; one line per outage is enough.
      this.outageLogged = true;
      options.logger.info(fields, 'peer unreachable; redialling with backoff');
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== null || this.dialSocket !== null || this.socket !== null) return;
    const { options } = this.context;
    const delayMs = reconnectDelayMs(this.failedDials, options.reconnectDelayMsMin, options.reconnectDelayMsMax, () => this.context.random());
    this.failedDials += 1;
    this.reconnectTimer = setTimeout(() => this.dial(), delayMs);
    this.reconnectTimer.unref();
  }

  /** Forgets a socket that is closing: its unsent snapshots are reported lost. */
  private detach(socket: WebSocket, code: number, reason: string): void {
    assert(this.socket === socket, 'detach of a socket that is not the current one');
    this.socket = null;
    this.context.counters.connectionsOpen -= 1;
    for (const inFlight of this.snapshotsInFlight) {
      if (inFlight.socket === socket) this.settleSnapshots(inFlight, false);
    }
    this.context.options.logger.info({ peer: this.peerId, remoteAddress: this.remoteAddress, code, reason }, 'peer disconnected');
  }

  private onSocketError(socket: WebSocket, error: Error): void {
    if (this.socket !== socket) return;
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return; // network errors: 'close' follows and says enough
    const { counters, warnings } = this.context;
    counters.framesMalformed += 1;
    const fields = { peer: this.peerId, remoteAddress: this.remoteAddress, reason: error.message };
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      counters.framesTooLarge += 1;
      warnings.warn('frame-too-large', fields, 'peer sent a frame over frameBytesMax; connection closed');
    } else {
      warnings.warn('frame-protocol-error', fields, 'peer broke the WebSocket protocol; connection closed');
    }
  }

  private receive(socket: WebSocket, data: RawData, isBinary: boolean): void {
    // Frames still arriving on a replaced connection would race the new one's; Raft tolerates their loss.
    if (this.socket !== socket) return;
    this.heardSinceCheck = true;
    if (this.context.handlers() === null) return;
    const { counters, warnings, options } = this.context;
    if (this.context.dropsFrom(this.peerId)) {
      // Lost on the way, as a dropping firewall would lose it: before decoding, so it costs nothing more than the lookup.
      counters.framesDroppedByFault += 1;
      return;
    }
    const bytes = bytesOf(data);
    counters.framesReceived += 1;
    counters.bytesReceived += bytes.byteLength;
    const frame = inspectFrame(bytes, isBinary, options.selfId, this.peerId);
    if (frame.malformed !== null) {
      counters.framesMalformed += 1;
      warnings.warn(frame.malformed.kind, { peer: this.peerId, remoteAddress: this.remoteAddress, reason: frame.malformed.reason }, 'dropped a frame');
      return;
    }
    for (const problem of frame.rejected) {
      counters.messagesRejected += 1;
      warnings.warn(problem.kind, { peer: this.peerId, remoteAddress: this.remoteAddress, reason: problem.reason }, 'dropped a message');
    }
    for (const message of frame.accepted) {
      // deliver may stop the transport; nothing is delivered after that. A deliver that throws is a
      // bug in the caller and is left to surface, not swallowed here.
      const handlers = this.context.handlers();
      if (handlers === null || this.socket !== socket) return;
      counters.messagesReceived += 1;
      handlers.deliver(message);
    }
  }

  private flush(): void {
    this.flushImmediate = null;
    const messages = this.queue;
    this.queue = [];
    if (messages.length === 0) return;
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) {
      this.drop(messages, 'unreachable');
      return;
    }
    const { options } = this.context;
    if (socket.bufferedAmount > options.peerBufferedBytesMax) {
      this.drop(messages, 'backpressure');
      return;
    }
    const batch = batchIntoFrames(messages, options);
    if (batch.oversized.length > 0) this.drop(batch.oversized, 'too-large');
    for (const frame of batch.frames) {
      const bufferedBytes = socket.bufferedAmount;
      // An idle socket always takes one frame, so a frame larger than the bound still goes out.
      if (bufferedBytes > 0 && bufferedBytes + frame.bytes.byteLength > options.peerBufferedBytesMax) {
        this.drop(frame.messages, 'backpressure');
        continue;
      }
      this.write(socket, frame);
    }
  }

  private write(socket: WebSocket, frame: OutboundFrame): void {
    const counters = this.context.counters;
    counters.framesSent += 1;
    counters.bytesSent += frame.bytes.byteLength;
    counters.messagesSent += frame.messages.length;
    let snapshots = 0;
    for (const message of frame.messages) if (message.type === MessageType.Snapshot) snapshots += 1;
    if (snapshots === 0) {
      socket.send(frame.bytes, { binary: true });
      return;
    }
    const inFlight: SnapshotsInFlight = { socket, count: snapshots, settled: false };
    this.snapshotsInFlight.add(inFlight);
    // ws calls back once the frame is written to the TCP socket, or with an error if it never will be.
    socket.send(frame.bytes, { binary: true }, (error) => this.settleSnapshots(inFlight, error === undefined || error === null));
  }

  private settleSnapshots(inFlight: SnapshotsInFlight, success: boolean): void {
    if (inFlight.settled) return;
    inFlight.settled = true;
    this.snapshotsInFlight.delete(inFlight);
    for (let index = 0; index < inFlight.count; index += 1) this.context.reportSnapshot(this.peerId, success);
  }

  private drop(messages: readonly Message[], reason: DropReason): void {
    const { counters, warnings } = this.context;
    counters.messagesDropped += messages.length;
    for (const message of messages) {
      if (message.type === MessageType.Snapshot) this.context.reportSnapshot(this.peerId, false);
    }
    if (reason === 'too-large') {
      warnings.warn('message-too-large', { peer: this.peerId, messages: messages.length }, 'dropped messages larger than frameBytesMax');
      return;
    }
    if (reason !== 'unreachable') {
      warnings.warn(`send-${reason}`, { peer: this.peerId, messages: messages.length }, 'dropped messages: the peer is not keeping up');
    }
    this.context.reportUnreachable(this.peerId);
  }
}
