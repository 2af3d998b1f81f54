import { describe, expect, it } from 'vitest';
import { peerDialAddress } from '../src/replica-parts.js';

describe('where a replica dials its peers from', () => {
  it('is its listen address only for loopback addresses the kernel would not pick itself', () => {
    expect(peerDialAddress('127.0.0.3')).toBe('127.0.0.3');
    expect(peerDialAddress('127.0.0.1')).toBeUndefined();
    expect(peerDialAddress('0.0.0.0')).toBeUndefined();
    expect(peerDialAddress('10.0.0.5')).toBeUndefined();
    expect(peerDialAddress('localhost')).toBeUndefined();
  });
});
