import { runNameServer, type NameServer } from '@raftmq/namesrv';
import { NameServerClient, type TopicRoute } from '@raftmq/protocol';
import type { LocalGroup, LocalGroupOptions } from '../src/index.js';
import { startGroup, type StartedGroup } from './group-harness.js';

/** What a group of the fixture may have beyond the defaults. */
export interface GroupExtras {
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly options?: Partial<Omit<LocalGroupOptions, 'broker'>>;
}

/** The cluster every group of these tests registers in: the brokers' default. */
export const clusterName = 'DefaultCluster';
/** How long a group's registration or a topic's route may take to reach the NameServer. */
const registrationWaitMs = 15_000;
const pollIntervalMs = 20;

/**
 * A NameServer and broker groups of one cluster, three replica processes
 * each, registered with it; more groups can join while it runs. stop()
 * undoes all of it, first closing whatever was handed to closeLater
 * (clients), newest first.
 */
export class ClusterFixture {
  private readonly groups = new Map<string, StartedGroup>();
  private readonly closers: (() => unknown)[] = [];
  private readonly routes: NameServerClient;

  private constructor(readonly nameServer: NameServer) {
    this.routes = new NameServerClient({ addresses: [nameServer.address] });
  }

  /** `optionsOf`: a group's broker settings beyond its cluster (its acknowledgement mode, say), and LocalGroup options (link faults). */
  static async start(brokerNames: readonly string[], optionsOf: (brokerName: string) => GroupExtras = () => ({})): Promise<ClusterFixture> {
    const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    const fixture = new ClusterFixture(nameServer);
    try {
      // One after the other: six replica processes starting at once on two cores stretch the first elections.
      for (const brokerName of brokerNames) await fixture.addGroup(brokerName, optionsOf(brokerName));
    } catch (error) {
      await fixture.stop();
      throw error;
    }
    return fixture;
  }

  get nameServers(): string[] {
    return [this.nameServer.address];
  }

  group(brokerName: string): LocalGroup {
    const started = this.groups.get(brokerName);
    if (started === undefined) throw new Error(`no group ${brokerName} in this fixture`);
    return started.group;
  }

  /** Starts a group of the cluster and waits until the NameServer routes to its master. */
  async addGroup(brokerName: string, extras: GroupExtras = {}): Promise<LocalGroup> {
    const started = await startGroup({ ...extras.options, broker: { brokerName, nameServers: this.nameServers, settings: { ...extras.settings, cluster: clusterName } } });
    this.groups.set(brokerName, started);
    await started.group.waitForLeader(registrationWaitMs);
    await this.waitFor(`${brokerName} registered with a master`, async () => {
      const info = await this.routes.getClusterInfo();
      return info.clusters.some((cluster) => cluster.cluster === clusterName && cluster.groups.some((group) => group.brokerName === brokerName && group.leaderReplicaId !== null));
    });
    return started.group;
  }

  /** Waits until the NameServer routes `topic` to every group named, each with a master. */
  async waitForRoute(topic: string, brokerNames: readonly string[]): Promise<TopicRoute> {
    let route: TopicRoute | undefined;
    await this.waitFor(`a route of ${topic} over ${brokerNames.join(', ')}`, async () => {
      route = await this.routes.getRoute(topic).catch(() => undefined);
      return brokerNames.every((brokerName) => route?.groups.some((group) => group.brokerName === brokerName && group.leader !== null) === true);
    });
    return route as TopicRoute;
  }

  closeLater(close: () => unknown): void {
    this.closers.push(close);
  }

  async stop(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
    this.routes.close();
    await Promise.all([...this.groups.values()].map((started) => started.cleanUp()));
    this.groups.clear();
    await this.nameServer.stop();
  }

  private async waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
    const deadline = performance.now() + registrationWaitMs;
    while (!(await condition())) {
      if (performance.now() > deadline) throw new Error(`no ${what} within ${registrationWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }
}
