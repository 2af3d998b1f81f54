import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/index.js';

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills in documented defaults', () => {
    const config = parseConfig({ id: 'n1' });
    expect(config.electionTimeoutTicksMin).toBe(15);
    expect(config.electionTimeoutTicksMax).toBe(30);
    expect(config.heartbeatIntervalTicks).toBe(5);
    expect(config.transferTimeoutTicks).toBe(30);
    expect(config.preVote).toBe(true);
    expect(config.checkQuorum).toBe(true);
  });

  it('names the field that is wrong', () => {
    expect(fieldOf(() => parseConfig({ id: '' }))).toBe('id');
    expect(fieldOf(() => parseConfig({ id: 'n1', electionTimeoutTicksMin: 0 }))).toBe('electionTimeoutTicksMin');
    expect(fieldOf(() => parseConfig({ id: 'n1', electionTimeoutTicksMin: 20, electionTimeoutTicksMax: 10 }))).toBe('electionTimeoutTicksMax');
    expect(fieldOf(() => parseConfig({ id: 'n1', heartbeatIntervalTicks: 15 }))).toBe('heartbeatIntervalTicks');
    expect(fieldOf(() => parseConfig({ id: 'n1', readMode: 'lease', checkQuorum: false }))).toBe('readMode');
    expect(fieldOf(() => parseConfig({ id: 'n1', inflightMessagesMax: 1.5 }))).toBe('inflightMessagesMax');
    expect(fieldOf(() => parseConfig({ id: 'n1', leaseMarginTicks: 15 }))).toBe('leaseMarginTicks');
  });

  it('refuses fields it does not know, so a typo is not silently ignored', () => {
    expect(fieldOf(() => parseConfig({ id: 'n1', electionTimeoutMs: 100 } as never))).toBe('electionTimeoutMs');
  });

  it('keeps a preferred leader when given', () => {
    expect(parseConfig({ id: 'n1', preferredLeaderId: 'n2' }).preferredLeaderId).toBe('n2');
  });
});
