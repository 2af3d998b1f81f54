import cliProgress from 'cli-progress';

export interface Progress {
  /** Announces the next step, `label`, of `total`. */
  step(label: string): void;
  /** Prints a line without breaking the bar. */
  note(line: string): void;
  stop(): void;
}

/**
 * A progress bar named `name` on a terminal; one line per step otherwise (CI
 * logs, pipes). Both on stderr, so stdout stays the report. `note` prints a
 * line without breaking the bar.
 */
export function createNamedProgress(name: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${name} |{bar}| {value}/{total} {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: '' });
    let done = 0;
    return {
      step: (label) => bar.update(done++, { label }),
      note: (line) => {
        bar.stop();
        process.stderr.write(`${line}\n`);
        bar.start(total, Math.max(0, done - 1), {});
      },
      stop: () => {
        bar.update(total, { label: 'done' });
        bar.stop();
      },
    };
  }
  let done = 0;
  return {
    step: (label) => process.stderr.write(`[${++done}/${total}] ${label}\n`),
    note: (line) => process.stderr.write(`  ${line}\n`),
    stop: () => undefined,
  };
}
