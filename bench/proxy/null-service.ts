/**
 * A null apache.rocketmq.v2.MessagingService: the proxy's protocol, from the
 * same proto definitions (loadMessagingService), answered at once and
 * storing nothing. Whatever the official Producer sends through it at a
 * count in flight is the most that client can send on this machine,
 * whatever a server does: the ceiling the proxy path is read against.
 */
import * as grpc from '@grpc/grpc-js';
import { loadMessagingService, settingsReply, type Settings } from '@raftmq/proxy';

/** The one broker the route names; the server itself is its endpoint. */
const BROKER_NAME = 'null-broker';
/** Every type the proxy's queues accept (route-mapping.ts), so the client's message-type check never refuses a send. */
const ACCEPTED_MESSAGE_TYPES = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
/**
 * After a QueryRoute answer the Settings go again, at once and this much
 * later, as the proxy does (client-sessions.ts, resendSettingsAfterRoute):
 * rocketmq-client-nodejs 1.0.8 drops a Settings that reaches it before its
 * startup waits for one.
 */
const SETTINGS_RESEND_DELAY_MS = 200;
const OK_STATUS = { code: 'OK', message: 'OK' };

interface Resource {
  readonly resourceNamespace: string;
  readonly name: string;
}
interface TelemetryCommand {
  readonly command?: string;
  readonly settings?: Settings | null;
}
interface SendMessageRequest {
  readonly messages: readonly { readonly systemProperties: { readonly messageId: string } | null }[];
}

function clientIdOf(metadata: grpc.Metadata): string {
  const value = metadata.get('x-mq-client-id')[0];
  return value === undefined ? '' : String(value);
}

/** Listening on `host`, port chosen by the system; `port` once started. */
export class NullMessagingService {
  private readonly server = new grpc.Server();
  /** Each client's open Telemetry stream and the Settings last answered on it, to send again after a route. */
  private readonly sessions = new Map<string, { readonly stream: grpc.ServerDuplexStream<TelemetryCommand, unknown>; reply: Record<string, unknown> | undefined }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private boundPort = 0;
  private offset = 0;

  constructor(private readonly host: string) {
    this.server.addService(loadMessagingService(), this.handlers());
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.host}:0`, grpc.ServerCredentials.createInsecure(), (error, port) => (error === null ? resolve(port) : reject(error)));
    });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    // Telemetry streams live as long as their clients: ended first, or the graceful shutdown would wait for them.
    for (const session of this.sessions.values()) session.stream.end();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private resendSettings(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session?.reply !== undefined) session.stream.write(session.reply);
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const unary =
      <Request>(answer: (request: Request, call: grpc.ServerUnaryCall<Request, unknown>) => unknown): grpc.handleUnaryCall<Request, unknown> =>
      (call, callback) =>
        callback(null, answer(call.request, call));
    return {
      QueryRoute: unary<{ readonly topic: Resource | null }>((request, call) => {
        const clientId = clientIdOf(call.metadata);
        this.resendSettings(clientId);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.resendSettings(clientId);
        }, SETTINGS_RESEND_DELAY_MS);
        this.timers.add(timer);
        const endpoints = { scheme: 'IPv4', addresses: [{ host: this.host, port: this.boundPort }] };
        return {
          status: OK_STATUS,
          messageQueues: [{ topic: request.topic, id: 0, permission: 'READ_WRITE', broker: { name: BROKER_NAME, id: 0, endpoints }, acceptMessageTypes: ACCEPTED_MESSAGE_TYPES }],
        };
      }),
      Heartbeat: unary(() => ({ status: OK_STATUS })),
      NotifyClientTermination: unary(() => ({ status: OK_STATUS })),
      SendMessage: unary<SendMessageRequest>((request) => ({
        status: OK_STATUS,
        entries: request.messages.map((message) => ({ status: OK_STATUS, messageId: message.systemProperties?.messageId ?? '', transactionId: '', offset: this.offset++, recallHandle: '' })),
      })),
      Telemetry: (stream: grpc.ServerDuplexStream<TelemetryCommand, unknown>) => {
        const clientId = clientIdOf(stream.metadata);
        const session: { readonly stream: typeof stream; reply: Record<string, unknown> | undefined } = { stream, reply: undefined };
        this.sessions.set(clientId, session);
        stream.on('data', (command: TelemetryCommand) => {
          if (command.command !== 'settings' || !command.settings) return;
          // A producer's Settings, answered exactly as the proxy answers them.
          session.reply = { status: OK_STATUS, settings: settingsReply(command.settings, undefined) };
          stream.write(session.reply);
        });
        const forget = () => {
          if (this.sessions.get(clientId) === session) this.sessions.delete(clientId);
        };
        stream.on('end', () => {
          forget();
          stream.end();
        });
        stream.on('error', forget);
        stream.on('cancelled', forget);
      },
    };
  }
}
