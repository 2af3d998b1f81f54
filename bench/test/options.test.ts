import { describe, expect, it } from 'vitest';
import { parseCommitlogFlags } from '../commitlog/options.js';
import { formatBytes, formatNumber, parseSize } from '../commitlog/units.js';

describe('parseCommitlogFlags', () => {
  it('defaults to the full matrix, 2 s per case and a 0.25 GiB big log', () => {
    const config = parseCommitlogFlags({});
    expect(config).toMatchObject({ sizes: [128, 1024, 16384], appenders: [1, 64], flush: ['sync', 'async'], seconds: 2, quick: false });
    expect(config.stores).toEqual(['SegmentLog', 'LevelLog', 'MemoryLog']);
    expect(config.bigLogBytes).toBe(0.25 * 2 ** 30);
  });

  it('shortens what no flag sets when quick, and lets flags win', () => {
    expect(parseCommitlogFlags({ quick: true })).toMatchObject({ seconds: 0.25, quick: true });
    expect(parseCommitlogFlags({ quick: true, seconds: '1' }).seconds).toBe(1);
  });

  it('parses lists, sizes with units and store names', () => {
    expect(parseCommitlogFlags({ sizes: '128, 1KiB,16k', appenders: '1,8', flush: 'async', stores: 'level,MemoryLog' })).toMatchObject({
      sizes: [128, 1024, 16384],
      appenders: [1, 8],
      flush: ['async'],
      stores: ['LevelLog', 'MemoryLog'],
    });
    expect(parseCommitlogFlags({ bigLogGib: '0' }).bigLogBytes).toBe(0);
  });

  it('names the flag of a bad value', () => {
    expect(() => parseCommitlogFlags({ appenders: '0' })).toThrow(/--appenders/);
    expect(() => parseCommitlogFlags({ flush: 'fast' })).toThrow(/--flush/);
    expect(() => parseCommitlogFlags({ stores: 'rocks' })).toThrow(/--stores/);
    expect(() => parseCommitlogFlags({ seconds: '-1' })).toThrow(/--seconds/);
    expect(() => parseCommitlogFlags({ sizes: '' })).toThrow(/--sizes/);
    expect(() => parseCommitlogFlags({ sizes: 'big' })).toThrow(/not a size/);
  });
});

describe('units', () => {
  it('parses and formats binary sizes', () => {
    expect(parseSize('4MiB')).toBe(4 * 2 ** 20);
    expect(parseSize('1.5k')).toBe(1536);
    expect(() => parseSize('0.5')).toThrow();
    expect([formatBytes(128), formatBytes(1024), formatBytes(16384), formatBytes(0.25 * 2 ** 30)]).toEqual(['128 B', '1 KiB', '16 KiB', '256 MiB']);
  });

  it('formats numbers to three figures, separating thousands', () => {
    expect([formatNumber(1234567.8), formatNumber(98.765), formatNumber(0.51234), formatNumber(Number.NaN)]).toEqual(['1,234,568', '98.8', '0.512', '–']);
  });
});
