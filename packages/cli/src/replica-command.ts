import { loadReplicaConfig, Replica } from '@raftmq/ledger';
import { runInForeground } from './foreground-replica.js';

/** `raftmq replica --config FILE`: one ledger replica in the foreground. */
export function runReplica(configPath: string): Promise<void> {
  return runInForeground('replica', (logger) => {
    const config = loadReplicaConfig(configPath);
    return new Replica(config, logger(config.id, config.logLevel));
  });
}
