import { z } from 'zod';

/**
 * The log commands of transactional messages (msgpack tuples, like the
 * other non-send commands in log-command.ts, which dispatches to here).
 * Their kind numbers start at 20, apart from the commands other features add.
 */

/**
 * A half message: the client's encoded batch (one message) verbatim, as a
 * send stores it, so a committed half is read from this very entry
 * (StoredEntry treats it as a lone send) and never copied.
 */
export interface PrepareCommand {
  readonly kind: 'prepare';
  readonly topic: string;
  readonly queueId: number;
  readonly producerGroup: string;
  readonly producerId: string;
  readonly sequence: number;
  /** Stamped by the leader; the first check back counts from it. */
  readonly storeTimestampMs: number;
  readonly bornTimestampMs?: number;
  readonly messageCount: number;
  readonly batch: Uint8Array;
}

/** The producer's decision on the half stored at `halfLogIndex`; `nowMs` (the leader's clock) starts a committed half's retention. */
export interface EndTransactionCommand {
  readonly kind: 'endTransaction';
  readonly halfLogIndex: number;
  readonly commit: boolean;
  readonly nowMs: number;
}

/**
 * One check-back round of the leader: each listed half still undecided is
 * counted as checked at `nowMs`, or rolled back when it was already checked
 * `checkMax` times. Carrying checkMax keeps every replica's verdict alike.
 */
export interface TransactionCheckCommand {
  readonly kind: 'transactionCheck';
  readonly halfLogIndexes: readonly number[];
  readonly nowMs: number;
  readonly checkMax: number;
}

export type TransactionCommand = PrepareCommand | EndTransactionCommand | TransactionCheckCommand;

/** Halves one check round may list: keeps the entry small whatever the backlog. */
export const transactionCheckRoundHalvesMax = 4_096;

const kindPrepare = 20;
const kindEndTransaction = 21;
const kindTransactionCheck = 22;
const noBornTimestamp = -1;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(255);
const logIndex = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const prepareSchema = z.tuple([
  z.literal(kindPrepare),
  name,
  z.number().int().min(0).max(65_535),
  name,
  z.string().max(255),
  count,
  count,
  z.number().int().min(noBornTimestamp).max(Number.MAX_SAFE_INTEGER),
  z.number().int().min(1).max(65_535),
  z.instanceof(Uint8Array),
]);
const endSchema = z.tuple([z.literal(kindEndTransaction), logIndex, z.boolean(), count]);
const checkSchema = z.tuple([z.literal(kindTransactionCheck), z.array(logIndex).min(1).max(transactionCheckRoundHalvesMax), count, z.number().int().min(1).max(1_000)]);
const transactionSchema = z.union([prepareSchema, endSchema, checkSchema]);

export function isTransactionCommand(command: { readonly kind: string }): command is TransactionCommand {
  return command.kind === 'prepare' || command.kind === 'endTransaction' || command.kind === 'transactionCheck';
}

export function transactionTuple(command: TransactionCommand): unknown[] {
  switch (command.kind) {
    case 'prepare':
      return [
        kindPrepare,
        command.topic,
        command.queueId,
        command.producerGroup,
        command.producerId,
        command.sequence,
        command.storeTimestampMs,
        command.bornTimestampMs ?? noBornTimestamp,
        command.messageCount,
        command.batch,
      ];
    case 'endTransaction':
      return [kindEndTransaction, command.halfLogIndex, command.commit, command.nowMs];
    case 'transactionCheck':
      return [kindTransactionCheck, command.halfLogIndexes, command.nowMs, command.checkMax];
  }
}

/** The transaction command a decoded msgpack value holds; a string saying why when it is one but malformed; undefined when it is another kind. */
export function decodeTransactionTuple(value: unknown): TransactionCommand | string | undefined {
  if (!Array.isArray(value) || (value[0] !== kindPrepare && value[0] !== kindEndTransaction && value[0] !== kindTransactionCheck)) return undefined;
  const result = transactionSchema.safeParse(value);
  if (!result.success) return `not a transaction command: ${result.error.issues[0]?.message ?? 'invalid'}`;
  const tuple = result.data;
  switch (tuple[0]) {
    case kindPrepare: {
      const prepare: PrepareCommand = {
        kind: 'prepare',
        topic: tuple[1],
        queueId: tuple[2],
        producerGroup: tuple[3],
        producerId: tuple[4],
        sequence: tuple[5],
        storeTimestampMs: tuple[6],
        messageCount: tuple[8],
        batch: tuple[9],
      };
      return tuple[7] === noBornTimestamp ? prepare : { ...prepare, bornTimestampMs: tuple[7] };
    }
    case kindEndTransaction:
      return { kind: 'endTransaction', halfLogIndex: tuple[1], commit: tuple[2], nowMs: tuple[3] };
    case kindTransactionCheck:
      return { kind: 'transactionCheck', halfLogIndexes: tuple[1], nowMs: tuple[2], checkMax: tuple[3] };
  }
}
