import { MessageType, type AppendMessage, type Message } from '../../src/index.js';
import type { TestCluster } from '../cluster.js';

export function isAppend(message: Message): message is AppendMessage {
  return message.type === MessageType.Append;
}

/**
 * The same Append with the entries after `lastIndex` left out: what a leader
 * with a smaller batch limit would have sent, since every prefix of a valid
 * Append is itself a valid Append.
 */
export function appendUpTo(message: AppendMessage, lastIndex: number): AppendMessage {
  return { ...message, entries: message.entries.filter((entry) => entry.index <= lastIndex) };
}

/**
 * Lets an election timeout and more pass on `ids` while everything they send is
 * lost: they forget the leader they followed, so its lease no longer makes them
 * ignore candidates. Their terms do not move, since PreVote campaigns do not bump them.
 */
export function letElectionTimeoutPass(cluster: TestCluster, ids: readonly string[]): void {
  const ticks = cluster.core(ids[0] as string).config.electionTimeoutTicksMax + 1;
  const elsewhere = cluster.takeInFlight();
  for (const id of ids) cluster.tick(id, ticks);
  cluster.inFlight = elsewhere;
}

/** Delivers until nothing is in flight, like stabilize, and returns every message delivered or dropped, in order. */
export function stabilizeRecording(cluster: TestCluster): Message[] {
  const sent: Message[] = [];
  cluster.stabilizeHolding((message) => {
    sent.push(message);
    return false;
  });
  return sent;
}

/** Ticks only the nodes named, delivering after each round: the others' clocks stand still. */
export function tickOnly(cluster: TestCluster, ids: readonly string[], ticks: number): void {
  for (let count = 0; count < ticks; count++) {
    for (const id of ids) cluster.tick(id);
    cluster.stabilize();
  }
}

/**
 * State machine safety (Raft §5.4.3): two nodes never apply different values at
 * the same index. Returns one line per disagreement.
 */
export function appliedConflicts(cluster: TestCluster): string[] {
  const valueAt = new Map<number, { id: string; value: string }>();
  const conflicts: string[] = [];
  for (const [id, node] of cluster.nodes) {
    for (const entry of node.applied) {
      const value = new TextDecoder().decode(entry.data);
      const seen = valueAt.get(entry.index);
      if (seen === undefined) valueAt.set(entry.index, { id, value });
      else if (seen.value !== value) conflicts.push(`index ${entry.index}: ${seen.id} applied ${seen.value}, ${id} applied ${value}`);
    }
  }
  return conflicts;
}

/** Checks after every flush that no node's commit index runs past its last entry; returns the violations seen. */
export function watchCommitWithinLog(cluster: TestCluster): string[] {
  const violations: string[] = [];
  cluster.afterFlush.push((id, node) => {
    if (node.core.commitIndex > node.core.lastIndex) {
      violations.push(`${id}: commit ${node.core.commitIndex} beyond last index ${node.core.lastIndex}`);
    }
  });
  return violations;
}

/** The single leader among the nodes named; fails the test when there is none or several. */
export function soleLeaderAmong(cluster: TestCluster, ids: readonly string[]): string {
  const leaders = cluster.leaders().filter((id) => ids.includes(id));
  if (leaders.length !== 1) throw new Error(`expected one leader among ${ids.join(', ')}, found ${leaders.length}`);
  return leaders[0] as string;
}
