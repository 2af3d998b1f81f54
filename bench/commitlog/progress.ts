import cliProgress from 'cli-progress';

export interface Progress {
  /** Announces the next step, `label`, of `total`. */
  step(label: string): void;
  stop(): void;
}

/** A progress bar on a terminal; one line per step otherwise (CI logs, pipes). Both on stderr, so stdout stays the report. */
export function createProgress(total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'commitlog |{bar}| {value}/{total} {label}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { label: '' });
    let done = 0;
    return {
      step: (label) => bar.update(done++, { label }),
      stop: () => {
        bar.update(total, { label: 'done' });
        bar.stop();
      },
    };
  }
  let done = 0;
  return {
    step: (label) => process.stderr.write(`[${++done}/${total}] ${label}\n`),
    stop: () => undefined,
  };
}
