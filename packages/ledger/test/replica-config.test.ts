import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReplicaConfig, parseReplicaConfig, ReplicaConfigError, type ReplicaConfigInput } from '../src/index.js';

const valid: ReplicaConfigInput = {
  id: 'n1',
  dataDir: '/var/lib/raftmq/n1',
  peerListen: { host: '127.0.0.1', port: 7101 },
  clientListen: { host: '127.0.0.1', port: 7201 },
  peers: {
    n1: { peerUrl: 'ws://127.0.0.1:7101', clientUrl: 'ws://127.0.0.1:7201' },
    n2: { peerUrl: 'ws://127.0.0.1:7102', clientUrl: 'ws://127.0.0.1:7202' },
    n3: { peerUrl: 'ws://127.0.0.1:7103', clientUrl: 'ws://127.0.0.1:7203' },
  },
  secret: 'a-cluster-secret-long-enough',
};

function fieldOf(input: unknown): string | undefined {
  try {
    parseReplicaConfig(input);
  } catch (error) {
    if (error instanceof ReplicaConfigError) return error.field;
    throw error;
  }
  return undefined;
}

describe('replica config', () => {
  it('fills in durable defaults: sync flush, 50 ms heartbeat, 150–300 ms elections', () => {
    const config = parseReplicaConfig(valid);
    expect(config.flush).toEqual({ mode: 'sync' });
    expect(config.timing).toEqual({ tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 });
  });

  it.each([
    ['a short secret', { secret: 'short' }, 'secret'],
    ['an unknown setting', { flushMode: 'sync' }, 'flushMode'],
    ['peers without this replica', { id: 'n9' }, 'peers'],
    ['a peer address that is no URL', { peers: { ...valid.peers, n2: { peerUrl: '127.0.0.1:7102', clientUrl: 'ws://127.0.0.1:7202' } } }, 'peers.n2.peerUrl'],
    ['a timing off the tick', { timing: { tickMs: 10, heartbeatIntervalMs: 55, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 } }, 'timing.heartbeatIntervalMs'],
    ['elections shorter than the heartbeat', { timing: { tickMs: 10, heartbeatIntervalMs: 200, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 } }, 'timing.electionTimeoutMsMin'],
    ['an async flush without its interval', { flush: { mode: 'async' } }, 'flush.intervalMs'],
    ['a preferred leader outside the group', { preferredLeader: 'n7' }, 'preferredLeader'],
    ['a port out of range', { clientListen: { host: '127.0.0.1', port: 70_000 } }, 'clientListen.port'],
  ])('refuses %s, naming the field', (_, change, field) => {
    expect(fieldOf({ ...valid, ...change })).toBe(field);
  });

  it('refuses a file that is missing or not JSON with a clear error', () => {
    const directory = mkdtempSync(join(tmpdir(), 'replica-config-'));
    expect(() => loadReplicaConfig(join(directory, 'missing.json'))).toThrow(ReplicaConfigError);
    const broken = join(directory, 'broken.json');
    writeFileSync(broken, '{ "id": ');
    expect(() => loadReplicaConfig(broken)).toThrow('is not JSON');
  });
});
