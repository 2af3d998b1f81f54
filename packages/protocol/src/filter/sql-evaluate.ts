import { assertInvariant, filterNestingDepthMax } from './filter-limits.js';
import type { ComparisonSymbol } from './sql-lexer.js';
import type { ComparisonType, SqlExpression, SqlFilter, SqlOperand } from './sql-syntax.js';

/** A message's properties, as the broker holds them: every value a string. */
export type MessageProperties = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/**
 * SQL's three-valued logic: `undefined` is UNKNOWN, the value of anything that
 * reads a missing property or a property that is not of the compared type.
 * NOT UNKNOWN is UNKNOWN, so `NOT (a > 5)` does not match a message without
 * `a`; FALSE AND UNKNOWN is FALSE and TRUE OR UNKNOWN is TRUE.
 */
type Truth = boolean | undefined;

/**
 * Each "(" or NOT the parser allowed adds at most two levels (an OR over an
 * AND) to the tree, plus the predicate at the bottom: a tree deeper than this
 * was not made by parseSqlFilter.
 */
const treeDepthMax = 2 * (filterNestingDepthMax + 1) + 1;

/** Whether a message with these properties passes the filter: only when the expression is TRUE, never when UNKNOWN. */
export function evaluateSqlFilter(filter: SqlFilter, properties: MessageProperties): boolean {
  return evaluateSqlFilterReading(filter, propertyReader(properties));
}

/** Reads one property of the message being filtered; undefined when it has none of that name. */
export type PropertyReader = (name: string) => string | undefined;

/** evaluateSqlFilter over properties looked up one by one, so a caller can add some (the tag) without copying the rest. */
export function evaluateSqlFilterReading(filter: SqlFilter, read: PropertyReader): boolean {
  return evaluateExpression(filter.expression, read, 1) === true;
}

export function propertyReader(properties: MessageProperties): PropertyReader {
  if (properties instanceof Map) {
    const map: ReadonlyMap<string, string> = properties;
    return (name) => stringOrUndefined(map.get(name));
  }
  const record = properties as Readonly<Record<string, string>>;
  // Own properties only: a filter on `constructor` or `__proto__` must not read Object.prototype.
  return (name) => (Object.hasOwn(record, name) ? stringOrUndefined(record[name]) : undefined);
}

/** A caller outside TypeScript may slip in a non-string; it is treated as absent rather than guessed at. */
function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function evaluateExpression(expression: SqlExpression, read: PropertyReader, depth: number): Truth {
  assertInvariant(depth <= treeDepthMax, `the filter tree is at most ${treeDepthMax} deep`);
  switch (expression.kind) {
    case 'or': {
      let result: Truth = false;
      for (const operand of expression.operands) {
        const truth = evaluateExpression(operand, read, depth + 1);
        if (truth === true) return true;
        if (truth === undefined) result = undefined;
      }
      return result;
    }
    case 'and': {
      let result: Truth = true;
      for (const operand of expression.operands) {
        const truth = evaluateExpression(operand, read, depth + 1);
        if (truth === false) return false;
        if (truth === undefined) result = undefined;
      }
      return result;
    }
    case 'not':
      return not(evaluateExpression(expression.operand, read, depth + 1));
    case 'compare':
      return compare(expression.type, expression.operator, expression.left, expression.right, read);
    case 'between': {
      const low = compare('number', '>=', expression.operand, expression.low, read);
      const high = compare('number', '<=', expression.operand, expression.high, read);
      const inside = low === false || high === false ? false : low === undefined || high === undefined ? undefined : true;
      return expression.negated ? not(inside) : inside;
    }
    case 'in': {
      const value = read(expression.property);
      if (value === undefined) return undefined;
      return expression.values.has(value) !== expression.negated;
    }
    case 'isNull':
      // The one test that is never UNKNOWN: it is how a filter asks about a missing property.
      return (read(expression.property) === undefined) !== expression.negated;
    case 'text': {
      const value = read(expression.property);
      if (value === undefined) return undefined;
      const found =
        expression.match === 'CONTAINS' ? value.includes(expression.value) : expression.match === 'STARTSWITH' ? value.startsWith(expression.value) : value.endsWith(expression.value);
      return found !== expression.negated;
    }
  }
}

function not(truth: Truth): Truth {
  return truth === undefined ? undefined : !truth;
}

function compare(type: ComparisonType, operator: ComparisonSymbol, left: SqlOperand, right: SqlOperand, read: PropertyReader): Truth {
  const leftValue = operandValue(type, left, read);
  const rightValue = operandValue(type, right, read);
  if (leftValue === undefined || rightValue === undefined) return undefined;
  switch (operator) {
    case '=':
      return leftValue === rightValue;
    case '<>':
      return leftValue !== rightValue;
    case '<':
      return leftValue < rightValue;
    case '<=':
      return leftValue <= rightValue;
    case '>':
      return leftValue > rightValue;
    case '>=':
      return leftValue >= rightValue;
  }
}

/** An operand read as the comparison's type; undefined (UNKNOWN) when a property is missing or is not of that type. */
function operandValue(type: ComparisonType, operand: SqlOperand, read: PropertyReader): string | number | boolean | undefined {
  if (operand.kind !== 'property') {
    assertInvariant(operand.kind === type, `a ${operand.kind} literal in a ${type} comparison`);
    return operand.value;
  }
  const value = read(operand.name);
  if (value === undefined) return undefined;
  switch (type) {
    case 'string':
      return value;
    case 'number':
      return propertyNumber(value);
    case 'boolean':
      return propertyBoolean(value);
  }
}

/** `true`/`false` in any letter case, as Java's Boolean.parseBoolean reads them; any other value is not a boolean. */
function propertyBoolean(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/**
 * A property read as a number: `[+-]digits[.digits][e[+-]digits]` (digits on
 * at least one side of the point), nothing around it. JavaScript's Number()
 * alone is too lenient (it reads '' and ' ' as 0, and accepts hex and
 * `Infinity`). Numbers are doubles, so integers beyond 2^53 compare by their
 * nearest double, where RocketMQ would compare them as longs.
 */
export function propertyNumber(value: string): number | undefined {
  let index = value.charAt(0) === '+' || value.charAt(0) === '-' ? 1 : 0;
  const integerStart = index;
  while (isDigit(value.charAt(index))) index += 1;
  let digits = index - integerStart;
  if (value.charAt(index) === '.') {
    index += 1;
    const fractionStart = index;
    while (isDigit(value.charAt(index))) index += 1;
    digits += index - fractionStart;
  }
  if (digits === 0) return undefined;
  if (value.charAt(index) === 'e' || value.charAt(index) === 'E') {
    index += 1;
    if (value.charAt(index) === '+' || value.charAt(index) === '-') index += 1;
    const exponentStart = index;
    while (isDigit(value.charAt(index))) index += 1;
    if (index === exponentStart) return undefined;
  }
  return index === value.length ? Number(value) : undefined;
}

function isDigit(character: string): boolean {
  return character >= '0' && character <= '9';
}
