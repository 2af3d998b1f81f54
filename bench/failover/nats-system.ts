import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { FailoverSystem } from '../election/types.js';
import { NATS_STREAM, NATS_SUBJECT } from '../nats/cluster.js';
import type { NatsCluster } from '../nats/cluster.js';

/** Messages of the failover trials: small, the figure is the failover's. */
const MESSAGE_BYTES = 128;
const HEALTH_POLL_MS = 100;
/** A stream-info request while the stream has no leader waits this long at most. */
const INFO_TIMEOUT_MS = 2_000;

export class NatsStreamNotHealthyError extends Error {
  override readonly name = 'NatsStreamNotHealthyError';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * NATS JetStream under the failover trials: the R3 stream's leader is the
 * server killed, writes are js.publish awaiting the PubAck through one
 * connection to every server (kept across trials, as a client in use), each
 * with the attempt timeout.
 */
export async function natsFailoverSystem(cluster: NatsCluster, connection: NatsConnection, jetstream: JetStreamClient): Promise<FailoverSystem> {
  const manager: JetStreamManager = await connection.jetstreamManager({ timeout: INFO_TIMEOUT_MS });
  const body = randomBytes(MESSAGE_BYTES);

  async function leader(): Promise<string | undefined> {
    const info = await manager.streams.info(NATS_STREAM).catch(() => undefined);
    return info?.cluster?.leader;
  }

  /** Healthy: every server runs, the stream has a leader and both other replicas are current and online, and a publish is acknowledged. */
  async function waitHealthy(timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not checked yet';
    while (performance.now() <= deadline) {
      const running = Object.values(cluster.pids()).filter((pid) => pid !== undefined).length;
      try {
        const info = await manager.streams.info(NATS_STREAM);
        const replicas = info.cluster?.replicas ?? [];
        const lagging = replicas.filter((peer) => !peer.current || peer.offline);
        const streamLeader = info.cluster?.leader;
        if (running < cluster.names.length) problem = `${running} of ${cluster.names.length} servers run`;
        else if (streamLeader === undefined) problem = 'the stream has no leader';
        else if (replicas.length !== cluster.names.length - 1 || lagging.length > 0) problem = `replicas not current: ${replicas.map((peer) => `${peer.name} current=${peer.current} offline=${peer.offline}`).join(', ')}`;
        else {
          await jetstream.publish(NATS_SUBJECT, body);
          return streamLeader;
        }
      } catch (error) {
        problem = describeError(error);
      }
      await sleep(HEALTH_POLL_MS);
    }
    throw new NatsStreamNotHealthyError(`NATS JetStream stream not healthy within ${timeoutMs} ms: ${problem}`);
  }

  return {
    system: 'NATS JetStream',
    waitHealthy,
    leader,
    write: async (_attempt, timeoutMs) => {
      await jetstream.publish(NATS_SUBJECT, body, { timeout: timeoutMs });
    },
    kill: (member) => cluster.kill(member),
    restart: async (member) => cluster.restart(member),
  };
}
