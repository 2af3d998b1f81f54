import type { HandlerMap } from './proxy-server.js';
import type { ProxyContext } from './context.js';
import { RequestRejectedError } from './errors.js';
import { messageQueuesOf, proxyEndpoints } from './route-mapping.js';
import { okStatus } from './status.js';
import { topicOf } from './topic-names.js';
import { clientIdOf, unaryHandler } from './unary-handler.js';
import type { MessageQueue, Resource, Status } from './wire-types.js';

interface QueryRouteRequest {
  readonly topic: Resource | null;
}

interface QueryRouteResponse {
  readonly status: Status;
  readonly messageQueues?: readonly MessageQueue[];
}

/** QueryRoute: a topic's queues from the NameServers, every one at the proxy's address. */
export function routeHandlers(context: ProxyContext): HandlerMap {
  return {
    QueryRoute: unaryHandler<QueryRouteRequest, QueryRouteResponse>(context, 'QueryRoute', async (request) => {
      const topic = topicOf(request.topic);
      const route = await context.routes.route(topic);
      const queues = messageQueuesOf(route, proxyEndpoints(context.advertisedHost, context.advertisedPort()), request.topic?.resourceNamespace ?? '');
      if (queues.length === 0) throw new RequestRejectedError('TOPIC_NOT_FOUND', `no broker group serves topic ${topic}`);
      return { status: okStatus, messageQueues: queues };
    }, (call) => {
      // After the answer, on the same connection: the Node.js client waits for Settings only once its routes are in (client-sessions.ts, resendSettingsAfterRoute).
      const clientId = clientIdOf(call.metadata);
      if (clientId !== undefined) context.clientSessions.resendSettingsAfterRoute(clientId);
    }),
  };
}
