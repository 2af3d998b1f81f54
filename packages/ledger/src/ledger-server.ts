import type { LogStore } from '@raftmq/commitlog';
import {
  BadRequestError,
  FrameKind,
  OutgoingFrames,
  RequestCode,
  ResponseCode,
  decodeRequests,
  frameBytesMax,
  ledger,
  parseHeaders,
  type Frame,
  type LedgerStatus,
} from '@raftmq/protocol';
import {
  NodeStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
  TransferError,
  type RaftNode,
} from '@raftmq/raft';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from './logger.js';
import { replicaStatus } from './replica-status.js';

/** Malformed frames are logged at most this often per connection; the counter still counts them all. */
const malformedLogIntervalMs = 1_000;

export interface LedgerServerOptions {
  readonly node: RaftNode;
  readonly store: LogStore;
  readonly listen: { readonly host: string; readonly port: number };
  /** Client address of each replica, to point a client at the leader. */
  readonly clientUrls: Readonly<Record<string, string>>;
  readonly entryBytesMax: number;
  readonly logger: Logger;
  /** The state machine's audit chain, for status. */
  readonly digest: () => { readonly digest: number; readonly index: number };
}

export interface LedgerServerStats {
  requests: number;
  framesMalformed: number;
  badRequests: number;
}

type Reply = (code: number, headers: Record<string, unknown>, body?: Uint8Array | null) => void;

/**
 * The ledger API over WebSocket: msgpack frames, requests matched to
 * responses by id. Every frame is checked before it touches the node; a
 * malformed one is counted and logged, never thrown, never appended.
 */
export class LedgerServer {
  readonly stats: LedgerServerStats = { requests: 0, framesMalformed: 0, badRequests: 0 };
  private server: WebSocketServer | null = null;
  private lastMalformedLogMs = 0;

  constructor(private readonly options: LedgerServerOptions) {}

  async start(): Promise<void> {
    const { host, port } = this.options.listen;
    const server = new WebSocketServer({ host, port, perMessageDeflate: false, maxPayload: frameBytesMax });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => this.accept(socket));
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    socket.binaryType = 'nodebuffer';
    const outgoing = new OutgoingFrames((bytes) => {
      if (socket.readyState === socket.OPEN) socket.send(bytes);
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => outgoing.clear());
    socket.on('message', (data, isBinary) => {
      let frames: Frame[];
      try {
        frames = decodeRequests(data as Buffer, isBinary);
      } catch (error) {
        this.malformed(socket, error);
        return;
      }
      for (const frame of frames) {
        this.stats.requests++;
        const reply: Reply = (code, headers, body = null) => outgoing.push({ id: frame.id, kind: FrameKind.Response, code, headers, body });
        this.handle(frame, reply).catch((error: unknown) => this.replyError(reply, error));
      }
    });
  }

  private malformed(socket: WebSocket, error: unknown): void {
    this.stats.framesMalformed++;
    const now = performance.now();
    if (now - this.lastMalformedLogMs >= malformedLogIntervalMs) {
      this.lastMalformedLogMs = now;
      this.options.logger.warn({ error: String(error), malformed: this.stats.framesMalformed }, 'dropped a malformed client frame');
    }
    // An undecodable frame has no id to answer: the client's protocol is broken, so the connection goes.
    socket.close(1007, 'malformed frame');
  }

  private async handle(frame: Frame, reply: Reply): Promise<void> {
    const { node } = this.options;
    switch (frame.code) {
      case RequestCode.LedgerAppend: {
        parseHeaders(ledger.appendRequestHeaders, frame.headers);
        const body = frame.body;
        if (body === null) throw new BadRequestError('body', 'an append needs a body');
        if (body.byteLength > this.options.entryBytesMax) throw new BadRequestError('body', `${body.byteLength} bytes is over entryBytesMax ${this.options.entryBytesMax}`);
        const result = await node.propose([body]);
        reply(ResponseCode.Success, { index: result.lastIndex, term: result.term });
        return;
      }
      case RequestCode.LedgerGet: {
        const { index } = parseHeaders(ledger.getRequestHeaders, frame.headers);
        const status = node.status();
        if (index > status.commit) {
          reply(ResponseCode.NotFound, { message: `${index} is not committed here (commit index ${status.commit})` });
          return;
        }
        if (index < this.options.store.firstIndex()) {
          reply(ResponseCode.Compacted, { message: `${index} was compacted; the log starts at ${this.options.store.firstIndex()}` });
          return;
        }
        const [entry] = await this.options.store.entries(index, index + 1);
        if (entry === undefined) throw new Error(`the store has no entry ${index} within its range`);
        reply(ResponseCode.Success, { index: entry.index, term: entry.term, type: entry.type }, entry.data);
        return;
      }
      case RequestCode.LedgerStatus: {
        parseHeaders(ledger.statusRequestHeaders, frame.headers);
        reply(ResponseCode.Success, this.status());
        return;
      }
      case RequestCode.LedgerTransferLeadership: {
        const { to } = parseHeaders(ledger.transferRequestHeaders, frame.headers);
        node.transferLeadership(to);
        reply(ResponseCode.Success, {});
        return;
      }
      default:
        reply(ResponseCode.RequestCodeNotSupported, { message: `request code ${frame.code} is not supported` });
    }
  }

  status(): LedgerStatus {
    return replicaStatus(this.options.node, this.options.clientUrls, this.options.digest());
  }

  private replyError(reply: Reply, error: unknown): void {
    if (error instanceof BadRequestError) {
      this.stats.badRequests++;
      reply(ResponseCode.BadRequest, { message: error.message, field: error.field });
    } else if (error instanceof NotLeaderError) {
      reply(ResponseCode.NotLeader, { message: error.message, leaderId: error.leaderHint, leaderAddress: error.leaderHint === null ? null : (this.options.clientUrls[error.leaderHint] ?? null) });
    } else if (error instanceof ProposalLostError) {
      // Never committed: as safe to retry as a refusal, and the leader changed.
      const leaderId = this.options.node.lastState.leaderId;
      reply(ResponseCode.NotLeader, { message: error.message, leaderId, leaderAddress: leaderId === null ? null : (this.options.clientUrls[leaderId] ?? null) });
    } else if (error instanceof ProposalDroppedError) {
      reply(ResponseCode.SystemBusy, { message: error.message });
    } else if (error instanceof ProposalOutcomeUnknownError) {
      reply(ResponseCode.OutcomeUnknown, { message: error.message });
    } else if (error instanceof TransferError) {
      reply(ResponseCode.BadRequest, { message: error.message, field: 'headers.to' });
    } else if (error instanceof NodeStoppedError) {
      reply(ResponseCode.SystemError, { message: error.message });
    } else {
      this.options.logger.error({ error: String(error) }, 'a request failed unexpectedly');
      reply(ResponseCode.SystemError, { message: error instanceof Error ? error.message : String(error) });
    }
  }
}
