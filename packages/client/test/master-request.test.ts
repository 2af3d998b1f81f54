import { FrameKind, NoAnswerError, ResponseCode, type Frame, type GroupRoute } from '@raftmq/protocol';
import { describe, expect, it } from 'vitest';
import { RouteTable } from '../src/index.js';
import { requestAtMaster } from '../src/master-request.js';

const topic = 'orders';
const brokerName = 'broker-a';
const master = 'ws://127.0.0.1:1';
const otherReplica = 'ws://127.0.0.1:2';
const group: GroupRoute = { brokerName, leader: { replicaId: 'n1', address: master, term: 1 }, replicas: [], readQueues: 1, writeQueues: 1, perm: 6 };

function frame(code: number, headers: Record<string, unknown> = {}): Frame {
  return { id: 1, kind: FrameKind.Response, code, headers, body: null };
}

/** A route naming `master`, and a send that answers from `script` in turn, recording where each attempt went. */
function scripted(script: readonly (Frame | Error)[]) {
  const routes = new RouteTable({ getRoute: async () => ({ topic, groups: [group] }) }, 60_000);
  const attempts: string[] = [];
  let next = 0;
  const send = async (address: string): Promise<Frame> => {
    attempts.push(address);
    const step = script[Math.min(next++, script.length - 1)] as Frame | Error;
    if (step instanceof Error) throw step;
    return step;
  };
  return { routes, attempts, send };
}

describe('a repeatable request at a group\'s master (requestAtMaster)', () => {
  it('follows a NOT_LEADER hint to the replica it names, and answers with what that one says', async () => {
    const { routes, attempts, send } = scripted([frame(ResponseCode.NotLeader, { leaderAddress: otherReplica }), frame(ResponseCode.Success)]);
    const outcome = await requestAtMaster({ routes, topic, brokerName, timeoutMs: 5_000, send });
    routes.close();
    expect(attempts).toEqual([master, otherReplica]);
    expect([outcome.frame?.code, outcome.address, outcome.mayHaveTakenEffect]).toEqual([ResponseCode.Success, otherReplica, false]);
  });

  it('says an attempt may have taken effect when one left without an answer before the one that answered', async () => {
    const { routes, send } = scripted([new NoAnswerError('timed out'), frame(ResponseCode.QueryNotFound)]);
    const outcome = await requestAtMaster({ routes, topic, brokerName, timeoutMs: 5_000, send });
    routes.close();
    expect([outcome.frame?.code, outcome.mayHaveTakenEffect]).toEqual([ResponseCode.QueryNotFound, true]);
  });

  it('tries again while the group is busy, and gives up at its deadline with no answer and the last problem', async () => {
    const { routes, attempts, send } = scripted([frame(ResponseCode.SystemBusy)]);
    const outcome = await requestAtMaster({ routes, topic, brokerName, timeoutMs: 300, send });
    routes.close();
    expect(attempts.length).toBeGreaterThan(1);
    expect(outcome.frame).toBeUndefined();
    expect(outcome.mayHaveTakenEffect).toBe(false);
    expect(String(outcome.lastProblem)).toMatch(/SYSTEM_BUSY/);
  });
});
