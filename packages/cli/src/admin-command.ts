import { parseMessageId } from '@raftmq/broker';
import {
  FrameConnection,
  NameServerClient,
  RequestCode,
  ResponseCode,
  decodeStoredMessageBatch,
  messaging,
  parseHeaders,
  responseCodeName,
  type Frame,
  type StoredMessage,
} from '@raftmq/protocol';

/** `-n 127.0.0.1:9876;10.0.0.2:9876` as RocketMQ's mqadmin takes it, or ws:// addresses. */
export function nameServerAddresses(list: string): string[] {
  return list
    .split(/[;,]/)
    .map((each) => each.trim())
    .filter((each) => each.length > 0)
    .map((each) => (each.startsWith('ws://') ? each : `ws://${each}`));
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `raftmq admin clusterList`: every cluster, broker group and replica a NameServer knows, with role and term. */
export async function clusterList(addresses: readonly string[]): Promise<string> {
  const client = new NameServerClient({ addresses });
  try {
    const info = await client.getClusterInfo();
    const rows = info.clusters.flatMap((cluster) =>
      cluster.groups.flatMap((group) =>
        group.replicas.map((replica) => [
          cluster.cluster,
          group.brokerName,
          replica.replicaId,
          replica.replicaId === group.leaderReplicaId ? 'MASTER' : replica.status.toUpperCase(),
          String(replica.term),
          replica.address,
          `${Math.round(replica.lastSeenAgoMs / 1000)} s`,
        ]),
      ),
    );
    return table(['cluster', 'broker group', 'replica', 'role', 'term', 'address', 'last seen'], rows);
  } finally {
    client.close();
  }
}

/** `raftmq admin topicRoute -t TOPIC`: which groups serve the topic, their master and queues. */
export async function topicRoute(addresses: readonly string[], topic: string): Promise<string> {
  const client = new NameServerClient({ addresses });
  try {
    const route = await client.getRoute(topic);
    const rows = route.groups.map((group) => [
      group.brokerName,
      group.leader === null ? '-' : `${group.leader.replicaId} (term ${group.leader.term})`,
      group.leader?.address ?? '-',
      String(group.readQueues),
      String(group.writeQueues),
      String(group.perm),
    ]);
    return table(['broker group', 'master', 'address', 'read queues', 'write queues', 'perm'], rows);
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------- broker admin (mqadmin-style)

/** Waits for a broker's connection to open. */
const brokerConnectTimeoutMs = 3_000;
/** Waits for a broker's answer; a write (updateTopic) waits for its commit. */
const brokerRequestTimeoutMs = 10_000;
/** Leaders a request follows (NOT_LEADER answers naming another) before it tries the replicas in turn. */
const leaderHopsMax = 3;

/** A broker group as the NameServer's cluster info lists it: every replica's client address. */
export interface BrokerGroupAddresses {
  readonly cluster: string;
  readonly brokerName: string;
  readonly leaderReplicaId: string | null;
  readonly replicas: readonly { readonly replicaId: string; readonly address: string }[];
}

/** A broker's answer that is not a success. */
export class BrokerAdminError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly headers: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function withNameServer<T>(addresses: readonly string[], use: (client: NameServerClient) => Promise<T>): Promise<T> {
  const client = new NameServerClient({ addresses });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/** Every broker group the NameServers know, or the one named; throws when the named one is unknown. */
export async function brokerGroups(addresses: readonly string[], brokerName?: string): Promise<BrokerGroupAddresses[]> {
  const info = await withNameServer(addresses, (client) => client.getClusterInfo());
  const groups = info.clusters.flatMap((cluster) =>
    cluster.groups.map((group) => ({
      cluster: cluster.cluster,
      brokerName: group.brokerName,
      leaderReplicaId: group.leaderReplicaId,
      replicas: group.replicas.map((replica) => ({ replicaId: replica.replicaId, address: replica.address })),
    })),
  );
  groups.sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  if (brokerName === undefined) {
    if (groups.length === 0) throw new Error('the NameServers know no broker group');
    return groups;
  }
  const named = groups.filter((group) => group.brokerName === brokerName);
  if (named.length === 0) throw new Error(`the NameServers know no broker group ${brokerName} (they know ${groups.map((group) => group.brokerName).join(', ') || 'none'})`);
  return named;
}

/** One request to one broker replica; throws BrokerAdminError unless it succeeds (or its code is in `accept`). */
export async function brokerRequest(address: string, code: number, headers: Record<string, unknown>, accept: readonly number[] = []): Promise<Frame> {
  const connection = new FrameConnection(address, brokerConnectTimeoutMs);
  try {
    const frame = await connection.request(code, headers, brokerRequestTimeoutMs);
    if (frame.code !== ResponseCode.Success && !accept.includes(frame.code)) {
      const name = responseCodeName[frame.code as ResponseCode] ?? `CODE_${frame.code}`;
      const message = typeof frame.headers['message'] === 'string' ? frame.headers['message'] : name;
      throw new BrokerAdminError(frame.code, `${address}: ${name}: ${message}`, frame.headers);
    }
    return frame;
  } finally {
    connection.close();
  }
}

/**
 * A request to a group's master: the one the NameServer names first, then
 * whoever a NOT_LEADER answer names, then every replica in turn.
 */
export async function masterRequest(group: BrokerGroupAddresses, code: number, headers: Record<string, unknown>, accept: readonly number[] = []): Promise<Frame> {
  const byId = new Map(group.replicas.map((replica) => [replica.replicaId, replica.address]));
  const tried = new Set<string>();
  const candidates: string[] = [];
  const leaderAddress = group.leaderReplicaId === null ? undefined : byId.get(group.leaderReplicaId);
  if (leaderAddress !== undefined) candidates.push(leaderAddress);
  candidates.push(...group.replicas.map((replica) => replica.address));
  let lastError: unknown = new Error(`broker group ${group.brokerName} lists no replica`);
  let hops = 0;
  while (candidates.length > 0) {
    const address = candidates.shift() as string;
    if (tried.has(address)) continue;
    tried.add(address);
    try {
      return await brokerRequest(address, code, headers, accept);
    } catch (error) {
      lastError = error;
      if (error instanceof BrokerAdminError && error.code !== ResponseCode.NotLeader) throw error;
      if (error instanceof BrokerAdminError && hops < leaderHopsMax) {
        const hinted = error.headers['leaderAddress'];
        if (typeof hinted === 'string' && !tried.has(hinted)) {
          hops++;
          candidates.unshift(hinted);
        }
      }
    }
  }
  throw lastError instanceof Error ? new Error(`no master of broker group ${group.brokerName} answered: ${lastError.message}`) : new Error(String(lastError));
}

/**
 * How long a write to a group's master waits for the group to have one:
 * longer than an election and the NameServer hearing of it, so an admin
 * command run while one group fails over still lands there.
 */
export const masterWaitMsDefault = 15_000;
/** Between two tries of a group that has no master answering: the election's own pace. */
const masterRetryDelayMs = 100;

/**
 * A write to the master of group `brokerName`, tried again through an
 * election: the group's replicas are looked up afresh at every try (the
 * NameServer learns of a new master at once), until `waitMs` has passed. A
 * broker's refusal other than NOT_LEADER is final.
 */
export async function masterRequestThroughElection(
  addresses: readonly string[],
  brokerName: string,
  code: number,
  headers: Record<string, unknown>,
  waitMs = masterWaitMsDefault,
): Promise<Frame> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const [group] = await brokerGroups(addresses, brokerName);
    assert(group !== undefined && group.brokerName === brokerName, `brokerGroups answered no group ${brokerName} without throwing`);
    try {
      return await masterRequest(group, code, headers);
    } catch (error) {
      if (error instanceof BrokerAdminError) throw error;
      if (performance.now() + masterRetryDelayMs > deadline) throw new NoMasterError(brokerName, waitMs, error);
    }
    await new Promise((resolve) => setTimeout(resolve, masterRetryDelayMs));
  }
}

/** No replica of a group took a write as its master within the wait. */
export class NoMasterError extends Error {
  readonly code = 'ERR_NO_MASTER';
  constructor(
    readonly brokerName: string,
    waitMs: number,
    cause: unknown,
  ) {
    super(`broker group ${brokerName} had no master answering within ${waitMs} ms: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** `-c` names a cluster the NameServers do not know, or `-b` a group outside it. */
export class UnknownClusterError extends Error {
  readonly code = 'ERR_UNKNOWN_CLUSTER';
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export interface UpdateTopicOptions {
  readonly topic: string;
  readonly readQueues: number;
  readonly writeQueues: number;
  readonly perm: number;
  /** Only this group. */
  readonly brokerName?: string;
  /** Every group of this cluster (RocketMQ's `-c`); with neither, every group the NameServers know. */
  readonly cluster?: string;
  /** How long each group may take to have a master answering. */
  readonly masterWaitMs?: number;
}

/**
 * `raftmq admin updateTopic`: creates or changes a topic on the master of
 * every group of the cluster (or of every group known, or of the named one).
 * The groups are those the NameServers know now, so a group added to a running
 * cluster gets the topic by running this again; each group's master registers
 * the topic, and clients subscribed to its route learn of the new queues from
 * the NameServer's push.
 */
export async function updateTopic(addresses: readonly string[], options: UpdateTopicOptions): Promise<string> {
  let groups = await brokerGroups(addresses, options.brokerName);
  if (options.cluster !== undefined) {
    const known = new Set(groups.map((group) => group.cluster));
    groups = groups.filter((group) => group.cluster === options.cluster);
    if (groups.length === 0) {
      const where = options.brokerName === undefined ? '' : ` with a group ${options.brokerName}`;
      throw new UnknownClusterError(`the NameServers know no cluster ${options.cluster}${where} (they know ${[...known].sort().join(', ') || 'none'})`);
    }
  }
  const rows: string[][] = [];
  for (const group of groups) {
    const answer = await masterRequestThroughElection(
      addresses,
      group.brokerName,
      RequestCode.UpdateAndCreateTopic,
      { topic: options.topic, readQueues: options.readQueues, writeQueues: options.writeQueues, perm: options.perm },
      options.masterWaitMs,
    );
    rows.push([group.cluster, group.brokerName, options.topic, answer.headers['created'] === true ? 'created' : 'updated', String(options.readQueues), String(options.writeQueues), String(options.perm)]);
  }
  return table(['cluster', 'broker group', 'topic', 'result', 'read queues', 'write queues', 'perm'], rows);
}

/** `raftmq admin topicList`: every topic of every group, with its queues. */
export async function topicList(addresses: readonly string[]): Promise<string> {
  const groups = await brokerGroups(addresses);
  const rows: string[][] = [];
  for (const group of groups) {
    const answer = await masterRequest(group, RequestCode.GetAllTopicConfig, {});
    const topics = parseHeaders(messaging.getAllTopicConfigResponseHeaders, answer.headers).topics;
    for (const [topic, queues] of Object.entries(topics)) rows.push([topic, group.brokerName, String(queues.readQueues), String(queues.writeQueues), String(queues.perm)]);
  }
  rows.sort((a, b) => (a[0] as string).localeCompare(b[0] as string) || (a[1] as string).localeCompare(b[1] as string));
  return table(['topic', 'broker group', 'read queues', 'write queues', 'perm'], rows);
}

function cell(value: string | number | undefined): string {
  return value === undefined ? '-' : String(value);
}

function megabytes(value: string | number | undefined): string {
  return typeof value === 'number' ? `${(value / 1024 / 1024).toFixed(1)} MB` : '-';
}

function duration(value: string | number | undefined): string {
  return typeof value === 'number' ? `${Math.round(value / 1000)} s` : '-';
}

/** `raftmq admin brokerStatus`: the runtime table of every replica of each group (or of the named one). */
export async function brokerStatus(addresses: readonly string[], brokerName?: string): Promise<string> {
  const groups = await brokerGroups(addresses, brokerName);
  const rows: string[][] = [];
  for (const group of groups) {
    const tables = await Promise.all(
      group.replicas.map(async (replica) => {
        try {
          const answer = await brokerRequest(replica.address, RequestCode.GetBrokerRuntimeInfo, {});
          return parseHeaders(messaging.getBrokerRuntimeInfoResponseHeaders, answer.headers).table;
        } catch (error) {
          return { error: error instanceof Error ? error.message : String(error) } as Record<string, string | number>;
        }
      }),
    );
    const master = tables.find((each) => each['role'] === 'MASTER');
    group.replicas.forEach((replica, position) => {
      const info = tables[position] as Record<string, string | number>;
      if (info['error'] !== undefined) {
        rows.push([group.brokerName, replica.replicaId, 'UNREACHABLE', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', replica.address]);
        return;
      }
      const lag = info['role'] === 'MASTER' ? 0 : master?.[`followerLag.${replica.replicaId}`];
      rows.push([
        group.brokerName,
        replica.replicaId,
        cell(info['role']),
        cell(info['term']),
        cell(info['leaderId']),
        cell(info['commitIndex']),
        cell(info['appliedIndex']),
        `${cell(info['logFirstIndex'])}..${cell(info['logLastIndex'])}`,
        cell(lag),
        cell(info['topics']),
        cell(info['messagesStored']),
        megabytes(info['rssBytes']),
        duration(info['uptimeMs']),
        // As each replica's log has it: a removed replica still lists the voters that removed it.
        cell(info['voters']),
        replica.address,
      ]);
    });
  }
  return table(['broker group', 'replica', 'role', 'term', 'leader', 'commit', 'applied', 'log', 'lag', 'topics', 'messages', 'rss', 'uptime', 'voters', 'address'], rows);
}

/** `raftmq admin consumerProgress`: per queue the broker offset, the group's offset and the lag, and their totals. */
export async function consumerProgress(addresses: readonly string[], group: string, topic?: string): Promise<string> {
  let groups = await brokerGroups(addresses);
  if (topic !== undefined) {
    const route = await withNameServer(addresses, (client) => client.getRoute(topic));
    const serving = new Set(route.groups.map((each) => each.brokerName));
    groups = groups.filter((each) => serving.has(each.brokerName));
  }
  const rows: string[][] = [];
  let brokerTotal = 0;
  let consumerTotal = 0;
  let lagTotal = 0;
  for (const brokerGroup of groups) {
    const answer = await masterRequest(brokerGroup, RequestCode.GetConsumeStats, topic === undefined ? { consumerGroup: group } : { consumerGroup: group, topic });
    const { queues } = parseHeaders(messaging.getConsumeStatsResponseHeaders, answer.headers);
    for (const queue of queues) {
      brokerTotal += queue.brokerOffset;
      consumerTotal += queue.consumerOffset;
      lagTotal += queue.lag;
      rows.push([queue.topic, brokerGroup.brokerName, String(queue.queueId), String(queue.brokerOffset), String(queue.consumerOffset), String(queue.lag)]);
    }
  }
  rows.push(['total', '', '', String(brokerTotal), String(consumerTotal), String(lagTotal)]);
  return table(['topic', 'broker group', 'queue', 'broker offset', 'consumer offset', 'lag'], rows);
}

/** How long transferLeader waits for the named replica to lead. */
export const transferLeaderTimeoutMs = 5_000;

/** `raftmq admin transferLeader`: the group's master hands leadership to the named replica; returns once it leads. */
export async function transferLeader(addresses: readonly string[], brokerName: string, replicaId: string): Promise<string> {
  const [group] = await brokerGroups(addresses, brokerName);
  if (group === undefined) throw new Error(`no broker group ${brokerName}`);
  if (!group.replicas.some((replica) => replica.replicaId === replicaId)) {
    throw new Error(`broker group ${brokerName} has no replica ${replicaId} (it has ${group.replicas.map((replica) => replica.replicaId).join(', ')})`);
  }
  const answer = await masterRequest(group, RequestCode.TransferLeadership, { to: replicaId, timeoutMs: transferLeaderTimeoutMs });
  const result = parseHeaders(messaging.transferLeadershipResponseHeaders, answer.headers);
  return `the master of ${brokerName} is now ${result.leaderId} (term ${result.term})`;
}

/** How long removeReplica and addReplica wait for the change to commit; within brokerRequestTimeoutMs, so the answer comes back. */
export const membershipChangeTimeoutMs = 8_000;

/**
 * `raftmq admin removeReplica` / `addReplica`: the group's master removes the
 * named replica from its voters, or adds it (back) as one; returns once the
 * change is committed. Removing the master itself is allowed: it steps down
 * once the change commits and the others elect a master among themselves.
 */
export async function changeReplicaMembership(addresses: readonly string[], brokerName: string, replicaId: string, change: 'remove' | 'add'): Promise<string> {
  const [group] = await brokerGroups(addresses, brokerName);
  if (group === undefined) throw new Error(`no broker group ${brokerName}`);
  const code = change === 'remove' ? RequestCode.RemoveReplica : RequestCode.AddReplica;
  const answer = await masterRequest(group, code, { id: replicaId, timeoutMs: membershipChangeTimeoutMs });
  const result = parseHeaders(messaging.membershipChangeResponseHeaders, answer.headers);
  const done = change === 'remove' ? (result.changed ? 'removed' : 'was not a member of') : result.changed ? 'added as a voter to' : 'was already a voter of';
  return `${replicaId} ${done} ${brokerName}; voters now ${result.voters.join(', ')}`;
}

/** `raftmq admin queryMsg`: the message with this id, from the group its id names. */
export async function queryMessage(addresses: readonly string[], msgId: string): Promise<string> {
  const location = parseMessageId(msgId);
  if (location === undefined) throw new Error(`${msgId} is not a message id (<brokerName>:<18 hex digits>)`);
  const [group] = await brokerGroups(addresses, location.brokerName);
  if (group === undefined) throw new Error(`no broker group ${location.brokerName}`);
  const answer = await masterRequest(group, RequestCode.QueryMessageById, { msgId });
  const headers = parseHeaders(messaging.queryMessageByIdResponseHeaders, answer.headers);
  const [message] = decodeStoredMessageBatch(answer.body);
  if (message === undefined) throw new Error(`${location.brokerName} answered no message for ${msgId}`);
  return describeMessage(message, headers.topic, location.brokerName, headers.queueId);
}

/** One stored message as a field/value table (queryMsg, queryMsgByOffset). */
export function describeMessage(message: StoredMessage, topic: string, brokerName: string, queueId: number): string {
  const rows: string[][] = [
    ['msgId', message.msgId],
    ['topic', topic],
    ['broker group', brokerName],
    ['queue', String(queueId)],
    ['queue offset', String(message.queueOffset)],
    ['tags', message.tags ?? '-'],
    ['keys', message.keys === undefined || message.keys.length === 0 ? '-' : message.keys.join(' ')],
    ['properties', message.properties === undefined || Object.keys(message.properties).length === 0 ? '-' : JSON.stringify(message.properties)],
    ['born', new Date(message.bornTimestamp).toISOString()],
    ['stored', new Date(message.storeTimestamp).toISOString()],
    ['body bytes', String(message.body.byteLength)],
    ['body', Buffer.from(message.body).toString('utf8')],
  ];
  return table(['field', 'value'], rows);
}

/** The broker groups a NameServer routes `topic` to, each with its read queues; TopicNotExistError when none. */
export async function topicGroups(addresses: readonly string[], topic: string): Promise<{ readonly group: BrokerGroupAddresses; readonly readQueues: number }[]> {
  const route = await withNameServer(addresses, (client) => client.getRoute(topic));
  const groups = new Map((await brokerGroups(addresses)).map((each) => [each.brokerName, each]));
  return route.groups.flatMap((served) => {
    const group = groups.get(served.brokerName);
    return group === undefined ? [] : [{ group, readQueues: served.readQueues }];
  });
}
