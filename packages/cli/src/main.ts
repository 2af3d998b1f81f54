import { messaging } from '@raftmq/protocol';
import { Command, InvalidArgumentError } from 'commander';
import { brokerStatus, changeReplicaMembership, clusterList, consumerProgress, masterWaitMsDefault, nameServerAddresses, queryMessage, topicList, topicRoute, transferLeader, updateTopic } from './admin-command.js';
import { runBroker } from './broker-command.js';
import { queryDeadLetters, resendDeadLetters } from './dead-letter-command.js';
import { parseTimestamp, queryMessageByOffset, queryMessagesByKey, resetOffsetByTime } from './offset-command.js';
import { consume, consumeIdleTimeoutMsDefault, produce } from './produce-command.js';
import { devGroupPortStride, devGroupsMax, devGroupsMin, devReplicaCountsText, devReplicasDefault, isDevReplicaCount, runDev } from './dev-command.js';
import { runNameServerCommand } from './namesrv-command.js';
import { proxyPortDefault, runProxyCommand } from './proxy-command.js';
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

function groupCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < devGroupsMin || number > devGroupsMax) throw new InvalidArgumentError(`must be a whole number from ${devGroupsMin} to ${devGroupsMax}`);
  return number;
}

function replicaCount(value: string): number {
  const number = Number(value);
  if (!isDevReplicaCount(number)) throw new InvalidArgumentError(`must be ${devReplicaCountsText}: one is a lone master, and an even count survives no more failures than the odd one below it`);
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
  .description('start a NameServer and local broker groups of one cluster (3 replicas each unless --replicas) with a live status view')
  .option('--groups <n>', `broker groups (broker-a, broker-b, …), ${devGroupsMin}-${devGroupsMax}`, groupCount, devGroupsMin)
  .option('--replicas <n>', `replicas per broker group, those added with g included: ${devReplicaCountsText} (1: a lone master)`, replicaCount, devReplicasDefault)
  .option('--dir <path>', 'keep data here, a directory per group (default: a temporary directory, removed on exit)')
  .option('--base-port <port>', `peer ports are base+1.., client ports base+101..; each further group ${devGroupPortStride} higher`, port, 7100)
  .option('--namesrv-port <port>', "the NameServer's port", port, 9876)
  .option('--flush <mode>', 'sync (fsync before ack) or async', 'sync')
  .option('--acknowledgement <mode>', "quorum (a send is answered once a majority has it) or leader (once the master has it: asynchronous replication, a failover may lose the followers' missing tail)", 'quorum')
  .option('--proxy-port <port>', "the RocketMQ 5 gRPC proxy's port, for the official RocketMQ clients", port, proxyPortDefault)
  .option('--exit-after-ms <ms>', 'stop by itself after this long', milliseconds)
  .action(async (options: { groups: number; replicas: number; dir?: string; basePort: number; namesrvPort: number; proxyPort: number; flush: string; acknowledgement: string; exitAfterMs?: number }) => {
    if (options.flush !== 'sync' && options.flush !== 'async') throw new InvalidArgumentError('--flush must be sync or async');
    if (options.acknowledgement !== 'quorum' && options.acknowledgement !== 'leader') throw new InvalidArgumentError('--acknowledgement must be quorum or leader');
    await runDev({
      groups: options.groups,
      replicas: options.replicas,
      basePort: options.basePort,
      nameServerPort: options.namesrvPort,
      proxyPort: options.proxyPort,
      flush: options.flush,
      acknowledgement: options.acknowledgement,
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

program
  .command('proxy')
  .description('run the RocketMQ 5 gRPC proxy (apache.rocketmq.v2.MessagingService) in the foreground, so the official RocketMQ clients work unchanged')
  .requiredOption('--namesrv <addresses>', 'NameServer addresses, , or ; separated')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', port, proxyPortDefault)
  .option('--advertised-host <host>', 'the host clients reach the proxy at (default: --host, or 127.0.0.1 for 0.0.0.0)')
  .action(async (options: { namesrv: string; host: string; port: number; advertisedHost?: string }) =>
    runProxyCommand({
      nameServers: options.namesrv.split(/[,;]/).map((address) => address.trim()).filter((address) => address !== ''),
      host: options.host,
      port: options.port,
      ...(options.advertisedHost === undefined ? {} : { advertisedHost: options.advertisedHost }),
    }),
  );

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

function queueCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1_024) throw new InvalidArgumentError('must be a whole number from 1 to 1024');
  return number;
}

function topicPerm(value: string): number {
  const number = Number(value);
  if (number !== 2 && number !== 4 && number !== 6) throw new InvalidArgumentError('must be 2 (write), 4 (read) or 6 (both)');
  return number;
}

admin
  .command('updateTopic')
  .description('create or change a topic on the master of every broker group of a cluster (-c), of the one named (-b), or of every group known')
  .requiredOption('-t, --topic <topic>', 'the topic')
  .option('-r, --readQueueNums <n>', 'read queues', queueCount, 8)
  .option('-w, --writeQueueNums <n>', 'write queues', queueCount, 8)
  .option('-p, --perm <perm>', '2 write, 4 read, 6 both', topicPerm, 6)
  .option('-b, --brokerName <name>', 'only this broker group')
  .option('-c, --clusterName <cluster>', 'every broker group of this cluster')
  .option('--master-wait-ms <ms>', "how long each group may take to have a master answering (through an election)", milliseconds, masterWaitMsDefault)
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; topic: string; readQueueNums: number; writeQueueNums: number; perm: number; brokerName?: string; clusterName?: string; masterWaitMs: number }) => {
    const output = await updateTopic(nameServerAddresses(options.namesrv), {
      topic: options.topic,
      readQueues: options.readQueueNums,
      writeQueues: options.writeQueueNums,
      perm: options.perm,
      masterWaitMs: options.masterWaitMs,
      ...(options.brokerName === undefined ? {} : { brokerName: options.brokerName }),
      ...(options.clusterName === undefined ? {} : { cluster: options.clusterName }),
    });
    process.stdout.write(`${output}\n`);
  });
admin
  .command('topicList')
  .description('every topic of every broker group, with its queues')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string }) => {
    process.stdout.write(`${await topicList(nameServerAddresses(options.namesrv))}\n`);
  });
admin
  .command('brokerStatus')
  .description('the runtime status of every replica of every broker group, or of the one named: role, term, commit, lag')
  .option('-b, --brokerName <name>', 'only this broker group')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; brokerName?: string }) => {
    process.stdout.write(`${await brokerStatus(nameServerAddresses(options.namesrv), options.brokerName)}\n`);
  });
admin
  .command('consumerProgress')
  .description("a consumer group's progress per queue: broker offset, consumer offset, lag, and the totals")
  .requiredOption('-g, --groupName <group>', 'the consumer group')
  .option('-t, --topic <topic>', 'only this topic')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; groupName: string; topic?: string }) => {
    process.stdout.write(`${await consumerProgress(nameServerAddresses(options.namesrv), options.groupName, options.topic)}\n`);
  });
admin
  .command('transferLeader')
  .description("hand a broker group's mastership to one of its replicas; returns once it leads")
  .requiredOption('-b, --brokerName <name>', 'the broker group')
  .requiredOption('-i, --replicaId <id>', 'the replica to lead')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; brokerName: string; replicaId: string }) => {
    process.stdout.write(`${await transferLeader(nameServerAddresses(options.namesrv), options.brokerName, options.replicaId)}\n`);
  });
admin
  .command('removeReplica')
  .description("remove a replica from a broker group's voters (a Raft membership change); returns once committed")
  .requiredOption('-b, --brokerName <name>', 'the broker group')
  .requiredOption('-i, --id <id>', 'the replica to remove (the master too: it steps down once the change commits)')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; brokerName: string; id: string }) => {
    process.stdout.write(`${await changeReplicaMembership(nameServerAddresses(options.namesrv), options.brokerName, options.id, 'remove')}\n`);
  });
admin
  .command('addReplica')
  .description('add a configured replica (back) to a broker group as a voter; returns once committed')
  .requiredOption('-b, --brokerName <name>', 'the broker group')
  .requiredOption('-i, --id <id>', "the replica to add: one of the group's configured peers")
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; brokerName: string; id: string }) => {
    process.stdout.write(`${await changeReplicaMembership(nameServerAddresses(options.namesrv), options.brokerName, options.id, 'add')}\n`);
  });
admin
  .command('queryMsg')
  .description('a message by its id')
  .requiredOption('-i, --msgId <id>', 'the message id')
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; msgId: string }) => {
    process.stdout.write(`${await queryMessage(nameServerAddresses(options.namesrv), options.msgId)}\n`);
  });

function count(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 100_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 100,000,000');
  return number;
}

const { queryMessagesMax } = messaging;

function queryCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > queryMessagesMax) throw new InvalidArgumentError(`must be a whole number from 1 to ${queryMessagesMax}`);
  return number;
}

function offset(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return number;
}

admin
  .command('queryMsgByOffset')
  .description('the message at an offset of a queue')
  .requiredOption('-t, --topic <topic>', 'the topic')
  .requiredOption('-b, --brokerName <name>', 'the broker group')
  .requiredOption('-i, --queueId <id>', 'the queue', offset)
  .requiredOption('-o, --offset <offset>', 'the queue offset', offset)
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; topic: string; brokerName: string; queueId: number; offset: number }) => {
    process.stdout.write(`${await queryMessageByOffset(nameServerAddresses(options.namesrv), options.topic, options.brokerName, options.queueId, options.offset)}\n`);
  });
admin
  .command('queryMsgByKey')
  .description("a topic's messages with a key (a message's keys), newest first, from every broker group serving it")
  .requiredOption('-t, --topic <topic>', 'the topic')
  .requiredOption('-k, --msgKey <key>', 'the key')
  .option('-c, --maxNum <count>', `messages per broker group at most (1-${queryMessagesMax})`, queryCount, 32)
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; topic: string; msgKey: string; maxNum: number }) => {
    process.stdout.write(`${await queryMessagesByKey(nameServerAddresses(options.namesrv), options.topic, options.msgKey, options.maxNum)}\n`);
  });
admin
  .command('resetOffsetByTime')
  .description("move a consumer group's offsets in a topic to the first message stored at or after a time (its consumers stopped)")
  .requiredOption('-g, --groupName <group>', 'the consumer group')
  .requiredOption('-t, --topic <topic>', 'the topic')
  .requiredOption('-s, --timestamp <time>', 'milliseconds since the epoch, or a date such as 2026-11-23T09:00:00Z', (value: string) => {
    try {
      return parseTimestamp(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  })
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; groupName: string; topic: string; timestamp: number }) => {
    process.stdout.write(`${await resetOffsetByTime(nameServerAddresses(options.namesrv), options.groupName, options.topic, options.timestamp)}\n`);
  });
admin
  .command('queryDlq')
  .description("the messages in a consumer group's dead-letter topic not yet resent (reads only)")
  .requiredOption('-g, --groupName <group>', 'the consumer group')
  .option('--count <n>', 'messages per dead-letter queue at most', count, 32)
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; groupName: string; count: number }) => {
    process.stdout.write(`${await queryDeadLetters(nameServerAddresses(options.namesrv), options.groupName, options.count)}\n`);
  });
admin
  .command('resendDlq')
  .description("send a consumer group's dead letters back to its retry topic, to be consumed again by that group only")
  .requiredOption('-g, --groupName <group>', 'the consumer group')
  .option('--count <n>', 'messages per dead-letter queue at most', count, 1_000)
  .option(...nameServerOption)
  .action(async (options: { namesrv: string; groupName: string; count: number }) => {
    process.stdout.write(`${await resendDeadLetters(nameServerAddresses(options.namesrv), options.groupName, options.count)}\n`);
  });

program
  .command('produce')
  .description('send messages to a topic; exits 0 once every one is acknowledged')
  .requiredOption('-t, --topic <topic>', 'the topic')
  .option('--count <n>', 'messages to send', count, 10)
  .option('--size <bytes>', 'bytes per message', count, 128)
  .option(...nameServerOption)
  .action(async (options: { topic: string; count: number; size: number; namesrv: string }) => {
    await produce({ nameServers: nameServerAddresses(options.namesrv), topic: options.topic, count: options.count, sizeBytes: options.size }, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('consume')
  .description("receive and acknowledge messages of a topic as a consumer group; exits 0 once it has them")
  .requiredOption('-t, --topic <topic>', 'the topic')
  .requiredOption('-g, --group <group>', 'the consumer group')
  .option('--count <n>', 'messages to receive', count, 10)
  .option('--idle-ms <ms>', 'give up when no message arrives for this long', milliseconds, consumeIdleTimeoutMsDefault)
  .option(...nameServerOption)
  .action(async (options: { topic: string; group: string; count: number; idleMs: number; namesrv: string }) => {
    await consume(
      { nameServers: nameServerAddresses(options.namesrv), topic: options.topic, group: options.group, count: options.count, idleTimeoutMs: options.idleMs },
      (line) => process.stdout.write(`${line}\n`),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`raftmq: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
