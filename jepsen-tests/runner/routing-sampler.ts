import { NameServerClient } from '@raftmq/protocol';
import type { RoutingSample } from '../checker/double-masters.js';
import type { Recorder } from './recorder.js';

const sampleIntervalMs = 250;
const sampleTimeoutMs = 1_000;

/** Samples the NameServer's cluster info through the run, for the double-master check. */
export class RoutingSampler {
  readonly samples: RoutingSample[] = [];
  failures = 0;
  private readonly client: NameServerClient;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(nameServers: readonly string[], private readonly recorder: Recorder) {
    this.client = new NameServerClient({ addresses: nameServers, requestTimeoutMs: sampleTimeoutMs, connectTimeoutMs: sampleTimeoutMs });
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.inFlight === null) this.inFlight = this.sample().finally(() => (this.inFlight = null));
    }, sampleIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    this.client.close();
  }

  private async sample(): Promise<void> {
    try {
      const info = await this.client.getClusterInfo();
      const groups = info.clusters.flatMap((cluster) => cluster.groups.map((group) => ({ brokerName: group.brokerName, term: group.term, leaderReplicaId: group.leaderReplicaId })));
      this.samples.push({ timeMs: this.recorder.nowMs(), groups });
    } catch {
      this.failures++;
    }
  }
}
