import { FilterExpressionError } from '../errors.js';
import { assertInvariant, checkExpressionLength } from './filter-limits.js';

/**
 * Splits an SQL92 filter expression into tokens. One left-to-right pass with
 * no backtracking and no regular expressions, so its cost is linear in the
 * (bounded) length of the expression whatever the input.
 */

export const sqlKeywords = ['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'CONTAINS', 'STARTSWITH', 'ENDSWITH'] as const;
export type SqlKeyword = (typeof sqlKeywords)[number];

/** `!=` is accepted as a synonym of `<>`: RocketMQ's own grammar has only `<>`, but `!=` is what most people type. */
export type ComparisonSymbol = '=' | '<>' | '>' | '>=' | '<' | '<=';
export type PunctuationSymbol = '(' | ')' | ',';

export type Token =
  | { readonly kind: 'identifier'; readonly name: string; readonly position: number }
  | { readonly kind: 'keyword'; readonly keyword: SqlKeyword; readonly position: number }
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly position: number }
  | { readonly kind: 'string'; readonly value: string; readonly position: number }
  | { readonly kind: 'comparison'; readonly symbol: ComparisonSymbol; readonly text: string; readonly position: number }
  | { readonly kind: 'punctuation'; readonly symbol: PunctuationSymbol; readonly position: number }
  | { readonly kind: 'end'; readonly position: number };

const keywordSet: ReadonlySet<string> = new Set(sqlKeywords);
/** Longest shown piece of the input in an error message, so an error stays readable whatever was sent. */
const shownLengthMax = 32;

export function tokenize(text: string): Token[] {
  checkExpressionLength(text);
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text.charAt(index);
    const start = index;
    if (isWhitespace(character)) {
      index += 1;
    } else if (isIdentifierStart(character)) {
      while (index < text.length && isIdentifierPart(text.charAt(index))) index += 1;
      const name = text.slice(start, index);
      const upper = name.toUpperCase();
      tokens.push(keywordSet.has(upper) ? { kind: 'keyword', keyword: upper as SqlKeyword, position: start } : { kind: 'identifier', name, position: start });
    } else if (isDigit(character) || (character === '-' && isDigit(text.charAt(index + 1)))) {
      index = scanNumber(text, start);
      const numberText = text.slice(start, index);
      const value = Number(numberText);
      if (!Number.isFinite(value)) {
        throw new FilterExpressionError(start, `expected a number within a double's range, found ${shown(numberText)}`);
      }
      tokens.push({ kind: 'number', value, text: numberText, position: start });
    } else if (character === "'") {
      const scanned = scanString(text, start);
      index = scanned.end;
      tokens.push({ kind: 'string', value: scanned.value, position: start });
    } else if (character === '(' || character === ')' || character === ',') {
      index += 1;
      tokens.push({ kind: 'punctuation', symbol: character, position: start });
    } else {
      const comparison = scanComparison(text, start);
      index += comparison.length;
      tokens.push({ kind: 'comparison', symbol: comparison.symbol, text: text.slice(start, index), position: start });
    }
    assertInvariant(index > start, 'the lexer advances on every character');
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

/** How an error message names a token: its kind and, shortened, its text. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'identifier':
      return `property ${shown(token.name)}`;
    case 'keyword':
      return `keyword ${token.keyword}`;
    case 'number':
      return `number ${shown(token.text)}`;
    case 'string':
      return `string ${shown(`'${token.value.replaceAll("'", "''")}'`)}`;
    case 'comparison':
      return `'${token.text}'`;
    case 'punctuation':
      return `'${token.symbol}'`;
    case 'end':
      return 'end of expression';
  }
}

function shown(text: string): string {
  return text.length <= shownLengthMax ? text : `${text.slice(0, shownLengthMax)}...`;
}

/** `-`? digits (`.` digits)? (`e` [+-]? digits)?; a `.` must be followed by a digit, and an `e` without digits is not part of the number. */
function scanNumber(text: string, start: number): number {
  let index = text.charAt(start) === '-' ? start + 1 : start;
  while (isDigit(text.charAt(index))) index += 1;
  if (text.charAt(index) === '.') {
    index += 1;
    if (!isDigit(text.charAt(index))) {
      throw new FilterExpressionError(index, `expected a digit after the decimal point, found ${describeCharacter(text, index)}`);
    }
    while (isDigit(text.charAt(index))) index += 1;
  }
  const exponent = text.charAt(index);
  if (exponent === 'e' || exponent === 'E') {
    const sign = text.charAt(index + 1);
    const digitsAt = sign === '+' || sign === '-' ? index + 2 : index + 1;
    if (isDigit(text.charAt(digitsAt))) {
      index = digitsAt;
      while (isDigit(text.charAt(index))) index += 1;
    }
  }
  return index;
}

/** A single-quoted string, `''` standing for one quote; returns the offset just past the closing quote. */
function scanString(text: string, start: number): { value: string; end: number } {
  const parts: string[] = [];
  let partStart = start + 1;
  let index = partStart;
  for (;;) {
    const quoteAt = text.indexOf("'", index);
    if (quoteAt === -1) {
      throw new FilterExpressionError(text.length, `expected a closing quote for the string opened at position ${start}, found end of expression`);
    }
    if (text.charAt(quoteAt + 1) === "'") {
      parts.push(text.slice(partStart, quoteAt + 1));
      index = quoteAt + 2;
      partStart = index;
    } else {
      parts.push(text.slice(partStart, quoteAt));
      return { value: parts.join(''), end: quoteAt + 1 };
    }
  }
}

function scanComparison(text: string, start: number): { symbol: ComparisonSymbol; length: number } {
  const character = text.charAt(start);
  const next = text.charAt(start + 1);
  if (character === '=') return { symbol: '=', length: 1 };
  if (character === '<') {
    if (next === '>') return { symbol: '<>', length: 2 };
    if (next === '=') return { symbol: '<=', length: 2 };
    return { symbol: '<', length: 1 };
  }
  if (character === '>') return next === '=' ? { symbol: '>=', length: 2 } : { symbol: '>', length: 1 };
  if (character === '!') {
    if (next === '=') return { symbol: '<>', length: 2 };
    throw new FilterExpressionError(start + 1, `expected '=' after '!', found ${describeCharacter(text, start + 1)}`);
  }
  if (character === '-') {
    throw new FilterExpressionError(start + 1, `expected a digit after '-', found ${describeCharacter(text, start + 1)}`);
  }
  throw new FilterExpressionError(start, `expected a property, literal, operator or parenthesis, found ${describeCharacter(text, start)}`);
}

function describeCharacter(text: string, index: number): string {
  const codePoint = text.codePointAt(index);
  if (codePoint === undefined) return 'end of expression';
  const printable = codePoint > 0x20 && codePoint !== 0x7f && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return printable ? `'${String.fromCodePoint(codePoint)}' (${hex})` : hex;
}

function isWhitespace(character: string): boolean {
  return character === ' ' || character === '\t' || character === '\n' || character === '\r' || character === '\f';
}

function isDigit(character: string): boolean {
  return character >= '0' && character <= '9';
}

function isIdentifierStart(character: string): boolean {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') || character === '_';
}

function isIdentifierPart(character: string): boolean {
  return isIdentifierStart(character) || isDigit(character) || character === '.';
}
