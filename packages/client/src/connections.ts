import { FrameConnection, ResponseCode, responseCodeName, type Frame } from '@raftmq/protocol';
import { BrokerResponseError } from './errors.js';

export const connectTimeoutMsDefault = 1_000;

/** One FrameConnection per broker address, opened on first use and reopened by the next request after it closed. */
export class BrokerConnections {
  private readonly connections = new Map<string, FrameConnection>();
  private closed = false;

  constructor(private readonly connectTimeoutMs: number = connectTimeoutMsDefault) {}

  get(address: string): FrameConnection {
    let connection = this.connections.get(address);
    if (connection === undefined) {
      connection = new FrameConnection(address, this.connectTimeoutMs);
      // A pool closed already hands out closed connections: every request is a NotSentError.
      if (this.closed) connection.close();
      else this.connections.set(address, connection);
    }
    return connection;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

export function headerText(frame: Frame, key: string): string | undefined {
  const value = frame.headers[key];
  return typeof value === 'string' ? value : undefined;
}

export function responseName(code: number): string {
  return responseCodeName[code as ResponseCode] ?? `CODE_${code}`;
}

/** The typed error for an answer that is not a success. */
export function brokerError(frame: Frame, what: string): BrokerResponseError {
  const name = responseName(frame.code);
  return new BrokerResponseError(frame.code, name, `${what}: ${name}: ${headerText(frame, 'message') ?? name}`, { field: headerText(frame, 'field'), limit: headerText(frame, 'limit') });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Until any of `promises` settles, or `ms` passed. The timer goes with the
 * wait: a long poll answered (or ended by a shutdown) early leaves nothing
 * behind to keep the process alive.
 */
export async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([...promises, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export { ResponseCode };

interface Checkable<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** `value` checked against one of the protocol's schemas; a RangeError naming `name` when it fails. */
export function checkOption<T>(schema: Checkable<T>, value: unknown, name: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new RangeError(`${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
}
