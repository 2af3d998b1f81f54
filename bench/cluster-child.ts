/**
 * The cluster benchmarks' process when run compiled (see shared/launch.ts):
 * takes one ChildRequest over IPC, runs it, answers with a ChildAnswer and
 * exits. Every process it starts is stopped before it answers, or killed by
 * shared/cleanup.ts if it dies first.
 */
import { runElectionBench } from './election/run.js';
import { runFailoverBench } from './failover/run.js';
import type { FailoverBenchConfig } from './failover/options.js';
import type { ElectionBenchConfig } from './election/options.js';
import { runProxyBench } from './proxy/run.js';
import type { ProxyBenchConfig } from './proxy/options.js';
import { runScheduledBench } from './scheduled/run.js';
import type { ScheduledBenchConfig } from './scheduled/options.js';
import type { ChildAnswer, ChildRequest } from './shared/launch.js';
import { runThroughputBench } from './throughput/run.js';
import type { ThroughputBenchConfig } from './throughput/options.js';

function send(answer: ChildAnswer): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      resolve();
    } else {
      process.send(answer, () => resolve());
    }
  });
}

process.once('message', async (message: ChildRequest) => {
  try {
    const outcome =
      message.name === 'election'
        ? await runElectionBench(message.config as ElectionBenchConfig)
        : message.name === 'failover'
            ? await runFailoverBench(message.config as FailoverBenchConfig)
            : message.name === 'scheduled'
              ? await runScheduledBench(message.config as ScheduledBenchConfig)
              : message.name === 'proxy'
                ? await runProxyBench(message.config as ProxyBenchConfig)
                : await runThroughputBench(message.config as ThroughputBenchConfig);
    await send({ ok: true, outcome });
  } catch (error) {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
  }
  process.exit();
});
