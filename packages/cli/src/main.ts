import { Command, InvalidArgumentError } from 'commander';
import { clusterList, nameServerAddresses, topicRoute } from './admin-command.js';
import { runBroker } from './broker-command.js';
import { runDev } from './dev-command.js';
import { runNameServerCommand } from './namesrv-command.js';
import { runReplica } from './replica-command.js';

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65_000) throw new InvalidArgumentError('must be a port number');
  return number;
}

function milliseconds(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive whole number of milliseconds');
  return number;
}

const program = new Command('raftmq').description('RaftMQ: a message store whose CommitLog is a Raft log');

program
  .command('replica')
  .description('run one replica of a group in the foreground')
  .requiredOption('--config <file>', 'the replica config (JSON)')
  .action(async (options: { config: string }) => runReplica(options.config));

program
  .command('broker')
  .description('run one replica of a broker group in the foreground')
  .requiredOption('--config <file>', 'the broker replica config (JSON): a replica config plus brokerName, cluster, nameServers, autoCreateTopic')
  .action(async (options: { config: string }) => runBroker(options.config));

program
  .command('dev')
  .description('start a local 3-replica group with a live status view')
  .option('--dir <path>', 'keep data here (default: a temporary directory, removed on exit)')
  .option('--base-port <port>', 'peer ports are base+1.., client ports base+101..', port, 7100)
  .option('--flush <mode>', 'sync (fsync before ack) or async', 'sync')
  .option('--exit-after-ms <ms>', 'stop by itself after this long', milliseconds)
  .action(async (options: { dir?: string; basePort: number; flush: string; exitAfterMs?: number }) => {
    if (options.flush !== 'sync' && options.flush !== 'async') throw new InvalidArgumentError('--flush must be sync or async');
    await runDev({
      basePort: options.basePort,
      flush: options.flush,
      ...(options.dir === undefined ? {} : { dir: options.dir }),
      ...(options.exitAfterMs === undefined ? {} : { exitAfterMs: options.exitAfterMs }),
    });
  });

program
  .command('namesrv')
  .description('run a NameServer in the foreground')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', port, 9876)
  .action(async (options: { host: string; port: number }) => runNameServerCommand(options));

const nameServerOption = ['-n, --namesrv <addresses>', 'NameServer addresses, ; separated', '127.0.0.1:9876'] as const;
const admin = program.command('admin').description('operate a cluster through its NameServers');
admin
  .command('clusterList')
  .description('clusters, broker groups and replicas, with role and term')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string }) => {
    process.stdout.write(`${await clusterList(nameServerAddresses(options.namesrv))}\n`);
  });
admin
  .command('topicRoute')
  .description("a topic's route: its broker groups, their master and queues")
  .requiredOption('-t, --topic <topic>', 'the topic')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; topic: string }) => {
    process.stdout.write(`${await topicRoute(nameServerAddresses(options.namesrv), options.topic)}\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`raftmq: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
