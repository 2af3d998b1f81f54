export { LocalGroup } from './local-group.js';
export { LocalNameServer } from './local-name-server.js';
export type { LocalGroupOptions, ReplicaView } from './local-group.js';
export { renderStatusTable, type GroupViews } from './status-table.js';
export { installDebianPackages } from './debian-packages.js';
