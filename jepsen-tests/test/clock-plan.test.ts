import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClockFiles, faketimeEnv } from '../runner/nemesis/clock-files.js';
import { jumpSeconds, noOffset, offsetText, planClockFault, strobeFlipMsMax, strobeFlipMsMin } from '../runner/nemesis/clock-plan.js';
import { splitNemeses } from '../runner/options.js';
import { SeededRandom } from '../runner/random.js';

const seeds = Array.from({ length: 200 }, (_, index) => index + 1);
const relativeOffset = /^[+-]\d+[sm]?$/;

describe('the clock nemesis plan', () => {
  it('writes offsets in libfaketime relative format', () => {
    expect(offsetText(0)).toBe('+0');
    expect(offsetText(30)).toBe('+30s');
    expect(offsetText(-45)).toBe('-45s');
    expect(offsetText(300)).toBe('+5m');
    expect(offsetText(-300)).toBe('-5m');
    expect(offsetText(90)).toBe('+90s');
    expect(() => offsetText(1.5)).toThrow(RangeError);
  });

  it('jumps seconds to minutes either way, never zero', () => {
    const jumps = seeds.map((seed) => jumpSeconds(new SeededRandom(seed)));
    expect(jumps.every((seconds) => Math.abs(seconds) >= 5 && Math.abs(seconds) <= 600)).toBe(true);
    expect(jumps.some((seconds) => seconds < 0)).toBe(true);
    expect(jumps.some((seconds) => seconds >= 60)).toBe(true);
  });

  it('plans the same fault for the same seed', () => {
    expect(planClockFault(new SeededRandom(42), 3_000)).toEqual(planClockFault(new SeededRandom(42), 3_000));
  });

  it('holds a jump for the whole hold, and strobes between two different offsets every 50-200 ms for exactly the hold', () => {
    const plans = seeds.map((seed) => planClockFault(new SeededRandom(seed), 2_500));
    expect(new Set(plans.map((plan) => plan.variant))).toEqual(new Set(['jump', 'jump-leader', 'strobe']));
    for (const plan of plans) {
      expect(plan.steps.every((step) => relativeOffset.test(step.offset))).toBe(true);
      expect(plan.steps.reduce((sum, step) => sum + step.waitMs, 0)).toBe(2_500);
      if (plan.variant !== 'strobe') {
        expect(plan.steps).toHaveLength(1);
        expect(plan.steps[0]?.offset).not.toBe(noOffset);
        continue;
      }
      const offsets = new Set(plan.steps.map((step) => step.offset));
      expect(offsets.size).toBe(2);
      plan.steps.forEach((step, index) => {
        expect(step.offset).not.toBe(plan.steps[index + 1]?.offset);
        // Only the last flip is cut short to end with the hold.
        if (index < plan.steps.length - 1) expect(step.waitMs).toBeGreaterThanOrEqual(strobeFlipMsMin);
        expect(step.waitMs).toBeLessThanOrEqual(strobeFlipMsMax);
      });
    }
  });
});

describe('the replicas clock files', () => {
  it('give each replica its own file under libfaketime, faking the wall clock only, and reset to +0', () => {
    const directory = mkdtempSync(join(tmpdir(), 'raftmq-clock-files-'));
    try {
      const clock = new ClockFiles('/lib/libfaketime.so.1', directory);
      expect(clock.env('n1')).toEqual(faketimeEnv('/lib/libfaketime.so.1', join(directory, 'n1.faketime')));
      expect(clock.env('n1')).toMatchObject({ LD_PRELOAD: '/lib/libfaketime.so.1', FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' });
      expect(clock.file('n1')).not.toBe(clock.file('n2'));
      clock.set('n2', '-5m');
      expect(readFileSync(clock.file('n2'), 'utf8')).toBe('-5m\n');
      clock.resetAll(['n1', 'n2']);
      expect(readFileSync(clock.file('n1'), 'utf8')).toBe('+0\n');
      expect(readFileSync(clock.file('n2'), 'utf8')).toBe('+0\n');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('counts clock and power as built nemeses and skips an unknown one with a reason', () => {
    expect(splitNemeses(['clock', 'power', 'flood'])).toEqual({ used: ['clock', 'power'], skipped: [{ name: 'flood', reason: expect.stringContaining('unknown nemesis') }] });
  });
});
