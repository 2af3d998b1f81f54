/** Base class of every error the broker package throws. */
export class BrokerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A log entry the broker cannot read: written by a newer version, or a bug. Applied as a no-op and counted, never thrown out of apply. */
export class UnreadableEntryError extends BrokerError {
  readonly index: number;
  constructor(index: number, message: string, options?: { cause?: unknown }) {
    super('ERR_UNREADABLE_ENTRY', `entry ${index}: ${message}`, options);
    this.index = index;
  }
}

/** A producer heartbeat that would cross one of the producer registry's bounds; `limit` names it. */
export class ProducerRegistryLimitError extends BrokerError {
  readonly limit: 'producerGroupsMax' | 'producerGroupMembersMax';
  constructor(limit: 'producerGroupsMax' | 'producerGroupMembersMax', message: string, options?: { cause?: unknown }) {
    super('ERR_PRODUCER_REGISTRY_LIMIT', message, options);
    this.limit = limit;
  }
}
