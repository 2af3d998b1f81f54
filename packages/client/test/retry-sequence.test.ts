import { FrameKind, RequestCode, ResponseCode, decodeRequests, encodeFrames, type Frame, type TopicRoute } from '@raftmq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Producer, type RouteSource } from '../src/index.js';

const topic = 'orders';

/** A broker that answers each SendMessage with the next scripted answer, and records the sequences it was sent. */
class ScriptedBroker {
  readonly sequences: number[] = [];
  private readonly server: WebSocketServer;

  private constructor(
    server: WebSocketServer,
    private readonly answers: ((request: Frame) => Frame | null)[],
  ) {
    this.server = server;
    server.on('connection', (socket: WebSocket) => {
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        for (const request of decodeRequests(data, isBinary)) {
          if (request.code !== RequestCode.SendMessage) continue;
          this.sequences.push((request.headers as { sequence: number }).sequence);
          const answer = (this.answers.shift() ?? success)(request);
          if (answer !== null) socket.send(encodeFrames([answer]));
        }
      });
    });
  }

  static async start(answers: ((request: Frame) => Frame | null)[]): Promise<ScriptedBroker> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new ScriptedBroker(server, answers);
  }

  get address(): string {
    const address = this.server.address();
    return `ws://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  route(): RouteSource {
    const route: TopicRoute = {
      topic,
      groups: [{ brokerName: 'broker-a', leader: { replicaId: 'n1', address: this.address, term: 1 }, replicas: [{ replicaId: 'n1', address: this.address, role: 'leader' }], readQueues: 1, writeQueues: 1, perm: 6 }],
    };
    return { getRoute: () => Promise.resolve(route) };
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function success(request: Frame): Frame {
  const sequence = (request.headers as { sequence: number }).sequence;
  return {
    id: request.id,
    kind: FrameKind.Response,
    code: ResponseCode.Success,
    headers: { status: 'SEND_OK', msgIds: ['broker-a:1:0'], queueId: 0, queueOffset: sequence, logIndex: 1, term: 1, durability: 'quorum-fsynced' },
    body: null,
  };
}

const notLeader = (request: Frame): Frame => ({ id: request.id, kind: FrameKind.Response, code: ResponseCode.NotLeader, headers: { message: 'not the leader' }, body: null });
const outcomeUnknown = (request: Frame): Frame => ({ id: request.id, kind: FrameKind.Response, code: ResponseCode.OutcomeUnknown, headers: { message: 'no commit decision in time' }, body: null });

let broker: ScriptedBroker | undefined;
let producer: Producer | undefined;

afterEach(async () => {
  producer?.shutdown();
  producer = undefined;
  await broker?.stop();
  broker = undefined;
});

describe('the sequence of a retried send', () => {
  it('is new when no attempt can have stored the send, so a retry that waited out an election is never refused as too old', async () => {
    broker = await ScriptedBroker.start([notLeader, notLeader]);
    producer = new Producer({ nameServers: broker.route(), sendTimeoutMs: 5_000 });
    producer.start();
    await producer.send({ topic, body: 'x' });
    expect(broker.sequences).toHaveLength(3);
    expect(new Set(broker.sequences).size).toBe(3);
  });

  it('is kept when an attempt may have stored the send: only that sequence lets the group recognise the retry', async () => {
    broker = await ScriptedBroker.start([outcomeUnknown, notLeader]);
    producer = new Producer({ nameServers: broker.route(), sendTimeoutMs: 5_000 });
    producer.start();
    await producer.send({ topic, body: 'x' });
    expect(broker.sequences).toHaveLength(3);
    expect(new Set(broker.sequences).size).toBe(1);
  });
});
