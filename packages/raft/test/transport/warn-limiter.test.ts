import { describe, expect, it } from 'vitest';
import { WarnLimiter, warnIntervalMs, warnLinesPerIntervalMax } from '../../src/transport/warn-limiter.js';
import { RecordingLogger } from './helpers.js';

describe('WarnLimiter', () => {
  it('writes at most warnLinesPerIntervalMax lines per kind per interval, then says how many it held back', () => {
    const logger = new RecordingLogger();
    let nowMs = 0;
    let suppressed = 0;
    const limiter = new WarnLimiter(logger, () => (suppressed += 1), () => nowMs);
    for (let index = 0; index < 25; index += 1) limiter.warn('frame-malformed', { index }, 'dropped a frame');
    limiter.warn('message-spoofed', {}, 'dropped a message');
    expect(logger.warnings('frame-malformed')).toHaveLength(warnLinesPerIntervalMax);
    expect(logger.warnings('message-spoofed')).toHaveLength(1);
    expect(suppressed).toBe(25 - warnLinesPerIntervalMax);

    nowMs += warnIntervalMs;
    limiter.warn('frame-malformed', { index: 25 }, 'dropped a frame');
    const lines = logger.warnings('frame-malformed');
    expect(lines).toHaveLength(warnLinesPerIntervalMax + 1);
    expect(lines.at(-1)!.fields).toStrictEqual({ kind: 'frame-malformed', index: 25, suppressed: 25 - warnLinesPerIntervalMax });
  });
});
