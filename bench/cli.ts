import { Command, CommanderError } from 'commander';
import { parseCommitlogFlags } from './commitlog/options.js';
import type { CommitlogFlags } from './commitlog/options.js';
import { runCommitlogBench } from './commitlog/run.js';

/** Usage errors and benchmarks that do not exist yet. */
const EXIT_USAGE = 2;
const AVAILABLE = ['commitlog'];
const PLANNED = ['election', 'throughput'];

const program = new Command('npm run bench --')
  .description('RaftMQ benchmarks: every figure beside the machine limit measured in the same run')
  .exitOverride()
  .showHelpAfterError();

program
  .command('commitlog')
  .description('LogStore append throughput and latency against raw fsync and write limits, and RSS over a large log')
  .option('--sizes <list>', 'entry sizes, e.g. 128,1KiB,16KiB (default: 128,1KiB,16KiB)')
  .option('--appenders <list>', 'concurrent appenders (default: 1,64)')
  .option('--flush <list>', 'flush modes: sync,async (default: both)')
  .option('--stores <list>', 'SegmentLog,LevelLog,MemoryLog (default: all that exist)')
  .option('--seconds <n>', 'measured seconds per case and per raw limit (default: 2, --quick: 0.25)')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--big-log-gib <n>', 'size of the large log for the RSS figure, 0 to skip (default: 0.25, --quick: 0.03; the target is set for 4)')
  .option('--flush-interval-ms <n>', 'fsync interval in async flush mode (default: 10)')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run, for checks in CI-size time')
  .action(async (flags: CommitlogFlags) => {
    const outcome = await runCommitlogBench(parseCommitlogFlags(flags));
    process.stdout.write(outcome.markdown);
    process.stderr.write(`results: ${outcome.written.files.join(', ')}\n`);
    if (outcome.failed) process.exitCode = 1;
  });

for (const name of PLANNED) {
  program
    .command(name)
    .description('not yet implemented')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      process.stderr.write(`bench ${name} is not implemented yet. Available: ${AVAILABLE.join(', ')}.\n`);
      process.exitCode = EXIT_USAGE;
    });
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end here too, with exit code 0.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
