import { secondsFlag, wholeNumberFlag } from '../shared/flags.js';

/** The flags of `bench scheduled`, as commander hands them over: strings, unparsed. */
export interface ScheduledFlags {
  readonly messages?: string;
  readonly windowSeconds?: string;
  readonly dir?: string;
  readonly results?: string;
  readonly keep?: boolean;
  readonly quick?: boolean;
}

export interface ScheduledBenchConfig {
  /** Timer messages per pass, due evenly over the window. */
  readonly messages: number;
  readonly windowSeconds: number;
  /** The first falls due this long after the last was sent, so sending never overlaps the window. */
  readonly leadSeconds: number;
  readonly queues: number;
  /** Sends at concurrency 1 timed for the anchor: one quorum-fsynced commit, measured in the same run. */
  readonly anchorSends: number;
  readonly parentDirectory: string | undefined;
  readonly resultsDirectory: string | undefined;
  readonly keep: boolean;
  readonly quick: boolean;
  readonly buildNote?: string | null;
}

export function parseScheduledFlags(flags: ScheduledFlags): ScheduledBenchConfig {
  const quick = flags.quick === true;
  return {
    messages: flags.messages === undefined ? (quick ? 300 : 2_000) : wholeNumberFlag('messages', flags.messages, 10, 100_000),
    windowSeconds: flags.windowSeconds === undefined ? (quick ? 2 : 10) : secondsFlag('window-seconds', flags.windowSeconds, 1),
    leadSeconds: 1,
    queues: 8,
    anchorSends: quick ? 100 : 500,
    parentDirectory: flags.dir,
    resultsDirectory: flags.results,
    keep: flags.keep === true,
    quick,
  };
}
