import { describe, expect, it } from 'vitest';
import { ProposalLostError } from '../../src/errors.js';
import { ProposalWaiters } from '../../src/node/proposal-waiters.js';

const entry = (index: number, term: number) => ({ index, term, type: 0, data: new Uint8Array() });
const farMs = Number.MAX_SAFE_INTEGER;

describe('ProposalWaiters', () => {
  it('settles a proposal as committed only when its index is applied with its own term', async () => {
    const waiters = new ProposalWaiters(4);
    const kept = waiters.wait({ firstIndex: 5, lastIndex: 5, term: 2 }, farMs);
    const replaced = waiters.wait({ firstIndex: 6, lastIndex: 6, term: 2 }, farMs);
    waiters.applied([entry(5, 2), entry(6, 3)]);
    await expect(kept).resolves.toMatchObject({ lastIndex: 5, term: 2 });
    await expect(replaced).rejects.toBeInstanceOf(ProposalLostError);
    expect(waiters.size).toBe(0);
  });

  it('settles a replaced proposal as committed under the ignore-term negative control', async () => {
    const waiters = new ProposalWaiters(4, true);
    const replaced = waiters.wait({ firstIndex: 6, lastIndex: 6, term: 2 }, farMs);
    waiters.applied([entry(6, 3)]);
    await expect(replaced).resolves.toMatchObject({ lastIndex: 6, term: 2 });
  });
});
