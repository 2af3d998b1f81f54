import { defineConfig } from 'vitest/config';

// One vitest project per package; sources are resolved through the
// "@raftmq/source" export condition so tests run the TypeScript directly.
const sourceCondition = { resolve: { conditions: ['@raftmq/source'] } };

export default defineConfig({
  test: {
    projects: [
      { ...sourceCondition, test: { name: 'commitlog', root: 'packages/commitlog', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'raft', root: 'packages/raft', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'protocol', root: 'packages/protocol', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'namesrv', root: 'packages/namesrv', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'ledger', root: 'packages/ledger', include: ['test/**/*.test.ts'], testTimeout: 120_000 } },
      { ...sourceCondition, test: { name: 'broker', root: 'packages/broker', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'client', root: 'packages/client', include: ['test/**/*.test.ts'], testTimeout: 60_000 } },
      { ...sourceCondition, test: { name: 'proxy', root: 'packages/proxy', include: ['test/**/*.test.ts'], testTimeout: 60_000 } },
      { ...sourceCondition, test: { name: 'cli', root: 'packages/cli', include: ['test/**/*.test.ts'], testTimeout: 120_000 } },
      { ...sourceCondition, test: { name: 'bench', root: 'bench', include: ['test/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'jepsen-tests', root: 'jepsen-tests', include: ['test/**/*.test.ts'], testTimeout: 600_000 } },
    ],
  },
});
