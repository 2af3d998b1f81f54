import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { DEFAULT_RESULTS_DIRECTORY, writeResults } from '../commitlog/results.js';
import { summarizeConfiguration } from '../election/report.js';
import { runTrials } from '../election/run.js';
import type { ClusterBenchOutcome } from '../election/run.js';
import type { ConfigurationResult, ElectionConfiguration } from '../election/types.js';
import { BROKER_PORT_OFFSETS, BrokerSetup } from '../messaging/raftmq.js';
import { NatsCluster } from '../nats/cluster.js';
import { ensureNatsServer } from '../nats/install.js';
import type { NatsInstallation } from '../nats/install.js';
import { busyMachineNote, describeMachine, errorText, loadAverageNow } from '../shared/environment.js';
import { freeBasePort } from '../shared/ports.js';
import { createNamedProgress } from '../shared/progress.js';
import type { Progress } from '../shared/progress.js';
import { makeScratch } from '../shared/scratch.js';
import { brokerFailoverSystem } from './broker-system.js';
import { natsFailoverSystem } from './nats-system.js';
import type { FailoverBenchConfig } from './options.js';
import { brokerFigures, compareWithNats, firstWriteFigure, judgeFailoverTargets, renderFailoverReport } from './report.js';
import type { FailoverReport } from './types.js';

const START_TIMEOUT_MS = 60_000;
const NATS_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const NATS_ROUTE_PORT_OFFSET = 100;
const NATS_MISSING = 'nats-server missing';

/** nats-server's Raft timing is built in (server/raft.go), not configurable: a 1 s heartbeat, elections after 4–9 s. */
const NATS_CONFIGURATION: ElectionConfiguration = { system: 'NATS JetStream', label: 'NATS JetStream R3, built-in timing', heartbeatMs: 1_000, electionTimeoutMs: '4000–9000', reference: true };

async function runBrokerGroup(config: FailoverBenchConfig, scratch: string, progress: Progress): Promise<ConfigurationResult> {
  const timing = config.raftmqTiming;
  const configuration: ElectionConfiguration = {
    system: 'RaftMQ',
    label: 'RaftMQ broker group, default timing',
    heartbeatMs: timing.heartbeatIntervalMs,
    electionTimeoutMs: `${timing.electionTimeoutMsMin}–${timing.electionTimeoutMsMax}`,
    reference: false,
  };
  progress.step(`${configuration.label}: NameServer, 3 broker replicas, topic`);
  const setup = new BrokerSetup();
  let system: Awaited<ReturnType<typeof brokerFailoverSystem>> | undefined;
  try {
    await setup.start(join(scratch, 'raftmq'), await freeBasePort(BROKER_PORT_OFFSETS), START_TIMEOUT_MS);
    await setup.createTopic(config.queues, START_TIMEOUT_MS);
    system = await brokerFailoverSystem(setup, config.limits);
    await system.waitHealthy(START_TIMEOUT_MS);
    const { trials, problem } = await runTrials(system, configuration.label, config, progress, scratch);
    return summarizeConfiguration(configuration, trials, problem);
  } catch (error) {
    return summarizeConfiguration(configuration, [], `could not start: ${errorText(error, scratch)}`);
  } finally {
    system?.close();
    await setup.stop().catch(() => undefined);
  }
}

async function runNats(installation: NatsInstallation, config: FailoverBenchConfig, scratch: string, progress: Progress): Promise<ConfigurationResult> {
  progress.step(`${NATS_CONFIGURATION.label}: 3 servers, R3 file stream`);
  if (!installation.ok) return summarizeConfiguration(NATS_CONFIGURATION, [], `${NATS_MISSING}: ${installation.reason}`);
  let cluster: NatsCluster | undefined;
  let connection: NatsConnection | undefined;
  try {
    const base = await freeBasePort(NATS_PORT_OFFSETS);
    cluster = new NatsCluster(installation.binary, join(scratch, 'nats'), { host: '127.0.0.1', clientBasePort: base, routeBasePort: base + NATS_ROUTE_PORT_OFFSET, members: 3 });
    cluster.start();
    const ready = await cluster.connectAndCreateStream(START_TIMEOUT_MS);
    connection = ready.connection;
    const system = await natsFailoverSystem(cluster, ready.connection, ready.jetstream);
    await system.waitHealthy(START_TIMEOUT_MS);
    const { trials, problem } = await runTrials(system, NATS_CONFIGURATION.label, config, progress, scratch);
    return summarizeConfiguration(NATS_CONFIGURATION, trials, problem);
  } catch (error) {
    return summarizeConfiguration(NATS_CONFIGURATION, [], `could not start: ${errorText(error, scratch)}`);
  } finally {
    await connection?.close().catch(() => undefined);
    await cluster?.stop();
  }
}

/** A configuration that stopped early or had a failed trial; nats-server being missing is reported, not a failure of the run. */
function failedConfiguration(result: ConfigurationResult): boolean {
  return (result.problem !== null && !result.problem.startsWith(NATS_MISSING)) || result.failedTrials > 0;
}

/** The configuration as the report records it: no paths of this machine. */
function recordedConfig(config: FailoverBenchConfig): Record<string, unknown> {
  const { parentDirectory: _parent, resultsDirectory: _results, buildNote: _note, limits, ...rest } = config;
  return { ...rest, ...limits };
}

/**
 * The broker failover benchmark: kill -9 of a broker group's master, timed
 * to its new leader, to the NameServer's pushed route and to the first
 * successful Producer.send; then NATS JetStream's stream leader, timed to the
 * first successful publish, in the same run.
 */
export async function runFailoverBench(config: FailoverBenchConfig): Promise<ClusterBenchOutcome> {
  const startedAt = new Date();
  const loadAverageAtStart = loadAverageNow();
  const scratch = await makeScratch(config.parentDirectory, 'failover');
  const notes: string[] = [];
  if (config.buildNote) notes.push(config.buildNote);
  const progress = createNamedProgress('failover', (config.nats ? 2 : 1) * (config.trials + 1));
  const configurations: ConfigurationResult[] = [];
  let installation: NatsInstallation | null = null;
  try {
    configurations.push(await runBrokerGroup(config, scratch.path, progress));
    if (config.nats) {
      installation = ensureNatsServer((line) => progress.note(line));
      if (installation.ok && installation.installedNow) notes.push(`nats-server ${installation.version} was installed by this run (Debian nats-server).`);
      configurations.push(await runNats(installation, config, scratch.path, progress));
    } else {
      notes.push('NATS JetStream left out: --no-nats.');
    }
  } finally {
    progress.stop();
    await scratch.finish(config.keep || configurations.some(failedConfiguration));
  }

  const [raftmq, nats] = configurations;
  const figures = [...(raftmq === undefined ? [] : brokerFigures(raftmq)), ...(nats === undefined ? [] : [firstWriteFigure(nats)])];
  const machine = describeMachine(config.parentDirectory !== undefined, loadAverageAtStart);
  const busy = busyMachineNote(machine);
  if (busy !== null) notes.push(busy);
  const report: FailoverReport = {
    benchmark: 'failover',
    startedAt: startedAt.toISOString(),
    machine,
    nats: {
      version: installation?.ok === true ? installation.version : null,
      problem: installation === null ? 'not run (--no-nats)' : installation.ok ? null : installation.reason,
    },
    config: recordedConfig(config),
    configurations,
    figures,
    targets: judgeFailoverTargets(figures, config.targets),
    versusNats: compareWithNats(figures),
    notes,
  };
  const markdown = renderFailoverReport(report);
  const written = await writeResults(config.resultsDirectory ?? DEFAULT_RESULTS_DIRECTORY, startedAt, 'failover', report, markdown);
  return { markdown, written, failed: configurations.some(failedConfiguration) };
}
