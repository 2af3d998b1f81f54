import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LatencyRecorder } from './latency.js';
import { megabytesPerSecond } from './units.js';
import type { FdatasyncAnchor, GroupCommitAnchor, WriteBandwidthAnchor } from './types.js';

/**
 * The machine's own limits, measured with the plainest loop Node allows:
 * synchronous write(2) and fdatasync(2) on one file, no event loop, no
 * framing, no CRC. Every store figure is read as a ratio to one of these,
 * measured in the same run on the same disk.
 */

export interface RawLimits {
  readonly seconds: number;
  /** Bytes one measurement may write before it stops, whatever the time. */
  readonly maxBytes: number;
  readonly maxOperations: number;
}

/** Runs `step` until the time, byte or operation limit; returns how many ran, the bytes and the seconds taken. */
function boundedLoop(limits: RawLimits, bytesPerStep: number, step: () => void): { operations: number; bytes: number; seconds: number } {
  const startedAt = performance.now();
  const deadline = startedAt + limits.seconds * 1000;
  let operations = 0;
  let bytes = 0;
  while (operations < limits.maxOperations && bytes + bytesPerStep <= limits.maxBytes && performance.now() < deadline) {
    step();
    operations++;
    bytes += bytesPerStep;
  }
  return { operations, bytes, seconds: (performance.now() - startedAt) / 1000 };
}

/** Opens a new file in `directory`, runs `body` on it, and removes it whatever happens. */
function withScratchFile<T>(directory: string, name: string, body: (descriptor: number) => T): T {
  const path = join(directory, name);
  const descriptor = openSync(path, 'w');
  try {
    return body(descriptor);
  } finally {
    closeSync(descriptor);
    rmSync(path, { force: true });
  }
}

/** One appender: append `sizeBytes`, fdatasync, repeat; as a sync store with one caller must. */
export function measureFdatasync(directory: string, sizeBytes: number, limits: RawLimits): FdatasyncAnchor {
  const record = randomBytes(sizeBytes);
  const latency = new LatencyRecorder();
  return withScratchFile(directory, `raw-fdatasync-${sizeBytes}`, (descriptor) => {
    const { operations, seconds } = boundedLoop(limits, sizeBytes, () => {
      const startedAt = process.hrtime.bigint();
      writeSync(descriptor, record);
      fdatasyncSync(descriptor);
      latency.recordSince(startedAt);
    });
    const { p50Ms, p99Ms } = latency.summary();
    return { sizeBytes, operations, syncsPerSecond: operations / seconds, p50Ms, p99Ms };
  });
}

/** Group commit: `groupBytes` written at once per fdatasync; the most a store can get from sharing fsyncs. */
export function measureGroupCommit(directory: string, groupBytes: number, limits: RawLimits): GroupCommitAnchor {
  const group = randomBytes(groupBytes);
  return withScratchFile(directory, `raw-group-${groupBytes}`, (descriptor) => {
    const { operations, bytes, seconds } = boundedLoop(limits, groupBytes, () => {
      writeSync(descriptor, group);
      fdatasyncSync(descriptor);
    });
    return { groupBytes, syncsPerSecond: operations / seconds, megabytesPerSecond: megabytesPerSecond(bytes, seconds) };
  });
}

/** Sequential writes of `chunkBytes` and no fsync at all: the most an async store can write. */
export function measureWriteBandwidth(directory: string, chunkBytes: number, limits: RawLimits): WriteBandwidthAnchor {
  const chunk = randomBytes(chunkBytes);
  return withScratchFile(directory, 'raw-write', (descriptor) => {
    const { bytes, seconds } = boundedLoop(limits, chunkBytes, () => {
      writeSync(descriptor, chunk);
    });
    return { chunkBytes, bytes, megabytesPerSecond: megabytesPerSecond(bytes, seconds) };
  });
}
