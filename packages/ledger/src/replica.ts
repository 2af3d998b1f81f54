import type { SegmentLog } from '@raftmq/commitlog';
import type { RaftNode, WsTransport } from '@raftmq/raft';
import { LedgerServer } from './ledger-server.js';
import { LedgerStateMachine } from './ledger-state-machine.js';
import type { Logger } from './logger.js';
import type { ReplicaConfig } from './replica-config.js';
import type { LinkFaultsFile } from './link-faults-file.js';
import { assembleReplica } from './replica-parts.js';

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
  private readonly linkFaults: LinkFaultsFile | undefined;

  constructor(readonly config: ReplicaConfig, logger: Logger) {
    this.logger = logger;
    const parts = assembleReplica(config, this.stateMachine, logger);
    this.store = parts.store;
    this.transport = parts.transport;
    this.node = parts.node;
    this.linkFaults = parts.linkFaults;
    this.server = new LedgerServer({
      node: this.node,
      store: this.store,
      listen: config.clientListen,
      clientUrls: parts.clientUrls,
      entryBytesMax: config.entryBytesMax,
      logger,
      digest: () => ({ digest: this.stateMachine.digest, index: this.stateMachine.appliedIndex }),
    });
  }

  async start(): Promise<void> {
    this.linkFaults?.start();
    await this.node.start();
    await this.server.start();
    this.logger.info({ id: this.config.id, peerPort: this.config.peerListen.port, clientPort: this.server.port }, 'replica ready');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.node.stop();
    this.linkFaults?.stop();
  }
}
