import { describe, expect, it } from 'vitest';
import {
  FilterExpressionError,
  filterExpressionLengthMax,
  matchesTags,
  mayMatchTagHash,
  parseTagExpression,
  tagHash,
} from '../../src/index.js';

function tagsOf(text: string): readonly string[] | 'all' {
  const filter = parseTagExpression(text);
  return filter.kind === 'all' ? 'all' : filter.tags;
}

function errorOf(text: string): FilterExpressionError {
  try {
    parseTagExpression(text);
  } catch (error) {
    if (error instanceof FilterExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseTagExpression', () => {
  it.each([
    ['*', 'all'],
    ['', 'all'],
    ['   ', 'all'],
    [' * ', 'all'],
    ['\t*\n', 'all'],
    ['TagA', ['TagA']],
    ['  TagA  ', ['TagA']],
    ['TagA||TagB', ['TagA', 'TagB']],
    ['TagA || TagB || TagC', ['TagA', 'TagB', 'TagC']],
    ['TagA || TagA || TagB', ['TagA', 'TagB']],
    ['Tag A || B', ['Tag A', 'B']],
    ['标签 || 😀', ['标签', '😀']],
    ['*a || b*', ['*a', 'b*']],
  ] as const)('reads %j as %j', (text, expected) => {
    expect(tagsOf(text)).toEqual(expected);
  });

  it('keeps the Java hash of every tag', () => {
    const filter = parseTagExpression('TagA || 标签');
    expect(filter.kind).toBe('tags');
    if (filter.kind !== 'tags') return;
    expect([...filter.hashes].sort()).toEqual([tagHash('TagA'), tagHash('标签')].sort());
    expect(filter.hashes.has(2598919)).toBe(true);
  });

  it.each([
    ['||', 0, "found '||'"],
    ['TagA ||', 7, 'found end of expression'],
    ['|| TagA', 0, "found '||'"],
    ['TagA || || TagB', 8, "found '||'"],
    ['TagA ||   ', 10, 'found end of expression'],
    ['TagA | TagB', 5, "found '|'"],
    ['TagA|||TagB', 6, "found '|'"],
    ['TagA || *', 8, "found '*'"],
    ['* || TagA', 0, "found '*'"],
  ])('rejects %j at position %i', (text, position, fragment) => {
    const error = errorOf(text);
    expect(error.code).toBe('ERR_FILTER_EXPRESSION_INVALID');
    expect(error.position).toBe(position);
    expect(error.message).toContain(fragment);
    expect(error.message).toContain(`at position ${position}`);
  });

  it('accepts an expression of the longest length and rejects a longer one', () => {
    const longest = 'a'.repeat(filterExpressionLengthMax);
    expect(tagsOf(longest)).toEqual([longest]);
    const error = errorOf(`${longest}b`);
    expect(error.position).toBe(filterExpressionLengthMax);
    expect(error.message).toContain('too long');
  });
});

describe('matchesTags', () => {
  const some = parseTagExpression('TagA || TagB');
  const all = parseTagExpression('*');

  it.each([
    [some, 'TagA', true],
    [some, 'TagB', true],
    [some, 'TagC', false],
    [some, 'taga', false],
    [some, ' TagA', false],
    [some, undefined, false],
    [some, '', false],
    [all, 'anything', true],
    [all, undefined, true],
    [all, '', true],
  ])('matches %j against tag %j: %s', (filter, tag, expected) => {
    expect(matchesTags(filter, tag)).toBe(expected);
  });

  it('does not take a hash collision for a match', () => {
    const filter = parseTagExpression('Aa');
    expect(tagHash('Aa')).toBe(tagHash('BB'));
    expect(mayMatchTagHash(filter, tagHash('BB'))).toBe(true);
    expect(matchesTags(filter, 'BB')).toBe(false);
    expect(matchesTags(filter, 'Aa')).toBe(true);
  });
});

describe('mayMatchTagHash', () => {
  it('passes the hash of every listed tag and of nothing else', () => {
    const filter = parseTagExpression('TagA || 😀');
    expect(mayMatchTagHash(filter, tagHash('TagA'))).toBe(true);
    expect(mayMatchTagHash(filter, tagHash('😀'))).toBe(true);
    expect(mayMatchTagHash(filter, tagHash('TagB'))).toBe(false);
    expect(mayMatchTagHash(filter, 0)).toBe(false);
  });

  it('passes every hash for *', () => {
    const filter = parseTagExpression('*');
    expect(mayMatchTagHash(filter, 0)).toBe(true);
    expect(mayMatchTagHash(filter, -123456)).toBe(true);
  });
});
