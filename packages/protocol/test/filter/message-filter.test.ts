import { describe, expect, it } from 'vitest';
import { FilterExpressionError, parseFilterExpression, tagHash, tagPropertyName, type MessageFilter } from '../../src/index.js';

describe('parseFilterExpression', () => {
  it('holds a TAG subscription as one object that matches by tag and pre-checks by hash', () => {
    const filter: MessageFilter = parseFilterExpression('TAG', 'TagA || TagB');
    expect(filter.type).toBe('TAG');
    expect(filter.text).toBe('TagA || TagB');
    expect(filter.matches({ tag: 'TagA', properties: {} })).toBe(true);
    expect(filter.matches({ tag: 'TagC', properties: { TAGS: 'TagA' } })).toBe(false);
    expect(filter.matches({ properties: new Map() })).toBe(false);
    expect(filter.matches({})).toBe(false);
    expect(filter.mayMatchTagHash(tagHash('TagB'))).toBe(true);
    expect(filter.mayMatchTagHash(tagHash('TagC'))).toBe(false);
    if (filter.type === 'TAG') expect(filter.expression.kind).toBe('tags');
  });

  it('holds an SQL92 subscription that sees the tag as TAGS and never rules out by hash', () => {
    const filter = parseFilterExpression('SQL92', `${tagPropertyName} = 'TagA' AND price > 10`);
    expect(filter.type).toBe('SQL92');
    expect(filter.matches({ tag: 'TagA', properties: { price: '11' } })).toBe(true);
    expect(filter.matches({ tag: 'TagA', properties: new Map([['price', '11']]) })).toBe(true);
    expect(filter.matches({ tag: 'TagB', properties: { price: '11' } })).toBe(false);
    expect(filter.matches({ tag: 'TagA', properties: { price: '9' } })).toBe(false);
    expect(filter.matches({ properties: { price: '11' } })).toBe(false);
    expect(filter.mayMatchTagHash(tagHash('TagB'))).toBe(true);
    expect(filter.mayMatchTagHash(0)).toBe(true);
  });

  it('lets the message’s tag win over a TAGS property, and keeps TAGS when there is no tag', () => {
    const filter = parseFilterExpression('SQL92', "TAGS = 'TagA'");
    expect(filter.matches({ tag: 'TagB', properties: { TAGS: 'TagA' } })).toBe(false);
    expect(filter.matches({ tag: 'TagA', properties: { TAGS: 'TagB' } })).toBe(true);
    expect(filter.matches({ properties: { TAGS: 'TagA' } })).toBe(true);
    expect(filter.matches({ tag: '', properties: {} })).toBe(false);
    expect(parseFilterExpression('SQL92', 'TAGS IS NULL').matches({ properties: {} })).toBe(true);
    expect(parseFilterExpression('SQL92', 'TAGS IS NULL').matches({ tag: 'x', properties: {} })).toBe(false);
  });

  it('does not change the caller’s properties', () => {
    const properties = new Map([['a', '1']]);
    parseFilterExpression('SQL92', 'a = 1').matches({ tag: 'TagA', properties });
    expect([...properties]).toEqual([['a', '1']]);
  });

  it('refuses a filter type other than TAG and SQL92 instead of guessing one', () => {
    expect(() => parseFilterExpression('sql92' as 'SQL92', 'a = 1')).toThrow(/expected filter type TAG or SQL92, found "sql92"/);
    expect(() => parseFilterExpression('sql92' as 'SQL92', 'a = 1')).toThrow(FilterExpressionError);
  });

  it.each([
    ['TAG', 'TagA ||', 7],
    ['SQL92', 'a >', 3],
    ['SQL92', '*', 0],
  ] as const)('rejects a malformed %s expression %j with FilterExpressionError at %i', (type, text, position) => {
    expect(() => parseFilterExpression(type, text)).toThrow(FilterExpressionError);
    try {
      parseFilterExpression(type, text);
    } catch (error) {
      expect(error).toBeInstanceOf(FilterExpressionError);
      expect((error as FilterExpressionError).position).toBe(position);
    }
  });
});
