import { namesrv } from '@raftmq/protocol';
import { RequestRejectedError } from './errors.js';
import type { Resource } from './wire-types.js';

/** The topic a request names, checked against RaftMQ's topic names (ILLEGAL_TOPIC otherwise). */
export function topicOf(resource: Resource | null | undefined): string {
  const name = resource?.name ?? '';
  const checked = namesrv.topicName.safeParse(name);
  if (!checked.success) throw new RequestRejectedError('ILLEGAL_TOPIC', `topic ${JSON.stringify(name)} ${checked.error.issues[0]?.message ?? 'is not a topic name'}`);
  return name;
}
