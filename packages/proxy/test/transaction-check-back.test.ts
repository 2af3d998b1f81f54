import { crc32 } from 'node:zlib';
import type { LocalTransactionState, PushedCheck } from '@raftmq/client';
import { encodeMessageBatch, type FrameConnection } from '@raftmq/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientSession } from '../src/client-registry.js';
import { silentProxyLogger } from '../src/context.js';
import { OrphanedTransactionChecks, type CheckTargets, type OrphanedCheck } from '../src/orphaned-transaction-checks.js';
import { decodeTransactionId } from '../src/transaction-id.js';
import { TransactionalGroups, producerGroupOf, producerGroupsMax, type TransactionLink } from '../src/transactional-groups.js';
import type { Message } from '../src/wire-types.js';

afterEach(() => {
  vi.useRealTimers();
});

function session(clientId: string, overrides: Partial<ClientSession> = {}): ClientSession {
  return {
    clientId,
    clientType: 'PRODUCER',
    consumerGroup: undefined,
    publishingTopics: ['orders'],
    subscriptions: [],
    requestTimeoutMs: 3_000,
    clientLongPollingTimeoutMs: undefined,
    lastSeenMs: 0,
    connected: true,
    ...overrides,
  };
}

/** A registry of the given clients whose Telemetry streams record what is written to them; `closed` ones have lost theirs. */
class FakeClients implements CheckTargets {
  readonly sent: { readonly clientId: string; readonly command: Record<string, unknown> }[] = [];
  readonly closed = new Set<string>();
  constructor(public sessions: ClientSession[]) {}
  all(): readonly ClientSession[] {
    return this.sessions;
  }
  sendCommand(clientId: string, command: Record<string, unknown>): boolean {
    if (this.closed.has(clientId)) return false;
    this.sent.push({ clientId, command });
    return true;
  }
}

function check(transactionId: string, topic = 'orders'): OrphanedCheck {
  return { producerGroup: producerGroupOf(topic), topic, transactionId, command: { message: {} as Message, transactionId: `proxy-${transactionId}` } };
}

describe('OrphanedTransactionChecks: a broker\'s check on its way to a client of the producer group', () => {
  it('goes to connected producers publishing to the topic, in turn, as a RecoverOrphanedTransactionCommand', () => {
    const clients = new FakeClients([
      session('consumer', { clientType: 'SIMPLE_CONSUMER' }),
      session('other-topic', { publishingTopics: ['payments'] }),
      session('gone', { connected: false }),
      session('producer-1'),
      session('producer-2'),
    ]);
    const checks = new OrphanedTransactionChecks(clients);
    expect(checks.forward(check('broker-a:1'))).toEqual({ outcome: 'forwarded', clientId: 'producer-1' });
    expect(checks.forward(check('broker-a:2'))).toEqual({ outcome: 'forwarded', clientId: 'producer-2' });
    expect(clients.sent[0]?.command).toEqual({ recoverOrphanedTransactionCommand: { message: {}, transactionId: 'proxy-broker-a:1' } });
    // A client whose stream just closed is passed over for the next.
    clients.closed.add('producer-1');
    expect(checks.forward(check('broker-a:3'))).toEqual({ outcome: 'forwarded', clientId: 'producer-2' });
    checks.close();
  });

  it('leaves the half UNKNOWN to the broker when no client of the group is connected, or the same check is already with one', () => {
    const clients = new FakeClients([session('payments-producer', { publishingTopics: ['payments'] })]);
    const checks = new OrphanedTransactionChecks(clients);
    expect(checks.forward(check('broker-a:1'))).toEqual({ outcome: 'no-client' });
    expect(checks.pendingCount(producerGroupOf('orders'))).toBe(0);
    clients.sessions = [session('producer')];
    expect(checks.forward(check('broker-a:1')).outcome).toBe('forwarded');
    expect(checks.forward(check('broker-a:1'))).toEqual({ outcome: 'already-pending' });
    expect(clients.sent).toHaveLength(1);
    checks.close();
  });

  it('holds a bounded number of checks per group, each until the client answers or its timeout', () => {
    vi.useFakeTimers();
    const clients = new FakeClients([session('producer'), session('payments-producer', { publishingTopics: ['payments'] })]);
    const checks = new OrphanedTransactionChecks(clients, { pendingPerGroupMax: 2, answerTimeoutMs: 1_000 });
    expect(checks.forward(check('broker-a:1')).outcome).toBe('forwarded');
    expect(checks.forward(check('broker-a:2')).outcome).toBe('forwarded');
    expect(checks.forward(check('broker-a:3'))).toEqual({ outcome: 'too-many-pending' });
    // The bound is per group: another group's checks still go.
    expect(checks.forward(check('broker-a:4', 'payments')).outcome).toBe('forwarded');
    checks.answered(producerGroupOf('orders'), 'broker-a:1');
    expect(checks.forward(check('broker-a:3')).outcome).toBe('forwarded');
    vi.advanceTimersByTime(1_000);
    expect(checks.pendingCount(producerGroupOf('orders'))).toBe(0);
    expect(checks.forward(check('broker-a:2')).outcome).toBe('forwarded');
    checks.close();
  });
});

/** A producer group's link to the brokers, recording heartbeats and decisions; the test pushes checks through `push`. */
class FakeLink implements TransactionLink {
  readonly heartbeats: string[][] = [];
  readonly ends: unknown[][] = [];
  closed = false;
  constructor(readonly push: (pushed: PushedCheck) => void) {}
  async heartbeat(topics: Iterable<string>): Promise<void> {
    this.heartbeats.push([...topics]);
  }
  async end(topic: string, brokerName: string, transactionId: string, state: LocalTransactionState, fromTransactionCheck: boolean, timeoutMs: number): Promise<{ readonly outcome: LocalTransactionState }> {
    this.ends.push([topic, brokerName, transactionId, state, fromTransactionCheck, timeoutMs]);
    return { outcome: state };
  }
  close(): void {
    this.closed = true;
  }
}

function groupsOver(clients: FakeClients, now: () => number = Date.now) {
  const links = new Map<string, FakeLink>();
  const checks = new OrphanedTransactionChecks(clients);
  const groups = new TransactionalGroups({
    clients,
    checks,
    logger: silentProxyLogger,
    heartbeatIntervalMs: 10_000,
    now,
    links: (producerGroup, onCheck) => {
      const link = new FakeLink(onCheck);
      links.set(producerGroup, link);
      return link;
    },
  });
  return { groups, checks, links };
}

const halfBody = encodeMessageBatch([
  { body: Buffer.from('order #7'), tags: 'TagA', keys: ['order-7'], properties: { UNIQ_KEY: 'client-message-7', __MESSAGETYPE: 'TRANSACTION', __BORNTIMESTAMP: '1700000000123', colour: 'blue', TRAN_MSG: 'true', PGROUP: producerGroupOf('orders') } },
]);

describe('TransactionalGroups: the proxy as the RaftMQ producer of the official clients\' groups', () => {
  it('joins the group of every topic a connected producer publishes to, and forwards its checks to that producer', async () => {
    const clients = new FakeClients([session('producer'), session('consumer', { clientType: 'PUSH_CONSUMER', publishingTopics: ['ignored'] })]);
    const { groups, checks, links } = groupsOver(clients);
    groups.refresh();
    expect([...links.keys()]).toEqual([producerGroupOf('orders')]);
    const link = links.get(producerGroupOf('orders')) as FakeLink;
    expect(link.heartbeats).toEqual([['orders']]);

    const ourTransactionId = 'broker-a:000000000000070000';
    link.push({ check: { producerGroup: producerGroupOf('orders'), transactionId: ourTransactionId, topic: 'orders', queueId: 1, checkTimes: 1 }, body: halfBody, connection: {} as FrameConnection });
    expect(clients.sent).toHaveLength(1);
    const command = clients.sent[0]?.command['recoverOrphanedTransactionCommand'] as { message: Message; transactionId: string };
    // The client sees its message as it sent it, and a transaction id that leads back to the half.
    expect(decodeTransactionId(command.transactionId)).toEqual({ topic: 'orders', messageId: 'client-message-7', brokerName: 'broker-a', transactionId: ourTransactionId });
    expect(command.message.topic?.name).toBe('orders');
    expect(command.message.userProperties).toEqual({ colour: 'blue' });
    expect(command.message.systemProperties).toMatchObject({ messageId: 'client-message-7', messageType: 'TRANSACTION', tag: 'TagA', keys: ['order-7'], queueId: 1, bornTimestamp: { seconds: 1_700_000_000, nanos: 123_000_000 } });
    expect(command.message.systemProperties?.bodyDigest).toEqual({ type: 'CRC32', checksum: String(crc32(Buffer.from('order #7'))) });
    expect(checks.pendingCount(producerGroupOf('orders'))).toBe(1);

    // The client's answer ends the half on its broker group, as an answer to the check, and frees its slot.
    const id = decodeTransactionId(command.transactionId);
    expect(await groups.end(producerGroupOf('orders'), id, 'COMMIT', true, 3_000)).toEqual({ outcome: 'COMMIT' });
    expect(link.ends).toEqual([['orders', 'broker-a', ourTransactionId, 'COMMIT', true, 3_000]]);
    expect(checks.pendingCount(producerGroupOf('orders'))).toBe(0);
    groups.stop();
    expect(link.closed).toBe(true);
  });

  it('heartbeats before a transactional send, and leaves a group once no producer publishes to it for a while', async () => {
    let nowMs = 1_000_000;
    const clients = new FakeClients([]);
    const { groups, links } = groupsOver(clients, () => nowMs);
    expect(await groups.prepare('payments')).toBe(producerGroupOf('payments'));
    const link = links.get(producerGroupOf('payments')) as FakeLink;
    expect(link.heartbeats).toEqual([['payments']]);
    nowMs += 10_000;
    groups.refresh();
    expect(link.heartbeats).toHaveLength(2);
    nowMs += 200_000;
    groups.refresh();
    expect(link.closed).toBe(true);
    expect(groups.size).toBe(0);
    groups.stop();
  });

  it('is the producer of a bounded number of groups, and refuses transactional topics whose group name would not fit', async () => {
    const { groups } = groupsOver(new FakeClients([]));
    for (let index = 0; index < producerGroupsMax; index++) await groups.prepare(`topic-${index}`);
    await expect(groups.prepare('one-more')).rejects.toMatchObject({ statusCode: 'TOO_MANY_REQUESTS' });
    await expect(groups.prepare('t'.repeat(120))).rejects.toMatchObject({ statusCode: 'ILLEGAL_TOPIC' });
    groups.stop();
  });
});
