import { installDebianPackages } from '@raftmq/cli';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { NftablesError } from '../errors.js';
import { healRuleset, partitionRuleset, type DroppedLink, type Partitions } from './partition-plan.js';

const execFileAsync = promisify(execFile);

/** Every run's table starts with this, followed by the runner's pid, so a later run can tell a dead run's table from a live one's. */
export const tablePrefix = 'raftmq_jepsen_';
const nftTimeoutMs = 5_000;

export type NftablesCheck = { readonly usable: true } | { readonly usable: false; readonly reason: string };

/** Whether this process can filter packets with nft: root, and nft installed (installed once with apt-get if missing). */
export async function checkNftables(log: (line: string) => void): Promise<NftablesCheck> {
  if (process.platform !== 'linux') return { usable: false, reason: `network partitions need Linux nftables (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { usable: false, reason: 'network partitions need root to change nftables rules' };
  if (!(await nftRuns())) {
    const problem = installDebianPackages(['nftables'], log);
    if (problem !== null) return { usable: false, reason: `nft is missing and could not be installed: ${problem}` };
    if (!(await nftRuns())) return { usable: false, reason: 'nft is still missing after apt-get install -y nftables' };
  }
  // Installed is not enough: a container without CAP_NET_ADMIN refuses every ruleset.
  try {
    await runScript(healRuleset(`${tablePrefix}probe_${process.pid}`));
  } catch (error) {
    return { usable: false, reason: `nft cannot change rules here: ${firstLine(error)}` };
  }
  return { usable: true };
}

/** Removes the tables of runs whose process is gone (a runner killed by SIGKILL cannot clean up after itself). */
export async function removeStaleTables(): Promise<string[]> {
  const { stdout } = await execFileAsync('nft', ['list', 'tables', 'inet'], { timeout: nftTimeoutMs });
  const stale: string[] = [];
  for (const match of stdout.matchAll(new RegExp(`^table inet (${tablePrefix}(?:probe_)?(\\d+))$`, 'gm'))) {
    const [, table, pid] = match as unknown as [string, string, string];
    if (!processAlive(Number(pid))) stale.push(table);
  }
  for (const table of stale) await runScript(healRuleset(table));
  return stale;
}

/** Signals that end the runner without an 'exit' event unless someone listens: Ctrl-C and kill. */
const endingSignals = ['SIGINT', 'SIGTERM'] as const;

/**
 * This run's table: install a cut, heal it. Registered to heal on process
 * exit and on SIGINT/SIGTERM too, so a runner that throws, exits or is
 * interrupted leaves no rules; one killed by SIGKILL leaves its table to the
 * next run's removeStaleTables.
 */
export class NftablesPartitions implements Partitions {
  readonly mechanism = 'nftables';
  readonly table = `${tablePrefix}${process.pid}`;
  private readonly onExit = () => this.healSync();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.unregister();
    this.healSync();
    // Listening took the signal's default action away; raise it again so the process still ends as it would have.
    process.kill(process.pid, signal);
  };

  constructor(readonly hosts: Readonly<Record<string, string>>) {
    process.once('exit', this.onExit);
    for (const signal of endingSignals) process.once(signal, this.onSignal);
  }

  get description(): string {
    return `the nftables table ${this.table}`;
  }

  async apply(drops: readonly DroppedLink[]): Promise<void> {
    await runScript(partitionRuleset(this.table, drops, this.hosts));
  }

  async heal(): Promise<void> {
    await runScript(healRuleset(this.table));
  }

  /** Heals and unregisters the exit and signal hooks. */
  async dispose(): Promise<void> {
    this.unregister();
    await this.heal();
  }

  private unregister(): void {
    process.removeListener('exit', this.onExit);
    for (const signal of endingSignals) process.removeListener(signal, this.onSignal);
  }

  private healSync(): void {
    try {
      execFileSync('nft', ['-f', '-'], { input: healRuleset(this.table), timeout: nftTimeoutMs, stdio: ['pipe', 'ignore', 'ignore'] });
    } catch {
      // Exiting anyway; the next run removes the table as stale.
    }
  }
}

async function runScript(script: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], { timeout: nftTimeoutMs }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new NftablesError(`nft -f failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
    child.stdin?.end(script);
  });
}

async function nftRuns(): Promise<boolean> {
  try {
    await execFileAsync('nft', ['--version'], { timeout: nftTimeoutMs });
    return true;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function firstLine(error: unknown): string {
  const text = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
  return text.split('\n')[0] ?? text;
}
