import { FrameConnection, NoAnswerError, NotSentError, RequestCode, ResponseCode, messaging, parseHeaders, type Frame } from '@raftmq/protocol';
import { brokerError, delay, headerText } from './connections.js';
import { EndTransactionError, MasterMovedError } from './errors.js';
import type { RouteTable } from './routes.js';

/** Between two tries of an EndTransaction: doubling from min to max, never past its deadline. */
const endRetryDelayMsMin = 10;
const endRetryDelayMsMax = 200;
/** One EndTransaction attempt waits this long for its answer at most. */
const endAttemptTimeoutMsMax = 3_000;

/** A check pushed by a broker, and the connection to answer on. */
export interface PushedCheck {
  readonly check: messaging.CheckTransactionState;
  readonly body: Uint8Array | null;
  readonly connection: FrameConnection;
}

/**
 * A transactional producer's connections to the broker groups' leaders:
 * heartbeats (so a leader knows whom to check back with), EndTransaction
 * retried across a failover by the route, and the CheckTransactionState
 * pushes that arrive on them.
 */
export class TransactionChannel {
  private readonly connections = new Map<string, FrameConnection>();
  private closed = false;

  constructor(
    private readonly routes: RouteTable,
    private readonly producerGroup: string,
    private readonly clientId: string,
    private readonly connectTimeoutMs: number,
    private readonly onCheck: (pushed: PushedCheck) => void,
  ) {}

  /** Heartbeats the leader of every group serving `topics`; failures wait for the next round. */
  async heartbeat(topics: Iterable<string>): Promise<void> {
    const addresses = new Set<string>();
    for (const topic of topics) {
      const route = await this.routes.route(topic).catch(() => undefined);
      for (const group of route?.groups ?? []) {
        const address = this.routes.leaderAddress(group);
        if (address !== null) addresses.add(address);
      }
    }
    await Promise.all(
      [...addresses].map((address) =>
        this.connection(address)
          .request(RequestCode.ProducerHeartbeat, { producerGroup: this.producerGroup, clientId: this.clientId }, this.connectTimeoutMs * 2)
          .catch(() => undefined),
      ),
    );
  }

  /**
   * Delivers a decision to the leader of `brokerName`, following NOT_LEADER
   * and the route through a failover until `timeoutMs`. Idempotent at the
   * broker, so every retry is safe; answers the outcome that stands.
   */
  async end(topic: string, brokerName: string, transactionId: string, state: messaging.LocalTransactionState, fromTransactionCheck: boolean, timeoutMs: number): Promise<messaging.EndTransactionResponse> {
    const deadline = performance.now() + timeoutMs;
    const headers = { producerGroup: this.producerGroup, transactionId, state, fromTransactionCheck };
    let delayMs = endRetryDelayMsMin;
    let lastProblem: unknown = 'no attempt was made';
    while (!this.closed) {
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) break;
      const group = await this.routes
        .route(topic)
        .then((route) => route.groups.find((candidate) => candidate.brokerName === brokerName))
        .catch((error: unknown) => {
          lastProblem = error;
          return undefined;
        });
      const address = group === undefined ? null : this.routes.leaderAddress(group);
      if (group !== undefined && address !== null) {
        let frame: Frame | undefined;
        try {
          const request = this.connection(address).request(RequestCode.EndTransaction, headers, Math.max(1, Math.min(endAttemptTimeoutMsMax, Math.ceil(remainingMs))));
          frame = await this.routes.unlessMasterMoves(topic, brokerName, address, request);
        } catch (error) {
          if (error instanceof MasterMovedError) {
            // A decision is final once made, and a repeated one learns the outcome that stands: safe to make again on the new master at once.
            lastProblem = error;
            continue;
          }
          if (!(error instanceof NotSentError || error instanceof NoAnswerError)) throw error;
          lastProblem = error;
          if (error instanceof NotSentError) this.routes.markDead(address);
          this.routes.dropHint(brokerName, address);
        }
        if (frame !== undefined) {
          if (frame.code === ResponseCode.Success) return parseHeaders(messaging.endTransactionResponseHeaders, frame.headers);
          lastProblem = brokerError(frame, `EndTransaction of ${transactionId} at ${address}`);
          if (frame.code === ResponseCode.NotLeader) {
            this.routes.dropHint(brokerName, address);
            const hint = headerText(frame, 'leaderAddress');
            if (hint !== undefined && hint !== address) {
              this.routes.hintLeader(group, hint);
              continue;
            }
          } else if (frame.code !== ResponseCode.SystemBusy && frame.code !== ResponseCode.ServiceNotAvailable && frame.code !== ResponseCode.OutcomeUnknown) {
            throw lastProblem;
          }
        }
      }
      void this.routes.refresh(topic).catch(() => undefined);
      await delay(Math.min(delayMs, Math.max(1, deadline - performance.now())));
      delayMs = Math.min(endRetryDelayMsMax, delayMs * 2);
    }
    throw new EndTransactionError(transactionId, `the ${state} of ${transactionId} was not delivered within ${timeoutMs} ms; the broker will check it back`, { cause: lastProblem });
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private connection(address: string): FrameConnection {
    let connection = this.connections.get(address);
    if (connection === undefined) {
      const created: FrameConnection = new FrameConnection(address, this.connectTimeoutMs, {
        push: (frame) => {
          if (frame.code !== RequestCode.CheckTransactionState) return;
          const check = messaging.checkTransactionStateHeaders.safeParse(frame.headers);
          // A check this client cannot read is left to the next one; the connection stays.
          if (check.success) this.onCheck({ check: check.data, body: frame.body, connection: created });
        },
      });
      connection = created;
      if (this.closed) connection.close();
      else this.connections.set(address, connection);
    }
    return connection;
  }
}
