import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkFaultsPollIntervalMs, type LinkFaultsFileContent } from '@raftmq/ledger';
import { LinkFaultError } from '../errors.js';
import type { DroppedLink, Partitions } from './partition-plan.js';

/**
 * After writing the files, how long the runner waits before it counts the cut
 * as made (or healed): every replica looks at its file once per poll
 * interval, so two intervals and a read cover the slowest.
 */
export const linkFaultsSettleMs = 3 * linkFaultsPollIntervalMs;

/** Where replica `id`'s link faults file goes in the cluster's directory. */
export function linkFaultsFile(directory: string, id: string): string {
  return join(directory, `${id}.link-faults.json`);
}

/**
 * What each replica's file says for a plan: a link from → to is cut at both
 * ends, `from` losing what it sends to `to` and `to` losing what it receives
 * from `from`, so a message already on its way when the cut is made is lost
 * too. Every replica gets an entry, empty when it keeps all its links.
 */
export function linkFaultsByReplica(drops: readonly DroppedLink[], ids: readonly string[]): Record<string, Required<LinkFaultsFileContent>> {
  const byReplica: Record<string, { dropTo: string[]; dropFrom: string[] }> = Object.fromEntries(ids.map((id) => [id, { dropTo: [], dropFrom: [] }]));
  for (const { from, to } of drops) {
    const sender = byReplica[from];
    const receiver = byReplica[to];
    if (sender === undefined || receiver === undefined) throw new RangeError(`a dropped link ${from} -> ${to} names a replica not in ${ids.join(',')}`);
    if (from === to) throw new RangeError(`a dropped link from ${from} to itself`);
    sender.dropTo.push(to);
    receiver.dropFrom.push(from);
  }
  return byReplica;
}

/**
 * Partitions made in the replicas' peer transport, for machines where
 * nftables cannot be used: each replica follows its own link faults file
 * (`faultInjection.linkFaultsFile`) and loses the messages it names, as
 * packets dropped by a firewall are lost. The runner's clients are never
 * cut: only the peer transport reads the files. Same shape as
 * NftablesPartitions; the files live in the cluster's directory, removed with it.
 */
export class TransportPartitions implements Partitions {
  readonly mechanism = 'transport';
  readonly ids: readonly string[];

  /** Writes every file empty at once, so replicas started after this find no faults and no missing file. */
  constructor(readonly files: Readonly<Record<string, string>>) {
    this.ids = Object.keys(files);
    if (this.ids.length < 2) throw new RangeError(`partitions need two replicas or more, not ${this.ids.length}`);
    this.write(linkFaultsByReplica([], this.ids));
  }

  get description(): string {
    return `the link faults files ${Object.values(this.files).join(', ')}`;
  }

  async apply(drops: readonly DroppedLink[]): Promise<void> {
    this.write(linkFaultsByReplica(drops, this.ids));
    await settle();
  }

  async heal(): Promise<void> {
    this.write(linkFaultsByReplica([], this.ids));
    await settle();
  }

  async dispose(): Promise<void> {
    await this.heal();
  }

  private write(byReplica: Record<string, Required<LinkFaultsFileContent>>): void {
    for (const id of this.ids) writeLinkFaults(this.files[id] as string, byReplica[id] as Required<LinkFaultsFileContent>);
  }
}

/** Write then rename: a replica looking at the file never finds it half written. */
function writeLinkFaults(file: string, content: Required<LinkFaultsFileContent>): void {
  const temporary = `${file}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(content)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    throw new LinkFaultError(`could not write link faults to ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, linkFaultsSettleMs));
}
