/**
 * The null MessagingService in a process of its own, as the proxy runs in
 * its own (proxy-child.ts): its answers cost the bench process nothing, so
 * the official client's sends measure the client alone. Listens on a free
 * port on loopback and answers its parent over IPC with { port }; stops on a
 * 'stop' message, or when the parent goes away.
 */
import { NullMessagingService } from './null-service.js';
import { serveAsChild } from './serve-as-child.js';

if (process.send === undefined) {
  process.stderr.write('usage: forked with IPC\n');
  process.exit(2);
}

await serveAsChild(new NullMessagingService('127.0.0.1'));
