import { makeLogger, ReplicaConfigError, type Logger } from '@raftmq/ledger';
import type { RaftNode } from '@raftmq/raft';

/** What `raftmq replica` and `raftmq broker` run: a Raft replica with a start and a stop. */
export interface ForegroundReplica {
  readonly node: RaftNode;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs one replica in the foreground until SIGINT or SIGTERM. A config
 * error exits 2 naming the field; a failure of the node (a disk error, a
 * broken invariant) exits 1, fail-stop, so a supervisor restarts it and it
 * recovers from disk.
 */
export async function runInForeground(command: string, make: (logger: (id: string, level: string) => Logger) => ForegroundReplica): Promise<void> {
  let replica: ForegroundReplica;
  let logger: Logger | undefined;
  try {
    replica = make((id, level) => (logger = makeLogger(`${command}-${id}`, level)));
  } catch (error) {
    if (error instanceof ReplicaConfigError) {
      process.stderr.write(`raftmq ${command}: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  const log = logger as Logger;
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    replica.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        log.error({ error: String(error) }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  replica.node.onFailure((error) => {
    log.error({ error: String(error) }, 'the replica failed; exiting');
    process.exitCode = 1;
    stop('failure');
  });
  replica.node.onStateChange((state) => {
    if (state.role === 'leader') log.info({ term: state.term }, 'leading');
  });
  try {
    await replica.start();
  } catch (error) {
    log.error({ error: String(error) }, `the ${command} could not start`);
    await replica.stop().catch(() => undefined);
    process.exitCode = 1;
  }
}
