/**
 * Names of the files in a log directory. Indexes are zero-padded to 20
 * digits so a directory listing sorts in log order, as RocketMQ names its
 * CommitLog files by offset.
 */
const indexDigits = 20;

export const stateFileName = 'state';
export const lockFileName = 'LOCK';
export const temporarySuffix = '.tmp';

const segmentPattern = /^(\d{20})\.log$/;
const segmentIndexPattern = /^(\d{20})\.index$/;
const snapshotPattern = /^snapshot-(\d{20})-(\d+)\.snap$/;

function padIndex(index: number): string {
  return String(index).padStart(indexDigits, '0');
}

export function segmentFileName(firstIndex: number): string {
  return `${padIndex(firstIndex)}.log`;
}

export function segmentIndexFileName(firstIndex: number): string {
  return `${padIndex(firstIndex)}.index`;
}

export function snapshotFileName(index: number, sequence: number): string {
  return `snapshot-${padIndex(index)}-${sequence}.snap`;
}

/** The first index a segment file is named by, or null for any other name. */
export function parseSegmentFileName(name: string): number | null {
  const match = segmentPattern.exec(name);
  return match === null ? null : Number(match[1]);
}

export function parseSegmentIndexFileName(name: string): number | null {
  const match = segmentIndexPattern.exec(name);
  return match === null ? null : Number(match[1]);
}

export function isSnapshotFileName(name: string): boolean {
  return snapshotPattern.test(name);
}
