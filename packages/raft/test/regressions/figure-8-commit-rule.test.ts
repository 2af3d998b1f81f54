import { describe, expect, it } from 'vitest';
import type { UnsafeSwitches } from '../../src/testing.js';
import { TestCluster } from '../cluster.js';
import { appendUpTo, appliedConflicts, isAppend, letElectionTimeoutPass } from './helpers.js';

/*
 * Raft paper §5.4.2, Figure 8: a leader that commits an entry of an earlier term
 * because it sits on a majority can see it overwritten by a later leader.
 *
 * The five founding entries (index 1..5, term 1) are the figure's index 1. Each
 * leader here opens its term with an empty entry, so the figure's single entry
 * per term is our pair (empty entry, value): figure index 2 is our 6..7, and the
 * term-4 entry S1 holds alone in (c) is its opening empty entry at 8.
 */
const nodes = ['S1', 'S2', 'S3', 'S4', 'S5'];
/** Where the value of term 2 ("term-2") and then of term 3 ("term-3") sits. */
const contestedIndex = 7;

interface Figure8Outcome {
  readonly cluster: TestCluster;
  /** S1's commit index once the term-2 entry sat on a majority in (c), just before it crashed. */
  readonly commitOfS1InTerm4: number;
}

function runFigure8(unsafe: UnsafeSwitches): Figure8Outcome {
  const cluster = new TestCluster(nodes, { unsafe });

  // (a) S1 leads term 2; its entries reach S2 only.
  cluster.core('S1').campaign();
  cluster.stabilizeHolding((message) => isAppend(message) && message.to !== 'S2');
  cluster.propose('S1', 'term-2');
  cluster.stabilizeHolding((message) => isAppend(message) && message.to !== 'S2');
  expect(cluster.core('S1').term).toBe(2);
  expect(cluster.core('S2').lastIndex).toBe(contestedIndex);

  // (b) S1 crashes; S5 leads term 3 with S3 and S4 and takes a different value at the same index, which reaches nobody.
  cluster.crash('S1');
  cluster.core('S5').campaign();
  cluster.stabilizeHolding(isAppend);
  expect(cluster.leaders()).toEqual(['S5']);
  expect(cluster.core('S5').term).toBe(3);
  cluster.propose('S5', 'term-3');
  cluster.stabilizeHolding(isAppend);

  // (c) S5 crashes; S1 restarts and leads term 4. S3 and S4 voted in term 3, so its first try only teaches it that term.
  cluster.crash('S5');
  cluster.restart('S1');
  cluster.core('S1').campaign();
  cluster.stabilizeHolding(isAppend);
  expect(cluster.core('S1').role).toBe('follower');
  expect(cluster.core('S1').term).toBe(3);
  cluster.core('S1').campaign();
  const opening = cluster.stabilizeHolding(isAppend);
  expect(cluster.leaders()).toEqual(['S1']);
  expect(cluster.core('S1').term).toBe(4);

  // S1 carries the term-2 entry to S3, so it sits on S1, S2 and S3, while the term-4 entry stays on S1 alone, as
  // in the figure: the Appends are delivered cut short before index 8, as a leader with a smaller batch limit sends them.
  for (const message of opening) {
    if (!isAppend(message)) continue;
    if (message.to === 'S2') cluster.deliver(appendUpTo(message, contestedIndex)); // S2 already holds 6..7: it only confirms them
    if (message.to === 'S3') cluster.deliver(message); // S3 lacks 6..7: it refuses, and S1 backs up
  }
  for (const message of cluster.stabilizeHolding(isAppend)) {
    if (isAppend(message) && message.to === 'S3') cluster.deliver(appendUpTo(message, contestedIndex));
  }
  cluster.stabilizeHolding(isAppend);
  for (const id of ['S1', 'S2', 'S3']) expect(cluster.node(id).log.term(contestedIndex), id).toBe(2);
  for (const id of ['S2', 'S3']) expect(cluster.node(id).log.lastIndex(), id).toBe(contestedIndex);
  expect(cluster.node('S1').log.term(contestedIndex + 1)).toBe(4);
  const commitOfS1InTerm4 = cluster.core('S1').commitIndex;

  // (d) S1 crashes; S5 restarts and is elected with S2, S3 and S4, its last term (3) beating theirs (2).
  cluster.crash('S1');
  cluster.restart('S5');
  letElectionTimeoutPass(cluster, ['S2', 'S3', 'S4']);
  // S3 and S4 voted for S1 in term 4: the first attempt only brings S5 to that term.
  cluster.core('S5').campaign();
  cluster.stabilize();
  expect(cluster.core('S5').term).toBe(4);
  cluster.core('S5').campaign();
  cluster.stabilize();
  expect(cluster.leaders()).toEqual(['S5']);
  expect(cluster.core('S5').term).toBe(5);
  cluster.propose('S5', 'term-5');
  cluster.stabilize();
  return { cluster, commitOfS1InTerm4 };
}

describe('Raft §5.4.2 Figure 8: no commit of an earlier term by counting replicas', () => {
  it('leaves the term-2 entry uncommitted on a majority, so S5 may replace it and every node applies the same values', () => {
    const { cluster, commitOfS1InTerm4 } = runFigure8({});
    // On S1, S2 and S3 but of term 2: S1 must wait for an entry of term 4 to commit it.
    expect(commitOfS1InTerm4).toBeLessThan(contestedIndex);

    cluster.restart('S1');
    cluster.tickAll(10);
    expect(appliedConflicts(cluster)).toEqual([]);
    for (const id of nodes) {
      expect(cluster.appliedValues(id)).toEqual(['term-3', 'term-5']);
      expect(cluster.node(id).applied[0]?.index).toBe(contestedIndex);
    }
    expect(cluster.termsWithSeveralLeaders()).toEqual([]);
  });

  it('shows the rule is load-bearing: counting replicas commits and applies the term-2 value, which S5 then overwrites', () => {
    const { cluster, commitOfS1InTerm4 } = runFigure8({ commitEarlierTermByCount: true });
    expect(commitOfS1InTerm4).toBe(contestedIndex);
    expect(cluster.appliedValues('S1')).toEqual(['term-2']);
    expect(cluster.appliedValues('S2')).toEqual(['term-3', 'term-5']);
    expect(appliedConflicts(cluster)).toContain(`index ${contestedIndex}: S1 applied term-2, S2 applied term-3`);
  });
});
