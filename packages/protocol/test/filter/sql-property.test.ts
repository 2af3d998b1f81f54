import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterExpressionError, evaluateSqlFilter, parseFilterExpression, parseSqlFilter, parseTagExpression } from '../../src/index.js';

/** Either a filter or a FilterExpressionError: anything else thrown fails the property with the input that caused it. */
function parsesOrRejects(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof FilterExpressionError) return false;
    throw error;
  }
}

const propertyNames = ['a', 'b', 'c', 'TAGS', 'user.id'] as const;
const propertyValues = ['', '0', '1', '-1', '2.5', '10', '1e1', '+3', '.5', 'x', 'abc', "it's", 'true', 'FALSE', 'yes', '标签', '😀'];

/** Messages' properties: any subset of the names, with values that often parse as numbers or booleans. */
const propertiesArbitrary = fc.dictionary(
  fc.constantFrom(...propertyNames),
  fc.oneof(fc.constantFrom(...propertyValues), fc.integer({ min: -20, max: 20 }).map(String), fc.string({ maxLength: 4 })),
  { maxKeys: propertyNames.length },
);

/** Pieces of the grammar, to reach deep into the parser more often than random characters would. */
const tokenSoup = fc
  .array(
    fc.constantFrom(
      'a', 'b', 'TAGS', '=', '<>', '!=', '<', '<=', '>', '>=', '(', ')', ',', 'AND', 'or', 'Not', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE',
      'false', 'CONTAINS', 'STARTSWITH', 'ENDSWITH', "'x'", "'it''s'", "'", '1', '-2.5', '1e3', '-', '.', '!', '||', '*', '"', '\u0000',
    ),
    { maxLength: 24 },
  )
  .chain((tokens) => fc.constantFrom(tokens.join(' '), tokens.join('')));

// A reference model: its own tree, printer and evaluator, written from the semantics rather than from the implementation.

type Operand = { property: string } | { string: string } | { number: number } | { boolean: boolean };
type Node =
  | { kind: 'or' | 'and'; operands: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; operator: '=' | '<>' | '<' | '<=' | '>' | '>='; left: Operand; right: Operand }
  | { kind: 'between'; negated: boolean; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; negated: boolean; property: string; values: string[] }
  | { kind: 'isNull'; negated: boolean; property: string }
  | { kind: 'text'; match: 'CONTAINS' | 'STARTSWITH' | 'ENDSWITH'; negated: boolean; property: string; value: string };

const property = fc.constantFrom(...propertyNames).map((name): Operand => ({ property: name }));
const stringValue = fc.oneof(fc.constantFrom(...propertyValues), fc.string({ maxLength: 3 }));
const numberValue = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.constantFrom(2.5, -1, 10, 0.1, 1e21, -1e-7, 9007199254740993),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const numberOperand = numberValue.map((value): Operand => ({ number: value }));
const numeric = fc.oneof(property, numberOperand);
const equality = fc.constantFrom('=' as const, '<>' as const);
const ordering = fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const);

/** Swaps the sides at random: the literal may come first. */
function eitherOrder(left: Operand, right: Operand, swap: boolean): { left: Operand; right: Operand } {
  return swap ? { left: right, right: left } : { left, right };
}

const predicate: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ operator: equality, literal: stringValue.map((value): Operand => ({ string: value })), left: property, swap: fc.boolean() }),
  fc.record({ operator: equality, literal: fc.boolean().map((value): Operand => ({ boolean: value })), left: property, swap: fc.boolean() }),
  fc.record({ operator: fc.oneof(equality, ordering), literal: numeric, left: numeric, swap: fc.boolean() }),
  fc.record({ operator: equality, literal: property, left: property, swap: fc.constant(false) }),
).map(({ operator, literal, left, swap }): Node => ({ kind: 'compare', operator, ...eitherOrder(left, literal, swap) }));

const otherPredicate: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ negated: fc.boolean(), operand: numeric, low: numeric, high: numeric }).map((fields): Node => ({ kind: 'between', ...fields })),
  fc
    .record({ negated: fc.boolean(), property: fc.constantFrom(...propertyNames), values: fc.array(stringValue, { minLength: 1, maxLength: 4 }) })
    .map((fields): Node => ({ kind: 'in', ...fields })),
  fc.record({ negated: fc.boolean(), property: fc.constantFrom(...propertyNames) }).map((fields): Node => ({ kind: 'isNull', ...fields })),
  fc
    .record({
      match: fc.constantFrom('CONTAINS' as const, 'STARTSWITH' as const, 'ENDSWITH' as const),
      negated: fc.boolean(),
      property: fc.constantFrom(...propertyNames),
      value: stringValue,
    })
    .map((fields): Node => ({ kind: 'text', ...fields })),
);

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    predicate,
    otherPredicate,
    fc.record({ kind: fc.constantFrom('or' as const, 'and' as const), operands: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
    tie('node').map((operand): Node => ({ kind: 'not', operand })),
  ),
}));

/** How the text is written: keyword case, `!=` for `<>`, extra parentheses; none of which may change the meaning. */
interface Spelling {
  readonly keywordCase: (keyword: string) => string;
  readonly notEqual: '<>' | '!=';
  readonly extraParentheses: boolean;
}

const spelling: fc.Arbitrary<Spelling> = fc.record({
  keywordCase: fc.constantFrom(
    (keyword: string) => keyword,
    (keyword: string) => keyword.toLowerCase(),
    (keyword: string) => keyword.charAt(0) + keyword.slice(1).toLowerCase(),
  ),
  notEqual: fc.constantFrom('<>' as const, '!=' as const),
  extraParentheses: fc.boolean(),
});

const precedence = { or: 1, and: 2, not: 3 } as const;

function precedenceOf(tree: Node): number {
  return tree.kind === 'or' || tree.kind === 'and' || tree.kind === 'not' ? precedence[tree.kind] : 4;
}

/** Prints with only the parentheses precedence needs (unless told to add more), so the parser's precedence is what is tested. */
function print(tree: Node, how: Spelling): string {
  const keyword = how.keywordCase;
  const child = (operand: Node, needed: number) => {
    const text = print(operand, how);
    return precedenceOf(operand) < needed || (how.extraParentheses && precedenceOf(operand) < 4) ? `(${text})` : text;
  };
  const not = (negated: boolean) => (negated ? `${keyword('NOT')} ` : '');
  switch (tree.kind) {
    case 'or':
    case 'and':
      return tree.operands.map((operand) => child(operand, precedence[tree.kind] + 1)).join(` ${keyword(tree.kind.toUpperCase())} `);
    case 'not':
      return `${keyword('NOT')} ${child(tree.operand, precedence.not)}`;
    case 'compare':
      return `${printOperand(tree.left, how)} ${tree.operator === '<>' ? how.notEqual : tree.operator} ${printOperand(tree.right, how)}`;
    case 'between':
      return `${printOperand(tree.operand, how)} ${not(tree.negated)}${keyword('BETWEEN')} ${printOperand(tree.low, how)} ${keyword('AND')} ${printOperand(tree.high, how)}`;
    case 'in':
      return `${tree.property} ${not(tree.negated)}${keyword('IN')} (${tree.values.map(quote).join(', ')})`;
    case 'isNull':
      return `${tree.property} ${keyword('IS')} ${not(tree.negated)}${keyword('NULL')}`;
    case 'text':
      return `${tree.property} ${not(tree.negated)}${keyword(tree.match)} ${quote(tree.value)}`;
  }
}

function printOperand(operand: Operand, how: Spelling): string {
  if ('property' in operand) return operand.property;
  if ('string' in operand) return quote(operand.string);
  if ('number' in operand) return String(operand.number);
  return how.keywordCase(operand.boolean ? 'TRUE' : 'FALSE');
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

type Truth = boolean | undefined;

/** The numbers a property may hold, by the documented rule; tests use short values, so a regular expression is safe here. */
const numberPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function referenceEvaluate(tree: Node, properties: Record<string, string>): Truth {
  const read = (name: string) => (Object.hasOwn(properties, name) ? properties[name] : undefined);
  switch (tree.kind) {
    case 'or': {
      const truths = tree.operands.map((operand) => referenceEvaluate(operand, properties));
      return truths.includes(true) ? true : truths.includes(undefined) ? undefined : false;
    }
    case 'and': {
      const truths = tree.operands.map((operand) => referenceEvaluate(operand, properties));
      return truths.includes(false) ? false : truths.includes(undefined) ? undefined : true;
    }
    case 'not': {
      const truth = referenceEvaluate(tree.operand, properties);
      return truth === undefined ? undefined : !truth;
    }
    case 'compare': {
      const type = comparisonType(tree);
      const left = valueOf(tree.left, type, read);
      const right = valueOf(tree.right, type, read);
      if (left === undefined || right === undefined) return undefined;
      return { '=': left === right, '<>': left !== right, '<': left < right, '<=': left <= right, '>': left > right, '>=': left >= right }[tree.operator];
    }
    case 'between': {
      const low = referenceEvaluate({ kind: 'compare', operator: '>=', left: tree.operand, right: tree.low }, properties);
      const high = referenceEvaluate({ kind: 'compare', operator: '<=', left: tree.operand, right: tree.high }, properties);
      const inside = low === false || high === false ? false : low === undefined || high === undefined ? undefined : true;
      return inside === undefined ? undefined : inside !== tree.negated;
    }
    case 'in': {
      const value = read(tree.property);
      return value === undefined ? undefined : tree.values.includes(value) !== tree.negated;
    }
    case 'isNull':
      return (read(tree.property) === undefined) !== tree.negated;
    case 'text': {
      const value = read(tree.property);
      if (value === undefined) return undefined;
      const found = { CONTAINS: value.includes(tree.value), STARTSWITH: value.startsWith(tree.value), ENDSWITH: value.endsWith(tree.value) }[tree.match];
      return found !== tree.negated;
    }
  }
}

function comparisonType(tree: Extract<Node, { kind: 'compare' }>): 'string' | 'number' | 'boolean' {
  if (tree.operator !== '=' && tree.operator !== '<>') return 'number';
  for (const operand of [tree.left, tree.right]) {
    if ('string' in operand) return 'string';
    if ('number' in operand) return 'number';
    if ('boolean' in operand) return 'boolean';
  }
  return 'string';
}

function valueOf(operand: Operand, type: 'string' | 'number' | 'boolean', read: (name: string) => string | undefined): string | number | boolean | undefined {
  if ('string' in operand) return operand.string;
  if ('number' in operand) return operand.number;
  if ('boolean' in operand) return operand.boolean;
  const value = read(operand.property);
  if (value === undefined) return undefined;
  if (type === 'string') return value;
  if (type === 'number') return numberPattern.test(value) ? Number(value) : undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

describe('a printed filter tree', () => {
  it('parses back to a filter that answers as the reference evaluator does', () => {
    fc.assert(
      fc.property(node, spelling, fc.array(propertiesArbitrary, { minLength: 1, maxLength: 4 }), (tree, how, messages) => {
        const text = print(tree, how);
        const filter = parseSqlFilter(text);
        for (const properties of messages) {
          expect(evaluateSqlFilter(filter, properties), `${text} with ${JSON.stringify(properties)}`).toBe(referenceEvaluate(tree, properties) === true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

/**
 * Any text: random characters, grammar soup, and well-formed filters with a
 * piece cut out and another token spliced in; the last reach deepest, into
 * both successful parses and errors late in an expression.
 */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  tokenSoup,
  fc.tuple(node, spelling).map(([tree, how]) => print(tree, how)),
  fc
    .record({ tree: node, how: spelling, at: fc.nat(), cut: fc.nat({ max: 4 }), insert: fc.oneof(fc.constant(''), tokenSoup) })
    .map(({ tree, how, at, cut, insert }) => {
      const text = print(tree, how);
      const start = at % (text.length + 1);
      return text.slice(0, start) + insert + text.slice(start + cut);
    }),
);

describe('parsing any text', () => {
  it('returns a filter or throws FilterExpressionError, and a filter evaluates without throwing', () => {
    fc.assert(
      fc.property(anyText, propertiesArbitrary, (text, properties) => {
        if (parsesOrRejects(() => parseSqlFilter(text))) expect(typeof evaluateSqlFilter(parseSqlFilter(text), properties)).toBe('boolean');
        parsesOrRejects(() => parseTagExpression(text));
        parsesOrRejects(() => parseFilterExpression('SQL92', text));
        parsesOrRejects(() => parseFilterExpression('TAG', text));
      }),
      { numRuns: 2_000 },
    );
  });
});
