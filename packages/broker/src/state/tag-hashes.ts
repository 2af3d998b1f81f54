import { tagHash } from '@raftmq/protocol';

/**
 * The tag hashes of a send's messages as the 'sends' record carries them:
 * one big-endian i32 per message, in message order (RocketMQ's tagsCode,
 * Java's String.hashCode; 0 for a message without a tag). The leader computes
 * them once while it checks the send, so no replica decodes a message at
 * apply to fill its ConsumeQueue.
 */

/** Bytes one message's hash takes. */
export const tagHashBytes = 4;

/** The hashes of `messages`' tags, as the record stores them. */
export function encodeTagHashes(messages: readonly { readonly tags?: string | undefined }[]): Uint8Array {
  const bytes = Buffer.allocUnsafe(messages.length * tagHashBytes);
  for (let index = 0; index < messages.length; index++) bytes.writeInt32BE(tagHash(messages[index]?.tags ?? ''), index * tagHashBytes);
  return bytes;
}

/** The hash of the `index`th message; read without a DataView or Buffer so that apply allocates nothing per message. */
export function readTagHash(hashes: Uint8Array, index: number): number {
  const at = index * tagHashBytes;
  return (((hashes[at] as number) << 24) | ((hashes[at + 1] as number) << 16) | ((hashes[at + 2] as number) << 8) | (hashes[at + 3] as number)) | 0;
}
