import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLinkFaultsFile } from '@raftmq/ledger';
import { afterEach, describe, expect, it } from 'vitest';
import { planPartition } from '../runner/nemesis/partition-plan.js';
import { linkFaultsByReplica, linkFaultsFile, TransportPartitions } from '../runner/nemesis/transport-partitions.js';

const ids = ['n1', 'n2', 'n3'] as const;
let directory: string | undefined;
afterEach(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

function readAll(files: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(files).map(([id, file]) => {
      const parsed = parseLinkFaultsFile(readFileSync(file, 'utf8'));
      // Every file the runner writes must be one the replica accepts.
      expect(parsed).toHaveProperty('faults');
      return [id, 'faults' in parsed ? parsed.faults : undefined];
    }),
  );
}

describe('partitions in the transport', () => {
  it('cut each dropped link at both ends: the sender loses what it sends, the receiver what it receives', () => {
    const isolated = linkFaultsByReplica(planPartition('isolate-leader', ['n2', 'n1', 'n3']).drops, ids);
    expect(isolated).toEqual({
      n1: { dropTo: ['n2'], dropFrom: ['n2'] },
      n2: { dropTo: ['n1', 'n3'], dropFrom: ['n1', 'n3'] },
      n3: { dropTo: ['n2'], dropFrom: ['n2'] },
    });
    const oneWay = linkFaultsByReplica(planPartition('one-way', ['n1', 'n2', 'n3']).drops, ids);
    expect(oneWay).toEqual({ n1: { dropTo: ['n2', 'n3'], dropFrom: [] }, n2: { dropTo: [], dropFrom: ['n1'] }, n3: { dropTo: [], dropFrom: ['n1'] } });
    expect(linkFaultsByReplica([], ids)).toEqual({ n1: { dropTo: [], dropFrom: [] }, n2: { dropTo: [], dropFrom: [] }, n3: { dropTo: [], dropFrom: [] } });
    expect(() => linkFaultsByReplica([{ from: 'n1', to: 'n9' }], ids)).toThrow(/n9/);
  });

  it('writes every replica a file at once, the cut on apply, and empty files on heal', async () => {
    directory = mkdtempSync(join(tmpdir(), 'raftmq-transport-partitions-'));
    const files = Object.fromEntries(ids.map((id) => [id, linkFaultsFile(directory!, id)]));
    const partitions = new TransportPartitions(files);
    expect(partitions.mechanism).toBe('transport');
    const healed = { n1: { dropTo: [], dropFrom: [] }, n2: { dropTo: [], dropFrom: [] }, n3: { dropTo: [], dropFrom: [] } };
    expect(readAll(files)).toEqual(healed);

    await partitions.apply(planPartition('halves', ['n3', 'n1', 'n2']).drops);
    expect(readAll(files)).toEqual({
      n1: { dropTo: ['n3'], dropFrom: ['n3'] },
      n2: { dropTo: ['n3'], dropFrom: ['n3'] },
      n3: { dropTo: ['n1', 'n2'], dropFrom: ['n1', 'n2'] },
    });
    // A new cut replaces the old one; it never adds to it.
    await partitions.apply([{ from: 'n1', to: 'n2' }]);
    expect(readAll(files)).toEqual({ ...healed, n1: { dropTo: ['n2'], dropFrom: [] }, n2: { dropTo: [], dropFrom: ['n1'] } });

    await partitions.heal();
    expect(readAll(files)).toEqual(healed);
    await partitions.apply([{ from: 'n3', to: 'n1' }]);
    await partitions.dispose();
    expect(readAll(files)).toEqual(healed);
    // Written by rename: no temporary file left behind.
    expect(ids.some((id) => existsSync(`${files[id]}.tmp`))).toBe(false);
  });
});
