import { LocalGroup } from '@raftmq/cli';
import type { LocalGroupOptions } from '@raftmq/cli';
import { runNameServer } from '@raftmq/namesrv';
import { BrokerSetup, RAFTMQ_BROKER_NAME } from '../messaging/raftmq.js';
import { EmergencyKillers } from '../shared/cleanup.js';

/** What the election bench changes of a broker group: its size, each replica's own loopback address, its timing. */
export type BrokerGroupShape = Required<Pick<LocalGroupOptions, 'replicas' | 'hostFor' | 'timing'>>;

/** LocalGroup's ports for `replicas`: peers basePort+1.., clients basePort+101.. */
export function brokerPortOffsets(replicas: number): number[] {
  return Array.from({ length: replicas }, (_, at) => [1 + at, 101 + at]).flat();
}

/**
 * The messaging bench's broker setup (a NameServer here, sync flush) with a
 * group of the shape given, and each replica's pid as of its last start, so
 * a pause needs no status request once the clock runs.
 */
export class ShapedBrokerSetup extends BrokerSetup {
  private readonly startKillers = new EmergencyKillers();
  private knownPids: Record<string, number> = {};

  constructor(private readonly shape: BrokerGroupShape) {
    super();
  }

  override async start(directory: string, basePort: number, timeoutMs: number): Promise<void> {
    this.nameServer = await runNameServer({ listen: { host: '127.0.0.1', port: 0 }, logLevel: 'error' });
    const group = new LocalGroup({ directory, basePort, flush: { mode: 'sync' }, broker: { brokerName: RAFTMQ_BROKER_NAME, nameServers: [this.nameServer.address] }, ...this.shape });
    this.groups.length = 0;
    this.groups.push(group);
    try {
      await group.start();
    } finally {
      this.knownPids = await this.pids();
      this.startKillers.track(this.knownPids);
    }
    await group.waitForLeader(timeoutMs);
  }

  pidOf(id: string): number | undefined {
    return this.knownPids[id];
  }

  override async restart(id: string): Promise<void> {
    try {
      await super.restart(id);
    } finally {
      this.knownPids = await this.pids();
    }
  }

  override async stop(): Promise<void> {
    try {
      await super.stop();
    } finally {
      this.startKillers.clear();
    }
  }
}
