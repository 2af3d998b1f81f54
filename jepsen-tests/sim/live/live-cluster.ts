import type { Entry } from '@raftmq/commitlog';
import { Role, type Message } from '@raftmq/raft';
import { EventQueue } from '../event-queue.js';
import { InvariantChecker, type Violation } from '../invariants.js';
import { cleanNetworkProfile, isolatePartition, Network } from '../network.js';
import { SeededRandom } from '../random.js';
import { SimNode, type NodeHost } from '../sim-node.js';
import { bootstrapStore } from '../simulation.js';
import { backlogMessagesMax, coreTiming, linkInFlightMessagesMax, tickUs } from '../world-settings.js';
import { EventLog, type LiveEvent, type LiveEventKind } from './event-log.js';
import { formatCount, formatMilliseconds } from './format.js';
import { LeaderChangeTimer } from './leader-change-timer.js';
import { RateMeter } from './rate-meter.js';
import { LiveTransport } from './live-transport.js';
import { SteadyClient } from './steady-client.js';

/** An fsync on a healthy SSD. */
const diskLatencyMinUs = 500;
const diskLatencyMaxUs = 3_000;
/** Snapshot every 5 s of writes at the default rate, so a node restarted after a long outage gets InstallSnapshot. */
const snapshotEveryEntries = 1_000;
const snapshotKeepEntries = 100;
/**
 * One advance handles at most this many events; the rest wait for the next
 * one, so a message storm slows the simulated clock instead of freezing the
 * screen and the keyboard.
 */
const eventsPerAdvanceMax = 200_000;
const keptEventsMax = 100;
const rateWindowUs = 1_000_000;

export interface LiveClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  /** The background client's steady rate; 0 for none. */
  readonly valuesPerSecond: number;
  /** Hears every notable event as it happens. */
  readonly onEvent?: (event: LiveEvent) => void;
}

/**
 * A Raft group of SimNodes over a clean simulated network and disk, whose
 * clock is advanced from outside (by the wall clock in the demo, by a test
 * directly). It offers the faults a person at the keyboard can cause and
 * reports what the group does. Safety is checked after every event, as in
 * the simulator; unlike there, a violation does not end the run: it is
 * recorded and the group keeps going as far as it can.
 */
export class LiveCluster implements NodeHost {
  readonly checker = new InvariantChecker();
  readonly nodes: readonly SimNode[];
  readonly client: SteadyClient;
  readonly events: EventLog;
  /** From a leader's kill or isolation to the next leader. */
  readonly failovers = new LeaderChangeTimer();
  /** From a transfer request to the next leader. */
  readonly transfers = new LeaderChangeTimer();
  readonly acknowledgedRate = new RateMeter(rateWindowUs);
  firstViolation: Violation | null = null;
  violationCount = 0;
  /** Events handled so far, each followed by the safety checks. */
  eventsHandled = 0;

  private readonly queue = new EventQueue();
  private readonly network: Network;
  private readonly diskRandom: SeededRandom;
  private readonly placementRandom: SeededRandom;
  private readonly nodesById = new Map<string, SimNode>();
  /** Nodes seen leading, so a step-down can be told. */
  private readonly leading = new Set<string>();
  private isolated: SimNode | null = null;
  private readonly transport: LiveTransport;
  private currentUs = 0;

  constructor(readonly options: LiveClusterOptions) {
    this.events = new EventLog(keptEventsMax, options.onEvent);
    this.network = new Network(SeededRandom.forLabel(options.seed, 'network'), cleanNetworkProfile, linkInFlightMessagesMax);
    this.diskRandom = SeededRandom.forLabel(options.seed, 'disk');
    this.placementRandom = SeededRandom.forLabel(options.seed, 'placement');
    this.transport = new LiveTransport(
      { nowUs: () => this.currentUs, after: (delayUs, action) => this.after(delayUs, action), node: (id) => this.nodesById.get(id) },
      this.network,
    );
    const nodes: SimNode[] = [];
    for (let number = 1; number <= options.nodes; number++) {
      const node = new SimNode(this, {
        id: `n${number}`,
        number,
        seed: options.seed,
        coreConfig: coreTiming,
        snapshotEveryEntries,
        snapshotKeepEntries,
        backlogMessagesMax,
        unsafe: undefined,
      });
      nodes.push(node);
      this.nodesById.set(node.id, node);
    }
    this.nodes = nodes;
    this.client = new SteadyClient(
      {
        checker: this.checker,
        nowUs: () => this.currentUs,
        after: (delayUs, action) => this.after(delayUs, action),
        nodes: () => this.nodes,
        node: (id) => this.nodesById.get(id),
      },
      SeededRandom.forLabel(options.seed, 'client'),
      options.valuesPerSecond,
    );
  }

  // ------------------------------------------------------------ clock

  nowUs(): number {
    return this.currentUs;
  }

  after(delayUs: number, action: () => void): void {
    this.queue.schedule(this.currentUs + delayUs, action);
  }

  /** Runs `action` at simulated time `timeUs` (now, if that has passed). */
  at(timeUs: number, action: () => void): void {
    this.queue.schedule(Math.max(timeUs, this.currentUs), action);
  }

  /** Writes the founding members' stores and starts them and the client. */
  bootstrap(): void {
    const ids = this.nodes.map((node) => node.id);
    for (const node of this.nodes) {
      bootstrapStore(node.store, ids);
      this.startNode(node);
    }
    this.client.start();
    this.log('info', `${ids.length} nodes start; the first election comes within 150–300 ms`);
  }

  /** Runs every event scheduled up to `untilUs`, then sets the clock there. */
  advanceTo(untilUs: number): void {
    const queue = this.queue;
    const checker = this.checker;
    let handled = 0;
    for (;;) {
      const nextUs = queue.peekTimeUs();
      if (nextUs === undefined || nextUs > untilUs) {
        this.currentUs = Math.max(this.currentUs, untilUs);
        break;
      }
      if (handled++ >= eventsPerAdvanceMax) break;
      const event = queue.pop();
      if (event === undefined) break;
      this.currentUs = event.timeUs;
      checker.timeUs = event.timeUs;
      event.action();
      this.eventsHandled++;
      if (checker.violation !== null) this.recordViolation(checker.violation);
    }
    this.acknowledgedRate.sample(this.currentUs, this.client.stats.acknowledged);
  }

  /**
   * The checker keeps one violation and the nodes stop at it, which ends a
   * simulation; a live demo shows it, clears it so the rest of the group
   * keeps running, and counts any later ones.
   */
  private recordViolation(violation: Violation): void {
    this.checker.violation = null;
    this.violationCount++;
    if (this.firstViolation !== null) return;
    this.firstViolation = violation;
    this.log('violation', `INVARIANT VIOLATED (${violation.invariant}): ${violation.message}`);
  }

  log(kind: LiveEventKind, text: string): void {
    this.events.add(this.currentUs, kind, text);
  }

  // ------------------------------------------------------------ queries

  node(id: string): SimNode | undefined {
    return this.nodesById.get(id);
  }

  /** The up node leading the highest term: a partitioned old leader may still believe it leads a lower one. */
  leader(): SimNode | null {
    let best: SimNode | null = null;
    let bestTerm = -1;
    for (const node of this.nodes) {
      const core = node.core;
      if (core === null || core.role !== Role.Leader || core.term <= bestTerm) continue;
      best = node;
      bestTerm = core.term;
    }
    return best;
  }

  get isolatedNode(): SimNode | null {
    return this.isolated;
  }

  /** Elections won so far: terms in which some node became leader. */
  get elections(): number {
    return this.checker.leaderTermCount;
  }

  // ------------------------------------------------------------ faults and repairs

  /** kill -9: the process dies and the disk keeps only what was fsynced. */
  kill(node: SimNode): void {
    if (!node.isUp) return;
    const core = node.core;
    const wasLeader = core !== null && core.role === Role.Leader;
    if (wasLeader && node === this.leader()) {
      this.failovers.start(`kill -9 of ${node.id}`, node.id, core.term, this.currentUs);
      this.transfers.cancel();
    }
    node.crash(0);
    this.leading.delete(node.id);
    this.client.onNodeDown(node);
    this.log('fault', `kill -9 ${node.id}${wasLeader ? ', the leader' : ''}; its disk kept entries through ${formatCount(node.store.lastIndex())}`);
  }

  /** Starts a down node from what its disk kept. */
  restart(node: SimNode): void {
    if (node.nodeState !== 'down') return;
    const hardState = node.store.hardState();
    this.startNode(node);
    this.log('recovery', `${node.id} restarts from disk at term ${hardState.term}, index ${formatCount(node.store.lastIndex())}`);
  }

  /** Cuts every link between `node` and the others, both ways. */
  isolate(node: SimNode): void {
    const leader = this.leader();
    const core = node.core;
    if (node === leader && core !== null) {
      this.failovers.start(`isolation of ${node.id}`, node.id, core.term, this.currentUs);
      this.transfers.cancel();
    }
    this.isolated = node;
    this.network.setPartition(isolatePartition(this.nodes.map((each) => each.number), node.number));
    this.log('fault', `${node.id} is cut off${node === leader ? `: the others elect a leader; CheckQuorum deposes ${node.id}` : ' from the others'}`);
  }

  heal(): void {
    const isolated = this.isolated;
    if (isolated === null) return;
    this.isolated = null;
    this.network.setPartition(null);
    this.log('recovery', `partition healed: ${isolated.id} hears the group again and catches up`);
  }

  /** SIGSTOP: the process keeps its state but stops ticking and handling messages. */
  pause(node: SimNode): void {
    if (node.nodeState !== 'running') return;
    node.pause();
    this.log('fault', `${node.id} paused (SIGSTOP): messages to it queue up`);
  }

  resume(node: SimNode): void {
    if (node.nodeState !== 'paused') return;
    this.log('recovery', `${node.id} resumes (SIGCONT) and works through its backlog`);
    node.resume();
  }

  /** Asks `leader` to hand leadership to `target` (TimeoutNow once the target has the whole log). */
  transfer(leader: SimNode, target: SimNode): void {
    const core = leader.core;
    if (core === null) return;
    this.transfers.start(`transfer ${leader.id} → ${target.id}`, leader.id, core.term, this.currentUs);
    this.log('info', `${leader.id} hands leadership to ${target.id}`);
    leader.request((requestCore) => {
      const refusal = leader.callRefusable('transferLeadership', () => requestCore.transferLeadership(target.id));
      if (refusal instanceof Error) this.log('info', `${leader.id} refused the transfer: ${refusal.message}`);
    });
  }

  // ------------------------------------------------------------ NodeHost

  private startNode(node: SimNode): void {
    node.start();
    if (!node.isUp) return;
    const incarnation = node.incarnation;
    const tick = (): void => {
      if (node.incarnation !== incarnation) return;
      node.tick();
      this.after(tickUs, tick);
    };
    // Each node ticks at its own phase, as separate machines would.
    this.after(this.placementRandom.nextInt(1, tickUs), tick);
  }

  send(from: SimNode, messages: readonly Message[]): void {
    this.transport.send(from, messages);
  }

  diskLatencyUs(): number {
    return this.diskRandom.nextInt(diskLatencyMinUs, diskLatencyMaxUs);
  }

  onApplied(node: SimNode, entry: Entry, value: string | undefined): void {
    this.client.onApplied(node, entry, value);
  }

  onReadServed(): void {
    // The demo's client only writes.
  }

  onReadAborted(): void {
    // The demo's client only writes.
  }

  onSnapshotInstalled(node: SimNode, index: number): void {
    this.client.onSnapshotInstalled(node, index);
    this.log('recovery', `${node.id} catches up by installing a snapshot through ${formatCount(index)}`);
  }

  onSnapshotTaken(): void {
    // Routine: every node snapshots every few seconds of writes.
  }

  onRoleChange(node: SimNode, role: Role, term: number): void {
    if (role === Role.Leader) {
      if (this.leading.has(node.id)) return;
      this.leading.add(node.id);
      const failover = this.failovers.onLeader(node.id, term, this.currentUs);
      const transfer = this.transfers.onLeader(node.id, term, this.currentUs);
      const timed = failover ?? transfer;
      const detail = timed === null ? '' : `, ${formatMilliseconds(timed.durationUs)} after the ${timed.cause}`;
      this.log('leader', `${node.id} is elected leader of term ${term}${detail}`);
      return;
    }
    if (!this.leading.delete(node.id)) return;
    this.log('leader', `${node.id} steps down, now ${role} in term ${term}`);
  }
}
