import { installDebianPackages } from '@raftmq/cli';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { onEmergencyExit } from './cleanup.js';

const execFileAsync = promisify(execFile);

/** Every bench run's table: this, then the bench's pid (the fault-injection suite's tables have a prefix of their own). */
const TABLE_PREFIX = 'raftmq_bench_';
const NFT_TIMEOUT_MS = 5_000;
/** Conntrack marks of the cut connections start here; a new mark per cut, so an old cut's marks never match a new rule. */
const FIRST_CONNECTION_MARK = 0x52_46_00_01;

export class NftablesError extends Error {
  override readonly name = 'NftablesError';
}

export type NftablesCheck = { readonly usable: true; readonly installedNow: boolean } | { readonly usable: false; readonly reason: string };

/** One member of a group as the packet filter sees it. */
export interface FilterMember {
  /** Its own loopback address: its listeners, and (RaftMQ) the source of its peer connections. */
  readonly host: string;
  /** The port its peers connect to. */
  readonly peerPort: number;
  /** The uid it runs as, when its outgoing peer connections do not leave from `host` (etcd's leave from 127.0.0.1). */
  readonly uid?: number;
}

/**
 * The nft script that cuts `isolated` from `others` both ways, in its own
 * table (replacing what the table held). Connections from 127.0.0.1 (the
 * bench's clients, the NameServer) to the client ports stay up: only peer
 * traffic is cut.
 * - address pairs: members that send from their own address (RaftMQ);
 * - the isolated member's peer listener, both ways: what its peers dial;
 * - with a uid: what the isolated member dials (from 127.0.0.1) to a peer
 *   port, and, through a conntrack mark set on its packets, the answers on
 *   those connections.
 */
export function isolationRuleset(table: string, isolated: FilterMember, others: readonly FilterMember[], connectionMark: number): string {
  if (others.length === 0) throw new RangeError('an isolation needs other members to be cut from');
  const rules = others.flatMap((other) => [`ip saddr ${isolated.host} ip daddr ${other.host} drop`, `ip saddr ${other.host} ip daddr ${isolated.host} drop`]);
  rules.push(`ip daddr ${isolated.host} tcp dport ${isolated.peerPort} drop`, `ip saddr ${isolated.host} tcp sport ${isolated.peerPort} drop`);
  if (isolated.uid !== undefined) {
    const hosts = others.map((each) => each.host).join(', ');
    const ports = others.map((each) => each.peerPort).join(', ');
    rules.push(`meta skuid ${isolated.uid} ip daddr { ${hosts} } tcp dport { ${ports} } ct mark set ${connectionMark} drop`, `ct mark ${connectionMark} drop`);
  }
  return [`add table inet ${table}`, `delete table inet ${table}`, `table inet ${table} {`, '  chain output {', '    type filter hook output priority 0; policy accept;', ...rules.map((rule) => `    ${rule}`), '  }', '}', ''].join('\n');
}

/** The nft script that removes the table, whether or not it exists. */
export function healRuleset(table: string): string {
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}

async function runScript(script: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], { timeout: NFT_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new NftablesError(`nft -f failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
    child.stdin?.end(script);
  });
}

async function nftRuns(): Promise<boolean> {
  return execFileAsync('nft', ['--version'], { timeout: NFT_TIMEOUT_MS }).then(
    () => true,
    () => false,
  );
}

function firstLine(error: unknown): string {
  const text = (error as { stderr?: string }).stderr?.trim() || (error instanceof Error ? error.message : String(error));
  return text.split('\n')[0] ?? text;
}

/**
 * Whether this process can cut links with nft: Linux, root, nft installed
 * (Debian's nftables installed now when missing), and a ruleset with a
 * conntrack mark accepted (a container without CAP_NET_ADMIN refuses any).
 */
export async function checkNftables(log: (line: string) => void): Promise<NftablesCheck> {
  if (process.platform !== 'linux') return { usable: false, reason: `partitions need Linux nftables (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { usable: false, reason: 'partitions need root to change nftables rules' };
  let installedNow = false;
  if (!(await nftRuns())) {
    const problem = installDebianPackages(['nftables'], log);
    if (problem !== null) return { usable: false, reason: `nft is missing and could not be installed: ${problem}` };
    if (!(await nftRuns())) return { usable: false, reason: 'nft is still missing after apt-get install -y nftables' };
    installedNow = true;
  }
  const probe = `${TABLE_PREFIX}probe_${process.pid}`;
  try {
    await runScript(isolationRuleset(probe, { host: '127.0.0.2', peerPort: 9, uid: 65_534 }, [{ host: '127.0.0.3', peerPort: 9 }], FIRST_CONNECTION_MARK));
    await runScript(healRuleset(probe));
  } catch (error) {
    return { usable: false, reason: `nft cannot change rules here: ${firstLine(error)}` };
  }
  return { usable: true, installedNow };
}

/**
 * This run's table: cut a member off, heal. Healed by the exit and signal
 * hook too, so a bench that throws or is interrupted leaves no rules behind.
 */
export class BenchPartitions {
  readonly table = `${TABLE_PREFIX}${process.pid}`;
  private nextMark = FIRST_CONNECTION_MARK;
  private readonly unregister = onEmergencyExit(() => this.healSync());

  async isolate(isolated: FilterMember, others: readonly FilterMember[]): Promise<void> {
    await runScript(isolationRuleset(this.table, isolated, others, this.nextMark++));
  }

  async heal(): Promise<void> {
    await runScript(healRuleset(this.table));
  }

  async dispose(): Promise<void> {
    this.unregister();
    await this.heal();
  }

  private healSync(): void {
    try {
      execFileSync('nft', ['-f', '-'], { input: healRuleset(this.table), timeout: NFT_TIMEOUT_MS, stdio: ['pipe', 'ignore', 'ignore'] });
    } catch {
      // Exiting anyway.
    }
  }
}
