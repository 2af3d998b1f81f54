import { Command, InvalidArgumentError, Option } from 'commander';
import { negativeControls, partitionChoices, type NegativeControl, type PartitionChoice } from './options.js';
import { runJepsen } from './run-jepsen.js';

const timeSecondsDefault = 90;
const rateDefault = 500;
const outDefault = 'jepsen-tests/results';

function parsePositive(text: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidArgumentError('must be a positive number');
  return value;
}

function parseNodes(text: string): 3 | 5 {
  if (text === '3') return 3;
  if (text === '5') return 5;
  throw new InvalidArgumentError('must be 3 or 5');
}

function parseSeed(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('must be an integer');
  return value;
}

const program = new Command('jepsen')
  .description('Fault injection over real RaftMQ processes: producers and a consumer under a nemesis, then a history check')
  .option('--nemesis <names>', 'comma-separated: kill, pause, transfer, partition (nftables with root, else in the transport), clock (libfaketime), power (volatile writes), membership (remove a replica from the voters, add it back)', 'kill,pause,transfer')
  .option('--time <seconds>', 'how long to run under faults', parsePositive, timeSecondsDefault)
  .option('--rate <sends>', 'sends per second in total', parsePositive, rateDefault)
  .option('--nodes <n>', 'replicas in the broker group: 3 or 5', parseNodes, 3 as 3 | 5)
  .option('--seed <n>', 'seed of the nemesis schedule', parseSeed)
  .option('--out <dir>', 'results directory', outDefault)
  .addOption(new Option('--negative-control <bug>', 'run a deliberately broken build the checkers must catch').choices(negativeControls))
  .addOption(
    new Option('--partition-by <how>', 'how partitions cut links: nftables rules (root), link faults in the replicas\' transport, or auto (nftables when usable, else the transport)')
      .choices(partitionChoices)
      .default('auto'),
  )
  .action(async (options: { nemesis: string; time: number; rate: number; nodes: 3 | 5; seed?: number; out: string; negativeControl?: NegativeControl; partitionBy: PartitionChoice }) => {
    const seed = options.seed ?? Math.floor(Math.random() * 1_000_000);
    const { results, directory } = await runJepsen({
      nemeses: options.nemesis.split(','),
      timeSeconds: options.time,
      rate: options.rate,
      nodes: options.nodes,
      seed,
      out: options.out,
      ...(options.negativeControl === undefined ? {} : { negativeControl: options.negativeControl }),
      partitionBy: options.partitionBy,
      log: (line) => console.log(`[jepsen] ${line}`),
    });
    console.log(JSON.stringify({ counts: results.counts, healedWritesWithinMs: results.healedWritesWithinMs, nemesisEvents: results.nemesisEvents.length, nemesisSkipped: results.nemesisSkipped }, null, 2));
    for (const violation of results.violations) console.log(`VIOLATION ${violation.checker}: ${violation.message}`);
    console.log(`verdict: ${results.verdict} (seed ${seed}); results in ${directory}`);
    process.exitCode = results.verdict === 'valid' ? 0 : 1;
  });

await program.parseAsync(process.argv);
