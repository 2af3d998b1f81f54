import { ChildServer } from './child-server.js';
import { OfficialPath } from './official-path.js';

/**
 * The official client's ceiling: the same Producer as the proxy path
 * (official-path.ts, same settings), sending to a null MessagingService in a
 * process of its own (null-service.ts) that answers every send at once and
 * stores nothing. Its msgs/s is the most the client sends on this machine
 * at a count in flight, whatever the server behind it does.
 */
export class CeilingPath {
  private readonly server = new ChildServer('null-service-child', 'the null MessagingService');
  private client: OfficialPath | undefined;

  async start(topic: string, body: Uint8Array, timeoutMs: number): Promise<void> {
    const port = await this.server.start([], timeoutMs);
    this.client = new OfficialPath(`127.0.0.1:${port}`);
    await this.client.start(topic, body);
  }

  sender(body: Uint8Array, topic: string): () => Promise<void> {
    if (this.client === undefined) throw new RangeError('no producer: the ceiling path was not started');
    return this.client.sender(body, topic);
  }

  /** The null service's process, for the CPU meter. */
  pid(): number | undefined {
    return this.server.pid();
  }

  async stop(): Promise<void> {
    await this.client?.stop();
    this.client = undefined;
    await this.server.stop().catch(() => undefined);
  }
}
