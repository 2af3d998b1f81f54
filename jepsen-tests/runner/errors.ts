/** The runner's options do not describe a run it can do. */
export class JepsenOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JepsenOptionsError';
  }
}

/** The system under test could not be brought up (NameServer, replicas or topic). */
export class JepsenSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JepsenSetupError';
  }
}

/** nft refused a ruleset or could not be run. */
export class NftablesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NftablesError';
  }
}

/** A replica's fake-clock offset could not be written. */
export class ClockFaultError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClockFaultError';
  }
}

/** A replica's link faults file (partitions in the transport) could not be written. */
export class LinkFaultError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinkFaultError';
  }
}
