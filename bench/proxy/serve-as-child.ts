import { PROXY_CHILD_STOP, type ProxyChildFailed, type ProxyChildReady } from './child-messages.js';

/** A gRPC server a child process runs for ChildServer (child-server.ts). */
export interface ChildServed {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The child's side of ChildServer: starts `server`, answers its parent over
 * IPC with { port } (or { error }), and stops it on a 'stop' message or when
 * the parent goes away.
 */
export async function serveAsChild(server: ChildServed): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('serveAsChild needs a process forked with IPC');
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= server.stop().finally(() => process.exit(0));
    return stopping;
  };
  process.on('message', (message) => {
    if (message === PROXY_CHILD_STOP) void stop();
  });
  process.once('disconnect', () => void stop());
  try {
    await server.start();
    send({ port: server.port } satisfies ProxyChildReady);
  } catch (error) {
    send({ error: error instanceof Error ? error.message : String(error) } satisfies ProxyChildFailed, () => process.exit(1));
  }
}
