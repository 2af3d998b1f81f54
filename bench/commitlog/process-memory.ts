import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  readonly rssBytes: number;
  /** Private memory: heap, buffers, native allocations. NaN where /proc is missing. */
  readonly anonymousBytes: number;
  /**
   * File pages mapped into the process and resident: LevelDB mmaps its table
   * files, so every page it reads shows in RSS here, although the kernel can
   * drop them at any time as page cache. NaN where /proc is missing.
   */
  readonly fileBytes: number;
}

const KIB = 1024;

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? Number.NaN : Number(match[1]) * KIB;
}

/** This process's memory now, split as Linux splits it in /proc/self/status. */
export function processMemory(): ProcessMemory {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { rssBytes: process.memoryUsage.rss(), anonymousBytes: Number.NaN, fileBytes: Number.NaN };
  }
  return { rssBytes: field(status, 'VmRSS'), anonymousBytes: field(status, 'RssAnon'), fileBytes: field(status, 'RssFile') };
}

/** The highest figures seen over many samples. */
export class MemoryPeaks {
  anonymousBytes = 0;
  fileBytes = 0;

  sample(): void {
    const now = processMemory();
    this.anonymousBytes = Math.max(this.anonymousBytes, now.anonymousBytes);
    this.fileBytes = Math.max(this.fileBytes, now.fileBytes);
  }
}
