import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface MachineDescription {
  readonly cpus: string;
  readonly cpuCount: number;
  readonly memoryBytes: number;
  readonly node: string;
  /** Named, never spelled out: a report does not record this machine's paths. */
  readonly directory: string;
  /** What ran the benchmark and the replicas: compiled JavaScript on plain node, or TypeScript through tsx. */
  readonly runtime: 'node' | 'tsx';
  /** 1-minute load average when the run started and when it ended: other work on the machine skews every figure. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** The 1-minute load average now. */
export function loadAverageNow(): number {
  return loadavg()[0] ?? Number.NaN;
}

/** A note for the report when the machine was busy with other work during the run (load above half its CPUs). */
export function busyMachineNote(machine: MachineDescription): string | null {
  const busiest = Math.max(machine.loadAverage.start, machine.loadAverage.end);
  if (!(busiest > machine.cpuCount / 2)) return null;
  return `the machine was busy: a 1-minute load average of ${machine.loadAverage.start.toFixed(1)} at the start and ${machine.loadAverage.end.toFixed(1)} at the end on ${machine.cpuCount} CPUs (this run's own processes count too); figures from a busier run are less comparable, ratios less so than absolute figures.`;
}

/**
 * Compiled JavaScript on plain node, or TypeScript through tsx. The replicas
 * run the same way: LocalGroup runs compiled main.js when it was loaded
 * compiled, and the sources through tsx when it was loaded from source.
 */
export function currentRuntime(): 'node' | 'tsx' {
  return process.execArgv.some((argument) => argument.includes('tsx')) ? 'tsx' : 'node';
}

export function describeMachine(directoryGiven: boolean, loadAverageAtStart: number): MachineDescription {
  return {
    loadAverage: { start: loadAverageAtStart, end: loadAverageNow() },
    cpus: cpus()[0]?.model ?? 'unknown CPU',
    cpuCount: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    directory: directoryGiven ? 'the directory given with --dir' : 'the system temp directory',
    runtime: currentRuntime(),
  };
}

const THIS_FILE = fileURLToPath(import.meta.url);
/** The repository root: what comes before bench/ in this file's path, in source (bench/shared) and compiled (bench/dist/shared) alike. */
const REPOSITORY = THIS_FILE.slice(0, Math.max(0, THIS_FILE.lastIndexOf('/bench/')));

/**
 * Replaces the paths of this machine in a message bound for a report: the
 * scratch directory, the system temp directory and the repository.
 */
export function scrubPaths(text: string, scratch?: string): string {
  let scrubbed = text;
  if (scratch !== undefined && scratch.length > 1) scrubbed = scrubbed.replaceAll(scratch, '<scratch directory>');
  const temporary = tmpdir();
  if (temporary.length > 1) scrubbed = scrubbed.replaceAll(temporary, '<the system temp directory>');
  if (REPOSITORY.length > 1) scrubbed = scrubbed.replaceAll(REPOSITORY, '<repository>');
  return scrubbed;
}

export function errorText(error: unknown, scratch?: string): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return scrubPaths(text, scratch);
}
