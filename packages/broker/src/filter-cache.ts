import { parseFilterExpression, type FilterType, type MessageFilter } from '@raftmq/protocol';

/**
 * Parsed subscriptions kept at once. A consumer sends its expression with
 * every pull, and a broker serves few distinct subscriptions (one or two per
 * group), so a small cache saves nearly every parse; the bound keeps clients
 * sending ever new expressions from growing it.
 */
export const filterCacheEntriesMax = 1_024;

/**
 * Parsed filters by (type, text), least recently used dropped first. A
 * malformed expression is not cached: parse throws FilterExpressionError each
 * time, and its cost is bounded by the protocol's expression length.
 */
export class FilterCache {
  /** Map order is recency: a hit is moved to the end, the first is the oldest. */
  private readonly filters = new Map<string, MessageFilter>();

  constructor(private readonly entriesMax: number = filterCacheEntriesMax) {}

  get size(): number {
    return this.filters.size;
  }

  /** The parsed filter; throws FilterExpressionError for a malformed expression. */
  get(type: FilterType, text: string): MessageFilter {
    const key = `${type}\u0000${text}`;
    let filter = this.filters.get(key);
    if (filter !== undefined) {
      this.filters.delete(key);
    } else {
      filter = parseFilterExpression(type, text);
      if (this.filters.size >= this.entriesMax) this.filters.delete(this.filters.keys().next().value as string);
    }
    this.filters.set(key, filter);
    return filter;
  }
}
