import { BrokerReplica, parseBrokerReplicaConfig } from '@raftmq/broker';
import { readConfigFile } from '@raftmq/ledger';
import { runInForeground } from './foreground-replica.js';

/** `raftmq broker --config FILE`: one replica of a broker group in the foreground. */
export function runBroker(configPath: string): Promise<void> {
  return runInForeground('broker', (logger) => {
    const config = parseBrokerReplicaConfig(readConfigFile(configPath));
    return new BrokerReplica(config, logger(config.id, config.logLevel));
  });
}
