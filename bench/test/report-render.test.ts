import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeAppendCases } from '../commitlog/ratios.js';
import { commitlogReportData } from '../commitlog/report-data.js';
import { runNameFor, SHARED_RUN_ENVIRONMENT_VARIABLE } from '../commitlog/results.js';
import { ReportInputError } from '../report/errors.js';
import { renderReportHtml } from '../report/html.js';
import { renderReportMarkdown } from '../report/markdown.js';
import { mergeReportData } from '../report/merge.js';
import type { ReportPart } from '../report/merge.js';
import { markdownToHtml } from '../report/markdown-html.js';
import { readResultsDirectory } from '../report/read.js';
import { renderReport } from '../report/render.js';
import { checkReportData } from '../report/validate.js';
import { ANCHORS, caseResult } from './fixtures.js';
import { markupProblems } from './report-markup.js';

const FIXTURE_RUN = fileURLToPath(new URL('./fixtures/report-run/', import.meta.url));
const CONTEXT = { runName: '2026-01-01T00-00-00' };

function part(file: string, data: ReportPart['data']): ReportPart {
  return { file, data, problems: [] };
}

const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function copyOfFixture(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'report-test-'));
  scratch.push(directory);
  await cp(FIXTURE_RUN, directory, { recursive: true });
  return directory;
}

describe('mergeReportData', () => {
  it('concatenates series in file order and keeps the first reading of an anchor, with every reading listed', () => {
    const merged = mergeReportData([
      part('throughput.json', { anchors: { fdatasyncPerSecond: 1800 }, headlines: [{ name: 'b', value: 2 }] }),
      part('commitlog.json', { anchors: { fdatasyncPerSecond: 2000, groupCommitMegabytesPerSecond: 390 }, headlines: [{ name: 'a', value: 1 }] }),
    ]);
    expect(merged.parts.map((each) => each.file)).toEqual(['commitlog.json', 'throughput.json']);
    expect(merged.data.anchors).toEqual({ fdatasyncPerSecond: 2000, groupCommitMegabytesPerSecond: 390 });
    expect(merged.anchorReadings.filter((reading) => reading.anchor === 'fdatasyncPerSecond').map((reading) => reading.file)).toEqual([
      'commitlog.json',
      'throughput.json',
    ]);
    expect(merged.headlines.map((headline) => `${headline.name}@${headline.file}`)).toEqual(['a@commitlog.json', 'b@throughput.json']);
    expect(merged.data.headlines).toEqual([
      { name: 'a', value: 1 },
      { name: 'b', value: 2 },
    ]);
  });

  it('invents nothing for parts no file has', () => {
    const merged = mergeReportData([part('commitlog.json', { headlines: [] })]);
    expect(merged.data).toEqual({});
  });
});

describe('checkReportData', () => {
  it('reads null figures as missing and drops what is not ReportData, saying so', () => {
    const { data, problems } = checkReportData({
      failover: [{ system: 'RaftMQ', label: 'x', phase: 'write', nemesis: 'kill', nodes: 3, samplesMs: [1, null, 'x'], splitVoteTrials: 0, trials: 3 }, { label: 'no system' }],
      throughput: [{ system: 'etcd', sizeBytes: 1024, flush: 'sync', inflight: 1, messagesPerSecond: null, megabytesPerSecond: 1, p50Ms: 1, p99Ms: 2, p999Ms: 3 }],
      anchors: { fdatasyncPerSecond: null, loopbackRoundTripMs: 0.05 },
      headlines: 'nope',
    });
    expect(data.failover?.[0]?.samplesMs).toEqual([1]);
    expect(data.failover).toHaveLength(1);
    expect(Number.isNaN(data.throughput?.[0]?.messagesPerSecond)).toBe(true);
    expect(data.anchors).toEqual({ loopbackRoundTripMs: 0.05 });
    expect(data.headlines).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/^failover\[1\] dropped: system /), 'headlines is not a list']);
  });
});

describe('renderReportMarkdown', () => {
  it('shows every section as missing when there is nothing, and names the commands that fill them', () => {
    const markdown = renderReportMarkdown(mergeReportData([]), CONTEXT);
    expect(markdown).toContain('## Headline ratios\n\nMissing: no results file here has headline ratios.');
    expect(markdown).toContain('Missing: no results file here has failover samples (`npm run bench -- election`).');
    expect(markdown).toContain('| write + fdatasync of one small record | missing | per second |  |  |');
    expect(markdown).toContain('| election.json |  | missing | not in this directory: `npm run bench -- election` gives failover samples, RaftMQ beside etcd |');
    expect(markdown).not.toMatch(/NaN|undefined/);
  });

  it('tables the headlines with their verdicts, the failover percentiles and the latency cases', async () => {
    const contents = await readResultsDirectory(FIXTURE_RUN);
    const markdown = renderReportMarkdown(mergeReportData(contents.parts, contents.withoutReport), CONTEXT);
    expect(markdown).toContain('| ratio | value | target | verdict | from |');
    expect(markdown).toContain('| failover p99, RaftMQ ÷ etcd 50/300 | 0.50× | ≤ 0.75× | met | election.json |');
    expect(markdown).toContain('| commit log SegmentLog, sync, 1 KiB × 64: MB/s ÷ raw group commit, 64 KiB per fdatasync | 0.60× | ≥ 0.80× | missed | commitlog.json |');
    // etcd's null sample is a trial without a time: 4 samples of 5 trials.
    expect(markdown).toContain('| etcd 50/300 | etcd | first successful write | kill | 3 | 5 | 4 | 390 | 610 | 610 | 610 | 1 |');
    expect(markdown).toContain('| etcd | 1 KiB | sync | 1 | 2.2 | 4 | missing |');
    expect(markdown).toContain('| write + fdatasync of one small record | 2,000 | per second | commitlog.json | 1,800 (throughput.json) |');
    expect(markdown).toContain('| messaging.json |  | no report field |  |');
    expect(markdown).toContain('## Notes from commitlog.json\n\n### Commit log benchmark');
    expect(markdown).not.toMatch(/NaN|undefined/);
  });
});

describe('renderReportHtml', () => {
  it('is one well-formed page with the charts inline and nothing fetched', async () => {
    const contents = await readResultsDirectory(FIXTURE_RUN);
    const html = renderReportHtml(mergeReportData(contents.parts, contents.withoutReport), CONTEXT);
    expect(markupProblems(html)).toEqual([]);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain('Failover: first successful write after kill of the leader');
    expect(html).toContain('Throughput, 1 KiB messages, sync flush');
    expect(html).toContain('Latency, 1 KiB messages, sync flush');
    expect(html).toContain('3 of 4 targets met, 1 missed, 0 not judged.');
    expect(html).toContain('A note with a &lt;tag&gt; &amp; a table:');
    expect(html).not.toMatch(/(src|href)="http/);
    expect(html.indexOf('id="headlines"')).toBeLessThan(html.indexOf('id="failover"'));
    expect(html.indexOf('id="failover"')).toBeLessThan(html.indexOf('id="throughput"'));
    expect(html.indexOf('id="latency"')).toBeLessThan(html.indexOf('id="anchors"'));
  });

  it('says what is missing instead of drawing empty charts', () => {
    const html = renderReportHtml(mergeReportData([part('commitlog.json', { anchors: { fdatasyncPerSecond: 1 } })]), CONTEXT);
    expect(markupProblems(html)).toEqual([]);
    expect(html).not.toContain('<svg');
    expect(html).toContain('<p class="missing">Missing: no results file here has failover samples');
  });
});

describe('markdownToHtml', () => {
  it('turns the notes\' headings, tables and lists into HTML, escaped', () => {
    expect(markdownToHtml('## A & B\n\n| a | b\\|c |\n| --- | --- |\n| 1 | `x<y` |\n\n- one\n- **two**\n\ntext\nmore')).toBe(
      '<h2>A &amp; B</h2>\n<table><thead><tr><th>a</th><th>b|c</th></tr></thead><tbody><tr><td>1</td><td><code>x&lt;y</code></td></tr></tbody></table>\n<ul><li>one</li><li><strong>two</strong></li></ul>\n<p>text more</p>',
    );
  });
});

describe('renderReport', () => {
  it('writes report.html, report.md and results.json, and does not read its own results.json back', async () => {
    const directory = await copyOfFixture();
    const first = await renderReport(directory);
    expect(first.files.map((file) => file.slice(directory.length + 1))).toEqual(['report.html', 'report.md', 'results.json']);
    const results = JSON.parse(await readFile(join(directory, 'results.json'), 'utf8'));
    expect(results.sources.map((source: { file: string }) => source.file)).toEqual(['commitlog.json', 'election.json', 'throughput.json']);
    expect(results.withoutReport).toEqual(['messaging.json']);
    expect(results.report.failover).toHaveLength(2);
    expect(results.report.throughput[2].p999Ms).toBeNull();
    const second = await renderReport(directory);
    expect(second.report.parts).toHaveLength(3);
    expect(await readFile(join(directory, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('follows a latest file naming its run, and says when there is no directory', async () => {
    const directory = await copyOfFixture();
    await writeFile(join(directory, 'latest'), 'report-run\n');
    await cp(FIXTURE_RUN, join(directory, 'report-run'), { recursive: true });
    expect((await renderReport(join(directory, 'latest'))).directory).toBe(join(directory, 'report-run'));
    await expect(renderReport(join(directory, 'nowhere'))).rejects.toBeInstanceOf(ReportInputError);
  });
});

describe('commitlogReportData', () => {
  it('gives the smallest record\'s fdatasyncs per second, the best group commit and each targeted case as a headline', () => {
    const appends = judgeAppendCases([caseResult({ store: 'SegmentLog', appenders: 64, megabytesPerSecond: 90 }), caseResult({ store: 'MemoryLog' })], ANCHORS);
    const data = commitlogReportData(
      {
        benchmark: 'commitlog',
        startedAt: '2026-01-01T00:00:00.000Z',
        machine: { cpus: 'CPU', cpuCount: 2, memoryBytes: 1, node: 'v20', directory: 'the system temp directory' },
        config: {},
        anchors: ANCHORS,
        appends,
        bigLog: [],
        skipped: [],
      },
      '# Commit log benchmark\n',
    );
    expect(data.anchors).toEqual({ fdatasyncPerSecond: 2000, groupCommitMegabytesPerSecond: 390 });
    expect(data.headlines).toEqual([
      { name: 'commit log SegmentLog, sync, 1 KiB × 64: MB/s ÷ raw group commit, 64 KiB per fdatasync', value: 0.9, target: '≥ 0.80×', met: true },
    ]);
    expect(data.notes).toEqual(['# Commit log benchmark\n']);
  });
});

describe('runNameFor', () => {
  it('is the start time, or the run bench all shares through the environment', () => {
    const startedAt = new Date('2026-01-01T05:06:07.000Z');
    expect(runNameFor(startedAt, {})).toBe('2026-01-01T05-06-07');
    expect(runNameFor(startedAt, { [SHARED_RUN_ENVIRONMENT_VARIABLE]: '2026-01-01T00-00-00' })).toBe('2026-01-01T00-00-00');
    expect(() => runNameFor(startedAt, { [SHARED_RUN_ENVIRONMENT_VARIABLE]: '../elsewhere' })).toThrow(SHARED_RUN_ENVIRONMENT_VARIABLE);
  });
});
