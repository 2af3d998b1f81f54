import type { ThroughputBenchConfig } from './options.js';
import type { ThroughputCase, ThroughputPhase } from './types.js';

/**
 * The cases of a run, one phase per RaftMQ flush mode × group count ×
 * acknowledgement (a cluster of that mode is up while its phase runs), sync
 * phases first, each size × in-flight count in turn with the systems side by
 * side, so a disturbance on the machine hits neighbours alike. etcd and NATS
 * JetStream do not depend on RaftMQ's mode, so each of their cases runs once,
 * in the first phase it fits: etcd always fsyncs its WAL before answering, so
 * under the first sync phase only; NATS does not fsync before acking whatever
 * RaftMQ's mode, so in the first phase, labelled async. Every RaftMQ row is
 * compared with them (the sync rows with NATS favour NATS on durability).
 */
export function buildMatrix(config: Pick<ThroughputBenchConfig, 'sizes' | 'inflights' | 'flushes' | 'groups' | 'acknowledgements' | 'etcd' | 'nats'>): ThroughputPhase[] {
  const phases: ThroughputPhase[] = [];
  let etcdMeasured = false;
  for (const flush of config.flushes) {
    for (const groups of config.groups) {
      for (const acknowledgement of config.acknowledgements) {
        const withEtcd: boolean = config.etcd && flush === 'sync' && !etcdMeasured;
        const withNats = config.nats && phases.length === 0;
        etcdMeasured ||= withEtcd;
        const cases: ThroughputCase[] = [];
        for (const sizeBytes of config.sizes) {
          for (const inflight of config.inflights) {
            cases.push({ system: 'RaftMQ', sizeBytes, flush, inflight, groups, acknowledgement });
            if (withEtcd) cases.push({ system: 'etcd', sizeBytes, flush: 'sync', inflight });
            if (withNats) cases.push({ system: 'NATS JetStream', sizeBytes, flush: 'async', inflight });
          }
        }
        phases.push({ flush, groups, acknowledgement, cases });
      }
    }
  }
  return phases;
}

/** '2 groups, leader acks': a RaftMQ cluster. */
export function clusterLabel(mode: { readonly groups?: number | undefined; readonly acknowledgement?: string | undefined }): string {
  const groups = mode.groups ?? 1;
  return `${groups} ${groups === 1 ? 'group' : 'groups'}, ${mode.acknowledgement ?? 'quorum'} acks`;
}

/** 'sync, 2 groups, leader acks': what sets a RaftMQ phase or row apart. */
export function modeLabel(mode: { readonly flush: string; readonly groups?: number | undefined; readonly acknowledgement?: string | undefined }): string {
  return `${mode.flush}, ${clusterLabel(mode)}`;
}

/** Produce → consume passes: at the largest in-flight count of each size, while the first sync cluster is up (none without sync). */
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
