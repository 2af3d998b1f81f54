export { ProxyError, ProtoLoadError, ProxyConfigError, ProxyListenError, RequestRejectedError, TooManyClientsError } from './errors.js';
export { loadMessagingService, rocketmqProtoDirectory } from './proto.js';
export { ProxyServer, proxyPortDefault, shutdownGraceMs, type HandlerMap, type ProxyPart, type ProxyPartStop, type ProxyServerOptions } from './proxy-server.js';
export { createProxyServer, proxyParts, proxyPartStops } from './create-proxy.js';
export { messageProperty } from './message-properties.js';
export { silentProxyLogger, type ProxyContext, type ProxyLogger } from './context.js';
export type { ClientRegistry, ClientSession, ClientType, ConsumerGroupSettings, SubscriptionEntry } from './client-registry.js';
export { ClientSessions, clientSessionIdleMs, clientSessionsMax, consumerGroupSettingsDefault, type ConsumerGroupOptions } from './client-sessions.js';
