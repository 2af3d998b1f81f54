import { BrokerResponseError, ClientLimitError, ClientStateError, NoRouteError, SendFailedError } from '@raftmq/client';

/**
 * How a send that threw is recorded: `fail` only when the client promises
 * nothing was stored (refused, or never left); anything else, the client's
 * SendOutcomeUnknownError included, is `info`: it may have been stored.
 */
export function sendErrorType(error: unknown): 'fail' | 'info' {
  const refused = error instanceof SendFailedError || error instanceof NoRouteError || error instanceof BrokerResponseError || error instanceof ClientLimitError || error instanceof ClientStateError;
  return refused ? 'fail' : 'info';
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
