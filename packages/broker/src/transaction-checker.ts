import type { LogStore } from '@raftmq/commitlog';
import type { Logger } from '@raftmq/ledger';
import { RequestCode, messaging } from '@raftmq/protocol';
import { Role, type RaftNode } from '@raftmq/raft';
import { messageId } from './message-id.js';
import type { ProducerRegistry } from './producer-registry.js';
import type { BrokerState } from './state/broker-state.js';
import type { HalfMessage } from './state/half-messages.js';
import { encodeCommand } from './state/log-command.js';
import { transactionCheckRoundHalvesMax } from './state/transaction-commands.js';
import { StoredEntry } from './stored-entry.js';

/** The checker looks for due halves at least this often (more often when the check interval is shorter). */
export const transactionCheckTickMsMax = 1_000;

export interface TransactionCheckSettings {
  /** RocketMQ's transactionTimeOut: the first check of a half comes this long after it was stored. */
  readonly timeoutMs: number;
  /** RocketMQ's transactionCheckInterval: between two checks of one half. */
  readonly intervalMs: number;
  /** RocketMQ's transactionCheckMax: a half checked this often and still undecided is rolled back at its next round. */
  readonly checkMax: number;
}

export interface TransactionCheckerOptions {
  readonly node: RaftNode;
  readonly state: BrokerState;
  readonly store: LogStore;
  readonly brokerName: string;
  readonly producers: ProducerRegistry;
  readonly settings: TransactionCheckSettings;
  readonly logger: Logger;
}

/**
 * On the leader, checks back undecided halves: every round is first written
 * to the log (`transactionCheck`, one entry for every half due), so the
 * count of checks survives a failover and a half is never asked more than
 * checkMax times however often the master changes; once the round is
 * committed, each half still undecided is pushed to a live producer of its
 * group (CheckTransactionState), which answers with EndTransaction. A half
 * that no producer is around to answer is still counted, as RocketMQ does.
 */
export class TransactionChecker {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  /** Check pushes sent, and rounds in which a half's group had no live producer. */
  readonly stats = { checksPushed: 0, checksWithoutProducer: 0 };

  constructor(private readonly options: TransactionCheckerOptions) {}

  start(): void {
    const { intervalMs, timeoutMs } = this.options.settings;
    this.timer = setInterval(() => void this.tick(), Math.max(1, Math.min(transactionCheckTickMsMax, intervalMs, timeoutMs)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round, when this replica leads and halves are due; exposed for tests. */
  async tick(): Promise<void> {
    const { node, state, settings, logger } = this.options;
    if (this.checking || node.lastState.role !== Role.Leader) return;
    const due = state.transactions.dueForCheck(Date.now(), settings.timeoutMs, settings.intervalMs, transactionCheckRoundHalvesMax);
    if (due.length === 0) return;
    this.checking = true;
    try {
      await node.propose([encodeCommand({ kind: 'transactionCheck', halfLogIndexes: due.map((half) => half.logIndex), nowMs: Date.now(), checkMax: settings.checkMax })]);
      for (const each of due) {
        const half = state.transactions.undecided(each.logIndex);
        if (half !== undefined) await this.ask(half);
      }
    } catch (error) {
      logger.debug({ error: String(error) }, 'a transaction check round did not commit; the next round or the next leader checks again');
    } finally {
      this.checking = false;
    }
  }

  private async ask(half: HalfMessage): Promise<void> {
    const { producers, store, brokerName } = this.options;
    const channel = producers.pick(half.producerGroup);
    if (channel === undefined) {
      this.stats.checksWithoutProducer++;
      return;
    }
    const entry = await StoredEntry.read(store, half.logIndex);
    const headers: messaging.CheckTransactionState = {
      producerGroup: half.producerGroup,
      transactionId: messageId(brokerName, half.logIndex, 0),
      topic: half.topic,
      queueId: half.queueId,
      checkTimes: half.checks,
    };
    channel.push(RequestCode.CheckTransactionState, headers, entry.sendAt(0).batch);
    this.stats.checksPushed++;
  }
}
