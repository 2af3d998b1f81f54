import { buildTimeline } from '../checker/timeline.js';
import { checkHistory } from '../checker/check-history.js';
import type { HistoryOp } from '../checker/history.js';
import type { JepsenResults } from '../checker/results.js';
import { queueCount, startCluster } from './cluster.js';
import { ConsumerWorker } from './consumer.js';
import { drainConsumer, drainDeadlineMs } from './drain.js';
import { measureHealedWrites, sendFences } from './heal.js';
import { checkFaketime } from './nemesis/faketime.js';
import { Faults } from './nemesis/faults.js';
import { checkNftables, NftablesPartitions, removeStaleTables } from './nemesis/nftables.js';
import type { PartitionMechanism, Partitions } from './nemesis/partition-plan.js';
import { faultMsMaxDefault, quietMsMaxDefault, runSchedule } from './nemesis/schedule.js';
import { checkOptions, splitNemeses, type JepsenOptions, type PartitionChoice } from './options.js';
import { ProducerWorkers } from './producers.js';
import { SeededRandom } from './random.js';
import { Recorder } from './recorder.js';
import { RoutingSampler } from './routing-sampler.js';
import { writeResults } from './write-results.js';

/** Under power cuts every fdatasync waits this long first, as on a busy disk: more is in flight when the power goes. */
const powerSyncDelayMs = 10;
/** The ack-before-fsync negative control's flush interval: a power cut of the group loses up to this much acknowledged traffic. */
const ackBeforeFsyncFlushIntervalMs = 1_000;
/**
 * The ignore-term negative control's longest fault, unless the options say
 * otherwise: shorter than the producer's 3 s attempt timeout, so a send held
 * by the isolated master is still waiting there when the partition heals
 * (and is then answered with another send's outcome) rather than retried elsewhere first.
 */
const ignoreTermFaultMsMax = 2_500;

export interface JepsenRun {
  readonly results: JepsenResults;
  readonly history: readonly HistoryOp[];
  /** Where results.json, history.jsonl and index.html were written. */
  readonly directory: string;
}

/**
 * One run: a NameServer (in this process) and a broker group of replica
 * processes, producers and a consumer under the seeded nemesis schedule for
 * `timeSeconds`, then heal, measure, drain, check, and write the results.
 */
export async function runJepsen(options: JepsenOptions): Promise<JepsenRun> {
  checkOptions(options);
  const log = options.log ?? (() => undefined);
  const startedAt = new Date();
  const run = options.run ?? `${startedAt.toISOString().replace(/[:.]/g, '-')}-seed-${options.seed}`;
  const split = splitNemeses(options.nemeses);
  const skipped = split.skipped;
  let used = split.used;
  const notes: string[] = ['The NameServer and each broker replica run as processes of their own; the nemeses fault the replicas, not the NameServer.'];
  if (used.includes('power')) {
    notes.push(`power: the replicas run with volatile writes (file data stays in the process until fdatasync), so the kill -9 of a power cut loses everything not fsynced, as a lost page cache does; each fdatasync first waits ${powerSyncDelayMs} ms, as on a busy disk. Names (creations, renames) and data still unsynced when a file is closed survive, as after a process crash.`);
  }
  if (options.negativeControl !== undefined) notes.push(`NEGATIVE CONTROL: every replica runs the deliberate bug ${options.negativeControl}; the checkers must report a violation.`);
  let partitionsBy: PartitionMechanism | undefined;
  if (used.includes('partition')) {
    const choice = await choosePartitions(options.partitionBy ?? 'auto', log);
    if ('skipped' in choice) {
      used = used.filter((name) => name !== 'partition');
      skipped.push({ name: 'partition', reason: choice.skipped });
    } else {
      partitionsBy = choice.mechanism;
      notes.push(choice.note);
      log(choice.note);
    }
  }
  let faketimeLibrary: string | undefined;
  if (used.includes('clock')) {
    const check = await checkFaketime(log);
    if (check.usable) {
      faketimeLibrary = check.library;
      notes.push('clock: the replicas run under libfaketime with DONT_FAKE_MONOTONIC=1, so only the wall clock jumps (as a stepped clock on a real machine); timers and election timeouts run on the monotonic clock. A jump on the leader can make scheduled deliveries early or late (the runner sends none).');
    } else {
      used = used.filter((name) => name !== 'clock');
      skipped.push({ name: 'clock', reason: check.reason });
    }
  }
  for (const each of skipped) log(`skipping nemesis ${each.name}: ${each.reason}`);

  log(`starting a NameServer and ${options.nodes} broker replicas${partitionsBy === 'nftables' ? ' on 127.0.0.2.. (partitions by nftables)' : ''}`);
  const faultInjection = {
    volatileWrites: used.includes('power'),
    syncDelayMs: used.includes('power') ? powerSyncDelayMs : 0,
    ignoreProposalTerm: options.negativeControl === 'ignore-term',
  };
  const cluster = await startCluster({
    nodes: options.nodes,
    ...(options.negativeControl === 'ack-before-fsync' ? { flush: { mode: 'async', intervalMs: ackBeforeFsyncFlushIntervalMs } as const } : {}),
    ownHosts: partitionsBy === 'nftables',
    linkFaults: partitionsBy === 'transport',
    ...(faketimeLibrary === undefined ? {} : { faketimeLibrary }),
    ...(Object.values(faultInjection).some((on) => on) ? { faultInjection } : {}),
  });
  const network: Partitions | undefined = partitionsBy === 'nftables' ? new NftablesPartitions(cluster.group.hosts) : cluster.linkFaults;
  const recorder = new Recorder();
  const faults = new Faults(cluster.group, network, cluster.clock);
  const sampler = new RoutingSampler(cluster.nameServers, recorder);
  const producers = new ProducerWorkers(cluster.nameServers, recorder, options.rate, options.negativeControl === 'ignore-term');
  const consumer = new ConsumerWorker(cluster.nameServers, recorder);
  let healedWritesWithinMs: number | null = null;
  try {
    sampler.start();
    await consumer.start();
    producers.start();
    log(`running ${used.join(',') || 'no nemesis'} for ${options.timeSeconds} s at ${options.rate} sends/s`);
    await runSchedule({
      names: used,
      faults,
      random: new SeededRandom(options.seed),
      recorder,
      untilMs: performance.now() + options.timeSeconds * 1_000,
      faultMsMax: options.faultMsMax ?? (options.negativeControl === 'ignore-term' ? ignoreTermFaultMsMax : faultMsMaxDefault),
      quietMsMax: options.quietMsMax ?? quietMsMaxDefault,
      note: (line) => {
        notes.push(line);
        log(line);
      },
    });
    log('healing');
    await faults.healAll();
    await producers.stop();
    healedWritesWithinMs = await measureHealedWrites(producers);
    log(`a send succeeded ${healedWritesWithinMs ?? 'never'} ms after healing; draining`);
    const fences = await sendFences(producers, queueCount);
    if (fences.length < queueCount) notes.push(`Only ${fences.length} of ${queueCount} queues took a fence after healing: the drain waited for every acknowledged message instead.`);
    if (!(await drainConsumer(consumer, recorder.history, fences, queueCount))) notes.push(`The consumer had not seen every acknowledged message (or every fence) after ${drainDeadlineMs} ms of draining.`);
  } finally {
    await network?.dispose().catch((error: unknown) => notes.push(`The partition could not be healed at the end (${network.description}): ${(error as Error).message}`));
    faults.resumeAll();
    producers.shutdown();
    await consumer.stop().catch(() => undefined);
    await sampler.stop();
    await cluster.stop();
  }
  if (consumer.receiveErrors > 0) notes.push(`${consumer.receiveErrors} receive calls failed (retried).`);
  if (sampler.failures > 0) notes.push(`${sampler.failures} cluster-info samples failed.`);
  notes.push(`${sampler.samples.length} cluster-info samples were taken for the double-master check.`);

  const checked = checkHistory(recorder.history, sampler.samples);
  const results: JepsenResults = {
    run,
    startedAt: startedAt.toISOString(),
    config: {
      nemeses: used,
      timeSeconds: options.timeSeconds,
      rate: options.rate,
      nodes: options.nodes,
      seed: options.seed,
      ...(options.negativeControl === undefined ? {} : { negativeControl: options.negativeControl }),
      ...(partitionsBy === undefined ? {} : { partitionsBy }),
    },
    nemesisSkipped: skipped,
    timeline: buildTimeline(recorder.history),
    nemesisEvents: recorder.events(),
    counts: checked.counts,
    verdict: checked.verdict,
    violations: checked.violations,
    healedWritesWithinMs,
    notes,
  };
  const written = await writeResults(options.out, results, recorder.history);
  return { results: written.results, history: recorder.history, directory: written.directory };
}

/**
 * How this run makes partitions, chosen once before the cluster starts, with
 * a note for the report saying which and why; or why it cannot make them.
 */
async function choosePartitions(choice: PartitionChoice, log: (line: string) => void): Promise<{ readonly mechanism: PartitionMechanism; readonly note: string } | { readonly skipped: string }> {
  const transport = (why: string) =>
    ({
      mechanism: 'transport',
      note: `partition: made in the replicas' peer transport (${why}): each replica follows a link faults file and silently loses the messages it sends to, and the frames it receives from, the replicas cut off; connections stay open, so unlike dropped packets no connection times out.`,
    }) as const;
  if (choice === 'transport') return transport('--partition-by transport');
  const check = await checkNftables(log);
  if (check.usable) {
    const stale = await removeStaleTables();
    if (stale.length > 0) log(`removed nftables tables of dead runs: ${stale.join(', ')}`);
    return { mechanism: 'nftables', note: 'partition: nftables drop rules between the replicas\' own loopback addresses (127.0.0.2..); clients on 127.0.0.1 are never cut.' };
  }
  if (choice === 'nftables') return { skipped: `${check.reason} (--partition-by nftables)` };
  return transport(`nftables cannot be used: ${check.reason}`);
}
