import { NameServerConfigError, runNameServer } from '@raftmq/namesrv';

/** `raftmq namesrv`: one NameServer in the foreground until SIGINT or SIGTERM. */
export async function runNameServerCommand(options: { readonly host: string; readonly port: number }): Promise<void> {
  let server;
  try {
    server = await runNameServer({ listen: { host: options.host, port: options.port } });
  } catch (error) {
    if (error instanceof NameServerConfigError) {
      process.stderr.write(`raftmq namesrv: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  process.stdout.write(`NameServer listening on ${server.address}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
