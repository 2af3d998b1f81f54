import type { JetStreamClient, NatsConnection } from 'nats';
import { EtcdHttpClient } from '../etcd/client.js';
import { ETCD_DEFAULT_TIMING, EtcdCluster } from '../etcd/cluster.js';
import { ensureEtcd } from '../etcd/install.js';
import { etcdLoadTarget } from '../etcd/systems.js';
import { NATS_SUBJECT, NatsCluster } from '../nats/cluster.js';
import { ensureNatsServer } from '../nats/install.js';
import { freeBasePort } from '../shared/ports.js';
import { firstSend } from './broker-load.js';
import { BORN_STAMP_BYTES } from './options.js';

const ETCD_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const ETCD_PEER_PORT_OFFSET = 100;
const NATS_PORT_OFFSETS = [1, 2, 3, 101, 102, 103];
const NATS_ROUTE_PORT_OFFSET = 100;
/** Extra etcd connections beyond one per sender, for the odd retry. */
const SPARE_SOCKETS = 4;

/** A system that could be started has a version; one that could not, only why. */
export interface Started {
  readonly version: string;
  /** Said in the report's notes: e.g. that the run installed the package. */
  readonly note: string | null;
}

/** A sender function and what to close after its case. */
export interface CaseSender {
  readonly send: (sender: number) => Promise<void>;
  close(): void;
}

/**
 * etcd (Debian's etcd-server, installed when missing) with its defaults: three
 * members on loopback, puts of a new key each to the leader's endpoint over
 * the v3 JSON gateway. etcd fsyncs its WAL before every answer.
 */
export class EtcdPeer {
  cluster: EtcdCluster | undefined;
  private sequence = 0;

  async start(directory: string, timeoutMs: number, log: (line: string) => void): Promise<Started> {
    const installation = ensureEtcd(log);
    if (!installation.ok) throw new MissingSystemError(`etcd missing: ${installation.reason}`);
    const base = await freeBasePort(ETCD_PORT_OFFSETS);
    this.cluster = new EtcdCluster({ binary: installation.binary, directory, clientBasePort: base, peerBasePort: base + ETCD_PEER_PORT_OFFSET, timing: ETCD_DEFAULT_TIMING });
    await this.cluster.start(timeoutMs);
    await this.cluster.waitHealthy(timeoutMs);
    return { version: installation.version, note: installation.installedNow ? `etcd ${installation.version} was installed by this run (Debian etcd-server).` : null };
  }

  async sender(inflight: number, value: Uint8Array, requestTimeoutMs: number, timeoutMs: number): Promise<CaseSender> {
    const cluster = this.cluster;
    if (cluster === undefined) throw new Error('etcd is not running');
    const leader = await cluster.waitHealthy(timeoutMs);
    const client = new EtcdHttpClient(inflight + SPARE_SOCKETS);
    const target = etcdLoadTarget(client, cluster.endpoints[leader] as string, value, requestTimeoutMs);
    // One put first: the connection is open before the clock starts.
    await target.append(this.sequence++);
    return { send: () => target.append(this.sequence++), close: () => client.close() };
  }

  pids(): Record<string, number | undefined> {
    const cluster = this.cluster;
    return cluster === undefined ? {} : Object.fromEntries(cluster.names.map((name) => [name, cluster.pid(name)]));
  }

  async stop(): Promise<void> {
    await this.cluster?.stop();
  }
}

/**
 * NATS JetStream (Debian's nats-server, installed when missing) as it runs by
 * default: three servers on loopback, an R3 file-storage stream, js.publish
 * awaiting the PubAck over one shared connection. JetStream does not fsync
 * before acknowledging.
 */
export class NatsPeer {
  cluster: NatsCluster | undefined;
  connection: NatsConnection | undefined;
  jetstream: JetStreamClient | undefined;

  async start(directory: string, timeoutMs: number, log: (line: string) => void): Promise<Started> {
    const installation = ensureNatsServer(log);
    if (!installation.ok) throw new MissingSystemError(`nats-server missing: ${installation.reason}`);
    const base = await freeBasePort(NATS_PORT_OFFSETS);
    this.cluster = new NatsCluster(installation.binary, directory, { host: '127.0.0.1', clientBasePort: base, routeBasePort: base + NATS_ROUTE_PORT_OFFSET, members: 3 });
    this.cluster.start();
    ({ connection: this.connection, jetstream: this.jetstream } = await this.cluster.connectAndCreateStream(timeoutMs));
    const jetstream = this.jetstream;
    const probe = new Uint8Array(BORN_STAMP_BYTES);
    await firstSend(async () => void (await jetstream.publish(NATS_SUBJECT, probe)));
    return { version: installation.version, note: installation.installedNow ? `nats-server ${installation.version} was installed by this run (Debian nats-server).` : null };
  }

  /** Publishes `body`, or with `stamp` a copy carrying Date.now() in its first 8 bytes (the produce → consume pass reads it back). */
  sender(body: Uint8Array, stamp = false): CaseSender {
    const jetstream = this.jetstream;
    if (jetstream === undefined) throw new Error('NATS JetStream is not running');
    if (stamp && body.byteLength < BORN_STAMP_BYTES) throw new RangeError(`a stamped body needs at least ${BORN_STAMP_BYTES} bytes, got ${body.byteLength}`);
    if (!stamp) return { send: async () => void (await jetstream.publish(NATS_SUBJECT, body)), close: () => undefined };
    return {
      send: async () => {
        const stamped = Buffer.allocUnsafe(body.byteLength);
        stamped.set(body);
        stamped.writeDoubleLE(Date.now(), 0);
        await jetstream.publish(NATS_SUBJECT, stamped);
      },
      close: () => undefined,
    };
  }

  pids(): Record<string, number | undefined> {
    return this.cluster?.pids() ?? {};
  }

  async stop(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    await this.cluster?.stop();
  }
}

/** The system is not installed and could not be: its rows are missing, the run is not failed. */
export class MissingSystemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingSystemError';
  }
}

