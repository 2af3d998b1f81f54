import type * as grpc from '@grpc/grpc-js';
import type { ProxyContext } from './context.js';
import { statusOf } from './status.js';
import type { Status } from './wire-types.js';

/**
 * A unary method of MessagingService whose every failure becomes the
 * response's Status: the official clients read errors from there
 * (StatusChecker), and a gRPC-level error would only look like a broken
 * connection to them.
 */
export function unaryHandler<Request, Response extends { status: Status }>(
  context: ProxyContext,
  method: string,
  handle: (request: Request, call: grpc.ServerUnaryCall<Request, Response>) => Promise<Response>,
  afterReply?: (call: grpc.ServerUnaryCall<Request, Response>) => void,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    handle(call.request, call).then(
      (response) => {
        callback(null, response);
        afterReply?.(call);
      },
      (error: unknown) => {
        const status = statusOf(error);
        const fields = { method, code: status.code, clientId: clientIdOf(call.metadata) };
        if (status.code === 'INTERNAL_ERROR') context.logger.error({ ...fields, error }, 'request failed');
        else context.logger.debug({ ...fields, message: status.message }, 'request refused');
        callback(null, { status } as Response);
      },
    );
  };
}

/** The client's id: the `x-mq-client-id` header every call of the official clients carries. */
export function clientIdOf(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('x-mq-client-id')[0];
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  return text === '' ? undefined : text;
}
