import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { assert, RaftError } from '../errors.js';
import { MessageType } from '../messages.js';
import type { Message } from '../messages.js';
import type { Transport, TransportHandlers } from './transport.js';
import { CloseCode } from './close-codes.js';
import { linkFaultsOf, noLinkFaults, sameLinkFaults } from './link-faults.js';
import type { LinkFaults, LinkFaultsInput } from './link-faults.js';
import { PeerConnection } from './peer-connection.js';
import type { PeerContext } from './peer-connection.js';
import { authenticateInbound } from './socket-authentication.js';
import { listenOptions } from './socket-options.js';
import { closeSocket, socketClosed } from './sockets.js';
import { parsePeers, parseTransportOptions } from './transport-options.js';
import type { WsTransportOptions, WsTransportOptionsInput } from './transport-options.js';
import { createTransportCounters } from './transport-stats.js';
import type { TransportStats } from './transport-stats.js';
import { WarnLimiter } from './warn-limiter.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

type State = 'new' | 'running' | 'stopped';

/**
 * The peer-to-peer Raft transport: one authenticated WebSocket per pair of
 * nodes (the lower id dials), msgpack frames of coalesced messages, and every
 * inbound message checked before it reaches the core. See peer-connection.ts
 * for one link and handshake.ts for the authentication.
 */
export class WsTransport implements Transport {
  private readonly options: WsTransportOptions;
  private readonly counters = createTransportCounters();
  private readonly warnings: WarnLimiter;
  private readonly links = new Map<string, PeerConnection>();
  private readonly context: PeerContext;
  private readonly unauthenticated = new Set<WebSocket>();
  private readonly closing = new Set<Promise<void>>();
  private handlers: TransportHandlers | null = null;
  private state: State = 'new';
  private httpServer: Server | null = null;
  private webSocketServer: WebSocketServer | null = null;
  private boundAddress: ListenAddress | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private feedbackImmediate: NodeJS.Immediate | null = null;
  private unreachablePeers = new Set<string>();
  private linkFaults: LinkFaults = noLinkFaults;
  private snapshotReports: [string, boolean][] = [];
  private stopping: Promise<void> | null = null;
  /** Settles when listen() has; stop() waits for it so a listener that opens late is still closed. */
  private listening: Promise<void> | null = null;

  /** Throws ConfigError naming the first bad field. */
  constructor(input: WsTransportOptionsInput) {
    this.options = parseTransportOptions(input);
    this.warnings = new WarnLimiter(this.options.logger, () => {
      this.counters.logLinesSuppressed += 1;
    });
    this.context = {
      options: this.options,
      counters: this.counters,
      warnings: this.warnings,
      handlers: () => this.handlers,
      reportUnreachable: (peerId) => this.reportUnreachable(peerId),
      reportSnapshot: (peerId, success) => this.reportSnapshot(peerId, success),
      dropsFrom: (peerId) => this.linkFaults.dropFrom.has(peerId),
      random: Math.random,
    };
    for (const [peerId, url] of Object.entries(this.options.peers)) {
      if (peerId !== this.options.selfId) this.links.set(peerId, new PeerConnection(peerId, url, this.context));
    }
  }

  /** Where the listener is bound; with port 0 in the options, the port the system chose. */
  get address(): ListenAddress {
    assert(this.boundAddress !== null, 'the address is known once start() has resolved');
    return this.boundAddress;
  }

  /** The URL peers dial to reach this node. */
  get url(): string {
    const { host, port } = this.address;
    return host.includes(':') ? `ws://[${host}]:${port}` : `ws://${host}:${port}`;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    assert(this.state === 'new', 'start() may be called once');
    this.state = 'running';
    this.handlers = handlers;
    const { options } = this;
    const httpServer = createServer({
      // Bound how long a connection may sit before its upgrade; after it, the handshake has its own deadline.
      headersTimeout: options.handshakeTimeoutMs,
      requestTimeout: options.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, options.handshakeTimeoutMs),
    });
    httpServer.on('request', (_request, response) => {
      response.writeHead(426, { connection: 'close' }).end();
    });
    const webSocketServer = new WebSocketServer({ ...listenOptions(options), server: httpServer });
    // ws re-emits listener errors here; the listen() below reports the only one that matters.
    webSocketServer.on('error', () => {});
    webSocketServer.on('connection', (socket, request) => this.accept(socket, request));
    this.httpServer = httpServer;
    this.webSocketServer = webSocketServer;
    this.listening = new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.listen.port, options.listen.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    try {
      await this.listening;
    } catch (error) {
      await this.stop();
      const { host, port } = options.listen;
      throw new RaftError('ERR_TRANSPORT_LISTEN', `cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (this.state !== 'running') return; // stop() was called while listening
    const bound = httpServer.address() as AddressInfo;
    this.boundAddress = { host: bound.address, port: bound.port };
    options.logger.info({ selfId: options.selfId, address: this.url }, 'transport listening');
    this.livenessTimer = setInterval(() => {
      for (const link of this.links.values()) link.checkLiveness();
    }, options.livenessIntervalMs);
    this.livenessTimer.unref();
    for (const link of this.links.values()) link.start();
  }

  send(messages: readonly Message[]): void {
    const { selfId } = this.options;
    for (const message of messages) {
      const link = this.links.get(message.to);
      if (link !== undefined && message.from === selfId) {
        if (this.linkFaults.dropTo.has(message.to)) this.dropByFault(message);
        else link.enqueue(message);
        continue;
      }
      this.counters.messagesDropped += 1;
      if (message.type === MessageType.Snapshot) this.reportSnapshot(message.to, false);
      if (message.from !== selfId) {
        this.warnings.warn('send-wrong-sender', { from: message.from, to: message.to }, 'dropped a message that names another sender');
      } else if (message.to === selfId) {
        this.warnings.warn('send-to-self', { to: message.to }, 'dropped a message addressed to this node');
      } else {
        this.warnings.warn('send-unknown-peer', { to: message.to }, 'dropped a message for a node that is not a peer');
        this.reportUnreachable(message.to);
      }
    }
  }

  /**
   * Replaces the peer map after a membership change: links to removed peers
   * are closed, new ones are dialled (by the lower id), changed addresses
   * redialled. Throws ConfigError naming `peers.<id>` for a bad entry.
   */
  updatePeers(peers: Readonly<Record<string, string>>): void {
    const parsed = parsePeers(peers);
    if (this.state === 'stopped') return;
    for (const [peerId, link] of this.links) {
      if (Object.hasOwn(parsed, peerId)) continue;
      this.links.delete(peerId);
      this.track(link.close(CloseCode.PeerRemoved, 'removed from the cluster'));
    }
    for (const [peerId, url] of Object.entries(parsed)) {
      if (peerId === this.options.selfId) continue;
      const link = this.links.get(peerId);
      if (link !== undefined) {
        link.setUrl(url);
        continue;
      }
      const added = new PeerConnection(peerId, url, this.context);
      this.links.set(peerId, added);
      if (this.boundAddress !== null) added.start();
    }
  }

  /**
   * For fault-injection tests only: from now on, messages to the `dropTo`
   * peers are dropped before their socket and frames from the `dropFrom`
   * peers on receipt, silently, as packets lost in the network; empty sets
   * heal. Connections stay up, so healing needs no reconnect. Replaces the
   * faults set before; ids that are not peers are allowed and match nothing.
   */
  setLinkFaults(input: LinkFaultsInput): void {
    const faults = linkFaultsOf(input);
    if (sameLinkFaults(faults, this.linkFaults)) return;
    this.linkFaults = faults;
    this.options.logger.warn({ selfId: this.options.selfId, dropTo: [...faults.dropTo], dropFrom: [...faults.dropFrom] }, 'link faults changed: messages to dropTo and from dropFrom peers are dropped');
  }

  /** The link faults in force (see setLinkFaults). */
  get faults(): LinkFaults {
    return this.linkFaults;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  stop(): Promise<void> {
    this.stopping ??= this.closeEverything();
    return this.stopping;
  }

  private async closeEverything(): Promise<void> {
    this.state = 'stopped';
    this.handlers = null;
    if (this.livenessTimer !== null) clearInterval(this.livenessTimer);
    this.livenessTimer = null;
    if (this.feedbackImmediate !== null) clearImmediate(this.feedbackImmediate);
    this.feedbackImmediate = null;
    this.unreachablePeers.clear();
    this.snapshotReports = [];
    for (const link of this.links.values()) this.track(link.close(CloseCode.GoingAway, 'node stopping'));
    for (const socket of this.unauthenticated) {
      socket.terminate();
      this.track(socketClosed(socket));
    }
    this.webSocketServer?.close();
    await this.listening?.catch(() => {});
    const httpServer = this.httpServer;
    const serverClosed =
      httpServer === null || !httpServer.listening
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            // Connections still in their HTTP upgrade are not ours to wait for.
            httpServer.closeAllConnections();
          });
    await Promise.all([...this.closing, serverClosed]);
  }

  private track(closing: Promise<void>): void {
    this.closing.add(closing);
    void closing.then(() => this.closing.delete(closing));
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    socket.on('error', () => {}); // protocol errors end in 'close', which the handshake reports
    const rawSocket = request.socket;
    rawSocket.setNoDelay(true);
    const remoteAddress = `${rawSocket.remoteAddress ?? '?'}:${rawSocket.remotePort ?? '?'}`;
    if (this.state !== 'running') {
      socket.terminate();
      return;
    }
    const { options, counters, warnings } = this;
    if (this.unauthenticated.size >= options.pendingHandshakesMax) {
      counters.handshakesRefused += 1;
      warnings.warn('handshake-refused', { remoteAddress, code: CloseCode.TooManyHandshakes, reason: 'too many handshakes' }, 'refused a connection');
      this.track(closeSocket(socket, CloseCode.TooManyHandshakes, 'too many handshakes in progress'));
      return;
    }
    this.unauthenticated.add(socket);
    socket.once('close', () => this.unauthenticated.delete(socket));
    authenticateInbound(
      socket,
      rawSocket,
      {
        selfId: options.selfId,
        secret: options.secret,
        timeoutMs: options.handshakeTimeoutMs,
        isKnownPeer: (peerId) => this.links.has(peerId),
      },
      {
        onAuthenticated: (peerId) => {
          this.unauthenticated.delete(socket);
          const link = this.links.get(peerId);
          assert(link !== undefined, 'authenticated a peer that is not known');
          link.adopt(socket, remoteAddress);
        },
        onFailed: (failure) => {
          if (failure.by === 'local') {
            counters.handshakesRefused += 1;
            warnings.warn('handshake-refused', { remoteAddress, code: failure.code, reason: failure.reason }, 'refused a connection');
          } else {
            counters.handshakesFailed += 1;
          }
        },
      },
    );
  }

  /**
   * A lost packet: the sender is not told (no unreachable report, so the core
   * keeps streaming as into a black hole). A snapshot is reported lost, as a
   * connection that died under it would report it, so the leader tries again
   * after healing rather than waiting for an acknowledgement that cannot come.
   */
  private dropByFault(message: Message): void {
    this.counters.messagesDroppedByFault += 1;
    if (message.type === MessageType.Snapshot) this.reportSnapshot(message.to, false);
  }

  /** Feedback waits for the next turn: handlers may call back into the core, which may be calling send() right now. */
  private reportUnreachable(peerId: string): void {
    if (this.handlers === null) return;
    this.unreachablePeers.add(peerId);
    this.scheduleFeedback();
  }

  private reportSnapshot(peerId: string, success: boolean): void {
    if (this.handlers === null) return;
    this.snapshotReports.push([peerId, success]);
    this.scheduleFeedback();
  }

  private scheduleFeedback(): void {
    this.feedbackImmediate ??= setImmediate(() => {
      this.feedbackImmediate = null;
      const unreachable = [...this.unreachablePeers];
      const snapshots = this.snapshotReports;
      this.unreachablePeers.clear();
      this.snapshotReports = [];
      for (const peerId of unreachable) this.handlers?.unreachable(peerId);
      for (const [peerId, success] of snapshots) this.handlers?.snapshotSent(peerId, success);
    });
  }
}
