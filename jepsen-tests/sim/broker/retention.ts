/**
 * How long the simulated brokers keep entries (RocketMQ's fileReservedTime,
 * scaled down): a replica compacts an entry only once it was written this
 * long ago, or, holding a scheduled message, delivered this long ago; so a
 * message younger than this is never missing from a replica.
 */
export const brokerRetentionUs = 1_000_000;
