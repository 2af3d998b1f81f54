import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DemoSession } from '../live/demo-session.js';
import type { LiveEvent } from '../live/event-log.js';
import { parseKeySchedule, type ScriptedKey } from '../live/keys.js';
import { RealTimeDriver, stepIntervalMs } from '../live/real-time-driver.js';
import { renderStatusLine } from '../live/render-line.js';
import { formatSeconds } from '../live/format.js';
import { eventsShownMax, renderScreen, type ScreenOptions } from '../live/render-screen.js';
import { ansiStyle, plainStyle } from '../live/style.js';
import { InPlaceScreen, listenForKeys } from '../live/terminal.js';

/** The screen is redrawn this often: smooth to the eye, cheap for the event loop. */
const drawIntervalMs = 100;
/** Without a terminal, one status line this often. */
const statusLineIntervalUs = 1_000_000;
const valuesPerSecondDefault = 200;
/** Each value is a log entry and a few dozen simulated events: beyond this one core cannot keep real time. */
const valuesPerSecondMax = 10_000;
/** Seeds are drawn below this when none is given, so they stay short enough to retype. */
const randomSeedsMax = 1_000_000;

interface DemoCliOptions {
  readonly seed?: number;
  readonly nodes: number;
  readonly rate: number;
  readonly exitAfterMs?: number;
  readonly keys?: readonly ScriptedKey[];
}

function parseInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError('must be an integer');
  return value;
}

function parseNodes(text: string): number {
  if (text === '3' || text === '5') return Number(text);
  throw new InvalidArgumentError('must be 3 or 5');
}

function parseRate(text: string): number {
  const value = parseInteger(text);
  if (value < 0 || value > valuesPerSecondMax) throw new InvalidArgumentError(`must be between 0 and ${valuesPerSecondMax}`);
  return value;
}

function parsePositive(text: string): number {
  const value = parseInteger(text);
  if (value <= 0) throw new InvalidArgumentError('must be positive');
  return value;
}

function parseKeys(text: string): readonly ScriptedKey[] {
  const schedule = parseKeySchedule(text);
  if (typeof schedule === 'string') throw new InvalidArgumentError(schedule);
  return schedule;
}

const finalStatusOptions: ScreenOptions = { style: plainStyle, keysEnabled: false, showKeys: false, rowsMax: Number.POSITIVE_INFINITY, fixedHeight: false };

/** The command that replays a run: everything is drawn from the seed, and scripted keys land at the same simulated times. */
function replayCommand(seed: number, options: DemoCliOptions): string {
  const flags = [`--seed ${seed}`];
  if (options.nodes !== 3) flags.push(`--nodes ${options.nodes}`);
  if (options.rate !== valuesPerSecondDefault) flags.push(`--rate ${options.rate}`);
  if (options.keys !== undefined && options.keys.length > 0) flags.push(`--keys ${options.keys.map((scripted) => `${scripted.key}@${scripted.atMs}`).join(',')}`);
  return `npm start -- ${flags.join(' ')}`;
}

function printEvent(event: LiveEvent): void {
  console.log(`[${formatSeconds(event.timeUs).padStart(10)}] ${event.text}`);
}

function runDemo(options: DemoCliOptions): void {
  const seed = options.seed ?? randomInt(1, randomSeedsMax);
  const interactive = process.stdout.isTTY === true;
  const keysEnabled = interactive && process.stdin.isTTY === true;
  const replayHint = `the same run again: ${replayCommand(seed, options)}${keysEnabled ? ' (keys pressed by hand change it)' : ''}`;
  if (!interactive) console.log(`RaftMQ live demo: ${options.nodes} nodes, seed ${seed}, ${options.rate} values/s; ${replayHint}`);

  const session = new DemoSession({
    seed,
    nodes: options.nodes,
    valuesPerSecond: options.rate,
    script: options.keys ?? [],
    ...(interactive ? {} : { onEvent: printEvent }),
  });
  const driver = new RealTimeDriver(session.cluster, () => performance.now());
  const screen = interactive ? new InPlaceScreen(process.stdout) : null;
  const exitAfterUs = options.exitAfterMs === undefined ? undefined : options.exitAfterMs * 1000;
  let nextStatusLineUs = statusLineIntervalUs;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let stopKeys: () => void = () => {};
  let finished = false;

  const draw = (showKeys: boolean): void => {
    const rowsMax = screen?.rows ?? Number.POSITIVE_INFINITY;
    const lines = renderScreen(session.status(eventsShownMax), { style: ansiStyle, keysEnabled, showKeys, rowsMax, fixedHeight: showKeys });
    screen?.draw(lines);
    lastDrawMs = performance.now();
  };

  /** Leaves the terminal as it was found, whatever path ends the demo. */
  const restoreTerminal = (): void => {
    stopKeys();
    screen?.close();
  };

  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (error === undefined) {
      if (screen !== null) draw(false);
      else console.log(['', ...renderScreen(session.status(eventsShownMax), finalStatusOptions)].join('\n'));
    }
    restoreTerminal();
    if (error !== undefined) {
      console.error(error);
      process.exitCode = 1;
      return;
    }
    console.log(replayHint);
    // An invariant violation is a bug found: CI must see it even though the demo ran to its end.
    process.exitCode = session.cluster.firstViolation === null ? 0 : 1;
  };

  const onSignal = (): void => finish();

  const step = (): void => {
    try {
      driver.step();
      const nowUs = session.cluster.nowUs();
      if (exitAfterUs !== undefined && nowUs >= exitAfterUs) {
        finish();
        return;
      }
      if (screen !== null) {
        if (performance.now() - lastDrawMs >= drawIntervalMs) draw(true);
      } else if (nowUs >= nextStatusLineUs) {
        console.log(renderStatusLine(session.status(0)));
        nextStatusLineUs += statusLineIntervalUs;
      }
    } catch (error) {
      finish(error);
    }
  };

  const onKey = (key: string): void => {
    try {
      if (session.press(key) === 'quit') finish();
      else draw(true);
    } catch (error) {
      finish(error);
    }
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', restoreTerminal);
  if (keysEnabled) stopKeys = listenForKeys(process.stdin, onKey);
  const timer = setInterval(step, stepIntervalMs);
  if (screen !== null) draw(true);
}

new Command()
  .name('demo')
  .description('A live Raft group in one command: the simulator\'s nodes (the real RaftCore) run in real time, with a status table and keys to break things')
  .option('--seed <n>', 'seed of every random choice (default: random, printed)', parseInteger)
  .addOption(new Option('--nodes <count>', 'group size: 3 or 5').argParser(parseNodes).default(3))
  .option('--rate <values-per-second>', 'values the background client proposes per second', parseRate, valuesPerSecondDefault)
  .option('--exit-after-ms <ms>', 'run this long, print a final status and exit (tests and CI); otherwise run until quit', parsePositive)
  .option('--keys <schedule>', 'press keys at set times, e.g. "k@1500,r@3000" (ms since start)', parseKeys)
  .action((options: DemoCliOptions) => runDemo(options))
  .parse();
