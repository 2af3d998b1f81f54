import type { ConfChange } from './types.js';
import { AssertionError } from './errors.js';

const typeCodes = { addVoter: 1, addLearner: 2, removeNode: 3 } as const;
const nodeIdBytesMax = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A membership change as an entry payload: one type byte, then the node id in UTF-8. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const id = encoder.encode(change.nodeId);
  if (id.length === 0 || id.length > nodeIdBytesMax) throw new AssertionError(`node id must be 1..${nodeIdBytesMax} bytes`);
  const bytes = new Uint8Array(1 + id.length);
  bytes[0] = typeCodes[change.type];
  bytes.set(id, 1);
  return bytes;
}

export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const code = bytes[0];
  const nodeId = decoder.decode(bytes.subarray(1));
  if (nodeId.length === 0) throw new AssertionError('conf change without a node id');
  switch (code) {
    case typeCodes.addVoter:
      return { type: 'addVoter', nodeId };
    case typeCodes.addLearner:
      return { type: 'addLearner', nodeId };
    case typeCodes.removeNode:
      return { type: 'removeNode', nodeId };
    default:
      throw new AssertionError(`unknown conf change type ${String(code)}`);
  }
}
