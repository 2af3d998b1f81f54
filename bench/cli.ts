import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { parseCommitlogFlags } from './commitlog/options.js';
import type { CommitlogFlags } from './commitlog/options.js';
import { runCommitlogBench } from './commitlog/run.js';
import { DEFAULT_RESULTS_DIRECTORY } from './commitlog/results.js';
import { parseElectionFlags } from './election/options.js';
import type { ElectionFlags } from './election/options.js';
import { runElectionBench } from './election/run.js';
import type { ClusterBenchOutcome } from './election/run.js';
import { parseFailoverFlags } from './failover/options.js';
import type { FailoverFlags } from './failover/options.js';
import { runFailoverBench } from './failover/run.js';
import { parseMessagingFlags } from './messaging/options.js';
import type { MessagingFlags } from './messaging/options.js';
import { parseProxyFlags } from './proxy/options.js';
import type { ProxyFlags } from './proxy/options.js';
import { runProxyBench } from './proxy/run.js';
import { parseScheduledFlags } from './scheduled/options.js';
import type { ScheduledFlags } from './scheduled/options.js';
import { runScheduledBench } from './scheduled/run.js';
import { launchClusterBench } from './shared/launch.js';
import { renderReport } from './report/render.js';
import { runAll } from './report/run-all.js';
import { parseThroughputFlags } from './throughput/options.js';
import type { ThroughputFlags } from './throughput/options.js';
import { runThroughputBench } from './throughput/run.js';

/** Usage errors. */
const EXIT_USAGE = 2;

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

function finish(outcome: ClusterBenchOutcome): void {
  process.stdout.write(outcome.markdown);
  process.stderr.write(`results: ${outcome.written.files.join(', ')}\n`);
  if (outcome.failed) process.exitCode = 1;
}

program
  .command('election')
  .description('leader failover of a loaded broker group behind a NameServer beside a loaded etcd cluster, same timeouts, trials interleaved: time to a new leader, to the NameServer routing to it, to the first successful write; split votes counted')
  .option('--trials <n>', 'faults of the leader per system and configuration (default: 30, --quick: 3)')
  .option('--timeouts <min-max>', "RaftMQ's election timeout range in ms; etcd gets --election-timeout=min and a heartbeat of at most min/5 (default: 150-300)")
  .option('--nemesis <kind>', 'kill (kill -9, restart), partition (nftables, heal) or pause (SIGSTOP, SIGCONT); a comma list runs each (default: kill)')
  .option('--nodes <list>', 'group sizes: 3, 5 or 3,5 (default: 3)')
  .option('--no-etcd', 'RaftMQ only')
  .option('--attempt-pause-ms <n>', 'between the starts of two write attempts after a fault, at most 5 (default: 5)')
  .option('--attempt-timeout-ms <n>', 'one write attempt gives up after this long (default: 1000)')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', "keep the scratch directory (each member's replica.log / etcd.log); kept anyway when something failed")
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run: 3 trials per system and configuration')
  .action(async (flags: ElectionFlags) => {
    const config = { ...parseElectionFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('election', config, runElectionBench));
  });

program
  .command('throughput')
  .description('sends acknowledged: RaftMQ broker group (Producers) beside etcd puts and NATS JetStream R3 publishes over sizes × in flight × flush mode, msgs/s, MB/s, p50/p99/p999, produce → consume latency, each as a fraction of the machine limits measured in the same run')
  .option('--sizes <list>', 'message sizes, e.g. 128,1KiB,16KiB (default: 128,1KiB,16KiB; --quick: 1KiB,16KiB)')
  .option('--inflight <list>', 'sends in flight, e.g. 1,16,64,256 (default: 1,16,64,256; --quick: 1,64)')
  .option('--flush <list>', 'RaftMQ flush modes: sync,async (default: both; etcd runs under sync only, NATS JetStream once, as async)')
  .option('--groups <list>', 'RaftMQ broker groups of 3 replicas under one NameServer, the topic on each, e.g. 1,2 (default: 1)')
  .option('--acks <list>', "RaftMQ acknowledgement: quorum (a majority holds a send under the flush mode), leader (the master's own write), e.g. quorum,leader (default: quorum)")
  .option('--seconds <n>', 'measured seconds per case (default: 8, about 10 minutes for the default matrix; --quick: 2)')
  .option('--warmup-seconds <n>', 'warm-up before each case (default: 1, --quick: 0.5)')
  .option('--no-etcd', 'without etcd')
  .option('--no-nats', 'without NATS JetStream')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', 'keep the scratch directory (replica, etcd and nats-server logs); kept anyway when something failed')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a reduced matrix, 2 s per case: about 2 minutes')
  .action(async (flags: ThroughputFlags) => {
    const config = { ...parseThroughputFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('throughput', config, runThroughputBench));
  });

program
  .command('messaging')
  .description('a preset of throughput: 1 KiB sends under sync flush, RaftMQ broker group beside NATS JetStream R3 only, with produce → consume latency')
  .option('--concurrency <n>', 'sends in flight; a row for 1 always comes along (default: 64)')
  .option('--seconds <n>', 'measured seconds per case (default: 8, --quick: 2)')
  .option('--warmup-seconds <n>', 'warm-up before each case (default: 1, --quick: 0.5)')
  .option('--no-nats', 'RaftMQ only')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', 'keep the scratch directory (replica and nats-server logs); kept anyway when something failed')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run: 2 s per case')
  .action(async (flags: MessagingFlags) => {
    const config = { ...parseMessagingFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('throughput', config, runThroughputBench));
  });

program
  .command('failover')
  .description('kill -9 of a broker group\'s master: time to the new leader, to the NameServer\'s pushed route and to the first successful Producer.send, beside NATS JetStream\'s first publish after its stream leader is killed, same run')
  .option('--trials <n>', 'master kills per system (default: 30, --quick: 3)')
  .option('--no-nats', 'RaftMQ only')
  .option('--attempt-pause-ms <n>', 'between the starts of two send attempts after a kill, at most 5 (default: 5)')
  .option('--attempt-timeout-ms <n>', 'one send attempt gives up after this long (default: 1000)')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', 'keep the scratch directory (replica and nats-server logs); kept anyway when something failed')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run: 3 trials per system')
  .action(async (flags: FailoverFlags) => {
    const config = { ...parseFailoverFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('failover', config, runFailoverBench));
  });

program
  .command('scheduled')
  .description('delayed and timer messages: how late each reaches a consumer when nothing fails and through a kill -9 of the master, beside one quorum-fsynced commit, same run')
  .option('--messages <n>', 'timer messages per pass (default: 2000, --quick: 300)')
  .option('--window-seconds <n>', 'the window they fall due over (default: 10, --quick: 2)')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', 'keep the scratch directory (replica logs); kept anyway when something failed')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run')
  .action(async (flags: ScheduledFlags) => {
    const config = { ...parseScheduledFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('scheduled', config, runScheduledBench));
  });

program
  .command('proxy')
  .description("the official RocketMQ 5 Node.js client through the gRPC proxy beside RaftMQ's own SDK on one broker group, interleaved: 1 KiB sends acknowledged (msgs/s, p50/p99/max), produce → consume latency, official ÷ SDK against the target (≥ 0.7 at 64 in flight)")
  .option('--inflight <list>', 'sends in flight, e.g. 1,16,64 (default: 1,64; the target is read at 64, the produce → consume passes run at the largest)')
  .option('--seconds <n>', 'measured seconds per case (default: 8, --quick: 2)')
  .option('--warmup-seconds <n>', 'warm-up before each case (default: 1, --quick: 0.5)')
  .option('--rounds <n>', 'every count in flight on both paths this many times, the target judged on the median round (default: 1)')
  .option('--in-process', 'run the proxy in the bench process instead of a process of its own (it then shares the load generators\' CPU)')
  .option('--dir <path>', 'where to make the scratch directory, removed after (default: the OS temp directory)')
  .option('--keep', 'keep the scratch directory (replica logs); kept anyway when something failed')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'a short run: 2 s per case')
  .action(async (flags: ProxyFlags) => {
    const config = { ...parseProxyFlags(flags), resultsDirectory: flags.results ?? DEFAULT_RESULTS_DIRECTORY };
    finish(await launchClusterBench('proxy', config, runProxyBench));
  });

program
  .command('report')
  .description('renders report.html, report.md and results.json from the *.json files of a results directory')
  .option('--dir <path>', 'the results directory (default: bench/results/latest)')
  .action(async (flags: { readonly dir?: string }) => {
    const rendered = await renderReport(flags.dir ?? `${DEFAULT_RESULTS_DIRECTORY}latest`);
    process.stderr.write(`report: ${rendered.files.join(', ')}\n`);
  });

program
  .command('all')
  .description('commitlog, election, throughput and proxy into one results directory, then the report there; bench/results/latest points at it')
  .option('--results <path>', 'results directory (default: bench/results)')
  .option('--quick', 'each benchmark\'s short run')
  .action(async (flags: { readonly results?: string; readonly quick?: boolean }) => {
    const quick = flags.quick === true;
    const outcome = await runAll(flags.results ?? DEFAULT_RESULTS_DIRECTORY, [
      { name: 'commitlog', run: async (results) => runCommitlogBench(parseCommitlogFlags({ quick, results })) },
      {
        name: 'election',
        run: async (results) => launchClusterBench('election', { ...parseElectionFlags({ quick, results }), resultsDirectory: results }, runElectionBench),
      },
      {
        name: 'throughput',
        run: async (results) => launchClusterBench('throughput', { ...parseThroughputFlags({ quick, results }), resultsDirectory: results }, runThroughputBench),
      },
      {
        name: 'proxy',
        run: async (results) => launchClusterBench('proxy', { ...parseProxyFlags({ quick, results }), resultsDirectory: results }, runProxyBench),
      },
    ]);
    process.stdout.write(await readFile(outcome.rendered.files[1] as string, 'utf8'));
    process.stderr.write(`${outcome.steps.map((step) => `${step.name}: ${step.status}${step.error ? ` (${step.error})` : ''}`).join('\n')}\nreport: ${outcome.rendered.files.join(', ')}\n`);
    if (outcome.failed) process.exitCode = 1;
  });

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
