import { messaging } from '@raftmq/protocol';
import type { ClientRegistry, ClientSession, ClientType, ConsumerGroupSettings, SubscriptionEntry } from './client-registry.js';
import { ProxyConfigError, TooManyClientsError } from './errors.js';

/** Clients the proxy keeps sessions for; a Heartbeat or Telemetry beyond this is refused. */
export const clientSessionsMax = 10_000;
/** A client unheard of for this long is forgotten (the official clients heartbeat every 10 s). */
export const clientSessionIdleMs = 120_000;
/** The official clients' own request timeout before their Settings arrive. */
export const clientRequestTimeoutMsDefault = 3_000;
/** After a QueryRoute answer, when the client's Settings go again (resendSettingsAfterRoute): long after the client handled the route. */
export const settingsResendDelayMs = 200;

/** RocketMQ's subscription group defaults: 16 retries after the first delivery, 1 s to 1 min back-off. */
export const consumerGroupSettingsDefault: ConsumerGroupSettings = {
  fifo: false,
  maxDeliveryAttempts: messaging.maxReconsumeTimesDefault + 1,
  receiveBatchSize: 32,
  longPollingTimeoutMs: 20_000,
  redeliveryBackoff: { initialMs: 1_000, maxMs: 60_000, multiplier: 2 },
};

/** Per consumer group, what differs from consumerGroupSettingsDefault. */
export type ConsumerGroupOptions = Readonly<Record<string, Partial<ConsumerGroupSettings>>>;

/** A client's open Telemetry stream: write a TelemetryCommand (as the proto loader takes it) to it, or end it. */
export interface TelemetryStream {
  write(command: Record<string, unknown>): void;
  end(): void;
}

interface MutableSession {
  clientId: string;
  clientType: ClientType;
  consumerGroup: string | undefined;
  publishingTopics: readonly string[];
  subscriptions: readonly SubscriptionEntry[];
  requestTimeoutMs: number;
  clientLongPollingTimeoutMs: number | undefined;
  lastSeenMs: number;
  streams: Set<TelemetryStream>;
  settingsReply: Record<string, unknown> | undefined;
}

/** What a client's Heartbeat or Settings told the proxy. */
export interface ClientDescription {
  readonly clientType?: ClientType;
  readonly consumerGroup?: string;
  readonly publishingTopics?: readonly string[];
  readonly subscriptions?: readonly SubscriptionEntry[];
  readonly requestTimeoutMs?: number;
  readonly clientLongPollingTimeoutMs?: number;
}

/** The registry behind context.clients: the session handlers write it, every other handler reads it. */
export class ClientSessions implements ClientRegistry {
  private readonly sessions = new Map<string, MutableSession>();
  private readonly goneListeners = new Set<(clientId: string) => void>();
  private readonly groupSettings = new Map<string, ConsumerGroupSettings>();

  constructor(
    consumerGroups: ConsumerGroupOptions = {},
    private readonly now: () => number = Date.now,
    /** Runs `task` after `delayMs`; the timer never keeps the process alive. */
    private readonly schedule: (task: () => void, delayMs: number) => void = (task, delayMs) => void setTimeout(task, delayMs).unref(),
  ) {
    for (const [group, partial] of Object.entries(consumerGroups)) {
      const settings = { ...consumerGroupSettingsDefault, ...partial };
      if (!(Number.isInteger(settings.maxDeliveryAttempts) && settings.maxDeliveryAttempts >= 1)) throw new ProxyConfigError(`consumerGroups.${group}.maxDeliveryAttempts`, 'must be an integer >= 1');
      if (!(Number.isInteger(settings.receiveBatchSize) && settings.receiveBatchSize >= 1 && settings.receiveBatchSize <= messaging.pullMessagesMax)) throw new ProxyConfigError(`consumerGroups.${group}.receiveBatchSize`, `must be an integer in [1, ${messaging.pullMessagesMax}]`);
      if (!(settings.longPollingTimeoutMs >= 0 && settings.longPollingTimeoutMs <= messaging.pullSuspendTimeoutMsMax)) throw new ProxyConfigError(`consumerGroups.${group}.longPollingTimeoutMs`, `must be in [0, ${messaging.pullSuspendTimeoutMsMax}]`);
      this.groupSettings.set(group, settings);
    }
  }

  get(clientId: string): ClientSession | undefined {
    const session = this.sessions.get(clientId);
    return session === undefined ? undefined : snapshot(session);
  }

  all(): readonly ClientSession[] {
    return [...this.sessions.values()].map(snapshot);
  }

  consumersOf(consumerGroup: string): readonly ClientSession[] {
    return [...this.sessions.values()].filter((session) => session.consumerGroup === consumerGroup).map(snapshot);
  }

  consumerGroupSettings(consumerGroup: string): ConsumerGroupSettings {
    return this.groupSettings.get(consumerGroup) ?? consumerGroupSettingsDefault;
  }

  onClientGone(listener: (clientId: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /** Records what a Heartbeat or Settings said; creates the session on first contact. */
  describe(clientId: string, description: ClientDescription): ClientSession {
    this.expireIdle();
    let session = this.sessions.get(clientId);
    if (session === undefined) {
      if (this.sessions.size >= clientSessionsMax) throw new TooManyClientsError(clientSessionsMax);
      session = {
        clientId,
        clientType: 'CLIENT_TYPE_UNSPECIFIED',
        consumerGroup: undefined,
        publishingTopics: [],
        subscriptions: [],
        requestTimeoutMs: clientRequestTimeoutMsDefault,
        clientLongPollingTimeoutMs: undefined,
        lastSeenMs: this.now(),
        streams: new Set(),
        settingsReply: undefined,
      };
      this.sessions.set(clientId, session);
    }
    session.lastSeenMs = this.now();
    if (description.clientType !== undefined && description.clientType !== 'CLIENT_TYPE_UNSPECIFIED') session.clientType = description.clientType;
    if (description.consumerGroup !== undefined && description.consumerGroup !== '') session.consumerGroup = description.consumerGroup;
    if (description.publishingTopics !== undefined) session.publishingTopics = [...description.publishingTopics];
    if (description.subscriptions !== undefined) session.subscriptions = [...description.subscriptions];
    if (description.requestTimeoutMs !== undefined && description.requestTimeoutMs > 0) session.requestTimeoutMs = description.requestTimeoutMs;
    if (description.clientLongPollingTimeoutMs !== undefined && description.clientLongPollingTimeoutMs > 0) session.clientLongPollingTimeoutMs = description.clientLongPollingTimeoutMs;
    return snapshot(session);
  }

  /** Attaches an open Telemetry stream; returns the function that detaches it when the stream ends. */
  attachTelemetry(clientId: string, stream: TelemetryStream): () => void {
    this.describe(clientId, {});
    const session = this.sessions.get(clientId);
    session?.streams.add(stream);
    return () => session?.streams.delete(stream);
  }

  /**
   * Writes a command to one of the client's open Telemetry streams (the
   * transaction check-back's way to the client); false when it has none.
   */
  sendCommand(clientId: string, command: Record<string, unknown>): boolean {
    const stream = this.sessions.get(clientId)?.streams.values().next().value;
    if (stream === undefined) return false;
    stream.write(command);
    return true;
  }

  /** Remembers the Settings command last sent to the client, for resendSettings. */
  rememberSettingsReply(clientId: string, command: Record<string, unknown>): void {
    const session = this.sessions.get(clientId);
    if (session !== undefined) session.settingsReply = command;
  }

  /**
   * Sends the client its Settings again, when it has been sent them once.
   * The Node.js client 1.0.8 only takes a Settings that arrives after it
   * fetched every topic's route at startup, so the proxy repeats them after
   * each QueryRoute it answers (see route-handlers.ts); taking them again
   * changes nothing for any client.
   */
  resendSettings(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session?.settingsReply !== undefined) this.sendCommand(clientId, session.settingsReply);
  }

  /**
   * After a QueryRoute answer: the Settings at once, and again
   * settingsResendDelayMs later. The one sent at once can reach the client in
   * the same read as the route, before the client, which fetches its
   * topics' routes one by one, starts waiting for Settings: it drops it,
   * and with two topics or more its startup then waited for its next route
   * poll (30 s).
   */
  resendSettingsAfterRoute(clientId: string): void {
    this.resendSettings(clientId);
    this.schedule(() => this.resendSettings(clientId), settingsResendDelayMs);
  }

  /** Ends every open Telemetry stream (the proxy is stopping: the clients reconnect elsewhere or later). */
  endAllStreams(): void {
    for (const session of this.sessions.values()) {
      for (const stream of session.streams) stream.end();
      session.streams.clear();
    }
  }

  /** The client said goodbye (NotifyClientTermination). */
  terminate(clientId: string): void {
    if (!this.sessions.delete(clientId)) return;
    for (const listener of this.goneListeners) listener(clientId);
  }

  /** Forgets clients unheard of for clientSessionIdleMs that hold no Telemetry stream. */
  expireIdle(): void {
    const cutoff = this.now() - clientSessionIdleMs;
    for (const session of this.sessions.values()) {
      if (session.lastSeenMs < cutoff && session.streams.size === 0) this.terminate(session.clientId);
    }
  }
}

function snapshot(session: MutableSession): ClientSession {
  return {
    clientId: session.clientId,
    clientType: session.clientType,
    consumerGroup: session.consumerGroup,
    publishingTopics: session.publishingTopics,
    subscriptions: session.subscriptions,
    requestTimeoutMs: session.requestTimeoutMs,
    clientLongPollingTimeoutMs: session.clientLongPollingTimeoutMs,
    lastSeenMs: session.lastSeenMs,
    connected: session.streams.size > 0,
  };
}
