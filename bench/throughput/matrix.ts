import type { ThroughputBenchConfig } from './options.js';
import type { ThroughputCase, ThroughputPhase } from './types.js';

/**
 * The cases of a run, one phase per RaftMQ flush mode (a broker group of that
 * mode is up while its phase runs), each size × in-flight count in turn with
 * the systems side by side, so a disturbance on the machine hits neighbours
 * alike. etcd always fsyncs its WAL before answering: it runs under sync only.
 * NATS JetStream does not fsync before acking whatever RaftMQ's mode, so it
 * runs once per size × in-flight count, in the first phase, labelled async;
 * RaftMQ's sync rows are still compared with it (favouring NATS on durability).
 */
export function buildMatrix(config: Pick<ThroughputBenchConfig, 'sizes' | 'inflights' | 'flushes' | 'etcd' | 'nats'>): ThroughputPhase[] {
  return config.flushes.map((flush, phase) => {
    const cases: ThroughputCase[] = [];
    for (const sizeBytes of config.sizes) {
      for (const inflight of config.inflights) {
        cases.push({ system: 'RaftMQ', sizeBytes, flush, inflight });
        if (config.etcd && flush === 'sync') cases.push({ system: 'etcd', sizeBytes, flush: 'sync', inflight });
        if (config.nats && phase === 0) cases.push({ system: 'NATS JetStream', sizeBytes, flush: 'async', inflight });
      }
    }
    return { flush, cases };
  });
}

/** Produce → consume passes: at the largest in-flight count of each size, while the sync group is up (none without sync). */
export function endToEndPasses(config: Pick<ThroughputBenchConfig, 'sizes' | 'inflights' | 'flushes'>): { readonly sizeBytes: number; readonly inflight: number }[] {
  if (!config.flushes.includes('sync')) return [];
  const inflight = Math.max(...config.inflights);
  return config.sizes.map((sizeBytes) => ({ sizeBytes, inflight }));
}

/** Progress steps of a run: anchors, starting each system, every case, every pass (two systems each), peak RSS. */
export function progressSteps(phases: readonly ThroughputPhase[], passes: number, systems: { readonly etcd: boolean; readonly nats: boolean }): number {
  const starts = phases.length + (systems.etcd ? 1 : 0) + (systems.nats ? 1 : 0);
  return 1 + starts + phases.reduce((total, phase) => total + phase.cases.length, 0) + passes + 1;
}
