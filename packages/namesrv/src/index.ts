export { NameServer } from './nameserver.js';
export type { NameServerOptions, NameServerStats } from './nameserver.js';
export { runNameServer } from './run-nameserver.js';
export type { RunNameServerOptions } from './run-nameserver.js';
export { nameServerConfigSchema, nameServerPortDefault, parseNameServerConfig } from './nameserver-config.js';
export type { NameServerConfig, NameServerConfigInput } from './nameserver-config.js';
export { RouteRegistry, routeRegistryLimitsDefault } from './route-registry.js';
export type { ReplicaName, RouteRegistryLimits, RoutesChangedListener } from './route-registry.js';
export type { FenceReason } from './broker-group.js';
export { makeLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export {
  AssertionError,
  ClusterMismatchError,
  LimitExceededError,
  NameServerConfigError,
  NameServerError,
} from './errors.js';
