import { retentionCompactionIndex, type SegmentLog } from '@raftmq/commitlog';
import { ReplicaConfigError, assembleReplica, parseReplicaConfig, type LinkFaultsFile, type Logger, type ReplicaConfig } from '@raftmq/ledger';
import { BrokerHeartbeat, NameServerClient, messaging, namesrv, type BrokerRegistration } from '@raftmq/protocol';
import type { RaftNode, WsTransport } from '@raftmq/raft';
import { z } from 'zod';
import { diskUsage, oldestSegmentsCovering, type DiskUsage } from './disk-usage.js';
import { BrokerServer, autoCreateTopicQueuesDefault } from './broker-server.js';
import { BrokerState } from './state/broker-state.js';

/** The settings a broker replica has beyond a ledger replica's. */
export const brokerOptionsSchema = z
  .object({
    /** The broker group's name (RocketMQ's brokerName), shared by its three replicas. */
    brokerName: namesrv.brokerName,
    /** The cluster the group belongs to (RocketMQ's brokerClusterName). */
    cluster: namesrv.brokerName.default('DefaultCluster'),
    /**
     * When a send is answered. `quorum` (the default; RocketMQ's synchronous
     * double write, generalised to a Raft majority): once a majority holds it
     * under the flush mode. `leader` (RocketMQ's asynchronous replication):
     * once the master's own write holds it, the followers catching up behind;
     * a failover before they do loses the unreplicated tail. Each send result
     * names the guarantee it got.
     */
    acknowledgement: z.enum(['quorum', 'leader']).default('quorum'),
    /** RocketMQ's autoCreateTopicEnable. */
    autoCreateTopic: z.boolean().default(false),
    autoCreateTopicQueues: z.number().int().min(1).max(namesrv.topicQueuesMax).default(autoCreateTopicQueuesDefault),
    /** Every NameServer (ws://host:port or host:port); the replica registers with all of them. None: it registers nowhere. */
    nameServers: z.array(z.string().min(1)).max(64).default([]),
    /**
     * RocketMQ's fileReservedTime: how many hours messages are kept (72; a
     * fraction is allowed). The Raft log is the CommitLog, so snapshots never
     * compact away a segment younger than this, consumed or not.
     */
    fileReservedTime: z.number().min(0).max(10 * 365 * 24).default(72),
    /**
     * RocketMQ's deleteWhen: the hours of the day (local time, `04` or
     * `04;16`) in which expired messages are removed; `*` for any hour, as
     * soon as they expire.
     */
    deleteWhen: z.string().regex(/^(\*|([01]\d|2[0-3])(;([01]\d|2[0-3]))*)$/, 'must be * or hours 00-23 joined by ;').default('04'),
    /** RocketMQ's diskMaxUsedSpaceRatio (percent): past it, the oldest messages go at once, expired or not. */
    diskMaxUsedSpaceRatio: z.number().int().min(10).max(95).default(75),
    /** RocketMQ's heartbeat to the NameServers; a change of role or term registers at once. */
    nameServerHeartbeatMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Transactional messages: RocketMQ's transactionTimeOut, transactionCheckInterval and transactionCheckMax (defaults in protocol's transactions.ts). */
    transactionTimeoutMs: z.number().int().min(0).max(24 * 3_600_000).optional(),
    transactionCheckIntervalMs: z.number().int().min(1).max(24 * 3_600_000).optional(),
    transactionCheckMax: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

const brokerKeys = ['brokerName', 'cluster', 'acknowledgement', 'autoCreateTopic', 'autoCreateTopicQueues', 'nameServers', 'nameServerHeartbeatMs', 'fileReservedTime', 'transactionTimeoutMs', 'transactionCheckIntervalMs', 'transactionCheckMax', 'deleteWhen', 'diskMaxUsedSpaceRatio'] as const;

/** How often the retention boundary is recomputed from the segments' ages. */
const retentionCheckIntervalMs = 10_000;

export type BrokerOptions = z.output<typeof brokerOptionsSchema>;

/** fileReservedTime, in milliseconds. */
function retentionMsOf(options: BrokerOptions): number {
  return Math.round(options.fileReservedTime * 3_600_000);
}
export type BrokerReplicaConfig = ReplicaConfig & { readonly broker: BrokerOptions };

/** A ledger replica's settings (see @raftmq/ledger's replicaConfigSchema) plus brokerName, cluster and autoCreateTopic. */
export function parseBrokerReplicaConfig(input: unknown): BrokerReplicaConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ReplicaConfigError('(root)', 'must be an object');
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((brokerKeys as readonly string[]).includes(key)) own[key] = value;
    else rest[key] = value;
  }
  const replica = parseReplicaConfig(rest);
  const result = brokerOptionsSchema.safeParse(own);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    throw new ReplicaConfigError(field, issue?.message ?? 'invalid', { cause: result.error });
  }
  return { ...replica, broker: result.data };
}

/**
 * One replica of a broker group as a process: the group's CommitLog is a
 * SegmentLog under dataDir holding the Raft log, the RaftNode applies it to
 * a BrokerState, peers are reached over the authenticated WsTransport, and
 * clients over the BrokerServer. Configured like a ledger replica.
 *
 * It registers with every NameServer every nameServerHeartbeatMs, and at
 * once when its role or term changes or a topic is created, carrying its
 * Raft term: the NameServers route the master of the highest term only, so a
 * deposed master that still registers is fenced rather than routed.
 */
export class BrokerReplica {
  readonly node: RaftNode;
  readonly store: SegmentLog;
  readonly state = new BrokerState();
  readonly transport: WsTransport;
  readonly server: BrokerServer;
  private readonly logger: Logger;
  /** The fault-injection suite's link faults, when configured. */
  private readonly linkFaults: LinkFaultsFile | undefined;
  private unsubscribe: (() => void)[] = [];
  private droppedBefore = 0;
  private readonly nameServers: NameServerClient | null;
  private readonly heartbeat: BrokerHeartbeat | null;
  private registeredTopicsVersion = -1;
  /** The index the log may be compacted through under the retention policy; nothing until the first check. */
  private retainedFromIndex = 0;
  private retentionTimer: NodeJS.Timeout | null = null;
  private checkingRetention = false;

  constructor(
    readonly config: BrokerReplicaConfig,
    logger: Logger,
  ) {
    this.logger = logger;
    // Asked at each snapshot: answers from the last check and starts the next, so the boundary follows the segments' ages.
    const parts = assembleReplica(config, this.state, logger, () => {
      void this.checkRetention();
      // A scheduled send not yet delivered keeps its entry, whatever its age; one delivered keeps it for the retention time after.
      const oldestScheduled = this.state.oldestScheduledLogIndex() ?? Number.POSITIVE_INFINITY;
      const oldestDelivered = this.state.oldestDeliveredLogIndexSince(Date.now() - retentionMsOf(config.broker)) ?? Number.POSITIVE_INFINITY;
      // An undecided half keeps its entry too; a committed one counts its retention from its commit, as a delivery.
      const oldestHalf = this.state.transactions.oldestLogIndex() ?? Number.POSITIVE_INFINITY;
      return Math.min(this.retainedFromIndex, oldestScheduled - 1, oldestDelivered - 1, oldestHalf - 1);
    });
    this.store = parts.store;
    this.transport = parts.transport;
    this.node = parts.node;
    this.linkFaults = parts.linkFaults;
    this.server = new BrokerServer({
      node: this.node,
      state: this.state,
      store: this.store,
      listen: config.clientListen,
      brokerName: config.broker.brokerName,
      clientUrls: parts.clientUrls,
      logger,
      autoCreateTopic: config.broker.autoCreateTopic,
      autoCreateTopicQueues: config.broker.autoCreateTopicQueues,
      durability: config.flush.mode === 'sync' ? 'quorum-fsynced' : 'quorum-written',
      acknowledgement: config.broker.acknowledgement,
      ...(config.faultInjection?.ignoreProposalTerm === true ? { ignoreProposalTerm: true } : {}),
      transactions: { timeoutMs: config.broker.transactionTimeoutMs, checkIntervalMs: config.broker.transactionCheckIntervalMs, checkMax: config.broker.transactionCheckMax },
    });
    const addresses = config.broker.nameServers.map((address) => (address.includes('://') ? address : `ws://${address}`));
    this.nameServers = addresses.length === 0 ? null : new NameServerClient({ addresses });
    this.heartbeat =
      this.nameServers === null
        ? null
        : new BrokerHeartbeat({
            client: this.nameServers,
            registration: () => this.registration(),
            intervalMs: config.broker.nameServerHeartbeatMs,
            onOutcome: (outcome) => {
              if (!outcome.ok) this.logger.warn({ nameServer: outcome.address, error: String(outcome.error) }, 'registration with a NameServer failed');
              else if (outcome.value.fenced) this.logger.info({ nameServer: outcome.address, groupTerm: outcome.value.groupTerm, reason: outcome.value.reason }, 'a NameServer fenced this registration');
            },
          });
  }

  /** What this replica tells the NameServers: read at every send, so it never carries an old role or term. */
  registration(): BrokerRegistration {
    const state = this.node.lastState;
    const topics = Object.fromEntries(this.state.topicList().map((topic) => [topic.topic, { readQueues: topic.readQueues, writeQueues: topic.writeQueues, perm: topic.perm }]));
    if (this.config.broker.autoCreateTopic) {
      // RocketMQ's TBW102: producers send a topic nobody serves yet where this default topic is served, and the first send creates it.
      const queues = this.config.broker.autoCreateTopicQueues;
      topics[messaging.autoCreateDefaultTopic] = { readQueues: queues, writeQueues: queues, perm: 6 };
    }
    return {
      cluster: this.config.broker.cluster,
      brokerName: this.config.broker.brokerName,
      replicaId: this.config.id,
      address: this.config.peers[this.config.id]?.clientUrl ?? '',
      role: state.role === 'leader' ? 'leader' : 'follower',
      leaderTerm: state.term,
      topics,
    };
  }

  async start(): Promise<void> {
    this.linkFaults?.start();
    await this.node.start();
    // Compaction follows snapshots, which follow applies: the queues forget what the log no longer holds.
    this.unsubscribe.push(
      this.node.onApplied(() => {
        this.dropCompacted();
        this.registerIfTopicsChanged();
      }),
    );
    this.dropCompacted();
    await this.checkRetention();
    this.retentionTimer = setInterval(() => void this.checkRetention(), retentionCheckIntervalMs);
    this.retentionTimer.unref();
    await this.server.start();
    if (this.heartbeat !== null) {
      const heartbeat = this.heartbeat;
      this.unsubscribe.push(this.node.onStateChange(() => void heartbeat.registerNow()));
      this.registeredTopicsVersion = this.state.topicsVersion;
      void heartbeat.start();
    }
    this.logger.info({ id: this.config.id, brokerName: this.config.broker.brokerName, peerPort: this.config.peerListen.port, clientPort: this.server.port }, 'broker replica ready');
  }

  async stop(): Promise<void> {
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    this.retentionTimer = null;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.heartbeat?.stop();
    if (this.nameServers !== null) {
      // Leaving: the route goes now rather than after the NameServers' expiry.
      await this.nameServers.unregisterBroker({ cluster: this.config.broker.cluster, brokerName: this.config.broker.brokerName, replicaId: this.config.id }).catch(() => undefined);
      this.nameServers.close();
    }
    await this.server.stop();
    await this.node.stop();
    this.linkFaults?.stop();
  }

  /**
   * Recomputes how far the log may be compacted: in a deleteWhen hour,
   * through the last sealed segment older than the retention time; at any
   * hour, when the disk is fuller than diskMaxUsedSpaceRatio, through enough
   * of the oldest segments to bring it under, expired or not. A boundary
   * that moved has the node snapshot and compact at once.
   */
  private async checkRetention(): Promise<void> {
    if (this.checkingRetention) return;
    this.checkingRetention = true;
    try {
      const { deleteWhen, diskMaxUsedSpaceRatio } = this.config.broker;
      const nowMs = Date.now();
      const segments = await this.store.segments();
      const disk = await diskUsage(this.config.dataDir);
      let next: number | null = null;
      if (deleteWhen === '*' || deleteWhen.split(';').map(Number).includes(new Date(nowMs).getHours())) {
        next = retentionCompactionIndex(segments, nowMs, retentionMsOf(this.config.broker));
      }
      const excessBytes = disk === null ? 0 : disk.usedBytes - (disk.totalBytes * diskMaxUsedSpaceRatio) / 100;
      if (excessBytes > 0) {
        const forced = oldestSegmentsCovering(segments, excessBytes);
        // Compaction stops at kept snapshots: the first at or past what must go.
        const atSnapshot = forced === null ? null : (this.store.snapshotIndexes().find((index) => index >= forced) ?? null);
        if (atSnapshot !== null && atSnapshot > (next ?? 0)) {
          this.logger.warn({ usedPercent: Math.round((100 * (disk as DiskUsage).usedBytes) / (disk as DiskUsage).totalBytes), diskMaxUsedSpaceRatio, through: atSnapshot }, 'the disk is past diskMaxUsedSpaceRatio: removing the oldest messages, expired or not');
          next = atSnapshot;
        }
      }
      if (next !== null && next > this.retainedFromIndex) {
        this.retainedFromIndex = next;
        this.node.requestSnapshot();
      }
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'could not read the segments or the disk for retention');
    } finally {
      this.checkingRetention = false;
    }
  }

  private registerIfTopicsChanged(): void {
    if (this.heartbeat === null || this.state.topicsVersion === this.registeredTopicsVersion) return;
    this.registeredTopicsVersion = this.state.topicsVersion;
    void this.heartbeat.registerNow();
  }

  private dropCompacted(): void {
    const first = this.store.firstIndex();
    if (first > this.droppedBefore) {
      this.droppedBefore = first;
      this.state.dropBefore(first);
    }
  }
}
