import { describe, expect, it } from 'vitest';
import {
  bridgePartition,
  EventQueue,
  inboundCutPartition,
  isolatePartition,
  Network,
  oneWayPartition,
  ringPartition,
  SeededRandom,
  splitPartition,
  ValueStateMachine,
  cleanNetworkProfile,
  encodeValue,
} from '../sim/index.js';

function cut(partition: { blocked: ReadonlySet<number> }, from: number, to: number): boolean {
  const network = new Network(new SeededRandom(1), cleanNetworkProfile, 10);
  network.setPartition({ blocked: partition.blocked, description: '' });
  return network.isBlocked(from, to);
}

describe('event queue', () => {
  it('runs actions by time, and equal times in scheduling order', () => {
    const queue = new EventQueue();
    const order: string[] = [];
    queue.schedule(20, () => order.push('c'));
    queue.schedule(10, () => order.push('a'));
    queue.schedule(10, () => order.push('b'));
    queue.schedule(5, () => order.push('first'));
    for (let event = queue.pop(); event !== undefined; event = queue.pop()) event.action();
    expect(order).toEqual(['first', 'a', 'b', 'c']);
  });
});

describe('partitions', () => {
  const nodes = [1, 2, 3, 4, 5];

  it('isolate cuts one node off both ways', () => {
    const partition = isolatePartition(nodes, 3);
    expect(cut(partition, 3, 1)).toBe(true);
    expect(cut(partition, 1, 3)).toBe(true);
    expect(cut(partition, 1, 2)).toBe(false);
  });

  it('halves cut every link across, none within', () => {
    const partition = splitPartition([1, 2], [3, 4, 5], 'halves');
    expect(cut(partition, 2, 4)).toBe(true);
    expect(cut(partition, 5, 1)).toBe(true);
    expect(cut(partition, 1, 2)).toBe(false);
    expect(cut(partition, 3, 5)).toBe(false);
  });

  it('a bridge node reaches both halves, which do not reach each other', () => {
    const partition = bridgePartition(nodes, 3, [1, 2]);
    expect(cut(partition, 3, 1)).toBe(false);
    expect(cut(partition, 3, 5)).toBe(false);
    expect(cut(partition, 1, 4)).toBe(true);
    expect(cut(partition, 5, 2)).toBe(true);
  });

  it('a ring lets each node reach only its two neighbours', () => {
    const partition = ringPartition(nodes);
    expect(cut(partition, 1, 2)).toBe(false);
    expect(cut(partition, 1, 5)).toBe(false);
    expect(cut(partition, 1, 3)).toBe(true);
    expect(cut(partition, 2, 4)).toBe(true);
  });

  it('one-way and inbound cuts block one direction only', () => {
    expect(cut(oneWayPartition(1, 2), 1, 2)).toBe(true);
    expect(cut(oneWayPartition(1, 2), 2, 1)).toBe(false);
    const inbound = inboundCutPartition(nodes, 4);
    expect(cut(inbound, 1, 4)).toBe(true);
    expect(cut(inbound, 4, 1)).toBe(false);
  });
});

describe('network', () => {
  it('drops, duplicates and delays within the profile', () => {
    const network = new Network(new SeededRandom(7), { ...cleanNetworkProfile, dropPermille: 200, duplicatePermille: 200 }, 1_000_000);
    let lost = 0;
    let duplicated = 0;
    for (let message = 0; message < 10_000; message++) {
      const delays = network.plan(1, 2);
      if (delays.length === 0) lost++;
      if (delays.length === 2) duplicated++;
      for (const delayUs of delays) {
        expect(delayUs).toBeGreaterThanOrEqual(cleanNetworkProfile.delayMinUs);
        expect(delayUs).toBeLessThanOrEqual(cleanNetworkProfile.delayMaxUs);
      }
    }
    expect(lost).toBeGreaterThan(1_500);
    expect(lost).toBeLessThan(2_500);
    expect(duplicated).toBeGreaterThan(1_200);
  });

  it('drops beyond the in-flight bound of a link', () => {
    const network = new Network(new SeededRandom(7), cleanNetworkProfile, 2);
    expect(network.plan(1, 2)).toHaveLength(1);
    expect(network.plan(1, 2)).toHaveLength(1);
    expect(network.plan(1, 2)).toHaveLength(0);
    network.arrived(1, 2);
    expect(network.plan(1, 2)).toHaveLength(1);
  });
});

describe('state machine', () => {
  it('restores from its own snapshot with the same digest', () => {
    const machine = new ValueStateMachine();
    machine.apply({ index: 1, term: 1, type: 0, data: encodeValue('x') });
    machine.apply({ index: 2, term: 1, type: 0, data: new Uint8Array() });
    const copy = new ValueStateMachine();
    copy.restore(machine.encodeSnapshot());
    expect(copy.values).toEqual(['x']);
    expect(copy.appliedIndex).toBe(2);
    expect(copy.digest).toBe(machine.digest);
  });
});
