import { readFileSync } from 'node:fs';
import { syncDelayMsMax } from '@raftmq/commitlog';
import { z } from 'zod';
import { ReplicaConfigError } from './errors.js';

const endpoint = z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65_535) }).strict();
const url = z.string().regex(/^wss?:\/\/[^/\s]+\/?$/, 'must be a ws:// or wss:// address, like ws://127.0.0.1:7101');
const nodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');

/** The secret every replica of a group shares; it authenticates peers and never crosses the wire. */
const secretBytesMin = 16;

/**
 * One replica's configuration file. Timing is in milliseconds and must be
 * whole multiples of `tickMs`: the core counts ticks.
 */
export const replicaConfigSchema = z
  .object({
    id: nodeId,
    dataDir: z.string().min(1),
    /** Where peers connect (Raft traffic). */
    peerListen: endpoint,
    /** Where clients connect (the ledger API). */
    clientListen: endpoint,
    /** Every voter of the group, this replica included: how to reach its peer and client ports. */
    peers: z.record(nodeId, z.object({ peerUrl: url, clientUrl: url }).strict()).refine((peers) => Object.keys(peers).length >= 1, 'at least one peer'),
    secret: z.string().min(secretBytesMin, `must be at least ${secretBytesMin} characters`),
    flush: z
      .discriminatedUnion('mode', [
        z.object({ mode: z.literal('sync') }).strict(),
        z.object({ mode: z.literal('async'), intervalMs: z.number().int().min(1).max(60_000) }).strict(),
      ])
      .default({ mode: 'sync' }),
    timing: z
      .object({
        tickMs: z.number().int().min(1).max(1_000).default(10),
        heartbeatIntervalMs: z.number().int().min(1).max(60_000).default(50),
        electionTimeoutMsMin: z.number().int().min(1).max(600_000).default(150),
        electionTimeoutMsMax: z.number().int().min(1).max(600_000).default(300),
      })
      .strict()
      .default({ tickMs: 10, heartbeatIntervalMs: 50, electionTimeoutMsMin: 150, electionTimeoutMsMax: 300 }),
    snapshotEveryEntries: z.number().int().min(1).default(100_000),
    snapshotKeepEntries: z.number().int().min(0).default(10_000),
    /** The replica that should lead whenever it is healthy (leadership returns to it after it rejoins). */
    preferredLeader: nodeId.optional(),
    /** A segment file's size; default 1 GiB. */
    segmentSizeBytes: z.number().int().min(4_096).optional(),
    /** Largest entry accepted by `append`. */
    entryBytesMax: z.number().int().min(1).max(8 * 1024 * 1024).default(4 * 1024 * 1024),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /**
     * For the fault-injection suite only; a production replica leaves it out.
     * `volatileWrites`: file data stays in the process until fdatasync, so a
     * kill -9 loses what a power cut would (VolatileWriteFs).
     * `ignoreProposalTerm` is a deliberate bug, a negative control the suite
     * must catch: a write acknowledged once any entry at its index is
     * applied, whatever its term.
     * `linkFaultsFile`: a JSON file the suite writes to cut links between
     * replicas in the peer transport when it cannot filter packets
     * (`{ "dropTo": ["n2"], "dropFrom": ["n3"] }`; see LinkFaultsFile).
     */
    faultInjection: z
      .object({
        volatileWrites: z.boolean().default(false),
        /** With volatileWrites: each fdatasync waits this long first (a busy disk), widening what a power cut finds unsynced. */
        syncDelayMs: z.number().int().min(0).max(syncDelayMsMax).default(0),
        ignoreProposalTerm: z.boolean().default(false),
        /** Looked at every few tens of milliseconds; messages to `dropTo` and from `dropFrom` peers are lost. Missing or malformed: no drops. */
        linkFaultsFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.peers[config.id] === undefined) context.addIssue({ code: 'custom', path: ['peers'], message: `must include this replica, ${config.id}` });
    if (config.preferredLeader !== undefined && config.peers[config.preferredLeader] === undefined) {
      context.addIssue({ code: 'custom', path: ['preferredLeader'], message: `${config.preferredLeader} is not a peer` });
    }
    const { tickMs, heartbeatIntervalMs, electionTimeoutMsMin, electionTimeoutMsMax } = config.timing;
    for (const [name, value] of [
      ['heartbeatIntervalMs', heartbeatIntervalMs],
      ['electionTimeoutMsMin', electionTimeoutMsMin],
      ['electionTimeoutMsMax', electionTimeoutMsMax],
    ] as const) {
      if (value % tickMs !== 0) context.addIssue({ code: 'custom', path: ['timing', name], message: `must be a multiple of tickMs (${tickMs})` });
    }
    if (electionTimeoutMsMin <= heartbeatIntervalMs) context.addIssue({ code: 'custom', path: ['timing', 'electionTimeoutMsMin'], message: 'must be longer than heartbeatIntervalMs' });
    if (electionTimeoutMsMax < electionTimeoutMsMin) context.addIssue({ code: 'custom', path: ['timing', 'electionTimeoutMsMax'], message: 'must be at least electionTimeoutMsMin' });
  });

export type ReplicaConfig = z.output<typeof replicaConfigSchema>;
export type ReplicaConfigInput = z.input<typeof replicaConfigSchema>;

export function parseReplicaConfig(input: unknown): ReplicaConfig {
  const result = replicaConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw new ReplicaConfigError(issue.keys.join(', '), 'is not a known setting', { cause: result.error });
  const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
  throw new ReplicaConfigError(field, issue?.message ?? 'invalid', { cause: result.error });
}

/** Reads a JSON config file, unchecked; a missing or malformed file is a ReplicaConfigError. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ReplicaConfigError('(file)', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReplicaConfigError('(file)', `${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads and checks a JSON config file; every failure is a ReplicaConfigError. */
export function loadReplicaConfig(path: string): ReplicaConfig {
  return parseReplicaConfig(readConfigFile(path));
}
