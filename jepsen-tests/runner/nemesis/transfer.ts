import { FrameConnection, RequestCode, ResponseCode } from '@raftmq/protocol';
import type { NemesisContext } from './context.js';

/** Transfers in one storm. */
const transfersPerStorm = 5;
const transferTimeoutMs = 2_000;
/** The request's own wait on top of the transfer's. */
const requestSlackMs = 1_000;
const gapMsMin = 100;
const gapMsMax = 400;

/** A leadership-transfer storm: the admin TransferLeadership request, sent to the master, to a random other replica, several times in a row. */
export async function transferNemesis(context: NemesisContext): Promise<void> {
  const { faults, random, recorder } = context;
  const event = recorder.nemesis('transfer', 'TransferLeadership storm', 'pending');
  const moves: string[] = [];
  try {
    for (let count = 0; count < transfersPerStorm; count++) {
      const leader = await faults.group.leader();
      const others = faults.healthy().filter((id) => id !== leader);
      if (leader === undefined || others.length === 0) {
        moves.push('no master');
      } else {
        const to = random.pick(others);
        moves.push(`${leader}->${to} ${await transfer(faults.group.clientUrls[leader]!, to)}`);
      }
      await context.wait(random.between(gapMsMin, gapMsMax));
    }
  } finally {
    // The target lists every move and how it went.
    event(moves.join('; '));
  }
}

async function transfer(address: string, to: string): Promise<string> {
  const connection = new FrameConnection(address, transferTimeoutMs);
  try {
    const response = await connection.request(RequestCode.TransferLeadership, { to, timeoutMs: transferTimeoutMs }, transferTimeoutMs + requestSlackMs);
    return response.code === ResponseCode.Success ? 'ok' : `refused (${response.code})`;
  } catch (error) {
    return `error (${(error as Error).message})`;
  } finally {
    connection.close();
  }
}
