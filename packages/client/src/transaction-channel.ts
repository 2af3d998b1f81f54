import { FrameConnection, RequestCode, ResponseCode, messaging, parseHeaders } from '@raftmq/protocol';
import { brokerError } from './connections.js';
import { EndTransactionError } from './errors.js';
import { requestAtMaster } from './master-request.js';
import type { RouteTable } from './routes.js';

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
    const headers = { producerGroup: this.producerGroup, transactionId, state, fromTransactionCheck };
    const outcome = await requestAtMaster({
      routes: this.routes,
      topic,
      brokerName,
      timeoutMs,
      closed: () => this.closed,
      send: (address, attemptTimeoutMs) => this.connection(address).request(RequestCode.EndTransaction, headers, attemptTimeoutMs),
    });
    if (outcome.frame === undefined) {
      throw new EndTransactionError(transactionId, `the ${state} of ${transactionId} was not delivered within ${timeoutMs} ms; the broker will check it back`, { cause: outcome.lastProblem });
    }
    if (outcome.frame.code !== ResponseCode.Success) throw brokerError(outcome.frame, `EndTransaction of ${transactionId} at ${outcome.address}`);
    return parseHeaders(messaging.endTransactionResponseHeaders, outcome.frame.headers);
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
