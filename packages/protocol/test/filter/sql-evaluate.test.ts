import { describe, expect, it } from 'vitest';
import { evaluateSqlFilter, parseSqlFilter, type MessageProperties } from '../../src/index.js';

type Row = readonly [expression: string, properties: Record<string, string>, expected: boolean];

function check([expression, properties, expected]: Row): void {
  const filter = parseSqlFilter(expression);
  expect(evaluateSqlFilter(filter, properties)).toBe(expected);
  // The same answer whichever form the properties come in.
  expect(evaluateSqlFilter(filter, new Map(Object.entries(properties)))).toBe(expected);
}

const none = {};

describe('SQL92 comparisons', () => {
  it.each<Row>([
    // strings
    ["a = 'x'", { a: 'x' }, true],
    ["a = 'x'", { a: 'X' }, false],
    ["a = 'x'", { a: 'x ' }, false],
    ["'x' = a", { a: 'x' }, true],
    ["a <> 'x'", { a: 'y' }, true],
    ["a <> 'x'", { a: 'x' }, false],
    ["a != 'x'", { a: 'y' }, true],
    ["a != 'x'", { a: 'x' }, false],
    ["a = ''", { a: '' }, true],
    ["a = 'it''s'", { a: "it's" }, true],
    ["a = ''''", { a: "'" }, true],
    ["a = 'x''''y'", { a: "x''y" }, true],
    ["a = '标签 😀'", { a: '标签 😀' }, true],
    ["a = 'AND OR ('", { a: 'AND OR (' }, true],
    ['a = b', { a: 'x', b: 'x' }, true],
    ['a = b', { a: '1', b: '1.0' }, false],
    ['a <> b', { a: 'x', b: 'y' }, true],
    ["'x' = 'x'", none, true],
    ["'x' = 'y'", none, false],
    // numbers: the property is read as a number
    ['a = 5', { a: '5' }, true],
    ['a = 5', { a: '5.0' }, true],
    ['a = 5', { a: '+5' }, true],
    ['a = 5', { a: '05' }, true],
    ['a = 5', { a: '5e0' }, true],
    ['a = 5', { a: ' 5' }, false],
    ['a = 5', { a: 'five' }, false],
    ['a <> 5', { a: 'five' }, false],
    ['a = 0', { a: '' }, false],
    ['a <> 0', { a: '' }, false],
    ['a = 16', { a: '0x10' }, false],
    ['a > 5', { a: 'Infinity' }, false],
    ['a <> 5', { a: 'NaN' }, false],
    ['a > 5', { a: '6' }, true],
    ['a > 5', { a: '5' }, false],
    ['a >= 5', { a: '5' }, true],
    ['a >= 5', { a: '4.999' }, false],
    ['a < 5', { a: '4.999' }, true],
    ['a < 5', { a: '5' }, false],
    ['a <= 5', { a: '5' }, true],
    ['a <= 5', { a: '5.001' }, false],
    ['5 < a', { a: '6' }, true],
    ['a > b', { a: '10', b: '9' }, true], // as numbers, though '10' < '9' as strings
    ['a > b', { a: '10', b: 'x' }, false],
    ['a = 1.5', { a: '1.50' }, true],
    ['a = -3', { a: '-3' }, true],
    ['a > -3', { a: '-2.5' }, true],
    ['a < -3', { a: '-2.5' }, false],
    ['a=-3', { a: '-3.0' }, true],
    ['a = 0', { a: '-0' }, true],
    ['a > -0.5', { a: '.5' }, true],
    ['a = 5', { a: '5.' }, true],
    ['a = 1e3', { a: '1000' }, true],
    ['a = 1E-3', { a: '0.001' }, true],
    ['a = 2.5e+2', { a: '250' }, true],
    ['a > 9223372036854775807', { a: '9223372036854775808000' }, true],
    ['a < -9223372036854775808', { a: '-1e30' }, true],
    ['a > 1e300', { a: '1e999' }, true], // a property past a double's range reads as infinity, as Java's Double.valueOf does
    ['a = 12345678901234567890', { a: '12345678901234567890' }, true],
    ['a = 0.1', { a: '0.10000000000000000001' }, true], // doubles: both round to the same value
    ['1 = 1.0', none, true],
    ['2 > 1', none, true],
    // booleans
    ['a = TRUE', { a: 'true' }, true],
    ['a = TRUE', { a: 'TRUE' }, true],
    ['a = true', { a: 'false' }, false],
    ['a = FALSE', { a: 'false' }, true],
    ['a <> FALSE', { a: 'true' }, true],
    ['a = TRUE', { a: 'yes' }, false],
    ['a <> TRUE', { a: 'yes' }, false],
    ['a = TRUE', { a: '1' }, false],
    ['TRUE = FALSE', none, false],
  ])('%s with %j is %s', (...row) => check(row as Row));
});

describe('SQL92 predicates', () => {
  it.each<Row>([
    ['a BETWEEN 1 AND 5', { a: '1' }, true],
    ['a BETWEEN 1 AND 5', { a: '5' }, true],
    ['a BETWEEN 1 AND 5', { a: '3.5' }, true],
    ['a BETWEEN 1 AND 5', { a: '0.99' }, false],
    ['a BETWEEN 1 AND 5', { a: '6' }, false],
    ['a BETWEEN 5 AND 1', { a: '3' }, false],
    ['a BETWEEN -5 AND -1', { a: '-3' }, true],
    ['a BETWEEN 1 AND 5', { a: 'x' }, false],
    ['a BETWEEN 1 AND 5', none, false],
    ['a NOT BETWEEN 1 AND 5', { a: '6' }, true],
    ['a NOT BETWEEN 1 AND 5', { a: '3' }, false],
    ['a NOT BETWEEN 1 AND 5', none, false],
    ['a BETWEEN lo AND hi', { a: '3', lo: '1', hi: '5' }, true],
    ['a BETWEEN lo AND 5', { a: '9' }, false], // 9 <= 5 is FALSE, so UNKNOWN AND FALSE is FALSE...
    ['a NOT BETWEEN lo AND 5', { a: '9' }, true], // ...and its NOT is TRUE
    ['a NOT BETWEEN lo AND 5', { a: '3' }, false], // UNKNOWN AND TRUE is UNKNOWN
    ['a BETWEEN 1 AND 5 AND b = 1', { a: '2', b: '1' }, true],
    ["a IN ('x', 'y')", { a: 'x' }, true],
    ["a IN ('x', 'y')", { a: 'y' }, true],
    ["a IN ('x', 'y')", { a: 'z' }, false],
    ["a IN ('x')", { a: 'x' }, true],
    ["a IN ('x', 'y')", none, false],
    ["a NOT IN ('x', 'y')", { a: 'z' }, true],
    ["a NOT IN ('x', 'y')", { a: 'x' }, false],
    ["a NOT IN ('x', 'y')", none, false],
    ["a IN ('1')", { a: '1.0' }, false],
    ["a IN ('it''s', '')", { a: "it's" }, true],
    ["a IN ('it''s', '')", { a: '' }, true],
    ['a IS NULL', none, true],
    ['a IS NULL', { a: '' }, false],
    ['a IS NULL', { a: 'x' }, false],
    ['a IS NOT NULL', { a: '' }, true],
    ['a IS NOT NULL', none, false],
    ['NOT a IS NULL', { a: 'x' }, true],
    ["a CONTAINS 'bc'", { a: 'abcd' }, true],
    ["a CONTAINS 'bc'", { a: 'abd' }, false],
    ["a CONTAINS ''", { a: '' }, true],
    ["a CONTAINS 'x'", none, false],
    ["a NOT CONTAINS 'bc'", { a: 'abd' }, true],
    ["a NOT CONTAINS 'bc'", { a: 'abcd' }, false],
    ["a NOT CONTAINS 'bc'", none, false],
    ["a STARTSWITH 'ab'", { a: 'abc' }, true],
    ["a STARTSWITH 'ab'", { a: 'cab' }, false],
    ["a STARTSWITH 'ab'", none, false],
    ["a NOT STARTSWITH 'ab'", { a: 'cab' }, true],
    ["a ENDSWITH 'ab'", { a: 'cab' }, true],
    ["a ENDSWITH 'ab'", { a: 'abc' }, false],
    ["a NOT ENDSWITH 'ab'", { a: 'abc' }, true],
    ["a ENDSWITH '😀'", { a: 'x😀' }, true],
  ])('%s with %j is %s', (...row) => check(row as Row));
});

describe('SQL92 three-valued logic and precedence', () => {
  it.each<Row>([
    // a missing or non-numeric property makes a comparison UNKNOWN, and NOT UNKNOWN is still UNKNOWN
    ['a > 5', none, false],
    ['NOT (a > 5)', none, false],
    ['NOT a > 5', none, false],
    ["NOT a = 'x'", none, false],
    ["NOT a = 'x'", { a: 'y' }, true],
    ['NOT NOT a > 5', none, false],
    ['NOT NOT a > 5', { a: '6' }, true],
    ['NOT (a > 5)', { a: 'seven' }, false],
    // OR: TRUE wins over UNKNOWN; AND: FALSE wins over UNKNOWN
    ['a > 5 OR b = 1', { b: '1' }, true],
    ['a > 5 OR b = 1', { b: '2' }, false],
    ['NOT (a > 5 OR b = 1)', { b: '2' }, false], // NOT (UNKNOWN OR FALSE) = NOT UNKNOWN
    ['NOT (a > 5 OR b = 1)', { a: '1', b: '2' }, true],
    ['a > 5 AND b = 1', { b: '2' }, false],
    ['NOT (a > 5 AND b = 1)', { b: '2' }, true], // NOT (UNKNOWN AND FALSE) = NOT FALSE
    ['NOT (a > 5 AND b = 1)', { b: '1' }, false], // NOT (UNKNOWN AND TRUE) = NOT UNKNOWN
    ['a > 5 OR a <= 5', none, false], // not a tautology under three-valued logic
    ['a > 5 OR a <= 5 OR a IS NULL', none, true],
    // NOT binds tighter than AND, AND tighter than OR
    ['a = 1 OR b = 1 AND c = 1', { a: '1' }, true],
    ['(a = 1 OR b = 1) AND c = 1', { a: '1' }, false],
    ['a = 1 AND b = 1 OR c = 1', { c: '1' }, true],
    ['a = 1 AND (b = 1 OR c = 1)', { c: '1' }, false],
    ['NOT a = 1 AND b = 1', { a: '2', b: '1' }, true],
    ['NOT (a = 1 AND b = 1)', { a: '2', b: '2' }, true],
    ['NOT a = 1 AND b = 1', { a: '2', b: '2' }, false],
    ['NOT a = 1 OR b = 1', { a: '1', b: '1' }, true],
    ['NOT (a = 1 OR b = 1)', { a: '1', b: '1' }, false],
    ['a = 1 OR b = 1 OR c = 1 OR d = 1', { d: '1' }, true],
    ['a = 1 AND b = 1 AND c = 1 AND d = 1', { a: '1', b: '1', c: '1' }, false],
    ['((((a = 1))))', { a: '1' }, true],
    // keywords are case-insensitive, property names are not
    ["a = 1 and b = 'x' Or NoT c iS nOt NuLl", { a: '1', b: 'x' }, true],
    ["a between 1 and 2 AND b in ('x') AND c contains 'y' and d StartsWith 'z' and e endswith 'w'", { a: '1', b: 'x', c: 'y', d: 'z', e: 'w' }, true],
    ['a = true', { a: 'true' }, true],
    ['A = 1', { a: '1' }, false],
    // property names: underscores, digits, dots
    ['user.age_2 >= 18', { 'user.age_2': '18' }, true],
    ['_x = 1', { _x: '1' }, true],
    // whitespace of any kind between tokens, or none
    ["\ta\n=\r\n'x'\f", { a: 'x' }, true],
    ["a='x'AND(b>1)", { a: 'x', b: '2' }, true],
    // the tag as the TAGS property
    ["TAGS = 'TagA'", { TAGS: 'TagA' }, true],
    ["TAGS IN ('TagA', 'TagB')", { TAGS: 'TagC' }, false],
  ])('%s with %j is %s', (...row) => check(row as Row));
});

describe('property lookup', () => {
  it('reads only a record’s own properties, never Object.prototype', () => {
    const filter = parseSqlFilter('constructor IS NOT NULL OR toString IS NOT NULL OR __proto__ IS NOT NULL');
    expect(evaluateSqlFilter(filter, {})).toBe(false);
    expect(evaluateSqlFilter(filter, { toString: 'x' })).toBe(true);
  });

  it('treats a non-string value slipped in from untyped code as missing', () => {
    const properties = { a: 5 } as unknown as MessageProperties;
    expect(evaluateSqlFilter(parseSqlFilter('a IS NULL'), properties)).toBe(true);
    expect(evaluateSqlFilter(parseSqlFilter('a = 5'), properties)).toBe(false);
  });
});
