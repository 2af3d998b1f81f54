import { randomBytes } from 'node:crypto';
import { Producer, producerInFlightSendsMax } from '@raftmq/client';
import type { LocalGroup } from '@raftmq/cli';
import type { FailoverSystem, MilestoneWatch, TrialLimits } from '../election/types.js';
import { RAFTMQ_BROKER_NAME, RAFTMQ_TOPIC } from '../messaging/raftmq.js';
import type { BrokerSetup } from '../messaging/raftmq.js';
import { ElectionWatch } from './election-watch.js';
import { RouteWatch } from './route-watch.js';
import { MILESTONE } from './types.js';

/** Messages of the failover trials: small, the figure is the failover's. */
const MESSAGE_BYTES = 128;
const HEALTH_POLL_MS = 20;

/** A failure to bring the group to health, naming what was not yet right. */
export class BrokerGroupNotHealthyError extends Error {
  override readonly name = 'BrokerGroupNotHealthyError';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The broker group under the failover trials. Sends go through one Producer
 * (routes from the NameServer, pushed), kept across trials so it is connected
 * to the master before each kill; its sendTimeoutMs is the attempt timeout,
 * so one attempt is one Producer.send with the client's own retries inside
 * it. Beside it, a RouteSubscription of the bench's own times the pushes, and
 * the replicas' status is polled for the new leader.
 */
export async function brokerFailoverSystem(setup: BrokerSetup, limits: TrialLimits): Promise<FailoverSystem & { close(): void }> {
  const group = setup.group as LocalGroup;
  const route = await RouteWatch.open(setup.address, RAFTMQ_TOPIC, RAFTMQ_BROKER_NAME);
  const producer = new Producer({ nameServers: [setup.address], sendTimeoutMs: limits.attemptTimeoutMs });
  producer.start();
  const body = randomBytes(MESSAGE_BYTES);

  /**
   * Healthy: every replica runs and answers, all name the same leader, the
   * NameServer's pushed route names it in its term, a send commits, and
   * every replica has applied it. Returns the leader.
   */
  async function waitHealthy(timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let problem = 'not checked yet';
    while (performance.now() <= deadline) {
      const views = await group.statuses();
      const leaders = new Set(views.map((view) => view.status?.leaderId ?? 'down'));
      const leaderView = views.find((view) => view.status?.role === 'leader');
      const status = leaderView?.status;
      if (status === undefined || status === null || leaders.size !== 1 || !leaders.has(status.id)) {
        problem = `replicas disagree on the leader or one does not answer: ${views.map((view) => `${view.id}→${view.status?.leaderId ?? 'down'}`).join(', ')}`;
      } else if (route.leader?.replicaId !== status.id || route.leader.term !== status.term) {
        problem = `the pushed route names ${route.leader === null ? 'no master' : `${route.leader.replicaId} in term ${route.leader.term}`}, the group ${status.id} in term ${status.term}`;
      } else {
        try {
          const sent = await producer.send({ topic: RAFTMQ_TOPIC, body });
          while (performance.now() <= deadline) {
            const applied = (await group.statuses()).map((view) => view.status?.appliedIndex ?? -1);
            if (applied.every((each) => each >= sent.logIndex)) return status.id;
            problem = `replicas have applied ${applied.join(', ')}, the send was entry ${sent.logIndex}`;
            await sleep(HEALTH_POLL_MS);
          }
        } catch (error) {
          problem = `a send failed: ${describeError(error)}`;
        }
      }
      await sleep(HEALTH_POLL_MS);
    }
    throw new BrokerGroupNotHealthyError(`broker group not healthy within ${timeoutMs} ms: ${problem}`);
  }

  async function watchMilestones(leader: string): Promise<MilestoneWatch> {
    const term = (await group.statuses()).find((view) => view.id === leader)?.status?.term;
    if (term === undefined) throw new BrokerGroupNotHealthyError(`the leader ${leader} did not answer just before the kill`);
    const election = new ElectionWatch(group, term, performance.now() + limits.giveUpMs, leader);
    const routed = route.leaderAbove(term);
    let newTerm: number | null = null;
    return {
      terms: () => ({ before: term, after: newTerm }),
      async settle(giveUpAt) {
        const timer = setTimeout(() => {
          election.stop();
          routed.cancel();
        }, Math.max(0, giveUpAt - performance.now()));
        const [sighting, routedAt] = await Promise.all([election.sighting, routed.seen]);
        clearTimeout(timer);
        newTerm = sighting.term;
        return { [MILESTONE.elected]: sighting.electedAt, [MILESTONE.electedNotBefore]: sighting.notBeforeAt, [MILESTONE.routed]: routedAt };
      },
    };
  }

  return {
    system: 'RaftMQ',
    attemptsInFlightMax: producerInFlightSendsMax,
    waitHealthy,
    leader: () => group.leader(),
    write: async () => {
      await producer.send({ topic: RAFTMQ_TOPIC, body });
    },
    kill: (member) => setup.kill(member),
    restart: (member) => setup.restart(member),
    watchMilestones,
    close: () => {
      producer.shutdown();
      route.close();
    },
  };
}
