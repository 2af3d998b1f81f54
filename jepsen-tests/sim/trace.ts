/**
 * A cheap rolling hash of everything that happened in a run, two 32-bit
 * lanes so that equal hashes across runs are no coincidence. Determinism is
 * tested by comparing it, so it must see every delivered event.
 */
export class TraceHash {
  private laneA = 0x811c9dc5;
  private laneB = 0x2545f491;
  private eventCount = 0;

  get events(): number {
    return this.eventCount;
  }

  /** Folds one integer in (any safe integer; the high bits are folded too). */
  mix(value: number): void {
    const low = value | 0;
    const high = Math.floor(value / 4294967296) | 0;
    this.laneA = Math.imul(this.laneA ^ low, 0x01000193);
    this.laneA = Math.imul(this.laneA ^ high, 0x01000193);
    this.laneB = Math.imul(this.laneB ^ (low + 0x9e3779b9), 0x5bd1e995);
    this.laneB ^= this.laneB >>> 13;
    this.laneB = Math.imul(this.laneB ^ high, 0x5bd1e995);
  }

  mixString(text: string): void {
    for (let position = 0; position < text.length; position++) this.mix(text.charCodeAt(position));
    this.mix(text.length);
  }

  /** Starts a new event: its kind and time, then the caller mixes its details. */
  event(kind: number, timeUs: number): void {
    this.eventCount++;
    this.mix(kind);
    this.mix(timeUs);
  }

  hex(): string {
    return (this.laneA >>> 0).toString(16).padStart(8, '0') + (this.laneB >>> 0).toString(16).padStart(8, '0');
  }
}

/** A 32-bit FNV-1a hash of bytes, for comparing entry payloads without keeping them. */
export function hashBytes(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let position = 0; position < bytes.length; position++) {
    hash = Math.imul(hash ^ (bytes[position] as number), 0x01000193);
  }
  return hash >>> 0;
}
