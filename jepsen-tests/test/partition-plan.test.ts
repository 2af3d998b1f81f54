import { describe, expect, it } from 'vitest';
import { healRuleset, partitionRuleset, planPartition, shapesFor, type PartitionShape } from '../runner/nemesis/partition-plan.js';

const hosts3 = { n1: '127.0.0.2', n2: '127.0.0.3', n3: '127.0.0.4' };
const hosts5 = { ...hosts3, n4: '127.0.0.5', n5: '127.0.0.6' };
const table = 'raftmq_jepsen_42';

/** The drop rules of a plan, one `from>to` per line, as nft would see them. */
function rulesOf(shape: PartitionShape, order: readonly string[], hosts: Readonly<Record<string, string>>): string[] {
  return partitionRuleset(table, planPartition(shape, order).drops, hosts)
    .split('\n')
    .filter((line) => line.includes(' drop'))
    .map((line) => line.trim());
}

describe('partition rules', () => {
  it('isolates the leader from every other replica, both ways', () => {
    expect(rulesOf('isolate-leader', ['n2', 'n1', 'n3'], hosts3)).toEqual([
      'ip saddr 127.0.0.3 ip daddr 127.0.0.2 drop',
      'ip saddr 127.0.0.2 ip daddr 127.0.0.3 drop',
      'ip saddr 127.0.0.3 ip daddr 127.0.0.4 drop',
      'ip saddr 127.0.0.4 ip daddr 127.0.0.3 drop',
    ]);
    expect(planPartition('isolate-leader', ['n2', 'n1', 'n3']).description).toBe('n2 | n1,n3');
  });

  it('splits into a minority and a majority', () => {
    const plan = planPartition('halves', ['n3', 'n5', 'n1', 'n2', 'n4']);
    expect(plan.description).toBe('n3,n5 | n1,n2,n4');
    expect(plan.drops).toHaveLength(2 * 2 * 3);
    expect(rulesOf('halves', ['n3', 'n5', 'n1', 'n2', 'n4'], hosts5)).toContain('ip saddr 127.0.0.6 ip daddr 127.0.0.5 drop');
    expect(rulesOf('halves', ['n3', 'n5', 'n1', 'n2', 'n4'], hosts5)).not.toContain('ip saddr 127.0.0.4 ip daddr 127.0.0.6 drop');
  });

  it('makes a bridge: both sides reach the bridge, not each other', () => {
    expect(rulesOf('bridge', ['n2', 'n1', 'n3'], hosts3)).toEqual(['ip saddr 127.0.0.2 ip daddr 127.0.0.4 drop', 'ip saddr 127.0.0.4 ip daddr 127.0.0.2 drop']);
    expect(planPartition('bridge', ['n2', 'n1', 'n3']).description).toBe('n1 <-> n2 <-> n3 (n1 | n3)');
  });

  it('makes a majorities ring in which each replica sees exactly its two neighbours', () => {
    const order = ['n1', 'n3', 'n5', 'n2', 'n4'];
    const { drops } = planPartition('ring', order);
    for (const [index, id] of order.entries()) {
      const cut = drops.filter((drop) => drop.from === id).map((drop) => drop.to);
      const neighbours = [order[(index + 1) % 5], order[(index + 4) % 5]];
      expect(cut.sort()).toEqual(order.filter((other) => other !== id && !neighbours.includes(other)).sort());
    }
    expect(rulesOf('ring', order, hosts5)).toContain('ip saddr 127.0.0.2 ip daddr 127.0.0.6 drop');
    expect(() => planPartition('ring', ['n1', 'n2', 'n3'])).toThrow(RangeError);
    expect(shapesFor(3)).not.toContain('ring');
    expect(shapesFor(5)).toContain('ring');
  });

  it('drops one direction only', () => {
    expect(rulesOf('one-way', ['n3', 'n1', 'n2'], hosts3)).toEqual(['ip saddr 127.0.0.4 ip daddr 127.0.0.2 drop', 'ip saddr 127.0.0.4 ip daddr 127.0.0.3 drop']);
  });

  it('replaces the table in one transaction, and heals by deleting it whether or not it exists', () => {
    const script = partitionRuleset(table, [{ from: 'n1', to: 'n2' }], hosts3);
    expect(script).toBe(
      [
        'add table inet raftmq_jepsen_42',
        'delete table inet raftmq_jepsen_42',
        'table inet raftmq_jepsen_42 {',
        '  chain output {',
        '    type filter hook output priority 0; policy accept;',
        '    ip saddr 127.0.0.2 ip daddr 127.0.0.3 drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(healRuleset(table)).toBe('add table inet raftmq_jepsen_42\ndelete table inet raftmq_jepsen_42\n');
    expect(() => partitionRuleset(table, [{ from: 'n1', to: 'n9' }], hosts3)).toThrow(/n9/);
  });
});
