/** What one run did, for summaries; counts unless the name says otherwise. */
export interface SimulationStats {
  simulatedMs: number;
  events: number;
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  /** Terms in which some node became leader. */
  elections: number;
  crashes: number;
  wipes: number;
  restarts: number;
  pauses: number;
  partitions: number;
  transfers: number;
  replacements: number;
  membershipChanges: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  proposals: number;
  acknowledged: number;
  lost: number;
  reads: number;
  readsServed: number;
  /** From the heal to the end of the liveness phase; -1 when it never ended. */
  livenessMs: number;
}

export function emptySimulationStats(): SimulationStats {
  return {
    simulatedMs: 0,
    events: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    messagesDropped: 0,
    elections: 0,
    crashes: 0,
    wipes: 0,
    restarts: 0,
    pauses: 0,
    partitions: 0,
    transfers: 0,
    replacements: 0,
    membershipChanges: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    proposals: 0,
    acknowledged: 0,
    lost: 0,
    reads: 0,
    readsServed: 0,
    livenessMs: -1,
  };
}
