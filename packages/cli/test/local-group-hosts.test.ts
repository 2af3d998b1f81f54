import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startGroup, type StartedGroup } from './group-harness.js';

const leaderWaitMs = 10_000;
let started: StartedGroup | undefined;

afterEach(async () => {
  await started?.cleanUp();
  started = undefined;
});

describe('a local group on a host per replica', () => {
  it('binds, names and dials each replica on its own loopback address, and still elects a leader', async () => {
    started = await startGroup({ hostFor: (_id, position) => `127.0.0.${2 + position}` });
    const { group } = started;
    expect(group.hosts).toEqual({ n1: '127.0.0.2', n2: '127.0.0.3', n3: '127.0.0.4' });
    expect(group.clientUrls['n2']).toMatch(/^ws:\/\/127\.0\.0\.3:\d+$/);
    const config = JSON.parse(readFileSync(group.configPath('n3'), 'utf8')) as { peerListen: { host: string }; clientListen: { host: string }; peers: Record<string, { peerUrl: string }> };
    expect(config.peerListen.host).toBe('127.0.0.4');
    expect(config.clientListen.host).toBe('127.0.0.4');
    expect(config.peers['n1']?.peerUrl).toMatch(/^ws:\/\/127\.0\.0\.2:\d+$/);
    expect(await group.waitForLeader(leaderWaitMs)).toMatch(/^n[123]$/);
  });

});
