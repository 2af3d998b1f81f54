import { describe, expect, it } from 'vitest';
import { ChartDataError } from '../report/errors.js';
import { binSamples, histogramChart } from '../report/histogram.js';
import { lineChart } from '../report/line-chart.js';
import { paletteFor, PALETTE_COLOURS } from '../report/palette.js';
import { percentileChart } from '../report/percentile-chart.js';
import { formatTick, linearTicks, log10Scale, log2Scale, niceStep } from '../report/scale.js';
import { element, escapeXml, svgNumber, text } from '../report/svg.js';
import { markupProblems } from './report-markup.js';

describe('svg primitives', () => {
  it('escapes text and attribute values', () => {
    expect(escapeXml(`a <b> & "c" 'd'`)).toBe('a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;');
    expect(text('p99 < 5 & up', { x: 1, y: 2 })).toBe('<text x="1" y="2">p99 &lt; 5 &amp; up</text>');
    expect(element('rect', { x: 1.23456, fill: 'a"b', stroke: undefined })).toBe('<rect x="1.23" fill="a&quot;b"/>');
  });

  it('refuses to write a coordinate that is not a number', () => {
    expect(() => svgNumber(Number.NaN)).toThrow(ChartDataError);
    expect(() => element('circle', { cx: Number.POSITIVE_INFINITY })).toThrow(ChartDataError);
    expect(svgNumber(-0.001)).toBe('0');
  });

  it('makes round ticks', () => {
    expect(niceStep(23)).toBe(50);
    expect(niceStep(0.12)).toBe(0.2);
    expect(linearTicks(0, 730, 5)).toEqual([0, 200, 400, 600, 800]);
    expect(log2Scale(1, 64, 0, 100).ticks).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(log2Scale(64, 64, 0, 100).ticks).toEqual([64, 128]);
    expect(log10Scale(1.5, 95, 0, 100).ticks).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(formatTick(20_000)).toBe('20k');
    expect(formatTick(1500)).toBe('1,500');
  });

  it('gives each name its own colour-blind-safe colour, the same in every chart', () => {
    const styleOf = paletteFor(['RaftMQ', 'etcd', 'RaftMQ']);
    expect(styleOf('RaftMQ').colour).toBe(PALETTE_COLOURS[0]);
    expect(styleOf('etcd').colour).toBe(PALETTE_COLOURS[1]);
    expect(styleOf('etcd').marker).not.toBe(styleOf('RaftMQ').marker);
  });
});

describe('histogramChart', () => {
  it('bins every series over the same bins, the largest sample in the last', () => {
    const { widthMs, counts } = binSamples([[0, 10, 240], [120, 480, Number.NaN]], 24);
    expect(widthMs).toBe(20);
    expect(counts[0]?.length).toBe(counts[1]?.length);
    expect(counts[0]?.reduce((sum, each) => sum + each, 0)).toBe(3);
    expect(counts[1]?.reduce((sum, each) => sum + each, 0)).toBe(2);
    expect(counts[1]?.at(-1)).toBe(1);
  });

  it('is well-formed, titled, labelled, with a bar per non-empty bin and series', () => {
    const svg = histogramChart(
      [
        { name: 'RaftMQ <default>', samples: [180, 210, 230] },
        { name: 'etcd 50/300', samples: [340, 390] },
      ],
      { id: 'h', title: 'Failover & more' },
    );
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('role="img"');
    expect(svg).toContain('<title id="h-title">Failover &amp; more</title>');
    expect(svg).toContain('RaftMQ &lt;default&gt; (n = 3)');
    expect(svg).toContain('time after the fault (ms)');
    expect(svg.match(/<rect [^>]*><title>/g)?.length).toBe(5);
  });

  it('says there are no samples rather than drawing NaN', () => {
    const svg = histogramChart([{ name: 'RaftMQ', samples: [] }], { id: 'e', title: 'empty' });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('no samples');
  });
});

describe('lineChart', () => {
  it('draws one line per system on a log-2 axis, leaving out points it cannot place', () => {
    const svg = lineChart(
      [
        { name: 'RaftMQ', points: [{ x: 64, y: 21_000 }, { x: 1, y: 900 }] },
        { name: 'etcd', points: [{ x: 1, y: 450 }, { x: 64, y: Number.NaN }, { x: 0, y: 3 }] },
      ],
      { id: 't', title: 'Throughput', xLabel: 'in flight (log 2)', yLabel: 'messages per second' },
    );
    expect(markupProblems(svg)).toEqual([]);
    expect(svg.match(/<polyline /g)?.length).toBe(1);
    expect(svg).toContain('>64</text>');
    expect(svg).toContain('messages per second');
  });

  it('handles no points at all', () => {
    const svg = lineChart([], { id: 'n', title: 'none', xLabel: 'x', yLabel: 'y' });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('no points');
  });
});

describe('percentileChart', () => {
  it('puts p50, p99 and p999 on each row and says which are missing', () => {
    const svg = percentileChart(
      [
        { system: 'RaftMQ', label: 'RaftMQ · 64 in flight', values: { p50: 2.9, p99: 7.5, p999: 15 } },
        { system: 'etcd', label: 'etcd · 1 in flight', values: { p50: 2.2, p99: 4, p999: Number.NaN } },
        { system: 'etcd', label: 'etcd · 2 in flight', values: {} },
      ],
      { id: 'p', title: 'Latency' },
    );
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('RaftMQ · 64 in flight: p999 15 ms');
    expect(svg).toContain('p999 missing');
    expect(svg).toContain('>missing</text>');
    expect(svg).toContain('latency (ms, log scale)');
  });
});
