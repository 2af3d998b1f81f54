/** The configuration file of one nats-server of a JetStream cluster on loopback; pure, for the tests. */
export interface NatsServerLayout {
  readonly host: string;
  /** Client ports clientBasePort+1.., cluster (route) ports routeBasePort+1.. */
  readonly clientBasePort: number;
  readonly routeBasePort: number;
  readonly members: number;
}

export function natsServerName(position: number): string {
  return `nats-${position + 1}`;
}

export function natsClientUrl(layout: NatsServerLayout, position: number): string {
  return `nats://${layout.host}:${layout.clientBasePort + 1 + position}`;
}

/** nats-server's config syntax: listen, server_name, jetstream { store_dir }, cluster { name, listen, routes }. */
export function natsServerConfig(layout: NatsServerLayout, position: number, storeDirectory: string): string {
  const routes = Array.from({ length: layout.members }, (_, at) => at)
    .filter((at) => at !== position)
    .map((at) => `    nats-route://${layout.host}:${layout.routeBasePort + 1 + at}`);
  return [
    `server_name: ${natsServerName(position)}`,
    `listen: ${layout.host}:${layout.clientBasePort + 1 + position}`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(storeDirectory)}`,
    '}',
    'cluster {',
    '  name: raftmq-bench',
    `  listen: ${layout.host}:${layout.routeBasePort + 1 + position}`,
    '  routes: [',
    ...routes,
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** 'nats-server: v2.9.10' → '2.9.10'; the first line otherwise. */
export function parseNatsVersion(output: string): string {
  const match = /v?(\d+\.\d+\.\d+\S*)/.exec(output);
  return match?.[1] ?? output.trim().split('\n')[0] ?? 'unknown';
}
