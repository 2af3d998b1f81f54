import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ILogger } from 'rocketmq-client-nodejs';

/**
 * A home directory of the test's own while the official RocketMQ client
 * runs: its consume services log with egg-logger under ~/logs whatever
 * logger they are given. restore() puts HOME back and removes the
 * directory.
 */
export class TemporaryHome {
  private readonly previous = process.env['HOME'];
  readonly directory = mkdtempSync(join(tmpdir(), 'rocketmq-client-home-'));

  constructor() {
    process.env['HOME'] = this.directory;
  }

  restore(): void {
    if (this.previous === undefined) delete process.env['HOME'];
    else process.env['HOME'] = this.previous;
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** After a test: stops its cluster, then puts HOME back, whether or not the stop failed. */
export async function stopThenRestore(fixture: { stop(): Promise<void> } | undefined, home: TemporaryHome | undefined): Promise<void> {
  try {
    await fixture?.stop();
  } finally {
    home?.restore();
  }
}

/** A logger for the official client that keeps its error lines, to show when a test fails, and drops the rest. */
export function errorKeepingLogger(): { readonly logger: ILogger; readonly errors: string[] } {
  const errors: string[] = [];
  return { logger: { info() {}, warn() {}, debug() {}, error: (...args: unknown[]) => void errors.push(args.map(String).join(' ')) }, errors };
}

/** A logger for the official client that drops everything. */
export const silentClientLogger: ILogger = { info() {}, warn() {}, error() {}, debug() {} };

/** The queue a proxy's receipt handle names (receipt-handle.ts: rmq2.<broker, base64url>.<queue id>.<offset>.<attempt>.<token>.<source>), for reports. */
export function receiptQueueOf(receiptHandle: string): string {
  const [, broker, queueId] = receiptHandle.split('.');
  return `${Buffer.from(broker ?? '', 'base64url').toString()}/${queueId ?? '?'}`;
}
