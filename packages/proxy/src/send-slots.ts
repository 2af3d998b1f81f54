import { RequestRejectedError } from './errors.js';

/**
 * Transaction halves in flight through the proxy's shared RaftMQ producer
 * (context.producer), which takes at most producerInFlightSendsMax at a
 * time (the other sends go through send-lanes.ts): the rest wait here, in
 * arrival order, up to `waitingMax`; beyond that a send is refused with
 * TOO_MANY_REQUESTS, which the official clients retry after a back-off.
 */
export class SendSlots {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly inFlightMax: number,
    private readonly waitingMax: number,
  ) {}

  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.inFlightMax) {
      if (this.waiting.length >= this.waitingMax) throw new RequestRejectedError('TOO_MANY_REQUESTS', `the proxy has ${this.waitingMax} sends waiting already; retry later`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      return await send();
    } finally {
      // The slot passes straight to the next waiting send, so none can overtake it.
      const next = this.waiting.shift();
      if (next === undefined) this.inFlight--;
      else next();
    }
  }
}
