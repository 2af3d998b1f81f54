import { EntryType, MessageType, type Message } from '@raftmq/raft';
import { describe, expect, it } from 'vitest';
import { generateScenario, quietScenario, runSimulation, SeededRandom, SelectiveLoss, type FaultEvent } from '../sim/index.js';

const leaderFaultKinds: ReadonlySet<FaultEvent['kind']> = new Set(['selectiveLoss', 'leaderChurn', 'killAfterCommit', 'leaderStorm']);

function append(term: number, entryTerms: readonly number[]): Message {
  return {
    type: MessageType.Append,
    from: 'n1',
    to: 'n2',
    term,
    prevIndex: 3,
    prevTerm: 1,
    entries: entryTerms.map((entryTerm, position) => ({ index: 4 + position, term: entryTerm, type: EntryType.Normal, data: new Uint8Array() })),
    commit: 3,
  };
}

describe('selective loss', () => {
  it('loses the Appends that carry entries of their own term, and nothing else', () => {
    const loss = new SelectiveLoss(new SeededRandom(1));
    loss.setFreshDropPermille(1_000);
    expect(loss.drops(append(5, [5]))).toBe(true);
    expect(loss.drops(append(5, [2, 3, 5]))).toBe(true);
    expect(loss.drops(append(5, [2, 3]))).toBe(false);
    expect(loss.drops(append(5, []))).toBe(false);
    expect(loss.drops({ type: MessageType.Heartbeat, from: 'n1', to: 'n2', term: 5, commit: 3, readRound: 1 })).toBe(false);
    loss.setFreshDropPermille(0);
    expect(loss.drops(append(5, [5]))).toBe(false);
  });

  it('loses about its rate of them', () => {
    const loss = new SelectiveLoss(new SeededRandom(2));
    loss.setFreshDropPermille(500);
    let lost = 0;
    for (let message = 0; message < 10_000; message++) if (loss.drops(append(5, [5]))) lost++;
    expect(lost).toBeGreaterThan(4_500);
    expect(lost).toBeLessThan(5_500);
  });
});

describe('leader faults', () => {
  it('crash leaders in a storm, and the group recovers once it ends', () => {
    const storm: FaultEvent = { kind: 'leaderStorm', atPermille: 100, durationMs: 2_000, freshDropPermille: 1_000, leadMsMax: 200, downMsMax: 500, keepUnsyncedPermille: 0 };
    const result = runSimulation({ seed: 1, nodes: 3, scenario: quietScenario({ faultPhaseMs: 3_000, appendEntriesMax: 1, faults: [storm] }) });
    expect(result.violation).toBeUndefined();
    expect(result.stats.crashes).toBeGreaterThan(2);
    expect(result.stats.elections).toBeGreaterThan(3);
  });

  it('kill the leader right after its commit index advances', () => {
    const kill: FaultEvent = { kind: 'killAfterCommit', atPermille: 500, durationMs: 100, delayMs: 0, downMsMax: 300, keepUnsyncedPermille: 1_000 };
    const result = runSimulation({ seed: 2, nodes: 3, scenario: quietScenario({ faults: [kill] }) });
    expect(result.violation).toBeUndefined();
    expect(result.stats.crashes).toBeGreaterThan(0);
  });
});

describe('scenario families', () => {
  it('makes about one seed in four leader-focused: a few leader faults and Appends of one or two entries', () => {
    let leaderFocused = 0;
    const seeds = 400;
    for (let seed = 1; seed <= seeds; seed++) {
      const scenario = generateScenario(seed);
      const kinds = scenario.faults.map((fault) => fault.kind);
      if (kinds.every((kind) => leaderFaultKinds.has(kind))) {
        leaderFocused++;
        expect(scenario.faults.length).toBeLessThanOrEqual(10);
        expect(scenario.appendEntriesMax).toBeLessThanOrEqual(2);
      } else {
        expect(scenario.faults.length).toBeGreaterThanOrEqual(15);
        expect(kinds).not.toContain('leaderStorm');
      }
    }
    expect(leaderFocused).toBeGreaterThan(seeds / 6);
    expect(leaderFocused).toBeLessThan(seeds / 3);
  });
});
