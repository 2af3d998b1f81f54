import type { BrokerRegistration, LeaderRoute } from '@raftmq/protocol';

/** What the simulated NameServers need of a routing table: RouteRegistry's register and leader. */
export interface RouteTable {
  register(registration: BrokerRegistration, nowMs: number): unknown;
  leader(brokerName: string): LeaderRoute | null;
}

/**
 * The negative control of term fencing: a routing table that believes the
 * last registration it heard. A deposed master's late or repeated
 * registration takes the route back to an older term.
 */
export class UnfencedRouteTable implements RouteTable {
  private readonly leaders = new Map<string, LeaderRoute>();

  register(registration: BrokerRegistration): void {
    const current = this.leaders.get(registration.brokerName);
    if (registration.role === 'leader') {
      this.leaders.set(registration.brokerName, { replicaId: registration.replicaId, address: registration.address, term: registration.leaderTerm });
    } else if (current?.replicaId === registration.replicaId) {
      this.leaders.delete(registration.brokerName);
    }
  }

  leader(brokerName: string): LeaderRoute | null {
    return this.leaders.get(brokerName) ?? null;
  }
}
