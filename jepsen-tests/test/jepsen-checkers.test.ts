import { describe, expect, it } from 'vitest';
import { checkDoubleMasters } from '../checker/double-masters.js';
import { checkHistory } from '../checker/check-history.js';
import { parseHistory, serializeHistory, HistoryParseError, type HistoryOp } from '../checker/history.js';
import { checkQueueOrder } from '../checker/queue-order.js';
import { buildTimeline } from '../checker/timeline.js';
import { checkTotalQueue } from '../checker/total-queue.js';

let clock = 0;
const invoke = (value: string, process = 'producer-1'): HistoryOp => ({ type: 'invoke', f: 'send', process, value, timeMs: clock++ });
const sendOk = (value: string, queueId: number, queueOffset: number, process = 'producer-1'): HistoryOp => ({ type: 'ok', f: 'send', process, value, timeMs: clock++, queueId, queueOffset });
const sendFail = (value: string): HistoryOp => ({ type: 'fail', f: 'send', process: 'producer-1', value, timeMs: clock++, error: 'SendFailedError' });
const sendInfo = (value: string): HistoryOp => ({ type: 'info', f: 'send', process: 'producer-1', value, timeMs: clock++, error: 'SendOutcomeUnknownError' });
const receive = (value: string, queueId: number, queueOffset: number, process = 'consumer-1'): HistoryOp => ({ type: 'ok', f: 'receive', process, value, timeMs: clock++, queueId, queueOffset });

describe('total-queue checker', () => {
  it('passes a history where every acknowledged value is consumed once, and counts a redelivery of the same place as no duplicate', () => {
    const history = [invoke('v-0'), sendOk('v-0', 0, 0), invoke('v-1'), sendOk('v-1', 1, 0), receive('v-0', 0, 0), receive('v-1', 1, 0), receive('v-0', 0, 0, 'consumer-2')];
    const result = checkTotalQueue(history);
    expect(result.violations).toEqual([]);
    expect(result.counts).toMatchObject({ sent: 2, acknowledged: 2, consumed: 2, lost: 0, duplicated: 0, unexpected: 0 });
  });

  it('finds a lost value: acknowledged and never consumed', () => {
    const result = checkTotalQueue([invoke('v-0'), sendOk('v-0', 0, 0), invoke('v-1'), sendOk('v-1', 0, 1), receive('v-0', 0, 0)]);
    expect(result.counts.lost).toBe(1);
    expect(result.lostValues).toEqual(['v-1']);
    expect(result.violations.map((each) => each.checker)).toEqual(['total-queue/lost']);
  });

  it('finds unexpected values: never sent, or sent and refused', () => {
    const result = checkTotalQueue([invoke('v-0'), sendFail('v-0'), receive('v-0', 0, 0), receive('v-9', 0, 1)]);
    expect(result.counts.unexpected).toBe(2);
    expect(result.counts.failed).toBe(1);
  });

  it('finds a duplicate: one value consumed at two offsets, or acknowledged at one and consumed at another', () => {
    const consumedTwice = checkTotalQueue([invoke('v-0'), sendOk('v-0', 0, 0), receive('v-0', 0, 0), receive('v-0', 2, 5)]);
    expect(consumedTwice.counts.duplicated).toBe(1);
    const ackedElsewhere = checkTotalQueue([invoke('v-0'), sendOk('v-0', 0, 0), receive('v-0', 0, 3)]);
    expect(ackedElsewhere.counts.duplicated).toBe(1);
  });

  it('counts an unknown outcome later consumed as recovered, and one never consumed as no loss', () => {
    const result = checkTotalQueue([invoke('v-0'), sendInfo('v-0'), invoke('v-1'), sendInfo('v-1'), receive('v-0', 0, 0)]);
    expect(result.counts).toMatchObject({ unknown: 2, recovered: 1, lost: 0 });
    expect(result.violations).toEqual([]);
  });
});

describe('queue order checker', () => {
  it('passes growing offsets per queue within a session, and a new session starting over', () => {
    const result = checkQueueOrder([receive('v-0', 0, 0), receive('v-1', 1, 0), receive('v-2', 0, 1), receive('v-0', 0, 0, 'consumer-2')]);
    expect(result.violations).toEqual([]);
  });

  it('finds an offset going back within one session', () => {
    const result = checkQueueOrder([receive('v-0', 0, 0), receive('v-1', 0, 1), receive('v-0', 0, 0)]);
    expect(result.orderViolations).toBe(1);
  });

  it('finds an offset holding two values, whoever saw them', () => {
    const result = checkQueueOrder([sendOk('v-0', 0, 4), receive('v-1', 0, 4)]);
    expect(result.offsetViolations).toBe(1);
  });
});

describe('double-master checker', () => {
  it('passes one master per term, and flags two in one term', () => {
    const group = (term: number, leaderReplicaId: string | null) => ({ timeMs: clock++, groups: [{ brokerName: 'b', term, leaderReplicaId }] });
    expect(checkDoubleMasters([group(1, 'n1'), group(1, null), group(2, 'n2')]).doubleMasters).toBe(0);
    expect(checkDoubleMasters([group(1, 'n1'), group(1, 'n2')]).doubleMasters).toBe(1);
  });
});

describe('checkHistory, the timeline and the history file', () => {
  it('makes a run with any violation invalid', () => {
    expect(checkHistory([invoke('v-0'), sendOk('v-0', 0, 0), receive('v-0', 0, 0)], []).verdict).toBe('valid');
    const invalid = checkHistory([invoke('v-0'), sendOk('v-0', 0, 0)], []);
    expect(invalid.verdict).toBe('invalid');
    expect(invalid.counts.lost).toBe(1);
  });

  it('buckets outcomes and latency per second', () => {
    const history: HistoryOp[] = [
      { type: 'invoke', f: 'send', process: 'p', value: 'v-0', timeMs: 100 },
      { type: 'ok', f: 'send', process: 'p', value: 'v-0', timeMs: 110, queueId: 0, queueOffset: 0 },
      { type: 'invoke', f: 'send', process: 'p', value: 'v-1', timeMs: 900 },
      { type: 'info', f: 'send', process: 'p', value: 'v-1', timeMs: 1_500 },
      { type: 'ok', f: 'receive', process: 'c', value: 'v-0', timeMs: 1_600, queueId: 0, queueOffset: 0 },
    ];
    expect(buildTimeline(history)).toEqual([
      { second: 0, okSends: 1, failedSends: 0, unknownSends: 0, consumed: 0, sendLatencyP50Ms: 10, sendLatencyP99Ms: 10 },
      { second: 1, okSends: 0, failedSends: 0, unknownSends: 1, consumed: 1, sendLatencyP50Ms: null, sendLatencyP99Ms: null },
    ]);
  });

  it('round-trips history.jsonl and names the bad line', () => {
    const history = [invoke('v-0'), sendOk('v-0', 0, 0)];
    expect(parseHistory(serializeHistory(history))).toEqual(history);
    expect(() => parseHistory('{"type":"ok"}\n')).toThrow(HistoryParseError);
  });
});
