import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryOp } from '../checker/history.js';
import { serializeHistory } from '../checker/history.js';
import type { JepsenResults } from '../checker/results.js';
import { renderJepsenReport } from '../report/render-html.js';

/** The HTML report; a renderer that throws still leaves the history and results, with a note saying why. */
function renderReport(results: JepsenResults): { html: string } | { note: string } {
  try {
    return { html: renderJepsenReport(results) };
  } catch (error) {
    return { note: `The HTML report was not written: ${(error as Error).message}` };
  }
}

/** Writes history.jsonl, results.json and the HTML report (index.html) into `<out>/<run>/`; returns that directory and the results as written. */
export async function writeResults(out: string, results: JepsenResults, history: readonly HistoryOp[]): Promise<{ directory: string; results: JepsenResults }> {
  const directory = join(out, results.run);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'history.jsonl'), serializeHistory(history));
  const report = renderReport(results);
  const written = 'note' in report ? { ...results, notes: [...results.notes, report.note] } : results;
  writeFileSync(join(directory, 'results.json'), `${JSON.stringify(written, null, 2)}\n`);
  if ('html' in report) writeFileSync(join(directory, 'index.html'), report.html);
  return { directory, results: written };
}
