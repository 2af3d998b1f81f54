/**
 * The null MessagingService in a process of its own, as the proxy runs in
 * its own (proxy-child.ts): its answers cost the bench process nothing, so
 * the official client's sends measure the client alone. Listens on a free
 * port on loopback and answers its parent over IPC with { port }; stops on a
 * 'stop' message, or when the parent goes away.
 */
import { PROXY_CHILD_STOP, type ProxyChildFailed, type ProxyChildReady } from './child-messages.js';
import { NullMessagingService } from './null-service.js';

if (process.send === undefined) {
  process.stderr.write('usage: forked with IPC\n');
  process.exit(2);
}

const service = new NullMessagingService('127.0.0.1');
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= service.stop().finally(() => process.exit(0));
  return stopping;
};
process.on('message', (message) => {
  if (message === PROXY_CHILD_STOP) void stop();
});
process.once('disconnect', () => void stop());

try {
  await service.start();
  process.send({ port: service.port } satisfies ProxyChildReady);
} catch (error) {
  process.send({ error: error instanceof Error ? error.message : String(error) } satisfies ProxyChildFailed, () => process.exit(1));
}
