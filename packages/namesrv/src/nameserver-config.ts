import { frameBytesMax, namesrv } from '@raftmq/protocol';
import { z } from 'zod';
import { NameServerConfigError } from './errors.js';

/** RocketMQ's NameServer port. */
export const nameServerPortDefault = 9876;
const dayMs = 24 * 60 * 60 * 1_000;
const mebibyte = 1024 * 1024;

const positive = (max: number) => z.number().int().min(1).max(max);

/**
 * The NameServer's settings. Every bound has a default an operator of a
 * RocketMQ NameServer would expect, and a ceiling the protocol can carry.
 */
export const nameServerConfigSchema = z
  .object({
    listen: z
      .object({
        /** Loopback unless told otherwise: a NameServer hands out every broker's address. */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(nameServerPortDefault),
      })
      .strict()
      .default({ host: '127.0.0.1', port: nameServerPortDefault }),
    /** A replica unheard for this long is dropped from routes (RocketMQ's 120 s; brokers heartbeat every 30 s). */
    brokerExpiryMs: positive(dayMs).default(120_000),
    /** How often expired replicas are looked for (RocketMQ scans every 10 s). */
    evictionIntervalMs: positive(dayMs).default(10_000),
    connectionsMax: positive(65_536).default(1_024),
    subscriptionsPerConnectionMax: positive(65_536).default(4_096),
    subscriptionsMax: positive(16 * mebibyte).default(262_144),
    /** The largest message a connection may send; a registration of 8,192 topics is well under 1 MiB. */
    requestBytesMax: z.number().int().min(1_024).max(frameBytesMax).default(4 * mebibyte),
    /** A connection that lets this much pile up unsent (a subscriber that does not read) is closed. */
    connectionBufferedBytesMax: z.number().int().min(mebibyte).max(1_024 * mebibyte).default(32 * mebibyte),
    clustersMax: positive(namesrv.clustersMax).default(namesrv.clustersMax),
    groupsMax: positive(namesrv.routeGroupsMax).default(1_024),
    replicasPerGroupMax: positive(namesrv.groupReplicasMax).default(namesrv.groupReplicasMax),
    topicsMax: positive(16 * mebibyte).default(65_536),
    topicsPerRegistrationMax: positive(namesrv.registrationTopicsMax).default(namesrv.registrationTopicsMax),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.evictionIntervalMs > config.brokerExpiryMs) {
      context.addIssue({ code: 'custom', path: ['evictionIntervalMs'], message: `must be at most brokerExpiryMs (${config.brokerExpiryMs}), or expired replicas linger` });
    }
    if (config.subscriptionsPerConnectionMax > config.subscriptionsMax) {
      context.addIssue({ code: 'custom', path: ['subscriptionsPerConnectionMax'], message: `must be at most subscriptionsMax (${config.subscriptionsMax})` });
    }
  });

export type NameServerConfig = z.output<typeof nameServerConfigSchema>;
export type NameServerConfigInput = z.input<typeof nameServerConfigSchema>;

export function parseNameServerConfig(input: unknown): NameServerConfig {
  const result = nameServerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw new NameServerConfigError([...issue.path, issue.keys.join(', ')].join('.'), 'is not a known setting', { cause: result.error });
  const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  throw new NameServerConfigError(field, issue?.message ?? 'invalid', { cause: result.error });
}
