import { RouteRegistry } from '@raftmq/namesrv';
import type { BrokerRegistration, LeaderRoute } from '@raftmq/protocol';
import { Role } from '@raftmq/raft';
import type { InvariantChecker } from '../invariants.js';
import { nodeNumbersMax, type Network } from '../network.js';
import type { SimNode } from '../sim-node.js';
import { brokerMachineOf } from './broker-machine.js';
import { UnfencedRouteTable, type RouteTable } from './unfenced-route-table.js';

export interface NameServersHost {
  nowUs(): number;
  after(delayUs: number, action: () => void): void;
}

/** A broker group as the NameServers meet it: its name, the Raft checker of its terms, and the network its replicas register over. */
export interface RegisteringGroup {
  readonly brokerName: string;
  readonly checker: InvariantChecker;
  readonly network: Network;
}

/**
 * Independent NameServers, as RocketMQ runs them (they never talk to each
 * other), each a RouteRegistry that every broker group of the cluster
 * registers with, reached over the simulated network: a registration can be
 * delayed, reordered, duplicated or lost like any message (partitions cut
 * only links between replicas). Every route a NameServer gives after a
 * registration is checked at once: its master is the node that led that
 * term of that group's Raft, and its term never goes down.
 */
export class SimNameServers {
  readonly tables: readonly RouteTable[];
  registrationsSent = 0;
  registrationsDelivered = 0;
  /** By NameServer, then by broker group: the highest term routed. */
  private readonly routedTerms: Map<string, number>[];

  constructor(
    private readonly host: NameServersHost,
    private readonly cluster: string,
    count: number,
    unfenced: boolean,
  ) {
    const tables: RouteTable[] = [];
    for (let position = 0; position < count; position++) tables.push(unfenced ? new UnfencedRouteTable() : new RouteRegistry());
    this.tables = tables;
    this.routedTerms = tables.map(() => new Map());
  }

  /** The network number of NameServer `position`: above every node's, so no partition shape names it. */
  private numberOf(position: number): number {
    return nodeNumbersMax - 1 - position;
  }

  /** What the node tells the NameServers now: its role and term as its core has them, and its topics. */
  registration(node: SimNode, brokerName: string): BrokerRegistration | null {
    const core = node.core;
    if (core === null || node.nodeState !== 'running') return null;
    const topics: BrokerRegistration['topics'] = {};
    for (const topic of brokerMachineOf(node.machine).state.topicList()) topics[topic.topic] = { readQueues: topic.readQueues, writeQueues: topic.writeQueues, perm: topic.perm };
    return {
      cluster: this.cluster,
      brokerName,
      replicaId: node.id,
      address: node.id,
      role: core.role === Role.Leader ? 'leader' : 'follower',
      leaderTerm: core.term,
      topics,
    };
  }

  /** Sends the node's current registration, as a replica of `group`, to every NameServer, over the group's network. */
  register(node: SimNode, group: RegisteringGroup): void {
    const registration = this.registration(node, group.brokerName);
    if (registration === null) return;
    const { network } = group;
    for (let position = 0; position < this.tables.length; position++) {
      const number = this.numberOf(position);
      this.registrationsSent++;
      for (const delayUs of network.plan(node.number, number)) {
        this.host.after(delayUs, () => {
          network.arrived(node.number, number);
          this.deliver(position, registration, group);
        });
      }
    }
  }

  /** The master of group `brokerName` NameServer `position` routes now, if any. */
  leader(position: number, brokerName: string): LeaderRoute | null {
    return (this.tables[position] as RouteTable).leader(brokerName);
  }

  private deliver(position: number, registration: BrokerRegistration, group: RegisteringGroup): void {
    const table = this.tables[position] as RouteTable;
    const nowMs = this.host.nowUs() / 1000;
    table.register(registration, nowMs);
    this.registrationsDelivered++;
    this.checkRoute(position, group);
  }

  private checkRoute(position: number, group: RegisteringGroup): void {
    const { brokerName, checker } = group;
    const route = this.leader(position, brokerName);
    if (route === null) return;
    const routedTerms = this.routedTerms[position] as Map<string, number>;
    const routedTerm = routedTerms.get(brokerName) ?? 0;
    if (route.term < routedTerm) {
      checker.violate('broker-route', `NameServer ${position} routes ${route.replicaId} as master of ${brokerName} in term ${route.term}, after routing a master of term ${routedTerm}`);
      return;
    }
    routedTerms.set(brokerName, route.term);
    const raftLeader = checker.leaderOfTerm(route.term);
    if (raftLeader !== route.replicaId) {
      checker.violate('broker-route', `NameServer ${position} routes ${route.replicaId} as master of ${brokerName} in term ${route.term}, whose Raft leader was ${raftLeader ?? 'nobody'}`);
    }
  }
}
