/**
 * The gRPC proxy in a process of its own, as `raftmq proxy` runs it:
 * createProxyServer with its defaults in front of the NameServer named in
 * argv, on a free port on loopback. Answers its parent over IPC with
 * { port } once listening; stops on a 'stop' message, or when the parent
 * goes away.
 */
import { createProxyServer } from '@raftmq/proxy';
import { PROXY_CHILD_STOP, type ProxyChildFailed, type ProxyChildReady } from './child-messages.js';

const nameServer = process.argv[2];
if (nameServer === undefined || process.send === undefined) {
  process.stderr.write('usage: forked with IPC, the NameServer address as the one argument\n');
  process.exit(2);
}

const proxy = createProxyServer({ nameServers: [nameServer], listen: { host: '127.0.0.1', port: 0 } });
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= proxy.stop().finally(() => process.exit(0));
  return stopping;
};
process.on('message', (message) => {
  if (message === PROXY_CHILD_STOP) void stop();
});
process.once('disconnect', () => void stop());

try {
  await proxy.start();
  process.send({ port: proxy.port } satisfies ProxyChildReady);
} catch (error) {
  process.send({ error: error instanceof Error ? error.message : String(error) } satisfies ProxyChildFailed, () => process.exit(1));
}
