/**
 * The gRPC proxy in a process of its own, as `raftmq proxy` runs it:
 * createProxyServer with its defaults in front of the NameServer named in
 * argv, on a free port on loopback. Answers its parent over IPC with
 * { port } once listening; stops on a 'stop' message, or when the parent
 * goes away.
 */
import { createProxyServer } from '@raftmq/proxy';
import { serveAsChild } from './serve-as-child.js';

const nameServer = process.argv[2];
if (nameServer === undefined || process.send === undefined) {
  process.stderr.write('usage: forked with IPC, the NameServer address as the one argument\n');
  process.exit(2);
}

await serveAsChild(createProxyServer({ nameServers: [nameServer], listen: { host: '127.0.0.1', port: 0 } }));
