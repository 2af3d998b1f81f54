import { join } from 'node:path';
import { SegmentLog } from '@raftmq/commitlog';
import { RaftNode, WsTransport } from '@raftmq/raft';
import { LedgerServer } from './ledger-server.js';
import { LedgerStateMachine } from './ledger-state-machine.js';
import type { Logger } from './logger.js';
import type { ReplicaConfig } from './replica-config.js';

/**
 * One replica of a ledger group as a process: a SegmentLog under dataDir, a
 * RaftNode whose peers are reached over the authenticated WsTransport, and
 * the ledger API for clients. Leadership goes back to `preferredLeader`
 * whenever it is healthy.
 */
export class Replica {
  readonly node: RaftNode;
  readonly store: SegmentLog;
  readonly stateMachine = new LedgerStateMachine();
  readonly transport: WsTransport;
  readonly server: LedgerServer;
  private readonly logger: Logger;

  constructor(readonly config: ReplicaConfig, logger: Logger) {
    this.logger = logger;
    this.store = new SegmentLog(join(config.dataDir, 'log'), {
      flushMode: config.flush.mode === 'sync' ? { kind: 'sync' } : { kind: 'async', intervalMs: config.flush.intervalMs },
      entrySizeBytesMax: config.entryBytesMax,
      ...(config.segmentSizeBytes === undefined ? {} : { segmentSizeBytes: config.segmentSizeBytes }),
    });
    const peerUrls = Object.fromEntries(Object.entries(config.peers).map(([id, peer]) => [id, peer.peerUrl]));
    this.transport = new WsTransport({ selfId: config.id, listen: config.peerListen, peers: peerUrls, secret: config.secret, logger });
    const { tickMs, heartbeatIntervalMs, electionTimeoutMsMin, electionTimeoutMsMax } = config.timing;
    this.node = new RaftNode({
      config: {
        id: config.id,
        heartbeatIntervalTicks: heartbeatIntervalMs / tickMs,
        electionTimeoutTicksMin: electionTimeoutMsMin / tickMs,
        electionTimeoutTicksMax: electionTimeoutMsMax / tickMs,
        entryBytesMax: config.entryBytesMax,
        ...(config.preferredLeader === undefined ? {} : { preferredLeaderId: config.preferredLeader }),
      },
      store: this.store,
      transport: this.transport,
      stateMachine: this.stateMachine,
      bootstrapVoters: Object.keys(config.peers).sort(),
      settings: { tickIntervalMs: tickMs, snapshotEveryEntries: config.snapshotEveryEntries, snapshotKeepEntries: config.snapshotKeepEntries },
      logger,
    });
    this.server = new LedgerServer({
      node: this.node,
      store: this.store,
      listen: config.clientListen,
      clientUrls: Object.fromEntries(Object.entries(config.peers).map(([id, peer]) => [id, peer.clientUrl])),
      entryBytesMax: config.entryBytesMax,
      logger,
      digest: () => ({ digest: this.stateMachine.digest, index: this.stateMachine.appliedIndex }),
    });
  }

  async start(): Promise<void> {
    await this.node.start();
    await this.server.start();
    this.logger.info({ id: this.config.id, peerPort: this.config.peerListen.port, clientPort: this.server.port }, 'replica ready');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.node.stop();
  }
}
