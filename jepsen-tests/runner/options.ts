import { JepsenOptionsError } from './errors.js';
import { partitionMechanisms, type PartitionMechanism } from './nemesis/partition-plan.js';

export interface JepsenOptions {
  /** Nemesis names; unknown or not yet built ones are skipped and listed. */
  readonly nemeses: readonly string[];
  /** How long the workload runs under faults, before healing and draining. */
  readonly timeSeconds: number;
  /** Sends per second, all producer workers together. */
  readonly rate: number;
  readonly nodes: 3 | 5;
  readonly seed: number;
  /** Results go to `<out>/<run>/`. */
  readonly out: string;
  /** Defaults to a time stamp and the seed. */
  readonly run?: string;
  /** Longest fault and quiet gap between faults; the smoke test shortens them to fit its time. */
  readonly faultMsMax?: number;
  readonly quietMsMax?: number;
  /** Called with a line of progress now and then; silent by default. */
  readonly log?: (line: string) => void;
  /** Runs a deliberately broken build, which the checkers must catch (see negativeControls). */
  readonly negativeControl?: NegativeControl;
  /** How the partition nemesis cuts links (see partitionChoices); `auto` when absent. */
  readonly partitionBy?: PartitionChoice;
}

/**
 * `nftables`: drop rules between per-replica loopback addresses (root and
 * nft), partition skipped without them. `transport`: link faults in the
 * replicas' peer transport, on any machine. `auto`: nftables where it can be
 * used, the transport otherwise.
 */
export const partitionChoices = ['auto', ...partitionMechanisms] as const;
export type PartitionChoice = 'auto' | PartitionMechanism;

/**
 * Deliberately broken builds, to show the checkers can fail.
 * `ack-before-fsync`: every replica acknowledges once it has written an
 * entry, fsyncing only once a second (flush mode async), so a send is
 * acknowledged before any fsync; a power cut of the group loses it.
 * `ignore-term`: a send is acknowledged once any entry at its index is
 * applied, whatever its term, so a deposed master's replaced entries count
 * as written; isolating the master loses them.
 */
export const negativeControls = ['ack-before-fsync', 'ignore-term'] as const;
export type NegativeControl = (typeof negativeControls)[number];

export const nemesesBuilt = ['kill', 'pause', 'transfer', 'partition', 'clock', 'power', 'membership'] as const;
export type NemesisName = (typeof nemesesBuilt)[number];

/** Named in the issue and not built yet: skipped with this reason. */
export const nemesesPlanned: Readonly<Record<string, string>> = {};

export const timeSecondsMax = 3_600;
export const rateMax = 10_000;

export function checkOptions(options: JepsenOptions): void {
  if (!(Number.isFinite(options.timeSeconds) && options.timeSeconds > 0 && options.timeSeconds <= timeSecondsMax)) {
    throw new JepsenOptionsError(`time must be in (0, ${timeSecondsMax}] seconds, not ${options.timeSeconds}`);
  }
  if (!(Number.isFinite(options.rate) && options.rate > 0 && options.rate <= rateMax)) throw new JepsenOptionsError(`rate must be in (0, ${rateMax}] per second, not ${options.rate}`);
  if (options.nodes !== 3 && options.nodes !== 5) throw new JepsenOptionsError(`nodes must be 3 or 5, not ${String(options.nodes)}`);
  if (!Number.isSafeInteger(options.seed)) throw new JepsenOptionsError(`seed must be an integer, not ${options.seed}`);
  if (options.negativeControl !== undefined && !(negativeControls as readonly string[]).includes(options.negativeControl)) {
    throw new JepsenOptionsError(`negative control must be one of ${negativeControls.join(', ')}, not ${String(options.negativeControl)}`);
  }
  if (options.partitionBy !== undefined && !(partitionChoices as readonly string[]).includes(options.partitionBy)) {
    throw new JepsenOptionsError(`partition-by must be one of ${partitionChoices.join(', ')}, not ${String(options.partitionBy)}`);
  }
}

/** The nemeses the run uses, and why each other one named is skipped. */
export function splitNemeses(names: readonly string[]): { readonly used: NemesisName[]; readonly skipped: { name: string; reason: string }[] } {
  const used: NemesisName[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const name of new Set(names.map((each) => each.trim()).filter((each) => each.length > 0))) {
    if ((nemesesBuilt as readonly string[]).includes(name)) used.push(name as NemesisName);
    else skipped.push({ name, reason: nemesesPlanned[name] ?? `unknown nemesis (known: ${nemesesBuilt.join(', ')})` });
  }
  return { used, skipped };
}
