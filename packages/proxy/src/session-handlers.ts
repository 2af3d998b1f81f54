import type * as grpc from '@grpc/grpc-js';
import type { ClientType } from './client-registry.js';
import type { ProxyContext } from './context.js';
import { RequestRejectedError } from './errors.js';
import type { HandlerMap } from './proxy-server.js';
import { describeSettings, settingsReply } from './settings-reply.js';
import { okStatus, status, statusOf } from './status.js';
import { clientIdOf, unaryHandler } from './unary-handler.js';
import type { Resource, Status, TelemetryCommand } from './wire-types.js';

interface HeartbeatRequest {
  readonly group?: Resource | null;
  readonly clientType: ClientType;
}

interface NotifyClientTerminationRequest {
  readonly group?: Resource | null;
}

/**
 * The clients' sessions: Heartbeat and NotifyClientTermination keep the
 * registry (context.clients) current, and Telemetry, one long-lived stream
 * per client, carries its Settings both ways and, later, the proxy's
 * commands to it (transaction check-backs).
 */
export function sessionHandlers(context: ProxyContext): HandlerMap {
  const sessions = context.clientSessions;
  return {
    Heartbeat: unaryHandler<HeartbeatRequest, { status: Status }>(context, 'Heartbeat', async (request, call) => {
      const clientId = requireClientId(call.metadata);
      const group = request.group?.name;
      sessions.describe(clientId, { clientType: request.clientType, ...(group === undefined || group === '' ? {} : { consumerGroup: group }) });
      return { status: okStatus };
    }),

    NotifyClientTermination: unaryHandler<NotifyClientTerminationRequest, { status: Status }>(context, 'NotifyClientTermination', async (_request, call) => {
      sessions.terminate(requireClientId(call.metadata));
      return { status: okStatus };
    }),

    Telemetry: (call: grpc.ServerDuplexStream<TelemetryCommand, TelemetryCommand>) => {
      const clientId = clientIdOf(call.metadata);
      if (clientId === undefined) {
        call.write({ status: status('CLIENT_ID_REQUIRED', 'the x-mq-client-id header is required') });
        call.end();
        return;
      }
      let detach: (() => void) | undefined;
      const close = () => {
        detach?.();
        detach = undefined;
      };
      try {
        detach = sessions.attachTelemetry(clientId, { write: (command) => call.write(command), end: () => call.end() });
      } catch (error) {
        call.write({ status: statusOf(error) });
        call.end();
        return;
      }
      call.on('data', (command: TelemetryCommand) => {
        try {
          if (command.command !== 'settings' || !command.settings) return;
          const description = describeSettings(command.settings);
          const session = sessions.describe(clientId, description);
          const group = session.consumerGroup;
          if (command.settings.subscription && group === undefined) throw new RequestRejectedError('ILLEGAL_CONSUMER_GROUP', 'a consumer must name its consumer group');
          const reply = settingsReply(command.settings, command.settings.subscription && group !== undefined ? sessions.consumerGroupSettings(group) : undefined);
          const replyCommand = { status: okStatus, settings: reply };
          sessions.rememberSettingsReply(clientId, replyCommand);
          call.write(replyCommand);
        } catch (error) {
          context.logger.warn({ clientId, error }, 'telemetry command refused');
          call.write({ status: statusOf(error) });
        }
      });
      call.on('end', () => {
        close();
        call.end();
      });
      call.on('error', (error) => {
        context.logger.debug({ clientId, error }, 'telemetry stream failed');
        close();
      });
      call.on('cancelled', close);
    },
  };
}

function requireClientId(metadata: grpc.Metadata): string {
  const clientId = clientIdOf(metadata);
  if (clientId === undefined) throw new RequestRejectedError('CLIENT_ID_REQUIRED', 'the x-mq-client-id header is required');
  return clientId;
}
