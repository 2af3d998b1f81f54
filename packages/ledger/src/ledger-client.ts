import { FrameConnection, NoAnswerError, NotSentError, RequestCode, ResponseCode, ledger, parseHeaders, responseCodeName, type Frame, type LedgerStatus } from '@raftmq/protocol';
import { ClientClosedError, LedgerRequestError, NoLeaderError, OutcomeUnknownError } from './errors.js';

export interface LedgerClientOptions {
  /** Client addresses of the group's replicas (ws://host:port); any of them will do to start. */
  readonly addresses: readonly string[];
  /** One request's wait for its answer. */
  readonly requestTimeoutMs?: number;
  /** How long a call keeps looking for a leader (through refusals, elections, dead replicas) before NoLeaderError. */
  readonly leaderWaitMs?: number;
  readonly connectTimeoutMs?: number;
}

export interface AppendResult {
  readonly index: number;
  readonly term: number;
}

export interface LedgerEntry {
  readonly index: number;
  readonly term: number;
  readonly type: number;
  readonly data: Uint8Array;
}

const requestTimeoutMsDefault = 5_000;
const leaderWaitMsDefault = 10_000;
const connectTimeoutMsDefault = 1_000;
/** Between two tries while no leader answers: short, since an election here takes a few hundred milliseconds. */
const retryDelayMsMin = 5;
const retryDelayMsMax = 50;
/** A replica that refused a connection is not taken at a follower's word as the leader for this long. */
const deadAddressMemoryMs = 500;

/**
 * The ledger's client: finds the leader and follows it. A refusal that
 * guarantees nothing was appended (NOT_LEADER, a busy leader, a replica that
 * cannot be reached) is retried until `leaderWaitMs`; an answer that never
 * came after the request left is an OutcomeUnknownError, left to the caller,
 * since retrying it could append the entry twice.
 */
export class LedgerClient {
  private readonly connections = new Map<string, FrameConnection>();
  private readonly addresses: string[];
  private readonly deadUntil = new Map<string, number>();
  private leaderGuess: string;
  private rotation = 0;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly leaderWaitMs: number;
  private readonly connectTimeoutMs: number;

  constructor(options: LedgerClientOptions) {
    if (options.addresses.length === 0) throw new RangeError('a ledger client needs at least one replica address');
    this.addresses = [...options.addresses];
    this.leaderGuess = this.addresses[0] as string;
    this.requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
    this.leaderWaitMs = options.leaderWaitMs ?? leaderWaitMsDefault;
    this.connectTimeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
  }

  /** Appends one entry; resolves once it is committed (durable on a quorum under the group's flush mode). */
  async append(body: Uint8Array): Promise<AppendResult> {
    const frame = await this.toLeader(RequestCode.LedgerAppend, {}, body);
    return parseHeaders(ledger.appendResponseHeaders, frame.headers);
  }

  /** Asks the leader to hand leadership to `to`. */
  async transferLeadership(to: string): Promise<void> {
    await this.toLeader(RequestCode.LedgerTransferLeadership, { to }, null);
  }

  /** A committed entry, read from `address` (the leader guess when absent). */
  async get(index: number, address: string = this.leaderGuess): Promise<LedgerEntry> {
    const frame = await this.once(address, RequestCode.LedgerGet, { index }, null);
    const headers = parseHeaders(ledger.getResponseHeaders, frame.headers);
    return { ...headers, data: frame.body ?? new Uint8Array(0) };
  }

  async status(address: string): Promise<LedgerStatus> {
    const frame = await this.once(address, RequestCode.LedgerStatus, {}, null);
    return parseHeaders(ledger.statusResponseHeaders, frame.headers);
  }

  /** The address the client currently takes for the leader's. */
  get leaderAddress(): string {
    return this.leaderGuess;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private async toLeader(code: number, headers: Record<string, unknown>, body: Uint8Array | null): Promise<Frame> {
    const deadline = performance.now() + this.leaderWaitMs;
    let delayMs = retryDelayMsMin;
    let lastProblem = 'no replica answered';
    for (;;) {
      if (this.closed) throw new ClientClosedError();
      const address = this.leaderGuess;
      let frame: Frame | null = null;
      try {
        frame = await this.connection(address).request(code, headers, this.requestTimeoutMs, body);
      } catch (error) {
        if (error instanceof NoAnswerError) throw new OutcomeUnknownError(`${error.message}; the request may or may not have taken effect`, { cause: error });
        if (!(error instanceof NotSentError)) throw error;
        this.deadUntil.set(address, performance.now() + deadAddressMemoryMs);
        lastProblem = error.message;
        this.rotate();
      }
      if (frame !== null) {
        if (frame.code === ResponseCode.Success) return frame;
        if (frame.code === ResponseCode.NotLeader) {
          const hint = typeof frame.headers['leaderAddress'] === 'string' ? frame.headers['leaderAddress'] : null;
          lastProblem = `${address} is not the leader`;
          if (hint !== null && hint !== address && !this.isDead(hint)) {
            this.leaderGuess = hint;
            continue;
          }
          this.rotate();
        } else if (frame.code === ResponseCode.SystemBusy) {
          lastProblem = `${address} is busy: ${String(frame.headers['message'])}`;
        } else if (frame.code === ResponseCode.OutcomeUnknown) {
          throw new OutcomeUnknownError(String(frame.headers['message']));
        } else {
          throw requestError(frame);
        }
      }
      if (performance.now() + delayMs > deadline) throw new NoLeaderError(`no leader took the request within ${this.leaderWaitMs} ms: ${lastProblem}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(retryDelayMsMax, delayMs * 2);
    }
  }

  private async once(address: string, code: number, headers: Record<string, unknown>, body: Uint8Array | null): Promise<Frame> {
    if (this.closed) throw new ClientClosedError();
    const frame = await this.connection(address).request(code, headers, this.requestTimeoutMs, body);
    if (frame.code !== ResponseCode.Success) throw requestError(frame);
    return frame;
  }

  private rotate(): void {
    for (let tries = 0; tries < this.addresses.length; tries++) {
      this.rotation = (this.rotation + 1) % this.addresses.length;
      const candidate = this.addresses[this.rotation] as string;
      if (!this.isDead(candidate) || tries === this.addresses.length - 1) {
        this.leaderGuess = candidate;
        return;
      }
    }
  }

  private isDead(address: string): boolean {
    return (this.deadUntil.get(address) ?? 0) > performance.now();
  }

  private connection(address: string): FrameConnection {
    let connection = this.connections.get(address);
    if (connection === undefined) {
      connection = new FrameConnection(address, this.connectTimeoutMs);
      this.connections.set(address, connection);
    }
    return connection;
  }
}

function requestError(frame: Frame): LedgerRequestError {
  const name = responseCodeName[frame.code as keyof typeof responseCodeName] ?? `CODE_${frame.code}`;
  const message = typeof frame.headers['message'] === 'string' ? frame.headers['message'] : name;
  return new LedgerRequestError(frame.code, name, message);
}
