import { FilterExpressionError } from '../errors.js';
import { checkExpressionLength } from './filter-limits.js';
import { tagHash } from './tag-hash.js';

/**
 * RocketMQ's TAG subscription expression: `*` (or blank) for every message,
 * else `TagA || TagB`, a message matching when its one tag is in the list.
 * The hashes are kept beside the tags because the broker first sees only a
 * message's tagsCode in the ConsumeQueue, and reads the message itself only
 * when that hash may match.
 */
export type TagExpression =
  | { readonly kind: 'all' }
  | { readonly kind: 'tags'; readonly tags: readonly string[]; readonly hashes: ReadonlySet<number> };

const separator = '||';
const all: TagExpression = Object.freeze({ kind: 'all' });

/**
 * Parses a TAG expression. Whitespace around each tag is dropped (as JavaScript's
 * `trim`, the same test `isValidTag` applies to a message's tag); duplicates are
 * kept once, in first-seen order. Unlike RocketMQ, which skips empty
 * alternatives, `A || || B` is an error: it is far likelier a typo than intent.
 * A tag holding `|` or a `*` among other tags is rejected too, since no valid
 * message tag could ever match it.
 */
export function parseTagExpression(text: string): TagExpression {
  checkExpressionLength(text);
  const whole = text.trim();
  if (whole === '' || whole === '*') return all;
  const tags: string[] = [];
  let start = 0;
  for (;;) {
    const separatorAt = text.indexOf(separator, start);
    const end = separatorAt === -1 ? text.length : separatorAt;
    const alternative = text.slice(start, end);
    const tag = alternative.trim();
    const tagAt = start + (alternative.length - alternative.trimStart().length);
    if (tag === '') {
      throw new FilterExpressionError(end, `expected a tag, found ${separatorAt === -1 ? 'end of expression' : `'${separator}'`}`);
    }
    if (tag === '*') {
      throw new FilterExpressionError(tagAt, `expected a tag, found '*' (which may only stand alone, meaning every tag)`);
    }
    const barAt = tag.indexOf('|');
    if (barAt !== -1) {
      throw new FilterExpressionError(tagAt + barAt, `expected '${separator}' between tags or the end of a tag, found '|'`);
    }
    if (!tags.includes(tag)) tags.push(tag);
    if (separatorAt === -1) break;
    start = separatorAt + separator.length;
  }
  return Object.freeze({ kind: 'tags', tags: Object.freeze(tags), hashes: new Set(tags.map(tagHash)) });
}

/** Whether a message with this tag (undefined or empty: no tag) passes: an untagged message passes only `*`. */
export function matchesTags(filter: TagExpression, tag: string | undefined): boolean {
  if (filter.kind === 'all') return true;
  if (tag === undefined || tag === '') return false;
  return filter.hashes.has(tagHash(tag)) && filter.tags.includes(tag);
}

/**
 * The ConsumeQueue pre-check on a message's stored tag hash: false means the
 * message surely does not match; true means it may, as distinct tags can share
 * a hash (`Aa` and `BB` do), so the broker must then call matchesTags.
 */
export function mayMatchTagHash(filter: TagExpression, hash: number): boolean {
  return filter.kind === 'all' || filter.hashes.has(hash);
}
