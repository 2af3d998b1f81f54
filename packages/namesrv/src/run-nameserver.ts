import { makeLogger, type Logger } from './logger.js';
import { parseNameServerConfig, type NameServerConfigInput } from './nameserver-config.js';
import { NameServer } from './nameserver.js';

export interface RunNameServerOptions extends NameServerConfigInput {
  /** pino on standard error at config.logLevel when absent. */
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** Checks the config (NameServerConfigError names a bad field), starts a NameServer and returns it listening. */
export async function runNameServer(options: RunNameServerOptions = {}): Promise<NameServer> {
  const { logger, now, ...input } = options;
  const config = parseNameServerConfig(input);
  const server = new NameServer({ config, logger: logger ?? makeLogger('namesrv', config.logLevel), ...(now === undefined ? {} : { now }) });
  await server.start();
  return server;
}
