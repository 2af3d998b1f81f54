import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { LinkFaultsInput } from '@raftmq/raft';
import { z } from 'zod';
import type { Logger } from './logger.js';

/** How often the file is looked at: a fault takes effect this long after it is written, at most (plus a read). */
export const linkFaultsPollIntervalMs = 25;
/** A file naming a few peers is tiny; a larger one is a mistake, not read. */
export const linkFaultsFileBytesMax = 64 * 1024;
const peersPerDirectionMax = 1024;

const peerId = z.string().min(1).max(64);

/**
 * The file a fault-injection test writes for one replica:
 * `{ "dropTo": ["n2"], "dropFrom": ["n3"] }` — the peers this replica's
 * messages to are lost, and the peers whose messages to it are lost.
 * Either list may be left out; `{}` heals.
 */
export const linkFaultsFileSchema = z
  .object({
    dropTo: z.array(peerId).max(peersPerDirectionMax).default([]),
    dropFrom: z.array(peerId).max(peersPerDirectionMax).default([]),
  })
  .strict();

export type LinkFaultsFileContent = z.input<typeof linkFaultsFileSchema>;

/** The faults a file's text names, or why it names none. */
export function parseLinkFaultsFile(text: string): { readonly faults: LinkFaultsInput } | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const result = linkFaultsFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { problem: `${issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue?.message ?? 'invalid'}` };
  }
  return { faults: result.data };
}

const noFaults: LinkFaultsInput = { dropTo: [], dropFrom: [] };

/** Stands for a missing file in the change check: it stays "missing" until the file appears. */
const missingKey = 'missing';

/**
 * Keeps a replica's link faults (WsTransport.setLinkFaults) in step with a
 * file a fault-injection test writes, by looking at it every
 * linkFaultsPollIntervalMs: a stat, and a read only when the file changed
 * (its inode, size or times; a writer that renames a new file into place is
 * always seen). A missing, oversized or malformed file means no faults, with
 * one warning until it changes: a test's mistake must not take a replica down.
 */
export class LinkFaultsFile {
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private key: string | null = null;

  constructor(
    readonly path: string,
    private readonly apply: (faults: LinkFaultsInput) => void,
    private readonly logger: Logger,
  ) {}

  /** Reads the file once now, so the faults are in force before the first message, then follows it. */
  start(): void {
    if (this.timer !== null) return;
    this.readNow();
    this.timer = setInterval(() => void this.poll(), linkFaultsPollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private readNow(): void {
    try {
      const stats = statSync(this.path, { throwIfNoEntry: false });
      if (this.unchangedOrSettled(stats)) return;
      this.settle(keyOf(stats as Stats), parseLinkFaultsFile(readFileSync(this.path, 'utf8')));
    } catch (error) {
      // Gone between stat and read: the next look sees it missing.
      this.settle(`error:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`, { problem: `cannot read: ${(error as Error).message}` });
    }
  }

  private async poll(): Promise<void> {
    // A slow disk must not pile up looks: one at a time.
    if (this.polling) return;
    this.polling = true;
    try {
      const stats = await stat(this.path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (this.timer === null || this.unchangedOrSettled(stats)) return;
      const text = await readFile(this.path, 'utf8');
      if (this.timer === null) return;
      this.settle(keyOf(stats as Stats), parseLinkFaultsFile(text));
    } catch (error) {
      if (this.timer !== null) this.settle(`error:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`, { problem: `cannot read: ${(error as Error).message}` });
    } finally {
      this.polling = false;
    }
  }

  /** True when there is nothing to read: the file is as last seen, or missing or too large (settled here). */
  private unchangedOrSettled(stats: Stats | undefined): boolean {
    if (stats === undefined) {
      this.settle(missingKey, { problem: 'missing' });
      return true;
    }
    const key = keyOf(stats);
    if (key === this.key) return true;
    if (stats.size > linkFaultsFileBytesMax) {
      this.settle(key, { problem: `${stats.size} bytes, more than ${linkFaultsFileBytesMax}` });
      return true;
    }
    return false;
  }

  private settle(key: string, outcome: { readonly faults: LinkFaultsInput } | { readonly problem: string }): void {
    if (key === this.key) return;
    this.key = key;
    if ('problem' in outcome) {
      this.logger.warn({ path: this.path, problem: outcome.problem }, 'link faults file not usable: no link faults until it changes');
      this.apply(noFaults);
      return;
    }
    this.apply(outcome.faults);
  }
}

function keyOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}
