import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Role } from '@raftmq/raft';
import { describe, expect, it } from 'vitest';
import { DemoSession } from '../sim/live/demo-session.js';
import { SeededRandom } from '../sim/random.js';
import { commandForKey, parseKeySchedule } from '../sim/live/keys.js';
import { RealTimeDriver } from '../sim/live/real-time-driver.js';
import { renderStatusLine } from '../sim/live/render-line.js';
import { renderScreen } from '../sim/live/render-screen.js';
import { plainStyle } from '../sim/live/style.js';

/** The demo's own step: the real-time driver advances the clock 20 ms at a time. */
const stepUs = 20_000;
/** A quiet group elects its first leader well within this (election timeouts are 150–300 ms). */
const electionBudgetUs = 1_500_000;
/** A follower that was behind (down, paused, cut off) is level again well within this. */
const catchUpBudgetUs = 3_000_000;
const valuesPerSecond = 200;
/** 50 ms of writes at that rate. */
const caughtUpLagEntriesMax = 10;

function newSession(seed = 7, script = ''): DemoSession {
  const parsed = parseKeySchedule(script);
  if (typeof parsed === 'string') throw new Error(parsed);
  return new DemoSession({ seed, nodes: 3, valuesPerSecond, script: parsed });
}

/** Steps simulated time as the demo does until `done` holds; false if the budget ran out first. */
function advanceUntil(session: DemoSession, done: () => boolean, budgetUs: number): boolean {
  const cluster = session.cluster;
  const deadlineUs = cluster.nowUs() + budgetUs;
  while (!done()) {
    if (cluster.nowUs() >= deadlineUs) return false;
    cluster.advanceTo(cluster.nowUs() + stepUs);
  }
  return true;
}

function advanceFor(session: DemoSession, durationUs: number): void {
  const untilUs = session.cluster.nowUs() + durationUs;
  advanceUntil(session, () => session.cluster.nowUs() >= untilUs, durationUs);
}

function leaderId(session: DemoSession): string | null {
  return session.cluster.leader()?.id ?? null;
}

function leaderTerm(session: DemoSession): number {
  return session.cluster.leader()?.core?.term ?? 0;
}

/**
 * Every node is running and within a few entries of the leader's log: under
 * a steady write load a healthy follower is always an Append or two behind.
 */
function allCaughtUp(session: DemoSession): boolean {
  const status = session.status(0);
  return status.leaderId !== null && status.nodes.every((node) => node.condition === 'running' && node.lag !== null && node.lag <= caughtUpLagEntriesMax);
}

function startedWithLeader(seed = 7, script = ''): DemoSession {
  const session = newSession(seed, script);
  expect(advanceUntil(session, () => leaderId(session) !== null, electionBudgetUs)).toBe(true);
  return session;
}

describe('live demo: the group', () => {
  it('elects a leader and acknowledges values at the client rate', () => {
    const session = startedWithLeader();
    const acknowledgedBefore = session.cluster.client.stats.acknowledged;
    advanceFor(session, 2_000_000);
    const status = session.status(8);
    expect(status.client.acknowledged - acknowledgedBefore).toBeGreaterThan(valuesPerSecond * 2 * 0.9);
    expect(status.acknowledgedPerSecond).toBeGreaterThan(valuesPerSecond * 0.9);
    expect(status.acknowledgedPerSecond).toBeLessThan(valuesPerSecond * 1.1);
    expect(status.elections).toBeGreaterThanOrEqual(1);
    expect(status.violation).toBeNull();
    expect(status.events.some((event) => event.kind === 'leader')).toBe(true);
  });

  it('fails over after k kills the leader, and r brings the node back level', () => {
    const session = startedWithLeader();
    advanceFor(session, 500_000);
    const oldLeader = leaderId(session);
    const oldTerm = leaderTerm(session);
    expect(session.press('k')).toBe('handled');
    expect(session.cluster.node(oldLeader as string)?.nodeState).toBe('down');
    expect(advanceUntil(session, () => leaderId(session) !== null, electionBudgetUs)).toBe(true);
    expect(leaderId(session)).not.toBe(oldLeader);
    expect(leaderTerm(session)).toBeGreaterThan(oldTerm);
    const failover = session.status(0).lastFailover;
    expect(failover?.cause).toBe(`kill -9 of ${oldLeader}`);
    expect(failover?.toId).toBe(leaderId(session));
    // Election timeouts of 150–300 ms plus a PreVote round: a failover lands in this window.
    expect(failover?.durationUs).toBeGreaterThan(100_000);
    expect(failover?.durationUs).toBeLessThan(1_000_000);

    const acknowledgedAfterFailover = session.cluster.client.stats.acknowledged;
    advanceFor(session, 500_000);
    expect(session.cluster.client.stats.acknowledged).toBeGreaterThan(acknowledgedAfterFailover);
    expect(session.press('r')).toBe('handled');
    const restarted = session.cluster.node(oldLeader as string);
    // Level again once it has heard from the new leader (it restarts in its old term) and copied what it missed.
    expect(advanceUntil(session, () => restarted?.core?.term === leaderTerm(session) && allCaughtUp(session), catchUpBudgetUs)).toBe(true);
    expect(session.status(0).violation).toBeNull();
  });

  it('hands leadership to the most caught-up follower on t', () => {
    const session = startedWithLeader();
    advanceFor(session, 500_000);
    const oldLeader = leaderId(session);
    session.press('t');
    expect(advanceUntil(session, () => leaderId(session) !== null && leaderId(session) !== oldLeader, electionBudgetUs)).toBe(true);
    const transfer = session.status(0).lastTransfer;
    expect(transfer?.fromId).toBe(oldLeader);
    expect(transfer?.toId).toBe(leaderId(session));
    // No election timeout to wait out: TimeoutNow makes the target campaign at once.
    expect(transfer?.durationUs).toBeLessThan(100_000);
  });

  it('isolates the leader on p, elects another, and heals on p again', () => {
    const session = startedWithLeader();
    advanceFor(session, 500_000);
    const oldLeader = session.cluster.leader();
    session.press('p');
    expect(session.status(0).nodes.find((node) => node.id === oldLeader?.id)?.condition).toBe('partitioned');
    expect(advanceUntil(session, () => leaderId(session) !== null && session.cluster.leader() !== oldLeader, electionBudgetUs)).toBe(true);
    // CheckQuorum: the cut-off leader steps down within an election timeout of losing its quorum.
    expect(advanceUntil(session, () => oldLeader?.core?.role !== Role.Leader, electionBudgetUs)).toBe(true);
    expect(session.status(0).lastFailover?.cause).toBe(`isolation of ${oldLeader?.id}`);
    session.press('p');
    expect(session.status(0).isolatedId).toBeNull();
    expect(advanceUntil(session, () => allCaughtUp(session), catchUpBudgetUs)).toBe(true);
    expect(session.status(0).violation).toBeNull();
  });

  it('pauses a follower on s, which falls behind, and resumes it on s again', () => {
    const session = startedWithLeader();
    advanceFor(session, 500_000);
    session.press('s');
    const pausedId = session.status(0).pausedId;
    expect(pausedId).not.toBeNull();
    expect(pausedId).not.toBe(leaderId(session));
    advanceFor(session, 1_000_000);
    const paused = session.status(0).nodes.find((node) => node.id === pausedId);
    expect(paused?.condition).toBe('paused');
    expect(paused?.lag).toBeGreaterThan(valuesPerSecond / 2);
    session.press('s');
    expect(session.status(0).pausedId).toBeNull();
    expect(advanceUntil(session, () => allCaughtUp(session), catchUpBudgetUs)).toBe(true);
    expect(session.status(0).violation).toBeNull();
  });

  it('presses scripted keys at their simulated times', () => {
    const session = startedWithLeader(11, 'k@1000,r@2000');
    const firstLeader = leaderId(session);
    expect(advanceUntil(session, () => session.status(0).lastFailover !== null, 2_000_000)).toBe(true);
    expect(session.cluster.nowUs()).toBeGreaterThanOrEqual(1_000_000);
    expect(session.status(0).lastFailover?.fromId).toBe(firstLeader);
    expect(advanceUntil(session, () => session.cluster.nowUs() > 2_000_000 && allCaughtUp(session), catchUpBudgetUs)).toBe(true);
  });

  it('shows an invariant violation and keeps the group running', () => {
    const session = startedWithLeader();
    session.cluster.at(session.cluster.nowUs() + stepUs, () => session.cluster.checker.violate('election-safety', 'injected by the test'));
    advanceFor(session, 100_000);
    const acknowledged = session.cluster.client.stats.acknowledged;
    advanceFor(session, 500_000);
    const status = session.status(8);
    expect(status.violation?.message).toBe('injected by the test');
    expect(status.client.acknowledged).toBeGreaterThan(acknowledged);
    const screen = renderScreen(status, { style: plainStyle, keysEnabled: true, showKeys: true, rowsMax: 100, fixedHeight: true }).join('\n');
    expect(screen).toContain('VIOLATED election-safety');
    expect(renderStatusLine(status)).toContain('invariants VIOLATED election-safety');
  });
});

describe('live demo: any key presses', () => {
  it('keep the group safe, and it recovers once everything is repaired', () => {
    const keys = ['k', 'r', 't', 'p', 's'];
    for (let seed = 1; seed <= 8; seed++) {
      const session = new DemoSession({ seed, nodes: seed % 2 === 0 ? 3 : 5, valuesPerSecond, script: [] });
      const random = new SeededRandom(seed);
      // Ten simulated seconds with a key about every 2/3 s, as an impatient newcomer would press them.
      for (let step = 0; step < 500; step++) {
        session.cluster.advanceTo(session.cluster.nowUs() + stepUs);
        if (random.chance(30)) session.press(random.pick(keys));
      }
      const status = session.status(0);
      if (status.isolatedId !== null) session.press('p');
      if (status.pausedId !== null) session.press('s');
      session.press('r');
      expect(advanceUntil(session, () => allCaughtUp(session), catchUpBudgetUs), `seed ${seed}`).toBe(true);
      expect(session.status(0).violation, `seed ${seed}`).toBeNull();
    }
  });
});

describe('live demo: display and input', () => {
  it('renders one row per node and fits the screen it is given', () => {
    const session = startedWithLeader();
    advanceFor(session, 300_000);
    const status = session.status(8);
    const lines = renderScreen(status, { style: plainStyle, keysEnabled: true, showKeys: true, rowsMax: 100, fixedHeight: true });
    for (const id of ['n1', 'n2', 'n3']) expect(lines.some((line) => line.trimStart().startsWith(`${id} `))).toBe(true);
    expect(lines.join('\n')).not.toContain('\u001b[');
    expect(lines.join('\n')).toContain('kill -9 the leader');
    const short = renderScreen(status, { style: plainStyle, keysEnabled: true, showKeys: true, rowsMax: 20, fixedHeight: true });
    expect(short.length).toBeLessThanOrEqual(20);
    expect(renderStatusLine(status)).toMatch(/leader n\d term \d+/u);
  });

  it('maps keys to commands and parses key schedules', () => {
    expect(commandForKey('K')).toBe('kill');
    expect(commandForKey('q')).toBe('quit');
    expect(commandForKey('\u0003')).toBe('quit');
    expect(commandForKey('x')).toBeUndefined();
    expect(parseKeySchedule('k@1500, r@3000')).toEqual([
      { key: 'k', atMs: 1500, command: 'kill' },
      { key: 'r', atMs: 3000, command: 'restart' },
    ]);
    expect(parseKeySchedule('q@100')).toBeTypeOf('string');
    expect(parseKeySchedule('k1500')).toBeTypeOf('string');
  });

  it('keeps simulated time in step with the wall clock, skipping a long stall', () => {
    const session = newSession();
    let wallMs = 1_000;
    const driver = new RealTimeDriver(session.cluster, () => wallMs);
    wallMs += 20;
    driver.step();
    expect(session.cluster.nowUs()).toBe(20_000);
    wallMs += 180;
    driver.step();
    expect(session.cluster.nowUs()).toBe(200_000);
    // A 10 s stall (a suspended laptop) is not replayed as a burst: the clock resumes from where it was.
    wallMs += 10_000;
    driver.step();
    expect(session.cluster.nowUs()).toBe(450_000);
    wallMs += 20;
    driver.step();
    expect(session.cluster.nowUs()).toBe(470_000);
  });
});

describe('live demo: the command', () => {
  it('runs, fails over after a scripted kill, and exits on its own with --exit-after-ms', async () => {
    const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(
      'npx',
      ['tsx', '--conditions=@raftmq/source', 'jepsen-tests/sim/cli/demo.ts', '--seed', '7', '--exit-after-ms', '3000', '--keys', 'k@1500'],
      { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exitCode, output).toBe(0);
    const killAt = output.indexOf('kill -9 n');
    expect(output.indexOf('is elected leader of term')).toBeLessThan(killAt);
    expect(output.slice(killAt)).toMatch(/is elected leader of term \d+, \d+ ms after the kill -9 of n\d/u);
    expect(output).toMatch(/acknowledged [1-9][\d,]*/u);
    expect(output).toContain('invariants  ok');
  });
});
