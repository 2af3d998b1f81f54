import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { LatencyRecorder } from '../commitlog/latency.js';
import { onEmergencyExit } from './cleanup.js';

/** A tiny message: the round trip, not the bandwidth, is the figure. */
const PING_BYTES = 64;
const LOOPBACK_HOST = '127.0.0.1';
const ECHO_START_TIMEOUT_MS = 10_000;
/** The echo server: a node process of its own, so a round trip crosses processes as a replica's does; it prints its port. */
const ECHO_SERVER_SOURCE = `
const server = require('node:net').createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => socket.destroy());
});
server.listen({ host: '${LOOPBACK_HOST}', port: 0 }, () => process.stdout.write(server.address().port + '\\n'));
`;

/** No echo server answered in time. */
export class EchoServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EchoServerError';
  }
}

export interface LoopbackRoundTrip {
  readonly roundTrips: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Loopback TCP round trip, node ↔ node: an echo server in a child process and
 * a client here on 127.0.0.1, one ping in flight at a time (Nagle off), for `seconds` or
 * `maxRoundTrips`, whichever comes first. The floor under every replicated
 * commit: a client's request and a follower's append each cost one.
 */
export async function measureLoopbackRoundTrip(seconds: number, maxRoundTrips: number): Promise<LoopbackRoundTrip> {
  const echo = spawn(process.execPath, ['-e', ECHO_SERVER_SOURCE], { stdio: ['ignore', 'pipe', 'ignore'] });
  const unregister = onEmergencyExit(() => echo.kill('SIGKILL'));
  let client: Socket | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new EchoServerError(`the echo server did not start within ${ECHO_START_TIMEOUT_MS} ms`)), ECHO_START_TIMEOUT_MS);
      echo.stdout?.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        resolve(Number(chunk.toString('utf8').trim()));
      });
      echo.once('error', reject);
    });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const opened = connect({ host: LOOPBACK_HOST, port }, () => resolve(opened));
      opened.once('error', reject);
    });
    client = socket;
    socket.setNoDelay(true);
    const ping = Buffer.alloc(PING_BYTES, 1);
    const latency = new LatencyRecorder();
    const deadline = performance.now() + seconds * 1000;
    let roundTrips = 0;
    while (roundTrips < maxRoundTrips && performance.now() < deadline) {
      const startedAt = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        let received = 0;
        const onData = (chunk: Buffer) => {
          received += chunk.length;
          if (received < PING_BYTES) return;
          socket.off('data', onData);
          socket.off('error', reject);
          resolve();
        };
        socket.on('data', onData);
        socket.once('error', reject);
        socket.write(ping);
      });
      latency.recordSince(startedAt);
      roundTrips++;
    }
    const { p50Ms, p99Ms } = latency.summary();
    return { roundTrips, p50Ms, p99Ms };
  } finally {
    client?.destroy();
    if (echo.exitCode === null) {
      const exited = new Promise((resolve) => echo.once('exit', resolve));
      echo.kill('SIGTERM');
      await exited;
    }
    unregister();
  }
}
