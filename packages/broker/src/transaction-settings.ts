import { messaging } from '@raftmq/protocol';
import type { TransactionCheckSettings } from './transaction-checker.js';

/** A broker's transaction settings, each defaulting to RocketMQ's (protocol's transactions.ts). */
export interface TransactionOptions {
  /** RocketMQ's transactionTimeOut. */
  readonly timeoutMs?: number | undefined;
  /** RocketMQ's transactionCheckInterval. */
  readonly checkIntervalMs?: number | undefined;
  /** RocketMQ's transactionCheckMax. */
  readonly checkMax?: number | undefined;
  /** A producer unheard this long is no longer asked (producer-registry.ts's producerExpiryMsDefault when absent). */
  readonly producerExpiryMs?: number | undefined;
}

/** Check-rounds carry checkMax in the log, whose schema bounds it. */
export const transactionCheckMaxLimit = 1_000;

export function transactionSettings(options: TransactionOptions = {}): TransactionCheckSettings {
  const settings = {
    timeoutMs: options.timeoutMs ?? messaging.transactionTimeoutMsDefault,
    intervalMs: options.checkIntervalMs ?? messaging.transactionCheckIntervalMsDefault,
    checkMax: options.checkMax ?? messaging.transactionCheckMaxDefault,
  };
  if (!(Number.isInteger(settings.timeoutMs) && settings.timeoutMs >= 0)) throw new RangeError(`transaction timeoutMs must be a non-negative integer, not ${settings.timeoutMs}`);
  if (!(Number.isInteger(settings.intervalMs) && settings.intervalMs >= 1)) throw new RangeError(`transaction checkIntervalMs must be a positive integer, not ${settings.intervalMs}`);
  if (!(Number.isInteger(settings.checkMax) && settings.checkMax >= 1 && settings.checkMax <= transactionCheckMaxLimit)) {
    throw new RangeError(`transaction checkMax must be 1-${transactionCheckMaxLimit}, not ${settings.checkMax}`);
  }
  return settings;
}
