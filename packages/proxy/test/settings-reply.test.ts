import { messageSizeBytesMax } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { ClientSessions, consumerGroupSettingsDefault, settingsResendDelayMs } from '../src/client-sessions.js';
import { describeSettings, settingsReply } from '../src/settings-reply.js';
import type { Settings } from '../src/wire-types.js';

const accessPoint = { scheme: 'IPv4' as const, addresses: [{ host: '127.0.0.1', port: 8081 }] };

describe('settingsReply: the Settings the official clients wait for at startup', () => {
  it('gives a producer the body limit and an exponential back-off (the Node.js client asserts that strategy)', () => {
    const settings: Settings = { clientType: 'PRODUCER', accessPoint, requestTimeout: { seconds: 3, nanos: 0 }, publishing: { topics: [{ resourceNamespace: '', name: 'orders' }], maxBodySize: 0, validateMessageType: true } };
    const reply = settingsReply(settings, undefined);
    expect(reply.publishing).toEqual({ topics: [{ resourceNamespace: '', name: 'orders' }], maxBodySize: messageSizeBytesMax, validateMessageType: true });
    expect(reply.backoffPolicy?.exponentialBackoff).toBeTruthy();
    expect(reply.backoffPolicy?.maxAttempts).toBe(3);
    expect(reply.requestTimeout).toEqual({ seconds: 3, nanos: 0 });
  });

  it("gives a consumer its group's FIFO flag, batch size, long-polling timeout and max delivery attempts", () => {
    const sessions = new ClientSessions({ fifoGroup: { fifo: true, maxDeliveryAttempts: 5, receiveBatchSize: 8, longPollingTimeoutMs: 15_000 } });
    const settings: Settings = {
      clientType: 'PUSH_CONSUMER',
      accessPoint,
      subscription: { group: { resourceNamespace: '', name: 'fifoGroup' }, subscriptions: [{ topic: { resourceNamespace: '', name: 'orders' }, expression: { type: 'TAG', expression: 'a || b' } }] },
    };
    const reply = settingsReply(settings, sessions.consumerGroupSettings('fifoGroup'));
    expect(reply.subscription).toMatchObject({ fifo: true, receiveBatchSize: 8, longPollingTimeout: { seconds: 15, nanos: 0 } });
    expect(reply.backoffPolicy?.maxAttempts).toBe(5);
    expect(sessions.consumerGroupSettings('other')).toBe(consumerGroupSettingsDefault);
  });

  it('records what a client declared in the registry', () => {
    const sessions = new ClientSessions();
    const settings: Settings = {
      clientType: 'SIMPLE_CONSUMER',
      requestTimeout: { seconds: 5, nanos: 0 },
      subscription: { group: { resourceNamespace: '', name: 'readers' }, subscriptions: [{ topic: { resourceNamespace: '', name: 'orders' }, expression: { type: 'TAG', expression: '*' } }], longPollingTimeout: { seconds: 30, nanos: 0 } },
    };
    sessions.describe('client-1', describeSettings(settings));
    expect(sessions.get('client-1')).toMatchObject({ clientType: 'SIMPLE_CONSUMER', consumerGroup: 'readers', requestTimeoutMs: 5_000, clientLongPollingTimeoutMs: 30_000, subscriptions: [{ topic: 'orders', filterType: 'TAG', expression: '*' }], connected: false });
    expect(sessions.consumersOf('readers').map((session) => session.clientId)).toEqual(['client-1']);
    const gone: string[] = [];
    sessions.onClientGone((clientId) => gone.push(clientId));
    sessions.terminate('client-1');
    expect(gone).toEqual(['client-1']);
    expect(sessions.get('client-1')).toBeUndefined();
  });
});

describe('resendSettingsAfterRoute: the Node.js client takes Settings only once every route is in', () => {
  it('sends the remembered Settings at once and again a moment later, when the client waits for them', () => {
    const scheduled: { readonly task: () => void; readonly delayMs: number }[] = [];
    const sessions = new ClientSessions({}, Date.now, (task, delayMs) => scheduled.push({ task, delayMs }));
    const written: Record<string, unknown>[] = [];
    sessions.attachTelemetry('client-1', { write: (command) => written.push(command), end: () => undefined });
    const reply = { status: { code: 'OK', message: '' }, settings: { clientType: 'PRODUCER' } };
    sessions.rememberSettingsReply('client-1', reply);

    sessions.resendSettingsAfterRoute('client-1');
    expect(written).toEqual([reply]);
    expect(scheduled.map((each) => each.delayMs)).toEqual([settingsResendDelayMs]);
    scheduled[0]?.task();
    expect(written).toEqual([reply, reply]);
  });

  it('sends nothing to a client that never sent its Settings, or is gone', () => {
    const scheduled: (() => void)[] = [];
    const sessions = new ClientSessions({}, Date.now, (task) => scheduled.push(task));
    const written: Record<string, unknown>[] = [];
    sessions.attachTelemetry('client-1', { write: (command) => written.push(command), end: () => undefined });
    sessions.resendSettingsAfterRoute('client-1');
    sessions.rememberSettingsReply('client-1', { settings: {} });
    sessions.terminate('client-1');
    for (const task of scheduled) task();
    expect(written).toEqual([]);
  });
});
