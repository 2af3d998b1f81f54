import { loadReplicaConfig, makeLogger, Replica, ReplicaConfigError } from '@raftmq/ledger';

/** `raftmq replica --config FILE`: one replica in the foreground until SIGINT or SIGTERM. */
export async function runReplica(configPath: string): Promise<void> {
  let config;
  try {
    config = loadReplicaConfig(configPath);
  } catch (error) {
    if (error instanceof ReplicaConfigError) {
      process.stderr.write(`raftmq replica: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const logger = makeLogger(`replica-${config.id}`, config.logLevel);
  const replica = new Replica(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    replica.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        logger.error({ error: String(error) }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Fail-stop: a replica whose disk failed must not linger half alive; a supervisor restarts it and it recovers from disk.
  replica.node.onFailure((error) => {
    logger.error({ error: String(error) }, 'the replica failed; exiting');
    process.exitCode = 1;
    stop('failure');
  });
  replica.node.onStateChange((state) => {
    if (state.role === 'leader') logger.info({ term: state.term }, 'leading');
  });
  try {
    await replica.start();
  } catch (error) {
    logger.error({ error: String(error) }, 'the replica could not start');
    await replica.stop().catch(() => undefined);
    process.exitCode = 1;
  }
}
