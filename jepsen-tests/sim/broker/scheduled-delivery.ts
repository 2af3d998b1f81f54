import type { SeededRandom } from '../random.js';

/**
 * The delay levels of simulated sends, in milliseconds: RocketMQ's table
 * (messaging.messageDelayLevelsMs, 1 s to 2 h) scaled to runs of a few
 * seconds of simulated time, so that sends come due during the faults and
 * across leader changes. Simulation only; the level is the real request
 * field, the table is what the simulated leader looks it up in.
 */
export const simulatedDelayLevelsMs: readonly number[] = [200, 500, 1_000, 2_000, 3_000];

/** Of the ordinary sends, those that are scheduled, in thousandths. */
export const scheduledSendPermille = 150;
/** Timer sends ask for a time this far around the producer's clock: some already past (delivered at once), most ahead. */
const timerOffsetMsMin = -1_000;
const timerOffsetMsMax = 3_000;

/** What a scheduled send asks for, as the request's delayLevel or deliverTimeMs header. */
export type ScheduleRequest = { readonly delayLevel: number } | { readonly deliverTimeMs: number };

/** Whether the next send is scheduled, and how (a delay level or a timer time on the producer's clock). */
export function drawSchedule(random: SeededRandom, nowMs: number): ScheduleRequest | undefined {
  if (!random.chance(scheduledSendPermille)) return undefined;
  if (random.chance(500)) return { delayLevel: random.nextInt(1, simulatedDelayLevelsMs.length) };
  return { deliverTimeMs: nowMs + random.nextInt(timerOffsetMsMin, timerOffsetMsMax) };
}

/**
 * When a scheduled send is due on the leader's clock, as the broker's
 * scheduledDelivery computes it (send-request.ts): a delay level from the
 * leader's now, a timer time as asked; undefined for an immediate send, a
 * timer time already past included. The limit on how far ahead a timer may
 * be (timerDelayMsMax, 3 days) is left out: simulated timers are seconds
 * ahead.
 */
export function scheduledDeliveryMs(schedule: ScheduleRequest | undefined, nowMs: number): number | undefined {
  if (schedule === undefined) return undefined;
  if ('delayLevel' in schedule) return nowMs + (simulatedDelayLevelsMs[schedule.delayLevel - 1] as number);
  return schedule.deliverTimeMs <= nowMs ? undefined : schedule.deliverTimeMs;
}
