import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Producer } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { nextBasePort } from './group-harness.js';
import { silentClientLogger } from './official-client.js';

/**
 * The "done when": after `npm start`, the examples of the official
 * client's own README send and receive against RaftMQ unchanged. They are
 * read from the installed package at run time (never copied here), written
 * next to this package so that `rocketmq-client-nodejs` resolves, and run
 * as they are, endpoint 127.0.0.1:8081 included: so this test needs port
 * 8081, as `npm start` does.
 */
const readmeEndpoint = '127.0.0.1:8081';
const proxyPort = 8081;
/** dev's NameServer, proxy and three replicas starting and electing on a loaded 2-core machine. */
const devReadyTimeoutMs = 90_000;
/** An example's process: tsx compiling it, the official client starting up, one send or receive. */
const exampleTimeoutMs = 60_000;
const devStopTimeoutMs = 20_000;
const testTimeoutMs = 300_000;

const require = createRequire(import.meta.url);
const readmePath = join(dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'README.md');
const cliDirectory = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = pathToFileURL(require.resolve('tsx')).href;

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly waitFor: (pattern: RegExp, what: string, timeoutMs: number) => Promise<void>;
  readonly exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), devStopTimeoutMs);
    await exited;
    clearTimeout(timer);
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}, 2 * devStopTimeoutMs);

/** A child process whose stdout and stderr the test reads as they come. */
function run(args: readonly string[], environment: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: environment, cwd: cliDirectory });
  children.push(child);
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const check = () => {
        if (!pattern.test(output)) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${what}: no ${pattern} within ${timeoutMs} ms; it printed:\n${output}`));
      }, timeoutMs);
      listeners.add(check);
      void exit.then(() => {
        if (!listeners.has(check)) return;
        finish();
        reject(new Error(`${what}: exited before printing ${pattern}; it printed:\n${output}`));
      });
      check();
    });
  return { child, output: () => output, waitFor, exit };
}

/** The process's exit code, or 'late' when it is still running after `timeoutMs`. */
async function exitWithin(running: Running, timeoutMs: number): Promise<number | null | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  return Promise.race([running.exit, late]).finally(() => clearTimeout(timer));
}

/** The README's TypeScript examples, by what they show. */
function readmeExamples(): { producer: string; delayWithRecall: string; simpleConsumer: string; pushConsumer: string } {
  const blocks = [...readFileSync(readmePath, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
  const find = (what: string, test: (code: string) => boolean): string => {
    const found = blocks.filter(test);
    if (found.length !== 1) throw new Error(`the README of rocketmq-client-nodejs has ${found.length} examples of ${what}, not 1`);
    return found[0] as string;
  };
  return {
    producer: find('a normal send', (code) => code.includes('new Producer') && !code.includes('recallMessage')),
    delayWithRecall: find('a delayed send and its recall', (code) => code.includes('recallMessage')),
    simpleConsumer: find('a SimpleConsumer', (code) => code.includes('new SimpleConsumer')),
    pushConsumer: find('a PushConsumer', (code) => code.includes('new PushConsumer')),
  };
}

describe("the official client's README examples, unchanged, against `raftmq dev` (what `npm start` runs)", () => {
  it(
    'sends, receives with a SimpleConsumer and a PushConsumer, and recalls a delayed message',
    async () => {
      const examples = readmeExamples();
      for (const code of Object.values(examples)) expect(code).toContain(`endpoints: '${readmeEndpoint}'`);
      // The official client logs under ~/logs whatever it is given: a home of the test's own, for dev and every example.
      const home = mkdtempSync(join(tmpdir(), 'rocketmq-readme-home-'));
      directories.push(home);
      const examplesDirectory = mkdtempSync(join(cliDirectory, '.readme-examples-'));
      directories.push(examplesDirectory);
      const environment = { ...process.env, HOME: home };
      const basePort = nextBasePort();
      const dataDirectory = join(home, 'data');
      const dev = run(['--conditions=@raftmq/source', '--import', tsx, main, 'dev', '--dir', dataDirectory, '--base-port', String(basePort), '--namesrv-port', String(basePort + 250), '--proxy-port', String(proxyPort)], environment);
      await dev.waitFor(/broker-a\s+n\d\s+leader\s+\d+\s+n\d/, 'raftmq dev', devReadyTimeoutMs);

      const example = (name: string): Running => {
        const file = join(examplesDirectory, `${name}.mts`);
        writeFileSync(file, examples[name as keyof typeof examples]);
        return run(['--import', tsx, file], environment);
      };

      // Normal Message: the receipt is printed once the send is stored (the example never shuts its producer down).
      const producer = example('producer');
      await producer.waitFor(/messageId/, 'the Producer example', exampleTimeoutMs);
      producer.child.kill('SIGTERM');

      // SimpleConsumer: a new group starts at the queue's beginning, so it receives what the Producer example sent.
      const simple = example('simpleConsumer');
      await simple.waitFor(/body='\{"hello":"rocketmq-client-nodejs world/, 'the SimpleConsumer example', exampleTimeoutMs);
      expect(simple.output()).toMatch(/got 1 messages/);
      simple.child.kill('SIGTERM');

      // Delay Message with Recall: it sends, recalls, shuts down and exits by itself.
      const delay = example('delayWithRecall');
      expect(await exitWithin(delay, exampleTimeoutMs), delay.output()).toBe(0);
      expect(delay.output()).toMatch(/recallHandle: 'rmr1\./);
      expect(delay.output()).toMatch(/Message recalled successfully: \S+/);
      expect(delay.output()).not.toContain('Failed to recall message');

      // Push Consumer: it runs until stopped, printing what it consumes; the test sends it a message of its own.
      const push = example('pushConsumer');
      await push.waitFor(/PushConsumer started, waiting for messages/, 'the PushConsumer example', exampleTimeoutMs);
      const testProducer = new Producer({ endpoints: readmeEndpoint, namespace: '', logger: silentClientLogger });
      await testProducer.startup();
      try {
        await testProducer.send({ topic: 'yourTopic', tag: 'from-the-test', body: Buffer.from('to the PushConsumer example') });
      } finally {
        await testProducer.shutdown();
      }
      await push.waitFor(/Received message: to the PushConsumer example/, 'the PushConsumer example', exampleTimeoutMs);
      push.child.kill('SIGTERM');

      // Stopped as a newcomer stops `npm start`: everything goes, at once, nothing left running (a long poll still
      // out in the proxy's consumers once kept the process alive until it ran out, and its replicas with it).
      dev.child.kill('SIGTERM');
      expect(await exitWithin(dev, devStopTimeoutMs), dev.output()).toBe(0);
      expect(dev.output()).toContain('stopped.');
    },
    testTimeoutMs,
  );
});
