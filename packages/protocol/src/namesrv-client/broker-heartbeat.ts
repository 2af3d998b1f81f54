import type { BrokerRegistration, RegisterBrokerResult } from '../index.js';
import type { AddressOutcome, NameServerClient } from './namesrv-client.js';

export interface BrokerHeartbeatOptions {
  readonly client: NameServerClient;
  /** The replica's registration as of now: read at every send, so a send never carries an old role or term. */
  readonly registration: () => BrokerRegistration;
  /** RocketMQ's 30 s; the NameServer drops a replica after brokerExpiryMs (120 s) of silence. */
  readonly intervalMs?: number;
  /** Every NameServer's answer to every send: a fenced answer tells a stale master that the group moved on. */
  readonly onOutcome?: (outcome: AddressOutcome<RegisterBrokerResult>) => void;
}

export const heartbeatIntervalMsDefault = 30_000;

/**
 * Keeps a replica registered with every NameServer: every `intervalMs`, and
 * at once through registerNow() when it gains or loses leadership. Each
 * NameServer gets at most one registration in flight, so registrations reach
 * it in the order they were made (a leader that stepped down in the same term
 * must not be reinstated by its own earlier registration arriving late), and a
 * dead NameServer never delays the live ones.
 */
export class BrokerHeartbeat {
  private readonly lanes: Lane[];
  private timer: NodeJS.Timeout | null = null;
  readonly intervalMs: number;

  constructor(private readonly options: BrokerHeartbeatOptions) {
    this.intervalMs = options.intervalMs ?? heartbeatIntervalMsDefault;
    if (!(Number.isInteger(this.intervalMs) && this.intervalMs >= 1)) throw new RangeError(`intervalMs must be a positive integer, not ${this.intervalMs}`);
    this.lanes = options.client.addresses.map((address) => new Lane(address, options));
  }

  /** Registers now and then every interval. */
  start(): Promise<AddressOutcome<RegisterBrokerResult>[]> {
    if (this.timer === null) {
      this.timer = setInterval(() => void this.registerNow(), this.intervalMs);
      this.timer.unref();
    }
    return this.registerNow();
  }

  /** Sends the current registration to every NameServer; resolves with each one's answer to a send that began after this call. */
  registerNow(): Promise<AddressOutcome<RegisterBrokerResult>[]> {
    return Promise.all(this.lanes.map((lane) => lane.kick()));
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

/** One NameServer's queue of registrations: one in flight, at most one more waiting (which reads the newest registration when it goes). */
class Lane {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting: Promise<AddressOutcome<RegisterBrokerResult>> | null = null;

  constructor(
    private readonly address: string,
    private readonly options: BrokerHeartbeatOptions,
  ) {}

  kick(): Promise<AddressOutcome<RegisterBrokerResult>> {
    if (this.waiting !== null) return this.waiting;
    const waiting = this.tail.then(() => {
      this.waiting = null;
      return this.send();
    });
    this.waiting = waiting;
    // Only a throwing onOutcome rejects; its caller hears of it, and the lane goes on.
    this.tail = waiting.catch(() => undefined);
    return waiting;
  }

  private async send(): Promise<AddressOutcome<RegisterBrokerResult>> {
    let outcome: AddressOutcome<RegisterBrokerResult>;
    try {
      outcome = { address: this.address, ok: true, value: await this.options.client.registerBrokerAt(this.address, this.options.registration()) };
    } catch (error) {
      outcome = { address: this.address, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    this.options.onOutcome?.(outcome);
    return outcome;
  }
}
