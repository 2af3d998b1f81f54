import { WebSocket, type RawData } from 'ws';
import { answerChallenge, checkWelcome, createNonce } from '../../src/transport/handshake.js';
import { Observed, waitMsMax } from './helpers.js';

/** A hand-driven WebSocket client: sees every frame and the close code, sends whatever the test wants. */
export class RawClient {
  readonly frames = new Observed<{ data: Buffer; isBinary: boolean }>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('error', () => {});
    socket.on('message', (data: RawData, isBinary: boolean) => this.frames.push({ data: data as Buffer, isBinary }));
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  }

  /** `autoPong: false` makes a peer that never answers pings. */
  static async connect(url: string, options: { autoPong?: boolean } = {}): Promise<RawClient> {
    const client = new RawClient(new WebSocket(url, { perMessageDeflate: false, autoPong: options.autoPong ?? true }));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  /** Connects and runs the dialer's half of the handshake as `selfId` calling `peerId`. */
  static async authenticated(url: string, selfId: string, peerId: string, secret: string, options: { autoPong?: boolean } = {}): Promise<RawClient> {
    const client = await RawClient.connect(url, options);
    const challenge = await client.frames.waitFor(() => true, 'challenge');
    const answer = answerChallenge(challenge.data, { selfId, peerId, secret, dialerNonce: createNonce() });
    if (!answer.ok) throw new Error(`bad challenge: ${answer.refusal.reason}`);
    client.socket.send(answer.hello);
    const welcome = await Promise.race([
      client.frames.waitFor((frame) => frame !== challenge, 'welcome'),
      client.closed.then(({ code, reason }) => {
        throw new Error(`closed during handshake: ${code} ${reason}`);
      }),
    ]);
    const checked = checkWelcome(welcome.data, secret, answer.transcript);
    if (!checked.ok) throw new Error(`bad welcome: ${checked.refusal.reason}`);
    return client;
  }

  /** The `index`-th frame (0-based) after the two of the handshake, once it arrives. */
  frameAfterHandshake(index: number): Promise<{ data: Buffer; isBinary: boolean }> {
    return this.frames.waitFor((frame) => this.frames.items.indexOf(frame) === 2 + index, `frame ${index} after the handshake`);
  }

  send(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, (error) => (error ? reject(error) : resolve())));
  }

  async closedWithin(timeoutMs = waitMsMax): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.terminate();
  }
}
