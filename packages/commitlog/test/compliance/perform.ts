import type { LogStore } from '../../src/index.js';
import type { Mutation } from './model.js';

/** Applies a model mutation through the async LogStore API, as real drivers mutate a store. */
export function performMutation(store: LogStore, mutation: Mutation): Promise<void> {
  switch (mutation.kind) {
    case 'append':
      return store.append(mutation.entries);
    case 'truncateSuffix':
      return store.truncateSuffix(mutation.fromIndex);
    case 'compact':
      return store.compact(mutation.uptoIndex);
    case 'saveHardState':
      return store.saveHardState(mutation.hardState);
    case 'saveSnapshot':
      return store.saveSnapshot(mutation.snapshot.meta, mutation.snapshot.data);
    case 'dropSnapshot':
      return store.dropSnapshot(mutation.index);
  }
}
