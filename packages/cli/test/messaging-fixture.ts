import { runNameServer, type NameServer } from '@raftmq/namesrv';
import { FrameConnection, NameServerClient, RequestCode, ResponseCode } from '@raftmq/protocol';
import type { LocalGroup, LocalGroupOptions } from '../src/index.js';
import { startGroup, type StartedGroup } from './group-harness.js';

/** How long a new topic may take to reach the NameServer's routes. */
const routeWaitMs = 10_000;

export interface MessagingFixtureOptions {
  readonly brokerName: string;
  readonly topic: string;
  readonly queues: number;
  /** More broker settings, as LocalGroup passes them on. */
  readonly settings?: NonNullable<LocalGroupOptions['broker']>['settings'];
  /** Replicas in the group: 3 when absent. */
  readonly replicas?: number;
}

/**
 * What every kill -9 test on real processes starts from: a NameServer, a
 * broker group of three replica processes registered with it, and a topic
 * created on the group's first master. stop() undoes all of it, and first
 * closes whatever the test handed to closeLater (clients), newest first.
 */
export class MessagingFixture {
  private readonly closers: (() => unknown)[] = [];

  private constructor(
    readonly nameServer: NameServer,
    private readonly started: StartedGroup,
    /** The master the topic was created on: the one a test kills. */
    readonly firstMaster: string,
  ) {}

  static async start(options: MessagingFixtureOptions): Promise<MessagingFixture> {
    const nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    let started: StartedGroup;
    try {
      started = await startGroup({ ...(options.replicas === undefined ? {} : { replicas: options.replicas }), broker: { brokerName: options.brokerName, nameServers: [nameServer.address], ...(options.settings === undefined ? {} : { settings: options.settings }) } });
    } catch (error) {
      await nameServer.stop();
      throw error;
    }
    const firstMaster = await started.group.waitForLeader(10_000);
    const fixture = new MessagingFixture(nameServer, started, firstMaster);
    const admin = new FrameConnection(started.group.clientUrls[firstMaster]!, 2_000);
    fixture.closeLater(() => admin.close());
    const created = await admin.request(RequestCode.UpdateAndCreateTopic, { topic: options.topic, readQueues: options.queues, writeQueues: options.queues, perm: 6 }, 5_000);
    if (created.code !== ResponseCode.Success) {
      await fixture.stop();
      throw new Error(`the topic was not created: ${created.code} ${JSON.stringify(created.headers)}`);
    }
    // The master registers the new topic with the NameServer on its own: a client that looked it up first would find no route.
    const routes = new NameServerClient({ addresses: [nameServer.address] });
    try {
      const deadline = performance.now() + routeWaitMs;
      while (!(await routes.getRoute(options.topic).then(() => true, () => false))) {
        if (performance.now() > deadline) {
          await fixture.stop();
          throw new Error(`the NameServer did not route ${options.topic} within ${routeWaitMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      routes.close();
    }
    return fixture;
  }

  get group(): LocalGroup {
    return this.started.group;
  }

  get nameServers(): string[] {
    return [this.nameServer.address];
  }

  closeLater(close: () => unknown): void {
    this.closers.push(close);
  }

  async stop(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
    await this.started.cleanUp();
    await this.nameServer.stop();
  }
}
