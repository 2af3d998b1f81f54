import { describe, expect, it } from 'vitest';
import { ProducerRegistry, ProducerRegistryLimitError, producerGroupMembersMax, transactionSettings, type ProducerChannel } from '../src/index.js';

function channel(): ProducerChannel & { open: boolean } {
  return { open: true, push: () => undefined };
}

describe('ProducerRegistry', () => {
  it('picks live members of a group in turn, skipping closed connections and expired members', () => {
    let now = 0;
    const registry = new ProducerRegistry({ expiryMs: 1_000, now: () => now });
    const [a, b, c] = [channel(), channel(), channel()];
    registry.heartbeat('g', 'a', a);
    registry.heartbeat('g', 'b', b);
    expect([registry.pick('g'), registry.pick('g'), registry.pick('g')]).toEqual([a, b, a]);
    b.open = false;
    expect(registry.pick('g')).toBe(a);
    expect(registry.count('g')).toBe(1);
    now = 600;
    registry.heartbeat('g', 'c', c);
    now = 1_200;
    // a was last heard at 0: expired; c at 600 is still live.
    expect(registry.pick('g')).toBe(c);
    now = 5_000;
    expect(registry.pick('g')).toBeUndefined();
    expect(registry.pick('nobody')).toBeUndefined();
  });

  it('refuses a member past producerGroupMembersMax with a typed error naming the limit', () => {
    const registry = new ProducerRegistry();
    for (let index = 0; index < producerGroupMembersMax; index++) registry.heartbeat('g', `p-${index}`, channel());
    let thrown: unknown;
    try {
      registry.heartbeat('g', 'one-too-many', channel());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProducerRegistryLimitError);
    expect(thrown).toMatchObject({ code: 'ERR_PRODUCER_REGISTRY_LIMIT', limit: 'producerGroupMembersMax' });
    // A known member still heartbeats.
    expect(() => registry.heartbeat('g', 'p-0', channel())).not.toThrow();
  });

  it('defaults the check settings to RocketMQ\'s and refuses bad ones', () => {
    expect(transactionSettings()).toEqual({ timeoutMs: 6_000, intervalMs: 30_000, checkMax: 15 });
    expect(() => transactionSettings({ checkMax: 0 })).toThrow(/checkMax/);
    expect(() => transactionSettings({ checkIntervalMs: 0 })).toThrow(/checkIntervalMs/);
  });
});
