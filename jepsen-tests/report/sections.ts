import type { JepsenResults } from '../checker/results.js';
import { escapeHtml, formatNumber } from './html-escape.js';
import { laneColour, nemesisLanes } from './svg-nemesis.js';
import { SERIES_COLOURS } from './svg-series.js';

type Counts = JepsenResults['counts'];

/** Counts in the order a reader checks them; `violation` marks the ones that break the queue's guarantees when non-zero. */
const COUNT_ROWS: readonly { readonly key: keyof Counts; readonly label: string; readonly violation: boolean }[] = [
  { key: 'sent', label: 'sent', violation: false },
  { key: 'acknowledged', label: 'acknowledged', violation: false },
  { key: 'failed', label: 'failed (definitely not written)', violation: false },
  { key: 'unknown', label: 'unknown (may or may not be written)', violation: false },
  { key: 'consumed', label: 'consumed', violation: false },
  { key: 'lost', label: 'lost (acknowledged, never consumed)', violation: true },
  { key: 'unexpected', label: 'unexpected (consumed, never sent)', violation: true },
  { key: 'duplicated', label: 'duplicated', violation: true },
  { key: 'recovered', label: 'recovered (unknown, later consumed)', violation: false },
  { key: 'orderViolations', label: 'order violations', violation: true },
  { key: 'offsetViolations', label: 'offset violations', violation: true },
  { key: 'doubleMasters', label: 'double masters', violation: true },
];

export function renderHeader(results: JepsenResults): string {
  const { config } = results;
  const configRows: readonly (readonly [string, string])[] = [
    ['nemeses', config.nemeses.length > 0 ? config.nemeses.join(', ') : 'none'],
    ['time', `${formatNumber(config.timeSeconds)} s`],
    ['rate', `${formatNumber(config.rate)} sends/s`],
    ['nodes', formatNumber(config.nodes)],
    ['seed', formatNumber(config.seed)],
    ...(config.partitionsBy === undefined ? [] : [['partitions by', config.partitionsBy] as const]),
  ];
  return (
    `<header><h1>RaftMQ Jepsen run ${escapeHtml(results.run)}</h1>` +
    `<p class="meta">started ${escapeHtml(results.startedAt)}</p>` +
    `<dl class="config">${configRows.map(([name, value]) => `<dt>${name}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>` +
    renderVerdict(results) +
    '</header>'
  );
}

/** The verdict stays in the header: it is the one thing every reader opens the report for. */
function renderVerdict(results: JepsenResults): string {
  const valid = results.verdict === 'valid';
  const badge = `<div class="verdict verdict-${valid ? 'valid' : 'invalid'}" id="verdict">${valid ? 'VALID' : 'INVALID'}</div>`;
  if (results.violations.length === 0) {
    // An invalid verdict with nothing listed is itself worth pointing out.
    return valid ? badge : `${badge}<p class="violations">No violation was recorded for this invalid verdict.</p>`;
  }
  const items = results.violations.map((each) => `<li><code>${escapeHtml(each.checker)}</code>: ${escapeHtml(each.message)}</li>`);
  return `${badge}<ul class="violations">${items.join('')}</ul>`;
}

export function renderCounts(counts: Counts): string {
  const rows = COUNT_ROWS.map(({ key, label, violation }) => {
    const value = counts[key];
    const flagged = violation && value !== 0;
    return `<tr${flagged ? ' class="violation"' : ''} data-count="${key}"><td>${escapeHtml(label)}</td><td class="number">${formatNumber(value)}</td></tr>`;
  });
  return `<section><h2>Counts</h2><table class="counts"><tbody>${rows.join('')}</tbody></table></section>`;
}

export function renderLegend(results: JepsenResults): string {
  const series = [
    ['ok sends', SERIES_COLOURS.ok, false],
    ['failed sends', SERIES_COLOURS.failed, false],
    ['unknown sends', SERIES_COLOURS.unknown, false],
    ['consumed', SERIES_COLOURS.consumed, true],
    ['p50 latency', SERIES_COLOURS.p50, true],
    ['p99 latency', SERIES_COLOURS.p99, true],
  ] as const;
  const items = [
    ...series.map(([label, colour, line]) => `<span><span class="swatch${line ? ' line' : ''}" style="background:${colour}"></span>${label}</span>`),
    ...nemesisLanes(results).map((name, index) => `<span><span class="swatch" style="background:${laneColour(index)};opacity:0.6"></span>nemesis: ${escapeHtml(name)}</span>`),
  ];
  return `<div class="legend">${items.join('')}</div>`;
}

export function renderNemesisEvents(events: JepsenResults['nemesisEvents']): string {
  if (events.length === 0) return '<section><h2>Nemesis events</h2><p class="none">No nemesis acted during this run.</p></section>';
  const rows = events.map(
    (each) =>
      `<tr><td>${escapeHtml(each.name)}</td><td>${escapeHtml(each.action)}</td><td>${escapeHtml(each.target)}</td>` +
      `<td class="number">${formatNumber(each.startMs)}</td><td class="number">${each.endMs === null ? 'never ended' : formatNumber(each.endMs)}</td></tr>`,
  );
  return `<section><h2>Nemesis events</h2><table><thead><tr><th>nemesis</th><th>action</th><th>target</th><th>start, ms</th><th>end, ms</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

export function renderSkipped(skipped: JepsenResults['nemesisSkipped']): string {
  if (skipped.length === 0) return '<section><h2>Skipped nemeses</h2><p class="none">None: every requested nemesis ran.</p></section>';
  const rows = skipped.map((each) => `<tr><td>${escapeHtml(each.name)}</td><td>${escapeHtml(each.reason)}</td></tr>`);
  return `<section><h2>Skipped nemeses</h2><table class="skipped"><thead><tr><th>nemesis</th><th>reason</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

export function renderRecovery(healedWritesWithinMs: number | null): string {
  const text =
    healedWritesWithinMs === null
      ? 'No send was acknowledged within the probe deadline after the faults were healed (or recovery was not measured).'
      : `A send was acknowledged ${formatNumber(healedWritesWithinMs)} ms after the faults were healed.`;
  return `<section><h2>Recovery</h2><p id="healed-writes">${text}</p></section>`;
}

export function renderNotes(notes: readonly string[]): string {
  if (notes.length === 0) return '<section><h2>Notes</h2><p class="none">No notes.</p></section>';
  return `<section><h2>Notes</h2><ul class="notes">${notes.map((each) => `<li>${escapeHtml(each)}</li>`).join('')}</ul></section>`;
}
