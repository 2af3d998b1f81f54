import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ScheduledTotals } from '../broker/scheduled-totals.js';
import { measureElectionTimes, type ElectionStats } from '../election-stats.js';
import type { Scenario } from '../faults.js';
import { describeFailure } from '../replay.js';
import { nodesForSeed, runSeeds, type NodesChoice, type SeedRunSummary } from '../seed-runner.js';
import { runSimulation, type SimulationWorkload } from '../simulation.js';

/** Failures listed in full at the end of a long run; the rest are counted. */
const failuresListedMax = 20;
const electionTrialsDefault = 1_000;

interface CliOptions {
  readonly seeds?: number;
  readonly start: number;
  readonly seed?: number;
  readonly nodes?: NodesChoice;
  readonly scenario?: Scenario;
  readonly electionStats?: boolean;
  readonly trials: number;
  readonly workload: SimulationWorkload;
  readonly groups: number;
}

function parseInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('must be an integer');
  return value;
}

function parsePositive(text: string): number {
  const value = parseInteger(text);
  if (value <= 0) throw new InvalidArgumentError('must be positive');
  return value;
}

function parseNodes(text: string): NodesChoice {
  if (text === '3') return 3;
  if (text === '5') return 5;
  if (text === 'mix') return 'mix';
  throw new InvalidArgumentError('must be 3, 5 or mix');
}

function parseWorkload(text: string): SimulationWorkload {
  if (text === 'values' || text === 'broker') return text;
  throw new InvalidArgumentError('must be values or broker');
}

function parseScenario(text: string): Scenario {
  try {
    return JSON.parse(text) as Scenario;
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Replays one seed with every notable event printed. */
function replayOne(seed: number, nodes: number, scenario: Scenario | undefined, workload: SimulationWorkload, groups: number): number {
  const startedMs = performance.now();
  const result = runSimulation({ seed, nodes, workload, groups, ...(scenario === undefined ? {} : { scenario }), log: (line) => console.log(line) });
  const elapsedMs = performance.now() - startedMs;
  console.log('');
  console.log(`scenario: ${JSON.stringify(result.scenario)}`);
  console.log(`stats: ${JSON.stringify(result.stats)}`);
  if (result.broker !== undefined) console.log(`broker: ${JSON.stringify(result.broker)}`);
  console.log(`trace hash ${result.traceHash}, ${elapsedMs.toFixed(1)} ms wall time`);
  if (result.ok) {
    console.log(`seed ${seed}, ${nodes} nodes: ok`);
    return 0;
  }
  console.log(describeFailure(result, scenario !== undefined));
  return 1;
}

function printSummary(summary: SeedRunSummary): void {
  const totals = summary.totals;
  const perSeed = (value: number): string => (value / Math.max(1, summary.seeds)).toFixed(1);
  const seconds = summary.elapsedMs / 1000;
  console.log('');
  console.log(`${summary.seeds} seeds in ${seconds.toFixed(1)} s: ${(summary.seeds / seconds).toFixed(1)} seeds/s, ${(summary.elapsedMs / summary.seeds).toFixed(1)} ms per seed`);
  console.log(`simulated ${(totals.simulatedMs / 1000).toFixed(0)} s in all (${perSeed(totals.simulatedMs)} ms per seed), ${perSeed(totals.events)} events per seed`);
  console.log(
    `per seed: ${perSeed(totals.elections)} elections, ${perSeed(totals.crashes)} crashes (${perSeed(totals.wipes)} with disk loss), ${perSeed(totals.pauses)} pauses, ` +
      `${perSeed(totals.partitions)} partitions, ${perSeed(totals.transfers)} transfers, ${perSeed(totals.membershipChanges)} membership changes, ` +
      `${perSeed(totals.snapshotsInstalled)} snapshots installed`,
  );
  console.log(
    `per seed: ${perSeed(totals.acknowledged)} values acknowledged, ${perSeed(totals.lost)} proposals lost, ${perSeed(totals.readsServed)} of ${perSeed(totals.reads)} reads served; ` +
      `slowest recovery after heal ${totals.livenessMs} ms`,
  );
  console.log(`messages: ${perSeed(totals.messagesSent)} sent, ${perSeed(totals.messagesDropped)} dropped per seed`);
  if (summary.failures.length === 0) {
    console.log('no violations');
    return;
  }
  console.log('');
  console.log(`${summary.failures.length} seed(s) FAILED:`);
  for (const failure of summary.failures.slice(0, failuresListedMax)) console.log(describeFailure(failure, false));
  if (summary.failures.length > failuresListedMax) console.log(`... and ${summary.failures.length - failuresListedMax} more`);
}

function runMany(start: number, count: number, nodes: NodesChoice, workload: SimulationWorkload, groups: number): number {
  const bar = new SingleBar(
    { format: 'sim |{bar}| {value}/{total} seeds | {rate} seeds/s | {failed} failed | eta {eta_formatted}', hideCursor: true },
    Presets.shades_classic,
  );
  const startedMs = performance.now();
  let failed = 0;
  const sendEntries = { all: 0, severalSends: 0, severalProducers: 0 };
  const scheduled = new ScheduledTotals();
  bar.start(count, 0, { rate: '0.0', failed: 0 });
  const summary = runSeeds({
    start,
    count,
    nodes,
    workload,
    groups,
    onResult: (result, completed) => {
      if (!result.ok) failed++;
      if (result.broker !== undefined) {
        sendEntries.all += result.broker.sendEntries;
        sendEntries.severalSends += result.broker.entriesWithSeveralSends;
        sendEntries.severalProducers += result.broker.entriesWithSeveralProducers;
        scheduled.add(result.broker);
      }
      const rate = (completed / ((performance.now() - startedMs) / 1000)).toFixed(1);
      bar.update(completed, { rate, failed });
    },
  });
  bar.stop();
  if (workload === 'broker') {
    console.log(`\nentries of sends: ${sendEntries.all}, of which ${sendEntries.severalSends} coalesced several sends and ${sendEntries.severalProducers} several producers' sends`);
    console.log(scheduled.describe());
  }
  printSummary(summary);
  return summary.failures.length === 0 ? 0 : 1;
}

function printElectionStats(stats: ElectionStats): void {
  const format = (ms: number): string => `${ms.toFixed(1)} ms`;
  console.log('');
  console.log(`time from a leader's crash to a new leader, ${stats.nodes} nodes, ${stats.samplesMs.length} of ${stats.trials} trials`);
  console.log('tick 10 ms, heartbeat 5 ticks (50 ms), election timeout 15-30 ticks (150-300 ms), PreVote and CheckQuorum on');
  console.log(`  min  ${format(stats.minMs)}`);
  console.log(`  p50  ${format(stats.p50Ms)}`);
  console.log(`  p90  ${format(stats.p90Ms)}`);
  console.log(`  p99  ${format(stats.p99Ms)}`);
  console.log(`  max  ${format(stats.maxMs)}`);
  console.log(`  mean ${format(stats.meanMs)}`);
  if (stats.failedTrials > 0) console.log(`  ${stats.failedTrials} trial(s) elected no new leader`);
  const bucketMs = 25;
  const buckets = new Map<number, number>();
  for (const sample of stats.samplesMs) {
    const bucket = Math.floor(sample / bucketMs) * bucketMs;
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const widest = Math.max(1, ...buckets.values());
  console.log('');
  for (const [bucket, count] of [...buckets.entries()].sort((left, right) => left[0] - right[0])) {
    const bar = '#'.repeat(Math.max(1, Math.round((count / widest) * 50)));
    console.log(`  ${String(bucket).padStart(4)}-${String(bucket + bucketMs).padEnd(4)} ms ${String(count).padStart(5)} ${bar}`);
  }
  console.log('');
  console.log("anchor: the Raft paper's Figure 16 (five servers, 150-300 ms timeouts): most elections end within the");
  console.log('timeout range after the last heartbeat, with a short tail from split votes; PreVote adds a round trip here.');
}

function electionStats(trials: number, nodes: number): number {
  const bar = new SingleBar({ format: 'elections |{bar}| {value}/{total} trials | eta {eta_formatted}', hideCursor: true }, Presets.shades_classic);
  bar.start(trials, 0);
  const stats = measureElectionTimes({ trials, nodes, onTrial: (completed) => bar.update(completed) });
  bar.stop();
  printElectionStats(stats);
  return stats.failedTrials === 0 ? 0 : 1;
}

const program = new Command()
  .name('sim')
  .description('Deterministic simulation of RaftMQ replica groups under faults, driven by seeds')
  .option('--seeds <count>', 'run this many seeds', parsePositive)
  .option('--start <seed>', 'first seed of --seeds', parseInteger, 1)
  .option('--seed <seed>', 'replay one seed, printing every notable event', parseInteger)
  .addOption(new Option('--nodes <count>', 'founding members: 3, 5, or mix (alternate by seed)').argParser(parseNodes))
  .option('--scenario <json>', 'with --seed: run this scenario (as printed by a failing property test) instead of the seed\'s own', parseScenario)
  .addOption(new Option('--workload <kind>', 'values: the Raft-level value list; broker: the broker state machine with producers, consumers and NameServers').argParser(parseWorkload).default('values'))
  .option('--groups <count>', 'with --workload broker: broker groups, each its own Raft group, serving the topic', parsePositive, 1)
  .option('--election-stats', 'measure the time from a leader crash to a new leader')
  .option('--trials <count>', 'trials for --election-stats', parsePositive, electionTrialsDefault)
  .action((options: CliOptions) => {
    let exitCode: number;
    if (options.electionStats === true) {
      const nodes = options.nodes === 5 ? 5 : 3;
      exitCode = electionStats(options.trials, nodes);
    } else if (options.seed !== undefined) {
      exitCode = replayOne(options.seed, nodesForSeed(options.seed, options.nodes ?? 3), options.scenario, options.workload, options.groups);
    } else {
      exitCode = runMany(options.start, options.seeds ?? 100, options.nodes ?? 'mix', options.workload, options.groups);
    }
    process.exitCode = exitCode;
  });

program.parse();
