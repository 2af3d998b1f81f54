import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tagHash } from '../../src/index.js';

/** Java's String.hashCode by its definition, s[0]*31^(n-1) + ... + s[n-1], in exact arithmetic then cut to a signed int. */
function javaHashByDefinition(text: string): number {
  let sum = 0n;
  for (let index = 0; index < text.length; index += 1) {
    sum += BigInt(text.charCodeAt(index)) * 31n ** BigInt(text.length - 1 - index);
  }
  return Number(BigInt.asIntN(32, sum));
}

describe('tagHash', () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['TagA', 2598919], // 84*31^3 + 97*31^2 + 103*31 + 65
    ['TagB', 2598920],
    ['hello', 99162322],
    ['hello world', 1794106052],
    ['Aa', 2112],
    ['BB', 2112],
    ['polygenelubricants', -2147483648], // the well-known string hashing to Integer.MIN_VALUE
    ['标签', 857175], // U+6807 * 31 + U+7B7E = 26631*31 + 31614
    ['😀', 1772899], // surrogate pair U+D83D U+DE00: 55357*31 + 56832
  ])('hashes %j to %i as Java does', (tag, expected) => {
    expect(tagHash(tag)).toBe(expected);
    expect(javaHashByDefinition(tag)).toBe(expected);
  });

  it('agrees with the definition of String.hashCode on any string, always a signed 32-bit int', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (tag) => {
        const hash = tagHash(tag);
        expect(hash).toBe(javaHashByDefinition(tag));
        expect(hash).toBe(hash | 0);
      }),
    );
  });
});
