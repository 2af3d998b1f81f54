import { describe, expect, it } from 'vitest';
import { ConfigError, WsTransport, parseTransportOptions, type WsTransportOptionsInput } from '../../src/index.js';
import {
  coalescedFrameBytesMaxDefault,
  frameBytesMaxDefault,
  handshakeTimeoutMsDefault,
  peerBufferedBytesMaxDefault,
  reconnectDelayMsMaxDefault,
  reconnectDelayMsMinDefault,
} from '../../src/transport/transport-options.js';
import { secret } from './helpers.js';

const valid: WsTransportOptionsInput = { selfId: 'a', listen: { host: '127.0.0.1', port: 0 }, peers: { b: 'ws://127.0.0.1:7102' }, secret };

function fieldOf(input: unknown): string {
  try {
    new WsTransport(input as WsTransportOptionsInput);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('WsTransport options', () => {
  it('fills in the documented defaults', () => {
    const options = parseTransportOptions(valid);
    expect(options.frameBytesMax).toBe(frameBytesMaxDefault);
    expect(frameBytesMaxDefault).toBe(64 * 1024 * 1024);
    expect(options.coalescedFrameBytesMax).toBe(coalescedFrameBytesMaxDefault);
    expect(options.peerBufferedBytesMax).toBe(peerBufferedBytesMaxDefault);
    expect(options.reconnectDelayMsMin).toBe(reconnectDelayMsMinDefault);
    expect(options.reconnectDelayMsMax).toBe(reconnectDelayMsMaxDefault);
    expect(options.handshakeTimeoutMs).toBe(handshakeTimeoutMsDefault);
    // A small frame limit pulls the coalescing bound down with it rather than failing.
    expect(parseTransportOptions({ ...valid, frameBytesMax: 4096 }).coalescedFrameBytesMax).toBe(4096);
  });

  it('names the field that is wrong', () => {
    expect(fieldOf({ ...valid, selfId: '' })).toBe('selfId');
    expect(fieldOf({ ...valid, listen: { host: '127.0.0.1', port: 70_000 } })).toBe('listen.port');
    expect(fieldOf({ ...valid, listen: { host: '', port: 0 } })).toBe('listen.host');
    expect(fieldOf({ ...valid, peers: { b: 'http://127.0.0.1:1' } })).toBe('peers.b');
    expect(fieldOf({ ...valid, peers: { b: 'not a url' } })).toBe('peers.b');
    expect(fieldOf({ ...valid, secret: 'short' })).toBe('secret');
    expect(fieldOf({ ...valid, frameBytesMax: 0 })).toBe('frameBytesMax');
    expect(fieldOf({ ...valid, frameBytesMax: 1.5 })).toBe('frameBytesMax');
    expect(fieldOf({ ...valid, reconnectDelayMsMin: 500, reconnectDelayMsMax: 100 })).toBe('reconnectDelayMsMax');
    expect(fieldOf({ ...valid, frameBytesMax: 4096, coalescedFrameBytesMax: 8192 })).toBe('coalescedFrameBytesMax');
    expect(fieldOf({ ...valid, handshakeTimeoutMs: -1 })).toBe('handshakeTimeoutMs');
    expect(fieldOf({ ...valid, logger: { info() {} } })).toBe('logger');
  });

  it('refuses settings it does not know, so a typo is not silently ignored', () => {
    expect(fieldOf({ ...valid, frameBytesMaximum: 1 })).toBe('frameBytesMaximum');
    expect(fieldOf({ ...valid, listen: { host: '127.0.0.1', port: 0, backlog: 5 } })).toBe('listen.backlog');
  });

  it('takes only an IP address as the local address of its dials', () => {
    expect(fieldOf({ ...valid, localAddress: 'localhost' })).toBe('localAddress');
    expect(() => parseTransportOptions({ ...valid, localAddress: '127.0.0.2' })).not.toThrow();
  });

  it('lets every node share one peer map that names itself', () => {
    expect(() => new WsTransport({ ...valid, peers: { a: 'ws://127.0.0.1:7101', b: 'ws://127.0.0.1:7102' } })).not.toThrow();
  });
});
