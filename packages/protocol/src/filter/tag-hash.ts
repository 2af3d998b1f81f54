/**
 * The hash RocketMQ stores as a message's tagsCode in its ConsumeQueue: Java's
 * `String.hashCode()`, `h = 31 * h + c` over UTF-16 code units, wrapping to a
 * signed 32-bit int. It must be bit-for-bit Java's, so that a queue written by
 * a RocketMQ broker (or a subscription a RocketMQ client computed) agrees.
 * The empty string, which stands for a message without a tag, hashes to 0.
 */
export function tagHash(tag: string): number {
  let hash = 0;
  for (let index = 0; index < tag.length; index += 1) {
    // Math.imul keeps the product exact in 32 bits; a plain `31 * hash` would lose low bits past 2^53.
    hash = (Math.imul(31, hash) + tag.charCodeAt(index)) | 0;
  }
  return hash;
}
