import { FilterExpressionError } from '../errors.js';
import { assertInvariant, filterInListValuesMax, filterNestingDepthMax } from './filter-limits.js';
import { describeToken, tokenize, type ComparisonSymbol, type SqlKeyword, type Token } from './sql-lexer.js';
import type { ComparisonType, SqlExpression, SqlFilter, SqlOperand, TextMatch } from './sql-syntax.js';

/**
 * Parses RocketMQ's SQL92 filter dialect by recursive descent:
 *
 * ```
 * filter     = or end
 * or         = and ("OR" and)*
 * and        = not ("AND" not)*
 * not        = "NOT" not | "(" or ")" | predicate
 * predicate  = operand ( comparison operand
 *                      | ["NOT"] "BETWEEN" operand "AND" operand
 *                      | ["NOT"] "IN" "(" string ("," string)* ")"
 *                      | "IS" ["NOT"] "NULL"
 *                      | ["NOT"] ("CONTAINS" | "STARTSWITH" | "ENDSWITH") string )
 * operand    = property | number | string | "TRUE" | "FALSE"
 * comparison = "=" | "<>" | "!=" | ">" | ">=" | "<" | "<="
 * ```
 *
 * Keywords are case-insensitive; a property cannot be named like one. NULL is
 * only allowed in IS [NOT] NULL: `a = NULL` is UNKNOWN for every message in
 * SQL, so it is refused as the mistake it always is. Recursion only descends
 * through "(" and NOT, each counted against filterNestingDepthMax.
 */
export function parseSqlFilter(text: string): SqlFilter {
  const parser = new Parser(tokenize(text));
  const expression = parser.parseOr(0);
  parser.expectEnd();
  return Object.freeze({ text, expression });
}

const textMatches: ReadonlySet<string> = new Set<TextMatch>(['CONTAINS', 'STARTSWITH', 'ENDSWITH']);
const orderingSymbols: ReadonlySet<ComparisonSymbol> = new Set<ComparisonSymbol>(['<', '<=', '>', '>=']);

interface ParsedOperand {
  readonly operand: SqlOperand;
  readonly token: Token;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {
    assertInvariant(tokens.at(-1)?.kind === 'end', 'the token list ends with an end token');
  }

  parseOr(depth: number): SqlExpression {
    const operands = [this.parseAnd(depth)];
    while (this.atKeyword('OR')) {
      this.index += 1;
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') this.fail(token, 'AND, OR or end of expression');
  }

  private parseAnd(depth: number): SqlExpression {
    const operands = [this.parseNot(depth)];
    while (this.atKeyword('AND')) {
      this.index += 1;
      operands.push(this.parseNot(depth));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseNot(depth: number): SqlExpression {
    const token = this.peek();
    if (token.kind === 'keyword' && token.keyword === 'NOT') {
      this.enter(token, depth + 1);
      this.index += 1;
      return { kind: 'not', operand: this.parseNot(depth + 1) };
    }
    if (token.kind === 'punctuation' && token.symbol === '(') {
      this.enter(token, depth + 1);
      this.index += 1;
      const inner = this.parseOr(depth + 1);
      const closing = this.peek();
      if (!(closing.kind === 'punctuation' && closing.symbol === ')')) this.fail(closing, "AND, OR or ')'");
      this.index += 1;
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): SqlExpression {
    const left = this.parseOperand("a property, a literal, NOT or '('");
    const token = this.next();
    if (token.kind === 'comparison') {
      const right = this.parseOperand(`a property or a literal after '${token.text}'`);
      return { kind: 'compare', type: comparisonType(token.symbol, left, right), operator: token.symbol, left: left.operand, right: right.operand };
    }
    if (token.kind === 'keyword') {
      if (token.keyword === 'IS') return this.parseIsNull(left);
      if (token.keyword === 'NOT') {
        const negated = this.next();
        if (negated.kind === 'keyword' && isNegatable(negated.keyword)) return this.parseNegatable(left, negated.keyword, true);
        this.fail(negated, 'BETWEEN, IN, CONTAINS, STARTSWITH or ENDSWITH after NOT');
      }
      if (isNegatable(token.keyword)) return this.parseNegatable(left, token.keyword, false);
    }
    this.fail(token, `a comparison operator, BETWEEN, IN, IS, CONTAINS, STARTSWITH or ENDSWITH after ${describeToken(left.token)}`);
  }

  private parseNegatable(left: ParsedOperand, keyword: SqlKeyword, negated: boolean): SqlExpression {
    if (keyword === 'BETWEEN') {
      requireNumeric(left, 'BETWEEN');
      const low = this.parseOperand('a number or a property after BETWEEN');
      requireNumeric(low, 'BETWEEN');
      const and = this.next();
      if (!(and.kind === 'keyword' && and.keyword === 'AND')) this.fail(and, 'AND between the bounds of BETWEEN');
      const high = this.parseOperand('a number or a property after BETWEEN ... AND');
      requireNumeric(high, 'BETWEEN');
      return { kind: 'between', negated, operand: left.operand, low: low.operand, high: high.operand };
    }
    const property = requireProperty(left, keyword);
    if (keyword === 'IN') return { kind: 'in', negated, property, values: this.parseInList() };
    assertInvariant(textMatches.has(keyword), `${keyword} is a text match`);
    const value = this.next();
    if (value.kind !== 'string') this.fail(value, `a string after ${keyword}`);
    return { kind: 'text', match: keyword as TextMatch, negated, property, value: value.value };
  }

  private parseIsNull(left: ParsedOperand): SqlExpression {
    const property = requireProperty(left, 'IS NULL');
    let token = this.next();
    const negated = token.kind === 'keyword' && token.keyword === 'NOT';
    if (negated) token = this.next();
    if (!(token.kind === 'keyword' && token.keyword === 'NULL')) this.fail(token, negated ? 'NULL after IS NOT' : 'NULL or NOT after IS');
    return { kind: 'isNull', negated, property };
  }

  private parseInList(): ReadonlySet<string> {
    const open = this.next();
    if (!(open.kind === 'punctuation' && open.symbol === '(')) this.fail(open, "'(' after IN");
    const values = new Set<string>();
    for (let count = 1; ; count += 1) {
      const value = this.next();
      if (value.kind !== 'string') this.fail(value, 'a string in the IN list');
      if (count > filterInListValuesMax) {
        throw new FilterExpressionError(value.position, `expected at most ${filterInListValuesMax} values in an IN list, found more`);
      }
      values.add(value.value);
      const after = this.next();
      if (after.kind === 'punctuation' && after.symbol === ')') return values;
      if (!(after.kind === 'punctuation' && after.symbol === ',')) this.fail(after, "',' or ')' in the IN list");
    }
  }

  private parseOperand(expected: string): ParsedOperand {
    const token = this.next();
    switch (token.kind) {
      case 'identifier':
        return { token, operand: { kind: 'property', name: token.name, position: token.position } };
      case 'number':
        return { token, operand: { kind: 'number', value: token.value, position: token.position } };
      case 'string':
        return { token, operand: { kind: 'string', value: token.value, position: token.position } };
      case 'keyword':
        if (token.keyword === 'TRUE' || token.keyword === 'FALSE') {
          return { token, operand: { kind: 'boolean', value: token.keyword === 'TRUE', position: token.position } };
        }
        if (token.keyword === 'NULL') this.fail(token, `${expected} (NULL is only allowed in IS NULL and IS NOT NULL)`);
        break;
      default:
        break;
    }
    this.fail(token, expected);
  }

  private enter(token: Token, depth: number): void {
    if (depth > filterNestingDepthMax) {
      throw new FilterExpressionError(token.position, `expected at most ${filterNestingDepthMax} levels of nested parentheses and NOTs, found more`);
    }
  }

  private atKeyword(keyword: SqlKeyword): boolean {
    const token = this.peek();
    return token.kind === 'keyword' && token.keyword === keyword;
  }

  private peek(): Token {
    const token = this.tokens[this.index];
    assertInvariant(token !== undefined, 'the parser never reads past the end token');
    return token;
  }

  /** Consumes a token; the end token is never consumed, so every read past it sees end of expression again. */
  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw new FilterExpressionError(token.position, `expected ${expected}, found ${describeToken(token)}`);
  }
}

function isNegatable(keyword: SqlKeyword): boolean {
  return keyword === 'BETWEEN' || keyword === 'IN' || textMatches.has(keyword);
}

/**
 * The type a comparison reads its operands as. Two properties compare as
 * strings, or as numbers under `<`, `>`, ...; otherwise the literal decides.
 * Two literals of different types could never be equal, so that is an error,
 * as is ordering a string or a boolean.
 */
function comparisonType(symbol: ComparisonSymbol, left: ParsedOperand, right: ParsedOperand): ComparisonType {
  if (orderingSymbols.has(symbol)) {
    requireNumeric(left, `'${symbol}'`);
    requireNumeric(right, `'${symbol}'`);
    return 'number';
  }
  if (left.operand.kind === 'property' && right.operand.kind === 'property') return 'string';
  if (left.operand.kind !== 'property' && right.operand.kind !== 'property' && left.operand.kind !== right.operand.kind) {
    throw new FilterExpressionError(
      right.operand.position,
      `expected a property or a ${left.operand.kind} to compare with ${describeToken(left.token)}, found ${describeToken(right.token)}`,
    );
  }
  const literal = left.operand.kind === 'property' ? right.operand : left.operand;
  assertInvariant(literal.kind !== 'property', 'one side of this comparison is a literal');
  return literal.kind;
}

function requireNumeric(parsed: ParsedOperand, operator: string): void {
  const kind = parsed.operand.kind;
  if (kind === 'string' || kind === 'boolean') {
    throw new FilterExpressionError(
      parsed.operand.position,
      `expected a number or a property on either side of ${operator} (strings and booleans only compare with = and <>), found ${describeToken(parsed.token)}`,
    );
  }
}

function requireProperty(parsed: ParsedOperand, operator: string): string {
  if (parsed.operand.kind !== 'property') {
    throw new FilterExpressionError(parsed.operand.position, `expected a property before ${operator}, found ${describeToken(parsed.token)}`);
  }
  return parsed.operand.name;
}
