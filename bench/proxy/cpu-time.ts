import { readFileSync } from 'node:fs';

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;
const MILLISECONDS_PER_SECOND = 1000;
const MICROSECONDS_PER_MILLISECOND = 1000;
/** utime and stime are fields 14 and 15 of /proc/<pid>/stat: 12th and 13th after the command name. */
const USER_TIME_AFTER_NAME = 11;
const SYSTEM_TIME_AFTER_NAME = 12;

/** utime + stime in ms from the text of /proc/<pid>/stat; NaN when it cannot be read. */
export function cpuMillisecondsOfStat(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: fields are counted from its last closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[USER_TIME_AFTER_NAME]) + Number(fields[SYSTEM_TIME_AFTER_NAME]);
  return Number.isFinite(ticks) ? (ticks * MILLISECONDS_PER_SECOND) / CLOCK_TICKS_PER_SECOND : Number.NaN;
}

/** /proc/stat's first line: user nice system idle iowait irq softirq steal …; busy is all but idle and iowait. */
const IDLE_FIELDS = new Set([3, 4]);

/** CPU ms every CPU of the machine spent busy, from the text of /proc/stat; NaN when it cannot be read. */
export function machineBusyMillisecondsOfStat(stat: string): number {
  const line = stat.split('\n').find((each) => each.startsWith('cpu '));
  if (line === undefined) return Number.NaN;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number)
    .reduce((total, value, position) => (IDLE_FIELDS.has(position) ? total : total + value), 0);
  return Number.isFinite(ticks) ? (ticks * MILLISECONDS_PER_SECOND) / CLOCK_TICKS_PER_SECOND : Number.NaN;
}

function machineBusyMilliseconds(): number {
  try {
    return machineBusyMillisecondsOfStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

function processCpuMilliseconds(pid: number): number {
  try {
    return cpuMillisecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** CPU cores kept busy over a case, per part of the set-up (null: not a process of its own, or not readable). */
export interface CpuCores {
  /** The bench process: the load loop and the client under test (and, with --in-process, the proxy). */
  readonly bench: number;
  readonly proxy: number | null;
  /** The null MessagingService's process (the ceiling path's server); absent in results written before it existed. */
  readonly nullService?: number | null;
  /** The three broker replicas together. */
  readonly replicas: number | null;
  /** Every process of the machine: what is above the parts above is other work, which the case competed with. */
  readonly machine: number | null;
}

interface CpuReading {
  readonly atMs: number;
  readonly bench: number;
  readonly proxy: number;
  readonly nullService: number;
  readonly replicas: number;
  readonly machine: number;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Reads the CPU time of the bench, the proxy process and the replicas, so a case can say which of them its path kept busy. */
export class CpuMeter {
  constructor(
    private readonly proxyPid: number | undefined,
    private readonly replicaPids: readonly number[],
    private readonly nullServicePid?: number,
  ) {}

  read(): CpuReading {
    const own = process.cpuUsage();
    const replicas = this.replicaPids.length === 0 ? Number.NaN : this.replicaPids.reduce((total, pid) => total + processCpuMilliseconds(pid), 0);
    return {
      atMs: performance.now(),
      bench: (own.user + own.system) / MICROSECONDS_PER_MILLISECOND,
      proxy: this.proxyPid === undefined ? Number.NaN : processCpuMilliseconds(this.proxyPid),
      nullService: this.nullServicePid === undefined ? Number.NaN : processCpuMilliseconds(this.nullServicePid),
      replicas,
      machine: machineBusyMilliseconds(),
    };
  }

  since(start: CpuReading): CpuCores {
    const end = this.read();
    const wallMs = end.atMs - start.atMs;
    const cores = (from: number, to: number) => (wallMs > 0 ? (to - from) / wallMs : Number.NaN);
    return {
      bench: cores(start.bench, end.bench),
      proxy: finiteOrNull(cores(start.proxy, end.proxy)),
      nullService: finiteOrNull(cores(start.nullService, end.nullService)),
      replicas: finiteOrNull(cores(start.replicas, end.replicas)),
      machine: finiteOrNull(cores(start.machine, end.machine)),
    };
  }
}

/** CPU ms the client side (the bench process and the proxy) spent per message acknowledged: cores busy ÷ msgs/s. */
export function clientCpuMillisecondsPerMessage(cpu: CpuCores | undefined, messagesPerSecond: number): number {
  if (cpu === undefined || !(messagesPerSecond > 0)) return Number.NaN;
  return ((cpu.bench + (cpu.proxy ?? 0)) * MILLISECONDS_PER_SECOND) / messagesPerSecond;
}

/**
 * CPU ms the bench process spent per message acknowledged: the load loop and
 * the client under test alone (on the official paths, rocketmq-client-nodejs
 * 1.0.8's own cost per send, whatever the server).
 */
export function benchCpuMillisecondsPerMessage(cpu: CpuCores | undefined, messagesPerSecond: number): number {
  if (cpu === undefined || !(messagesPerSecond > 0)) return Number.NaN;
  return (cpu.bench * MILLISECONDS_PER_SECOND) / messagesPerSecond;
}
