/** Formatting and parsing of the figures the benchmark prints; MB is 10^6 bytes, as in ANCHORS.md. */

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;
const BYTES_PER_MB = 1_000_000;

export function megabytesPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / BYTES_PER_MB / seconds : 0;
}

/** 128 B, 1 KiB, 16 KiB, 4 MiB, 0.25 GiB. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', GIB], ['MiB', MIB], ['KiB', KIB]] as const) {
    if (bytes >= size) return `${trimNumber(bytes / size)} ${unit}`;
  }
  return `${bytes} B`;
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

/** Three significant figures, thousands separated: 1,234 / 98.7 / 0.512. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

export function formatRatio(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? '–' : `${ratio.toFixed(2)}×`;
}

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, k: KIB, kb: KIB, kib: KIB, m: MIB, mb: MIB, mib: MIB };

/** '128', '1k', '1KiB', '16 KiB', '4MiB' → bytes; binary units, since entry sizes are. */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (match === null) throw new Error(`not a size: '${text}' (examples: 128, 1KiB, 16k, 4MiB)`);
  const bytes = Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] as number);
  if (!Number.isInteger(bytes) || bytes < 1) throw new Error(`not a whole number of bytes >= 1: '${text}'`);
  return bytes;
}
