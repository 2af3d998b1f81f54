import { randomBytes } from 'node:crypto';
import type { LedgerClient } from '@raftmq/ledger';
import type { FailoverSystem } from '../election/types.js';
import type { RaftmqGroup } from './group.js';

/** Entries of the election trials: small, the figure is the election's. */
const ELECTION_ENTRY_BYTES = 128;

/**
 * RaftMQ under the election trials: writes are LedgerClient.append through
 * one client, kept across trials (connected to the leader before each kill,
 * as a client in use is). Its leaderWaitMs is 1 ms, so one attempt is one
 * try at one replica (following a NOT_LEADER hint at once, as the client
 * does); the trial loop does the retrying, for both systems alike.
 */
export function raftmqFailoverSystem(group: RaftmqGroup, attemptTimeoutMs: number): FailoverSystem & { close(): void } {
  const client: LedgerClient = group.group.client({ leaderWaitMs: 1, requestTimeoutMs: attemptTimeoutMs });
  const body = randomBytes(ELECTION_ENTRY_BYTES);
  return {
    system: 'RaftMQ',
    waitHealthy: (timeoutMs) => group.waitHealthy(timeoutMs),
    leader: () => group.leader(),
    write: async () => {
      await client.append(body);
    },
    kill: (member) => group.kill(member),
    restart: (member) => group.restart(member),
    close: () => client.close(),
  };
}
