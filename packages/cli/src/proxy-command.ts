import { ProxyListenError, createProxyServer, proxyPortDefault, type ProxyServer } from '@raftmq/proxy';

export { proxyPortDefault };

export interface ProxyCommandOptions {
  readonly nameServers: readonly string[];
  readonly host: string;
  readonly port: number;
  /** The host clients are told to reach the proxy at, when it is not `host` (a proxy listening on 0.0.0.0). */
  readonly advertisedHost?: string;
  /** Route topics no group serves yet to where the brokers create topics on first use (the dev cluster's brokers do). */
  readonly autoCreateTopics?: boolean;
}

/**
 * Starts the RocketMQ 5 gRPC proxy; undefined, with the reason on stderr
 * and exit code 2, when it cannot listen (the port in use, say).
 */
export async function startProxy(options: ProxyCommandOptions, command: string): Promise<ProxyServer | undefined> {
  const proxy = createProxyServer({
    nameServers: options.nameServers,
    listen: { host: options.host, port: options.port },
    ...(options.advertisedHost === undefined ? {} : { advertisedHost: options.advertisedHost }),
    ...(options.autoCreateTopics === undefined ? {} : { autoCreateTopics: options.autoCreateTopics }),
  });
  try {
    await proxy.start();
  } catch (error) {
    if (!(error instanceof ProxyListenError)) throw error;
    process.stderr.write(`raftmq ${command}: ${error.message}${/EADDRINUSE|in use/i.test(error.message) ? ` (another process has port ${options.port}; pick another with --${command === 'dev' ? 'proxy-port' : 'port'})` : ''}\n`);
    process.exitCode = 2;
    return undefined;
  }
  return proxy;
}

/** `raftmq proxy`: the RocketMQ 5 gRPC proxy in the foreground until SIGINT or SIGTERM. */
export async function runProxyCommand(options: ProxyCommandOptions): Promise<void> {
  const proxy = await startProxy(options, 'proxy');
  if (proxy === undefined) return;
  process.stdout.write(`RocketMQ 5 gRPC proxy listening on ${options.host}:${proxy.port}, routing through ${options.nameServers.join(', ')}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void proxy.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
