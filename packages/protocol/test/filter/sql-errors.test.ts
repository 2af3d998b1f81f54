import { describe, expect, it } from 'vitest';
import {
  FilterExpressionError,
  ProtocolError,
  evaluateSqlFilter,
  filterExpressionLengthMax,
  filterInListValuesMax,
  filterNestingDepthMax,
  parseSqlFilter,
} from '../../src/index.js';

function errorOf(text: string): FilterExpressionError {
  try {
    parseSqlFilter(text);
  } catch (error) {
    if (error instanceof FilterExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text.slice(0, 80))} to be rejected`);
}

describe('malformed SQL92 expressions', () => {
  it.each([
    ['', 0, "expected a property, a literal, NOT or '(', found end of expression"],
    ['   ', 3, 'found end of expression'],
    ['a', 1, 'expected a comparison operator, BETWEEN, IN, IS, CONTAINS, STARTSWITH or ENDSWITH after property a, found end of expression'],
    ['a =', 3, "expected a property or a literal after '=', found end of expression"],
    ['= 1', 0, "expected a property, a literal, NOT or '(', found '='"],
    ['a = 1 b = 2', 6, 'expected AND, OR or end of expression, found property b'],
    ['a = 1 AND', 9, 'found end of expression'],
    ['a = 1 OR OR b = 1', 9, 'found keyword OR'],
    ['(a = 1', 6, "expected AND, OR or ')', found end of expression"],
    ['a = 1)', 5, "expected AND, OR or end of expression, found ')'"],
    ['()', 1, "found ')'"],
    ['(a) = 1', 2, "after property a, found ')'"],
    ['NOT', 3, 'found end of expression'],
    ["a = 'x", 6, 'expected a closing quote for the string opened at position 4, found end of expression'],
    ["a = 'it''s", 10, 'closing quote'],
    ['a = "x"', 4, `found '"' (U+0022)`],
    ['a # 1', 2, "found '#' (U+0023)"],
    ['a = 1 ; b = 2', 6, "found ';'"],
    ['a == 1', 3, "after '=', found '='"],
    ['a ! 1', 3, "expected '=' after '!', found U+0020"],
    ['a =< 1', 3, "found '<'"],
    ['a != != 1', 5, "expected a property or a literal after '!=', found '!='"],
    ['a = - 1', 5, "expected a digit after '-', found U+0020"],
    ['a = -x', 5, "expected a digit after '-'"],
    ['a = 1.', 6, 'expected a digit after the decimal point, found end of expression'],
    ['a = 1.x', 6, "expected a digit after the decimal point, found 'x'"],
    ['a = .5', 4, "found '.'"],
    ['a = 1e999', 4, "expected a number within a double's range, found 1e999"],
    ['a = 1x', 5, 'found property x'],
    ['a = 标签', 4, "found '标' (U+6807)"],
    ['a = 😀', 4, "found '😀' (U+1F600)"],
    ['a = \u0000', 4, 'found U+0000'],
    ['a = \ud800', 4, 'found U+D800'],
    ['1a = 1', 1, 'found property a'],
    // types
    ["a > 'x'", 4, "expected a number or a property on either side of '>' (strings and booleans only compare with = and <>), found string 'x'"],
    ["'x' < a", 0, "either side of '<'"],
    ['a >= TRUE', 5, 'found keyword TRUE'],
    ["a = 1 OR a <= 'x'", 14, "found string 'x'"],
    ["1 = 'x'", 4, "expected a property or a number to compare with number 1, found string 'x'"],
    ['TRUE = 1', 7, 'expected a property or a boolean to compare with keyword TRUE, found number 1'],
    ['a = NULL', 4, 'NULL is only allowed in IS NULL and IS NOT NULL'],
    ['NULL = a', 0, 'found keyword NULL'],
    ['a <> NULL', 5, 'found keyword NULL'],
    ["a BETWEEN 'x' AND 'y'", 10, "either side of BETWEEN"],
    ['TRUE BETWEEN 1 AND 2', 0, 'found keyword TRUE'],
    ['a BETWEEN 1 OR 2', 12, 'expected AND between the bounds of BETWEEN, found keyword OR'],
    ['a BETWEEN 1', 11, 'expected AND between the bounds of BETWEEN, found end of expression'],
    ['a BETWEEN 1 AND', 15, 'found end of expression'],
    ['a IN ()', 6, "expected a string in the IN list, found ')'"],
    ['a IN (1, 2)', 6, 'expected a string in the IN list, found number 1'],
    ["a IN ('x' 'y')", 10, "expected ',' or ')' in the IN list, found string 'y'"],
    ["a IN ('x',)", 10, "found ')'"],
    ["a IN 'x'", 5, "expected '(' after IN, found string 'x'"],
    ["a IN ('x'", 9, "expected ',' or ')' in the IN list, found end of expression"],
    ["'x' IN ('x')", 0, "expected a property before IN, found string 'x'"],
    ['1 IS NULL', 0, 'expected a property before IS NULL, found number 1'],
    ['a IS', 4, 'expected NULL or NOT after IS, found end of expression'],
    ['a IS NOT', 8, 'expected NULL after IS NOT, found end of expression'],
    ["a IS 'x'", 5, "found string 'x'"],
    ['a NOT NULL', 6, 'expected BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT, found keyword NULL'],
    ['a NOT = 1', 6, "after NOT, found '='"],
    ['a CONTAINS 1', 11, 'expected a string after CONTAINS, found number 1'],
    ['a STARTSWITH b', 13, 'expected a string after STARTSWITH, found property b'],
    ['a NOT ENDSWITH', 14, 'expected a string after ENDSWITH, found end of expression'],
    ["'x' CONTAINS 'x'", 0, 'expected a property before CONTAINS'],
    ['and = 1', 0, 'found keyword AND'],
    ['a = 1 AND in = 2', 10, 'found keyword IN'],
  ])('rejects %j at position %i', (text, position, fragment) => {
    const error = errorOf(text);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe('ERR_FILTER_EXPRESSION_INVALID');
    expect(error.name).toBe('FilterExpressionError');
    expect(error.position).toBe(position);
    expect(error.message).toContain(fragment);
    expect(error.message).toMatch(new RegExp(` at position ${position}$`));
  });

  it('shortens a long token in the message', () => {
    const name = 'p'.repeat(500);
    const error = errorOf(`${name} ${name}`);
    expect(error.position).toBe(501);
    expect(error.message).toContain(`found property ${'p'.repeat(32)}...`);
    expect(error.message).not.toContain('p'.repeat(33));
  });
});

describe('SQL92 limits', () => {
  function padded(expression: string, length: number): string {
    return expression + ' '.repeat(length - expression.length);
  }

  it('accepts an expression of exactly filterExpressionLengthMax characters and rejects one more', () => {
    expect(parseSqlFilter(padded('a = 1', filterExpressionLengthMax)).text).toHaveLength(filterExpressionLengthMax);
    const error = errorOf(padded('a = 1', filterExpressionLengthMax + 1));
    expect(error.position).toBe(filterExpressionLengthMax);
    expect(error.message).toContain(`expected at most ${filterExpressionLengthMax} characters, found ${filterExpressionLengthMax + 1}`);
  });

  it('rejects a huge expression without lexing it', () => {
    const error = errorOf(`a = '${'x'.repeat(10_000_000)}`);
    expect(error.position).toBe(filterExpressionLengthMax);
  });

  it('accepts filterNestingDepthMax levels of parentheses and rejects one more', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}a = 1${')'.repeat(depth)}`;
    expect(evaluateSqlFilter(parseSqlFilter(nested(filterNestingDepthMax)), { a: '1' })).toBe(true);
    const error = errorOf(nested(filterNestingDepthMax + 1));
    expect(error.position).toBe(filterNestingDepthMax);
    expect(error.message).toContain(`expected at most ${filterNestingDepthMax} levels`);
  });

  it('counts NOTs and parentheses together toward the nesting limit', () => {
    const half = filterNestingDepthMax / 2;
    const nested = (nots: number) => `${'NOT ('.repeat(nots)}a = 1${')'.repeat(nots)}`;
    expect(evaluateSqlFilter(parseSqlFilter(nested(half)), { a: '1' })).toBe(true); // an even number of NOTs
    const error = errorOf(`${nested(half)} OR NOT ${nested(half)}`);
    expect(error.message).toContain('levels of nested parentheses and NOTs');
    expect(errorOf(`${'NOT '.repeat(filterNestingDepthMax + 1)}a = 1`).position).toBe(4 * filterNestingDepthMax);
  });

  it('rejects deep nesting inside a long expression long before the stack could run out', () => {
    const error = errorOf('('.repeat(filterExpressionLengthMax));
    expect(error.position).toBe(filterNestingDepthMax);
  });

  it('accepts filterInListValuesMax values in IN and rejects one more', () => {
    const list = (count: number) => `a IN (${Array.from({ length: count }, (_, index) => `'${index}'`).join(',')})`;
    const filter = parseSqlFilter(list(filterInListValuesMax));
    expect(evaluateSqlFilter(filter, { a: String(filterInListValuesMax - 1) })).toBe(true);
    expect(evaluateSqlFilter(filter, { a: String(filterInListValuesMax) })).toBe(false);
    const longer = list(filterInListValuesMax + 1);
    const error = errorOf(longer);
    expect(error.position).toBe(longer.lastIndexOf("'", longer.length - 3));
    expect(error.message).toContain(`expected at most ${filterInListValuesMax} values in an IN list, found more`);
  });

  it('evaluates long flat AND and OR chains without growing the nesting', () => {
    const terms = Array.from({ length: 200 }, (_, index) => `p${index} = ${index}`);
    const properties = Object.fromEntries(terms.map((_, index) => [`p${index}`, String(index)]));
    expect(evaluateSqlFilter(parseSqlFilter(terms.join(' AND ')), properties)).toBe(true);
    expect(evaluateSqlFilter(parseSqlFilter(terms.join(' OR ')), { p199: '199' })).toBe(true);
    expect(evaluateSqlFilter(parseSqlFilter(terms.join(' OR ')), { p199: '1' })).toBe(false);
  });
});
