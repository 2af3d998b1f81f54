import { describe, expect, it } from 'vitest';
import type { JepsenResults } from '../checker/results.js';
import { escapeHtml } from '../report/html-escape.js';
import { renderJepsenReport } from '../report/render-html.js';
import { linearTicks, logTicks } from '../report/scale.js';

const zeroCounts: JepsenResults['counts'] = {
  sent: 0, acknowledged: 0, failed: 0, unknown: 0, consumed: 0, lost: 0,
  unexpected: 0, duplicated: 0, recovered: 0, orderViolations: 0, offsetViolations: 0, doubleMasters: 0,
};

const second = (n: number, ok: number, failed = 0, unknown = 0, p50: number | null = 3, p99: number | null = 12) => ({
  second: n, okSends: ok, failedSends: failed, unknownSends: unknown, consumed: ok, sendLatencyP50Ms: p50, sendLatencyP99Ms: p99,
});

const validRun: JepsenResults = {
  run: 'run-2024-05-01T10-00-00Z',
  startedAt: '2024-05-01T10:00:00.000Z',
  config: { nemeses: ['kill'], timeSeconds: 6, rate: 50, nodes: 3, seed: 42 },
  nemesisSkipped: [],
  // An election under the kill: seconds 2-3 have no acknowledged send and no latency.
  timeline: [second(0, 50), second(1, 48, 2), second(2, 0, 10, 5, null, null), second(3, 0, 8, 0, null, null), second(4, 50, 0, 0, 4, 900), second(5, 50)],
  nemesisEvents: [{ name: 'kill', action: 'kill', target: 'broker-1', startMs: 1_800, endMs: 3_900 }],
  counts: { ...zeroCounts, sent: 263, acknowledged: 198, failed: 60, unknown: 5, consumed: 200, recovered: 2 },
  verdict: 'valid',
  violations: [],
  healedWritesWithinMs: 412,
  notes: ['drained for 2 s'],
};

const maliciousTarget = '<script>alert(1)</script>';

const invalidRun: JepsenResults = {
  ...validRun,
  run: 'run-"bad"&<b>',
  config: { ...validRun.config, nemeses: ['kill', 'partition', 'clock-skew'] },
  nemesisSkipped: [{ name: 'clock-skew', reason: 'needs CAP_SYS_TIME; not available in this container' }],
  nemesisEvents: [
    { name: 'kill', action: 'kill', target: maliciousTarget, startMs: 500, endMs: 1_500 },
    { name: 'partition', action: 'isolate', target: 'broker-2', startMs: 2_000, endMs: 3_000 },
    { name: 'kill', action: 'kill', target: 'broker-3', startMs: 4_000, endMs: null },
  ],
  counts: { ...validRun.counts, lost: 3, doubleMasters: 1 },
  verdict: 'invalid',
  violations: [
    { checker: 'total-queue/lost', message: 'value <v-17> acknowledged at queue 1 offset 4, never consumed' },
    { checker: 'double-masters', message: 'broker-1 and broker-2 both master of term 3' },
  ],
  healedWritesWithinMs: null,
  notes: ['note with <i>markup</i>'],
};

const countOf = (html: string, pattern: RegExp) => html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
const countRow = (html: string, key: string) => new RegExp(`<tr([^>]*) data-count="${key}"><td>[^<]*</td><td class="number">([^<]*)</td>`).exec(html);

describe('renderJepsenReport', () => {
  it('renders one complete HTML document with a valid verdict, the configuration and the counts', () => {
    const html = renderJepsenReport(validRun);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(countOf(html, /<html[\s>]/)).toBe(1);
    expect(countOf(html, /<\/html>/)).toBe(1);
    expect(countOf(html, /<body>/)).toBe(1);
    expect(html).toContain('<div class="verdict verdict-valid" id="verdict">VALID</div>');
    expect(html).not.toContain('class="verdict verdict-invalid"');
    expect(html).toContain(validRun.run);
    expect(html).toContain(validRun.startedAt);
    expect(html).toContain('<dt>rate</dt><dd>50 sends/s</dd>');
    expect(html).toContain('<dt>seed</dt><dd>42</dd>');
    expect(countRow(html, 'sent')?.[2]).toBe('263');
    expect(countRow(html, 'acknowledged')?.[2]).toBe('198');
    expect(countRow(html, 'failed')?.[2]).toBe('60');
    expect(countRow(html, 'recovered')?.[2]).toBe('2');
    for (const key of Object.keys(zeroCounts)) expect(countRow(html, key), key).not.toBeNull();
    expect(html).not.toContain('class="violation"');
    expect(html).toContain('412 ms');
    expect(html).toContain('drained for 2 s');
  });

  it('draws the timeline as inline SVG: one band per nemesis event, sends, consumed and both latency lines, with tick labels', () => {
    const html = renderJepsenReport(validRun);
    expect(countOf(html, /<svg class="timeline"/)).toBe(1);
    expect(countOf(html, /class="nemesis-band/)).toBe(1);
    expect(html).toContain('<title>kill: kill broker-1 from 1800 ms to 3900 ms</title>');
    expect(html).toContain('class="series-consumed"');
    expect(html).toContain('class="series-p50"');
    expect(html).toContain('class="series-p99"');
    // The election gap: the latency path restarts after the null seconds rather than bridging them.
    const p99 = /class="series-p99" d="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(countOf(p99, /M/)).toBe(2);
    // Time ticks 0..6 s, and decade ticks up to 1000 ms for the 900 ms p99.
    for (const tick of ['0', '3', '6']) expect(html).toMatch(new RegExp(`<text class="tick"[^>]*text-anchor="middle">${tick}</text>`));
    expect(html).toMatch(/<text class="tick"[^>]*>1000<\/text>/);
    expect(html).toContain('seconds since the run started');
  });

  it('renders an invalid run: the verdict, every violation, highlighted non-zero violation counts, one band per event and the skipped reason', () => {
    const html = renderJepsenReport(invalidRun);
    expect(html).toContain('<div class="verdict verdict-invalid" id="verdict">INVALID</div>');
    expect(html).toContain('<code>total-queue/lost</code>: value &lt;v-17&gt; acknowledged at queue 1 offset 4, never consumed');
    expect(html).toContain('<code>double-masters</code>: broker-1 and broker-2 both master of term 3');
    expect(countRow(html, 'lost')).toMatchObject({ 1: ' class="violation"', 2: '3' });
    expect(countRow(html, 'doubleMasters')).toMatchObject({ 1: ' class="violation"', 2: '1' });
    // Zero violation counts, and non-violation counts however large, stay plain.
    expect(countRow(html, 'duplicated')?.[1]).toBe('');
    expect(countRow(html, 'failed')?.[1]).toBe('');
    expect(countOf(html, /class="nemesis-band/)).toBe(invalidRun.nemesisEvents.length);
    expect(countOf(html, /data-nemesis="kill"/)).toBe(2);
    expect(countOf(html, /data-nemesis="partition"/)).toBe(1);
    expect(countOf(html, /class="nemesis-band open"/)).toBe(1);
    expect(html).toContain('<td>clock-skew</td><td>needs CAP_SYS_TIME; not available in this container</td>');
    expect(html).toContain('clock-skew (skipped)');
    expect(html).toContain('No send was acknowledged within the probe deadline');
  });

  it('escapes every string from the run, including a malicious nemesis target', () => {
    const html = renderJepsenReport(invalidRun);
    expect(html).not.toContain(maliciousTarget);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(escapeHtml(maliciousTarget));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('run-&quot;bad&quot;&amp;&lt;b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).toContain('note with &lt;i&gt;markup&lt;/i&gt;');
    expect(html).not.toContain('<i>markup');
  });

  it('references no external resource: no src or href to the network, no external stylesheet or script', () => {
    for (const results of [validRun, invalidRun]) {
      const html = renderJepsenReport(results);
      expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
      expect(html).not.toMatch(/\b(src|href)\s*=/i);
      expect(html).not.toMatch(/<link\b/i);
      expect(html).not.toMatch(/@import|url\(/i);
      expect(countOf(html, /<style>/)).toBe(1);
    }
  });

  it('renders an empty run without throwing: no timeline, no events, no latency', () => {
    const empty: JepsenResults = { ...validRun, config: { ...validRun.config, nemeses: [], timeSeconds: 0 }, timeline: [], nemesisEvents: [], notes: [] };
    const html = renderJepsenReport(empty);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(countOf(html, /class="nemesis-band/)).toBe(0);
    expect(html).toContain('no acknowledged sends, so no latency');
    expect(html).toContain('No nemesis acted during this run.');
  });

  it('keeps every drawn coordinate finite and inside the chart', () => {
    const html = renderJepsenReport(invalidRun);
    expect(html).not.toMatch(/NaN|Infinity/);
    const svg = /<svg class="timeline" viewBox="0 0 (\d+) (\d+)"[\s\S]*<\/svg>/.exec(html);
    expect(svg).not.toBeNull();
    const [width, height] = [Number(svg![1]), Number(svg![2])];
    for (const [, name, value] of svg![0].matchAll(/\s(x|x1|x2|y|y1|y2)="(-?[\d.]+)"/g)) {
      const limit = name!.startsWith('x') ? width : height;
      expect(Number(value), `${name}=${value}`).toBeGreaterThanOrEqual(0);
      expect(Number(value), `${name}=${value}`).toBeLessThanOrEqual(limit);
    }
  });
});

describe('report scales', () => {
  it('linear ticks start at zero and bound the maximum; an all-zero series still gets an axis', () => {
    expect(linearTicks(47, 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(linearTicks(0, 1)).toEqual([0, 1]);
  });

  it('log ticks cover whole decades', () => {
    expect(logTicks(1, 1_000)).toEqual([1, 10, 100, 1_000]);
  });
});
