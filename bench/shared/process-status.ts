import { readFileSync } from 'node:fs';

const KIB = 1024;

export interface ProcessPeakMemory {
  /** VmHWM: the highest resident set since the process started. */
  readonly peakRssBytes: number;
  /** VmRSS now. */
  readonly rssBytes: number;
}

/** 'VmHWM:\t  123456 kB' → bytes; NaN when the field is missing. */
export function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? Number.NaN : Number(match[1]) * KIB;
}

/** Another process's peak and current RSS from /proc/<pid>/status; null where it cannot be read (gone, or no /proc). */
export function readProcessMemory(pid: number): ProcessPeakMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { peakRssBytes: statusField(status, 'VmHWM'), rssBytes: statusField(status, 'VmRSS') };
  } catch {
    return null;
  }
}
