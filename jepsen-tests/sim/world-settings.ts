/** Settings of the simulated world shared by the seeded runs and the live demo. */

/** The simulated clock's tick, as a real driver would tick the core. */
export const tickUs = 10_000;

/** The core's timing as a real deployment runs it: heartbeats every 50 ms, elections after 150–300 ms of silence. */
export const coreTiming = { heartbeatIntervalTicks: 5, electionTimeoutTicksMin: 15, electionTimeoutTicksMax: 30 } as const;

/** Messages at most in flight on one link; more are lost, as from a full socket buffer. */
export const linkInFlightMessagesMax = 2_000;

/** Inbound messages at most held for a paused node. */
export const backlogMessagesMax = 2_000;
