import { parseInflight, parseThroughputFlags } from '../throughput/options.js';
import type { ThroughputBenchConfig } from '../throughput/options.js';

/** The flags of `bench messaging`, as commander hands them over: strings, unparsed. */
export interface MessagingFlags {
  readonly seconds?: string;
  readonly warmupSeconds?: string;
  readonly concurrency?: string;
  /** commander's --no-nats: false when given. */
  readonly nats?: boolean;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

const MESSAGE_SIZE = '1KiB';
const DEFAULT_CONCURRENCY = '64';

/**
 * `bench messaging` is a preset of `bench throughput`: RaftMQ's broker group
 * beside NATS JetStream only, 1 KiB messages, sync flush, `--concurrency`
 * in flight with a row for 1, and the produce → consume passes. Its results
 * are named messaging.{json,md}.
 */
export function parseMessagingFlags(flags: MessagingFlags): ThroughputBenchConfig {
  const inflights = parseInflight(`1,${flags.concurrency ?? DEFAULT_CONCURRENCY}`, 'concurrency');
  return parseThroughputFlags(
    {
      sizes: MESSAGE_SIZE,
      inflight: inflights.join(','),
      flush: 'sync',
      etcd: false,
      ...(flags.nats === undefined ? {} : { nats: flags.nats }),
      ...(flags.seconds === undefined ? {} : { seconds: flags.seconds }),
      ...(flags.warmupSeconds === undefined ? {} : { warmupSeconds: flags.warmupSeconds }),
      ...(flags.dir === undefined ? {} : { dir: flags.dir }),
      ...(flags.results === undefined ? {} : { results: flags.results }),
      ...(flags.keep === undefined ? {} : { keep: flags.keep }),
      ...(flags.quick === undefined ? {} : { quick: flags.quick }),
    },
    'messaging',
  );
}
