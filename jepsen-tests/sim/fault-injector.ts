import type { FaultEvent, NodeSelector, PartitionShape, Scenario } from './faults.js';
import {
  bridgePartition,
  cleanNetworkProfile,
  inboundCutPartition,
  isolatePartition,
  oneWayPartition,
  outboundCutPartition,
  ringPartition,
  splitPartition,
  type Network,
  type Partition,
} from './network.js';
import { LeaderNemeses } from './leader-nemeses.js';
import type { Operator } from './operator.js';
import type { SeededRandom } from './random.js';
import type { SelectiveLoss } from './selective-loss.js';
import type { SimNode } from './sim-node.js';
import type { SimulationStats } from './stats.js';
import type { TraceHash } from './trace.js';
import type { SimulatedClients } from './clients.js';

/** What the injector needs from the simulation. */
export interface FaultWorld {
  /** Nodes that exist: the injector removes wiped and retired ones. */
  readonly nodes: Map<string, SimNode>;
  readonly network: Network;
  readonly selectiveLoss: SelectiveLoss;
  /** The nemeses' own draws (which downtime, how long a leader leads), apart from the network's and the disk's. */
  readonly nemesisRandom: SeededRandom;
  readonly operator: Operator;
  readonly workload: SimulatedClients;
  readonly trace: TraceHash;
  readonly stats: SimulationStats;
  readonly scenario: Scenario;
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
  leader(runningOnly?: boolean): SimNode | null;
  createNode(id: string): SimNode;
  /** Starts a node's process and clock. */
  startNode(node: SimNode): void;
  log(line: string): void;
}

interface WipedNode {
  readonly oldId: string;
  readonly base: string;
  started: boolean;
}

/** A trace event kind of its own, so faults are part of what determinism compares. */
const faultTraceKind = 100;

/** Reorders `items` by the picks (a fault's own randomness), so shrinking a pick changes who is hit. */
function permute<T>(items: readonly T[], picks: readonly number[]): T[] {
  const remaining = items.slice();
  const result: T[] = [];
  for (let position = 0; remaining.length > 0; position++) {
    const pick = picks.length === 0 ? 0 : (picks[position % picks.length] as number) + position;
    result.push(remaining.splice(pick % remaining.length, 1)[0] as T);
  }
  return result;
}

/**
 * Turns a scenario's fault events into actions on the simulated world at
 * their times, undoes each when it ends, and undoes everything at the heal.
 */
export class FaultInjector {
  /** Per node, the fault that last took it down or paused it: only that fault's timer may bring it back. */
  private readonly faultTokenByNode = new Map<SimNode, number>();
  private nextFaultToken = 1;
  /** The degradation in force: only its own timer may end it. */
  private degradeToken = 0;
  /** The selective loss in force: only its own timer may end it. */
  private selectiveLossToken = 0;
  private readonly leaderNemeses: LeaderNemeses;
  private readonly generationByBase = new Map<string, number>();
  /** Wiped nodes and whether their replacement has started. */
  private readonly wipedNodes: WipedNode[] = [];
  private healed = false;

  constructor(private readonly world: FaultWorld) {
    this.leaderNemeses = new LeaderNemeses(world, world.nemesisRandom, (node, downMs, keepUnsyncedPermille) => this.crashForAWhile(node, downMs, keepUnsyncedPermille));
  }

  /** A node became leader (see leaderChurn). */
  onBecameLeader(node: SimNode, term: number): void {
    if (!this.healed) this.leaderNemeses.onBecameLeader(node, term);
  }

  /** A leader's commit index went up (see killAfterCommit). */
  onLeaderCommitAdvanced(node: SimNode): void {
    if (!this.healed) this.leaderNemeses.onLeaderCommitAdvanced(node);
  }

  /** Schedules every fault at its time within a fault phase of `faultPhaseUs`. */
  schedule(faultPhaseUs: number): void {
    for (const fault of this.world.scenario.faults) {
      const atUs = Math.floor((fault.atPermille * faultPhaseUs) / 1000);
      this.world.after(atUs, () => {
        if (!this.healed) this.apply(fault);
      });
    }
  }

  /** Ends every fault: a clean network, paused nodes resumed, crashed ones restarted, wiped ones replaced. */
  healAll(): void {
    this.healed = true;
    const world = this.world;
    this.leaderNemeses.stop();
    world.network.setPartition(null);
    world.network.setBaseProfile(cleanNetworkProfile);
    world.selectiveLoss.setFreshDropPermille(0);
    for (const wiped of this.wipedNodes) this.startReplacementOfWiped(wiped);
    for (const node of [...world.nodes.values()]) {
      if (node.nodeState === 'paused') this.resumeNode(node);
      else if (node.nodeState === 'down') this.restartNode(node);
    }
  }

  crashNode(node: SimNode, keepUnsyncedPermille: number): void {
    node.crash(keepUnsyncedPermille);
    this.world.workload.onNodeDown(node);
    this.world.stats.crashes++;
  }

  private apply(fault: FaultEvent): void {
    const world = this.world;
    world.trace.event(faultTraceKind, world.nowUs());
    switch (fault.kind) {
      case 'partition':
        this.partition(fault.shape, fault.picks, fault.aroundLeader, fault.durationMs);
        return;
      case 'crash':
        this.crash(fault.target, fault.downMs, fault.keepUnsyncedPermille, fault.wipe);
        return;
      case 'pause':
        this.pause(fault.target, fault.durationMs);
        return;
      case 'transfer':
        this.transfer(fault.pick);
        return;
      case 'replace':
        this.replace(fault.target);
        return;
      case 'degrade': {
        const profile = { ...world.scenario.network, dropPermille: fault.dropPermille, duplicatePermille: fault.duplicatePermille, longDelayPermille: fault.longDelayPermille };
        world.network.setDegradedProfile(profile);
        const token = this.nextFaultToken++;
        this.degradeToken = token;
        world.log(`fault: network degraded for ${fault.durationMs} ms (drop ${fault.dropPermille}‰, duplicate ${fault.duplicatePermille}‰, long delay ${fault.longDelayPermille}‰)`);
        world.after(fault.durationMs * 1000, () => {
          if (this.degradeToken === token && !this.healed) world.network.setDegradedProfile(null);
        });
        return;
      }
      case 'selectiveLoss':
        this.loseFreshAppends(fault.durationMs, fault.freshDropPermille);
        return;
      case 'leaderChurn':
        this.leaderNemeses.churn(fault);
        return;
      case 'killAfterCommit':
        this.leaderNemeses.killAfterCommit(fault);
        return;
      case 'leaderStorm':
        world.log(`fault: leader storm for ${fault.durationMs} ms`);
        this.loseFreshAppends(fault.durationMs, fault.freshDropPermille);
        this.leaderNemeses.churn(fault);
        this.leaderNemeses.killAfterCommit({ ...fault, delayMs: 0 });
        return;
    }
  }

  private loseFreshAppends(durationMs: number, freshDropPermille: number): void {
    const world = this.world;
    world.selectiveLoss.setFreshDropPermille(freshDropPermille);
    const token = this.nextFaultToken++;
    this.selectiveLossToken = token;
    world.log(`fault: Appends carrying the sender's own-term entries lost (${freshDropPermille}‰) for ${durationMs} ms`);
    world.after(durationMs * 1000, () => {
      if (this.selectiveLossToken === token && !this.healed) world.selectiveLoss.setFreshDropPermille(0);
    });
  }

  /** The up node a selector chooses, from the up nodes in a stable order. */
  private resolveTarget(selector: NodeSelector): SimNode | null {
    const up = [...this.world.nodes.values()].filter((node) => node.isUp);
    const leader = this.world.leader();
    const candidates =
      selector.role === 'leader' ? (leader === null ? up : [leader]) : selector.role === 'follower' ? up.filter((node) => node !== leader) : up;
    if (candidates.length === 0) return null;
    return candidates[selector.pick % candidates.length] as SimNode;
  }

  /** No disk loss or planned replacement while another membership change is under way. */
  private membershipBusy(): boolean {
    return !this.world.operator.idle || this.wipedNodes.some((wiped) => !wiped.started);
  }

  private crash(selector: NodeSelector, downMs: number, keepUnsyncedPermille: number, wipe: boolean): void {
    const world = this.world;
    const node = this.resolveTarget(selector);
    if (node === null) return;
    world.trace.mix(node.number);
    const wipeNow = wipe && !this.membershipBusy();
    this.crashNode(node, keepUnsyncedPermille);
    const token = this.nextFaultToken++;
    this.faultTokenByNode.set(node, token);
    if (wipeNow) {
      world.stats.wipes++;
      world.nodes.delete(node.id);
      const wiped: WipedNode = { oldId: node.id, base: node.id.split('.')[0] as string, started: false };
      this.wipedNodes.push(wiped);
      world.log(`fault: crash ${node.id} and wipe its disk; it returns under a new id in ${downMs} ms`);
      world.after(downMs * 1000, () => this.startReplacementOfWiped(wiped));
      return;
    }
    world.log(`fault: crash ${node.id} keeping ${keepUnsyncedPermille}‰ of unsynced writes, down ${downMs} ms`);
    this.restartLater(node, token, downMs);
  }

  /** Crashes an up node (disk kept) and restarts it `downMs` later, unless a later fault took it over meanwhile. */
  private crashForAWhile(node: SimNode, downMs: number, keepUnsyncedPermille: number): void {
    if (!node.isUp || this.healed) return;
    this.world.trace.mix(node.number);
    this.crashNode(node, keepUnsyncedPermille);
    const token = this.nextFaultToken++;
    this.faultTokenByNode.set(node, token);
    this.world.log(`crash ${node.id} keeping ${keepUnsyncedPermille}‰ of unsynced writes, down ${downMs} ms`);
    this.restartLater(node, token, downMs);
  }

  private restartLater(node: SimNode, token: number, downMs: number): void {
    this.world.after(downMs * 1000, () => {
      if (this.faultTokenByNode.get(node) === token) this.restartNode(node);
    });
  }

  private pause(selector: NodeSelector, durationMs: number): void {
    const world = this.world;
    const node = this.resolveTarget(selector);
    if (node === null || node.nodeState !== 'running') return;
    world.trace.mix(node.number);
    world.stats.pauses++;
    node.pause();
    const token = this.nextFaultToken++;
    this.faultTokenByNode.set(node, token);
    world.log(`fault: pause ${node.id} for ${durationMs} ms`);
    world.after(durationMs * 1000, () => {
      if (this.faultTokenByNode.get(node) === token) this.resumeNode(node);
    });
  }

  private transfer(pick: number): void {
    const world = this.world;
    const leader = world.leader(true);
    const core = leader?.core;
    if (leader === null || core === null || core === undefined) return;
    const voters = core.membershipAt(core.commitIndex).voters.filter((id) => id !== leader.id);
    if (voters.length === 0) return;
    const target = voters[pick % voters.length] as string;
    world.stats.transfers++;
    world.log(`fault: ${leader.id} transfers leadership to ${target}`);
    leader.request((requestCore) => {
      leader.callRefusable('transferLeadership', () => requestCore.transferLeadership(target));
    });
  }

  private partition(shape: PartitionShape, picks: readonly number[], aroundLeader: boolean, durationMs: number): void {
    const world = this.world;
    const numbers = [...world.nodes.values()].map((node) => node.number);
    if (numbers.length < 2) return;
    const order = permute(numbers, picks);
    const leader = aroundLeader ? world.leader() : null;
    if (leader !== null) {
      order.splice(order.indexOf(leader.number), 1);
      order.unshift(leader.number);
    }
    const first = order[0] as number;
    let partition: Partition;
    switch (shape) {
      case 'isolate':
        partition = isolatePartition(numbers, first);
        break;
      case 'halves': {
        const minority = order.slice(0, Math.floor(order.length / 2));
        const majority = order.slice(minority.length);
        partition = splitPartition(minority, majority, `halves [${minority.join(',')}] | [${majority.join(',')}]`);
        break;
      }
      case 'bridge':
        partition = order.length < 3 ? isolatePartition(numbers, first) : bridgePartition(numbers, first, order.slice(1, 1 + Math.floor((order.length - 1) / 2)));
        break;
      case 'ring':
        partition = ringPartition(order);
        break;
      case 'oneWay':
        partition = oneWayPartition(first, order[1] as number);
        break;
      case 'inboundCut':
        partition = inboundCutPartition(numbers, first);
        break;
      case 'outboundCut':
        partition = outboundCutPartition(numbers, first);
        break;
    }
    world.trace.mix(partition.blocked.size);
    world.stats.partitions++;
    world.network.setPartition(partition);
    world.log(`fault: partition ${partition.description} (node numbers) for ${durationMs} ms`);
    world.after(durationMs * 1000, () => {
      if (world.network.currentPartition === partition) {
        world.network.setPartition(null);
        world.log('partition healed');
      }
    });
  }

  private restartNode(node: SimNode): void {
    const world = this.world;
    if (node.nodeState !== 'down' || world.nodes.get(node.id) !== node) return;
    this.faultTokenByNode.delete(node);
    world.stats.restarts++;
    world.log(`restart ${node.id}`);
    world.startNode(node);
  }

  private resumeNode(node: SimNode): void {
    if (node.nodeState !== 'paused') return;
    this.faultTokenByNode.delete(node);
    this.world.log(`resume ${node.id}`);
    node.resume();
  }

  private nextReplacementId(base: string): string {
    const generation = (this.generationByBase.get(base) ?? 0) + 1;
    this.generationByBase.set(base, generation);
    return `${base}.${generation}`;
  }

  /**
   * A node whose disk was lost must not come back under its old id: it
   * forgot its votes and could help elect two leaders in one term. It comes
   * back empty under a new id, and the operator removes the old id and adds
   * the new one (as a learner, then a voter once caught up).
   */
  private startReplacementOfWiped(wiped: WipedNode): void {
    if (wiped.started) return;
    wiped.started = true;
    const world = this.world;
    const newId = this.nextReplacementId(wiped.base);
    const node = world.createNode(newId);
    world.log(`${newId} starts with an empty disk to replace ${wiped.oldId}`);
    world.startNode(node);
    world.operator.enqueue([
      { change: { type: 'removeNode', nodeId: wiped.oldId } },
      { change: { type: 'addLearner', nodeId: newId } },
      { change: { type: 'addVoter', nodeId: newId } },
    ]);
  }

  /** A planned replacement of a healthy voter: add the new node, then remove the old one and shut it down. */
  private replace(selector: NodeSelector): void {
    const world = this.world;
    if (this.membershipBusy()) return;
    const core = world.leader(true)?.core;
    if (core === null || core === undefined) return;
    const voters = core.membershipAt(core.commitIndex).voters;
    const old = this.resolveTarget(selector);
    if (old === null || !voters.includes(old.id)) return;
    const newId = this.nextReplacementId(old.id.split('.')[0] as string);
    const node = world.createNode(newId);
    world.stats.replacements++;
    world.log(`fault: replace ${old.id} by ${newId}`);
    world.startNode(node);
    world.operator.enqueue([
      { change: { type: 'addLearner', nodeId: newId } },
      { change: { type: 'addVoter', nodeId: newId } },
      {
        change: { type: 'removeNode', nodeId: old.id },
        onCommitted: () => {
          world.log(`${old.id} shuts down after its removal`);
          old.stop();
          world.workload.onNodeDown(old);
          world.nodes.delete(old.id);
        },
      },
    ]);
  }
}
