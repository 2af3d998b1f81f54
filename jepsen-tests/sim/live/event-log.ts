/** What kind of thing happened, so a display can colour it. */
export type LiveEventKind = 'fault' | 'recovery' | 'leader' | 'info' | 'violation';

export interface LiveEvent {
  /** Simulated time since the group started, in µs. */
  readonly timeUs: number;
  readonly kind: LiveEventKind;
  readonly text: string;
}

/**
 * The newest notable events (elections, kills, restarts, transfers), kept in
 * a bounded list so a demo left running for hours does not grow with them.
 */
export class EventLog {
  private readonly kept: LiveEvent[] = [];

  constructor(
    private readonly keptEventsMax: number,
    private readonly listener: ((event: LiveEvent) => void) | undefined,
  ) {}

  add(timeUs: number, kind: LiveEventKind, text: string): void {
    const event: LiveEvent = { timeUs, kind, text };
    this.kept.push(event);
    if (this.kept.length > this.keptEventsMax) this.kept.shift();
    this.listener?.(event);
  }

  /** The last `count` events, oldest first. */
  recent(count: number): readonly LiveEvent[] {
    return this.kept.slice(-count);
  }
}
