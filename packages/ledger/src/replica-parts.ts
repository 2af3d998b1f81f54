import { isIP } from 'node:net';
import { join } from 'node:path';
import { SegmentLog, VolatileWriteFs } from '@raftmq/commitlog';
import { RaftNode, WsTransport, type StateMachine } from '@raftmq/raft';
import { LinkFaultsFile } from './link-faults-file.js';
import type { Logger } from './logger.js';
import type { ReplicaConfig } from './replica-config.js';

/** The loopback source address the kernel picks by itself. */
const loopbackDefault = '127.0.0.1';

export interface ReplicaParts {
  readonly store: SegmentLog;
  readonly transport: WsTransport;
  readonly node: RaftNode;
  /** Each voter's client address, by id: where a NOT_LEADER answer points. */
  readonly clientUrls: Readonly<Record<string, string>>;
  /** There when the config names a link faults file: start it before the node, stop it with the node. */
  readonly linkFaults?: LinkFaultsFile;
}

/**
 * What every replica process is made of, from its config: a SegmentLog under
 * dataDir/log, the authenticated peer transport, and a RaftNode applying to
 * `stateMachine`, with timing turned from milliseconds into ticks. The
 * ledger's Replica and the broker's BrokerReplica differ only in the state
 * machine and the server they put in front.
 */
export function assembleReplica(config: ReplicaConfig, stateMachine: StateMachine, logger: Logger, compactionLimit?: () => number): ReplicaParts {
  const store = new SegmentLog(join(config.dataDir, 'log'), {
    flushMode: config.flush.mode === 'sync' ? { kind: 'sync' } : { kind: 'async', intervalMs: config.flush.intervalMs },
    entrySizeBytesMax: config.entryBytesMax,
    ...(config.segmentSizeBytes === undefined ? {} : { segmentSizeBytes: config.segmentSizeBytes }),
    ...(config.faultInjection?.volatileWrites === true ? { fileSystem: new VolatileWriteFs(undefined, config.faultInjection.syncDelayMs) } : {}),
  });
  const faultInjection = config.faultInjection;
  if (faultInjection !== undefined) logger.warn({ faultInjection }, 'fault injection is configured: this replica is for the fault-injection suite only');
  const peerUrls = Object.fromEntries(Object.entries(config.peers).map(([id, peer]) => [id, peer.peerUrl]));
  const localAddress = peerDialAddress(config.peerListen.host);
  const transport = new WsTransport({ selfId: config.id, listen: config.peerListen, peers: peerUrls, secret: config.secret, logger, ...(localAddress === undefined ? {} : { localAddress }) });
  const linkFaultsPath = faultInjection?.linkFaultsFile;
  const linkFaults = linkFaultsPath === undefined ? undefined : new LinkFaultsFile(linkFaultsPath, (faults) => transport.setLinkFaults(faults), logger);
  const { tickMs, heartbeatIntervalMs, electionTimeoutMsMin, electionTimeoutMsMax } = config.timing;
  const node = new RaftNode({
    config: {
      id: config.id,
      heartbeatIntervalTicks: heartbeatIntervalMs / tickMs,
      electionTimeoutTicksMin: electionTimeoutMsMin / tickMs,
      electionTimeoutTicksMax: electionTimeoutMsMax / tickMs,
      entryBytesMax: config.entryBytesMax,
      ...(config.preferredLeader === undefined ? {} : { preferredLeaderId: config.preferredLeader }),
    },
    store,
    transport,
    stateMachine,
    bootstrapVoters: Object.keys(config.peers).sort(),
    settings: { tickIntervalMs: tickMs, snapshotEveryEntries: config.snapshotEveryEntries, snapshotKeepEntries: config.snapshotKeepEntries },
    logger,
    ...(compactionLimit === undefined ? {} : { compactionLimit }),
    ...(faultInjection === undefined ? {} : { unsafe: { ignoreProposalTerm: faultInjection.ignoreProposalTerm } }),
  });
  const clientUrls = Object.fromEntries(Object.entries(config.peers).map(([id, peer]) => [id, peer.clientUrl]));
  return { store, transport, node, clientUrls, ...(linkFaults === undefined ? {} : { linkFaults }) };
}

/**
 * Where this replica's outgoing peer connections come from: its own peer
 * listen address when that is a loopback one other than 127.0.0.1. The
 * kernel gives every loopback connection the source 127.0.0.1, so replicas
 * on per-node loopback addresses (the Jepsen runner's partitions) could not
 * be told apart by source otherwise. Any other host is left to the kernel as
 * before; 127.0.0.1 is what the kernel picks anyway.
 */
export function peerDialAddress(listenHost: string): string | undefined {
  return isIP(listenHost) === 4 && listenHost.startsWith('127.') && listenHost !== loopbackDefault ? listenHost : undefined;
}
