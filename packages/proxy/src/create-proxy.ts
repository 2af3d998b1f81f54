import { ProxyServer, type ProxyPart, type ProxyPartStop, type ProxyServerOptions } from './proxy-server.js';
import { publishHandlers } from './publish-handlers.js';
import { receiveHandlers, stopReceiving } from './receive-handlers.js';
import { routeHandlers } from './route-handlers.js';
import { sessionHandlers } from './session-handlers.js';
import { stopTransactions } from './transactions.js';

/**
 * Every part of MessagingService the proxy serves, in one list: a new part
 * is added here (and its stop, when it starts anything, below). A method
 * no part handles answers UNIMPLEMENTED.
 */
export const proxyParts: readonly ProxyPart[] = [routeHandlers, sessionHandlers, publishHandlers, (context) => receiveHandlers(context)];
export const proxyPartStops: readonly ProxyPartStop[] = [stopReceiving, stopTransactions];

/** The RocketMQ 5 gRPC proxy with every part; start() it. */
export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  return new ProxyServer(options, proxyParts, proxyPartStops);
}
