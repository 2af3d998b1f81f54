import { MemoryLog } from '../src/index.js';
import { logStoreCompliance } from './compliance.js';

logStoreCompliance({
  name: 'MemoryLog',
  open: async () => new MemoryLog(),
  close: (store) => store.close(),
  numRuns: 300,
});

logStoreCompliance({
  name: 'MemoryLog (async flush)',
  open: async () => new MemoryLog({ flushMode: { kind: 'async', intervalMs: 10 } }),
  close: (store) => store.close(),
});
